/**
 * V2 REST inference request/response <-> core types. Pure functions, no I/O.
 * Spec: OIP inference_rest.md ("Inference Request JSON Object", "Inference Response JSON Object", "Tensor Data")
 * and Triton's binary tensor data extension (docs/protocol/extension_binary_data.md).
 */
import type { InferRequest, InferResponse, ParameterValue, RequestedOutput } from '../../core/index.js';
import { DATATYPES, isDatatype, type Datatype, type Tensor, type TensorData } from '../../tensor/index.js';
import { invalidArgument } from '../../errors/index.js';
import { checkBinarySize, decodeBinaryData, encodeBinaryData } from './binary-data.js';
import { decodeJsonData, encodeJsonData } from './json-data.js';
import {
  clip, decodeParameters, decodeRequestParameters, describe, expectBoolean, expectSafeUint, isPlainObject,
  rejectSharedMemory,
} from './parameters.js';

export interface DecodeLimits {
  /** Most elements one tensor may have; checked from the shape before anything is allocated. */
  readonly maxElements: number;
}

/** Ranks beyond this are refused outright (ONNX models in practice stay under 10). */
const MAX_RANK = 64;
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
  const parameters = decodeRequestParameters(header.parameters);
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
  const count = countElements(shape, where, limits.maxElements);
  const params = decodeParameters(v.parameters, where);
  rejectSharedMemory(params, where);
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

/** OIP: "each dimension must be an integer representable as an unsigned 64-bit integer"; we also need it exact in JS. */
function decodeShape(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) throw invalidArgument(`${where}: 'shape' must be an array of non-negative integers, got ${describe(v)}`);
  if (v.length > MAX_RANK) throw invalidArgument(`${where}: shape has ${v.length} dims, more than the limit of ${MAX_RANK}`);
  for (let i = 0; i < v.length; i++) {
    const d: unknown = v[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw invalidArgument(`${where}: shape dim ${i} is ${describe(d)}; dims must be non-negative integers`);
    }
  }
  return v as number[];
}

/** Every partial product is <= the final one (all dims >= 1 unless one is 0), so the float product is exact up to 2^53. */
function countElements(shape: readonly number[], where: string, max: number): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (shape.includes(0)) return 0;
  if (n > max) {
    throw invalidArgument(`${where}: shape [${shape.join(',')}] has ${n} elements, more than the limit of ${max}`);
  }
  return n;
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
    const parameters = decodeParameters(item.parameters, where);
    expectBoolean(parameters, 'binary_data', where);
    rejectSharedMemory(parameters, where);
    if (parameters?.has('classification')) {
      throw invalidArgument(`${where}: the classification extension is not supported by this server`);
    }
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
