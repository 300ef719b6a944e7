/**
 * The REST inference body, both ways: the JSON request of inference_rest.md, with Triton's binary tensor data
 * extension (docs/protocol/extension_binary_data.md) when inputs or outputs travel as bytes. Pure functions.
 *
 * Binary inputs carry `parameters.binary_data_size` and their bytes follow the JSON header in input order; the
 * header's length goes in Inference-Header-Content-Length. Binary outputs are asked for per output
 * (`binary_data`) and for all (`binary_data_output`); the answer has the same layout.
 */
import { isClientDatatype } from './datatypes.js';
import { badResponse, invalidInput } from './errors.js';
import { fromJsonData, jsonData } from './json-data.js';
import { parseJson, stringifyExact } from './json-exact.js';
import { InferResult } from './result.js';
import { elementCount, fromRawBytes, rawBytes, type PreparedInput } from './tensor-data.js';
import type { InferRequestOptions, OutputTensor, ParameterValue, Parameters } from './types.js';

export interface RestInferBody {
  readonly body: Buffer;
  /** Set when binary data follows the JSON header. */
  readonly headerLength: number | undefined;
}

function parametersJson(p: Parameters | undefined, where: string): string | undefined {
  if (!p || Object.keys(p).length === 0) return undefined;
  try {
    return stringifyExact(p);
  } catch (e) {
    throw invalidInput(`${where} parameters: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * `binaryInputs`: send every input as binary data; otherwise only those JSON cannot carry (json-data.ts).
 * `binaryOutputs`: ask for binary outputs unless a requested output says otherwise.
 */
export function encodeRestInfer(inputs: readonly PreparedInput[], req: InferRequestOptions, binaryInputs: boolean, binaryOutputs: boolean): RestInferBody {
  const blobs: Buffer[] = [];
  const parts: string[] = [];
  if (req.id !== undefined) parts.push(`"id":${JSON.stringify(req.id)}`);
  const params = parametersJson(binaryOutputs ? { ...req.parameters, binary_data_output: true } : req.parameters, 'request');
  if (params) parts.push(`"parameters":${params}`);
  const inputJson = inputs.map((t) => {
    const where = `input '${t.name}'`;
    const data = binaryInputs ? undefined : jsonData(t.datatype, t.data);
    let head = `{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(',')}]`;
    if (data === undefined) {
      const bytes = rawBytes(t.data);
      blobs.push(bytes);
      head += `,"parameters":${parametersJson({ ...t.parameters, binary_data_size: bytes.length }, where)}}`;
      return head;
    }
    const p = parametersJson(t.parameters, where);
    return `${head}${p ? `,"parameters":${p}` : ''},"data":${data}}`;
  });
  parts.push(`"inputs":[${inputJson.join(',')}]`);
  if (req.outputs) {
    const outs = req.outputs.map((o) => {
      const out = typeof o === 'string' ? { name: o } : o;
      const binary = out.binary ?? binaryOutputs;
      // An explicit false is written too: it overrides binary_data_output for this output.
      const p = parametersJson(binary || out.binary === false ? { ...out.parameters, binary_data: binary } : out.parameters, `output '${out.name}'`);
      return `{"name":${JSON.stringify(out.name)}${p ? `,"parameters":${p}` : ''}}`;
    });
    parts.push(`"outputs":[${outs.join(',')}]`);
  }
  const head = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  if (blobs.length === 0) return { body: head, headerLength: undefined };
  return { body: Buffer.concat([head, ...blobs]), headerLength: head.length };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the response header is read field by field
type Any = any;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON parameters as ParameterValues: scalars only (a V2 parameter is never structured). */
export function readParameters(v: unknown): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  if (!isObject(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') out[k] = x;
  }
  return out;
}

function parseHeaderLength(v: string | null, bodyLength: number): number {
  if (v === null) return bodyLength;
  const n = /^\s*\d{1,15}\s*$/.test(v) ? Number(v) : NaN;
  if (!(n <= bodyLength)) throw badResponse(`Inference-Header-Content-Length '${v}' does not fit the ${bodyLength}-byte body`);
  return n;
}

/** An infer answer: JSON, or (with Inference-Header-Content-Length) a JSON header followed by binary outputs. */
export function decodeRestInfer(body: Buffer, headerLength: string | null): InferResult {
  const n = parseHeaderLength(headerLength, body.length);
  let head: Any;
  try {
    head = parseJson(body.subarray(0, n).toString('utf8'));
  } catch (e) {
    throw badResponse(`the inference response is not JSON (${e instanceof Error ? e.message : String(e)})`, e);
  }
  if (!isObject(head) || !Array.isArray(head.outputs)) throw badResponse("the inference response has no 'outputs' array");
  let at = n;
  const outputs = head.outputs.map((o: Any, i: number): OutputTensor => {
    if (!isObject(o) || typeof o.name !== 'string') throw badResponse(`outputs[${i}] has no name`);
    const where = `output '${o.name}'`;
    if (!isClientDatatype(o.datatype)) throw badResponse(`${where}: unknown datatype ${JSON.stringify(o.datatype)}`);
    if (!Array.isArray(o.shape) || !o.shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
      throw badResponse(`${where}: shape is not a list of non-negative integers`);
    }
    const shape = o.shape as number[];
    const { binary_data_size: size, ...parameters } = readParameters(o.parameters);
    let data;
    if (size !== undefined) {
      const len = Number(size);
      if (!Number.isSafeInteger(len) || len < 0 || len > body.length - at) throw badResponse(`${where}: binary_data_size ${String(size)} runs past the body`);
      data = fromRawBytes(o.datatype, body.subarray(at, at + len), elementCount(shape), where);
      at += len;
    } else {
      data = fromJsonData(o.datatype, o.data, elementCount(shape), where);
    }
    return { name: o.name, datatype: o.datatype, shape, data, parameters };
  });
  if (at !== body.length) throw badResponse(`${body.length - at} bytes after the binary outputs`);
  return new InferResult({
    model_name: typeof head.model_name === 'string' ? head.model_name : '',
    model_version: typeof head.model_version === 'string' ? head.model_version : '',
    id: typeof head.id === 'string' ? head.id : undefined,
    parameters: readParameters(head.parameters),
    outputs,
  });
}
