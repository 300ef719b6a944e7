/**
 * V2 REST inference request/response <-> core types. Pure functions, no I/O.
 * Spec: OIP inference_rest.md ("Inference Request JSON Object", "Inference Response JSON Object", "Tensor Data")
 * and Triton's binary tensor data extension (docs/protocol/extension_binary_data.md).
 */
import { checkInputParameters, checkShape, type InferRequest, type InferResponse, type ParameterValue, type RequestedOutput } from '../../core/index.js';
import { DATATYPES, isDatatype, type Datatype, type Tensor, type TensorData } from '../../tensor/index.js';
import { invalidArgument } from '../../errors/index.js';
import { checkBinarySize, decodeBinaryData, encodeBinaryData } from './binary-data.js';
import { decodeJsonData, encodeJsonData } from './json-data.js';
import { clip, decodeParameters, describe, expectSafeUint, isPlainObject } from './parameters.js';

export interface DecodeLimits {
  /** Most elements one tensor may have; checked from the shape before anything is allocated. */
  readonly maxElements: number;
}

const EMPTY = Buffer.alloc(0);

interface InputSpec {
  readonly name: string;
  readonly where: string;
  readonly datatype: Datatype;
  readonly shape: number[];
  readonly count: number;
  readonly data: unknown;
  /** Set when the tensor's bytes follow the JSON header. */
  readonly binarySize: number | undefined;
}

/**
 * Decodes a parsed JSON header plus the bytes after it. Two passes: the first validates every input's
 * metadata and sizes (cheap, no allocation), the second converts data, so a bad last input costs nothing.
 */
export function decodeInferRequest(
  header: unknown, binary: Buffer | undefined, modelName: string, modelVersion: string | undefined,
  limits: DecodeLimits,
): InferRequest {
  if (!isPlainObject(header)) throw invalidArgument('request body must be a JSON object');
  const id = header.id;
  if (id !== undefined && typeof id !== 'string') throw invalidArgument(`request 'id' must be a string, got ${describe(id)}`);
  // What the parameters may say is checked by core (core/parameters.ts), after the model is resolved.
  const parameters = decodeParameters(header.parameters, 'request');
  const specs = decodeInputSpecs(header.inputs, limits);
  checkBinaryTotal(specs, binary);
  const inputs = decodeInputData(specs, binary ?? EMPTY);
  const outputs = decodeRequestedOutputs(header.outputs);
  return { modelName, modelVersion: modelVersion || undefined, id, parameters, inputs, outputs };
}

function decodeInputSpecs(v: unknown, limits: DecodeLimits): InputSpec[] {
  if (!Array.isArray(v)) throw invalidArgument(`request 'inputs' must be an array, got ${describe(v)}`);
  const seen = new Set<string>();
  return v.map((item, i) => {
    const spec = decodeInputSpec(item, i, limits);
    if (seen.has(spec.name)) throw invalidArgument(`duplicate input '${clip(spec.name)}'`);
    seen.add(spec.name);
    return spec;
  });
}

function decodeInputSpec(v: unknown, index: number, limits: DecodeLimits): InputSpec {
  if (!isPlainObject(v)) throw invalidArgument(`inputs[${index}] must be a JSON object`);
  const name = v.name;
  if (typeof name !== 'string' || name === '') {
    throw invalidArgument(`inputs[${index}]: 'name' must be a non-empty string, got ${describe(name)}`);
  }
  const where = `input '${clip(name)}'`;
  if (!isDatatype(v.datatype)) {
    throw invalidArgument(`${where}: unsupported datatype ${describe(v.datatype)}; expected one of ${DATATYPES.join(', ')}`);
  }
  const shape = decodeShape(v.shape, where);
  // Core's rank and element limits, before any data is read or allocated.
  const count = checkShape(shape, where, limits.maxElements);
  const params = decodeParameters(v.parameters, where);
  // Before the data checks: a shared-memory input has no data here, and the client should hear why.
  checkInputParameters(params, where);
  const binarySize = expectSafeUint(params, 'binary_data_size', where, 'bytes');
  const spec: InputSpec = { name, where, datatype: v.datatype, shape, count, data: v.data, binarySize };
  if (binarySize !== undefined && v.data !== undefined) {
    throw invalidArgument(`${where} has both JSON 'data' and parameters.binary_data_size; send one`);
  }
  if (binarySize === undefined && v.data === undefined) {
    throw invalidArgument(`${where} has no data: give 'data' or parameters.binary_data_size with the bytes after the JSON`);
  }
  if (binarySize !== undefined) checkBinarySize(spec, binarySize);
  return spec;
}

/** The JSON side of a shape: an array of numbers; core's checkShape then applies the rules on dims. */
function decodeShape(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) throw invalidArgument(`${where}: 'shape' must be an array of non-negative integers, got ${describe(v)}`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number') throw invalidArgument(`${where}: shape dim ${i} is ${describe(v[i])}; dims must be non-negative integers`);
  }
  return v as number[];
}

/** Binary tensors are consumed in input order; together they must account for every byte after the header. */
function checkBinaryTotal(specs: readonly InputSpec[], binary: Buffer | undefined): void {
  let expected = 0;
  for (const s of specs) expected += s.binarySize ?? 0;
  const found = binary?.length ?? 0;
  if (expected === found) return;
  const hint = binary === undefined && expected > 0 ? ' (is the Inference-Header-Content-Length header set?)' : '';
  throw invalidArgument(`expected ${expected} bytes of binary tensor data after the JSON header ` +
    `(the sum of binary_data_size), found ${found}${hint}`);
}

function decodeInputData(specs: readonly InputSpec[], binary: Buffer): Tensor[] {
  let offset = 0;
  return specs.map((s) => {
    let data: TensorData;
    if (s.binarySize === undefined) data = decodeJsonData(s, s.data);
    else {
      data = decodeBinaryData(s, binary, offset, s.binarySize);
      offset += s.binarySize;
    }
    return { name: s.name, datatype: s.datatype, shape: s.shape, data };
  });
}

function decodeRequestedOutputs(v: unknown): RequestedOutput[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalidArgument(`request 'outputs' must be an array, got ${describe(v)}`);
  const seen = new Set<string>();
  return v.map((item: unknown, i) => {
    if (!isPlainObject(item)) throw invalidArgument(`outputs[${i}] must be a JSON object`);
    const name = item.name;
    if (typeof name !== 'string' || name === '') {
      throw invalidArgument(`outputs[${i}]: 'name' must be a non-empty string, got ${describe(name)}`);
    }
    const where = `output '${clip(name)}'`;
    if (seen.has(name)) throw invalidArgument(`duplicate output '${clip(name)}'`);
    seen.add(name);
    // binary_data, classification, shared memory: core's rules (checkOutputParameters), as on every transport.
    const parameters = decodeParameters(item.parameters, where);
    return parameters ? { name, parameters } : { name };
  });
}

/**
 * Per binary_data extension: an output is binary when its request entry says `binary_data: true`, else when the
 * request says `binary_data_output: true`; the per-output setting wins either way.
 */
function binarySelector(req: InferRequest): (name: string) => boolean {
  const perOutput = new Map<string, boolean>();
  for (const o of req.outputs ?? []) {
    const b = o.parameters?.get('binary_data');
    if (typeof b === 'boolean') perOutput.set(o.name, b);
  }
  const all = req.parameters?.get('binary_data_output') === true;
  return (name) => perOutput.get(name) ?? all;
}

/**
 * Writes the response JSON by hand (no intermediate arrays of numbers; JSON.stringify only escapes strings) and
 * appends binary outputs after it in output order. headerLength is set only when some output is binary, and is
 * then the value for the Inference-Header-Content-Length response header.
 */
export function encodeInferResponse(res: InferResponse, req: InferRequest): { body: Buffer; headerLength: number | undefined } {
  const isBinary = binarySelector(req);
  let json = `{"model_name":${JSON.stringify(res.modelName)}`;
  if (res.modelVersion) json += `,"model_version":${JSON.stringify(res.modelVersion)}`;
  const id = res.id ?? req.id;
  if (id !== undefined) json += `,"id":${JSON.stringify(id)}`;
  if (res.parameters && res.parameters.size > 0) json += `,"parameters":${encodeParameters(res.parameters)}`;
  json += ',"outputs":[';
  const blobs: Buffer[] = [];
  res.outputs.forEach((t, i) => {
    json += `${i ? ',' : ''}{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(',')}]`;
    if (isBinary(t.name)) {
      const bytes = encodeBinaryData(t);
      blobs.push(bytes);
      json += `,"parameters":{"binary_data_size":${bytes.length}}}`;
    } else {
      json += `,"data":${encodeJsonData(t)}}`;
    }
  });
  json += ']}';
  const head = Buffer.from(json, 'utf8');
  if (blobs.length === 0) return { body: head, headerLength: undefined };
  return { body: Buffer.concat([head, ...blobs]), headerLength: head.length };
}

function encodeParameters(p: ReadonlyMap<string, ParameterValue>): string {
  const parts: string[] = [];
  for (const [k, v] of p) {
    const value = typeof v === 'bigint' ? v.toString() : typeof v === 'number' && !Number.isFinite(v) ? 'null' : JSON.stringify(v);
    parts.push(`${JSON.stringify(k)}:${value}`);
  }
  return `{${parts.join(',')}}`;
}
