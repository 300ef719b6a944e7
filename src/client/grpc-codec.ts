/**
 * ModelInferRequest / ModelInferResponse (proto/grpc_service.proto) <-> the client's types. Pure functions over the
 * objects @grpc/proto-loader serializes and decodes (grpc-proto.ts: 64-bit integers as decimal strings).
 *
 * Inputs always go as raw_input_contents, one entry per input, as tritonclient.grpc sends them: the only form that
 * carries every datatype (FP16/BF16 have no typed field) and costs no per-element conversion. Outputs are read
 * from raw_output_contents (what Triton and onnxserve answer) or from the typed contents fields.
 */
import { BIGINT_RANGE, isClientDatatype, type Datatype } from './datatypes.js';
import { badResponse, invalidInput } from './errors.js';
import { fromJsonData } from './json-data.js';
import { InferResult } from './result.js';
import { elementCount, fromRawBytes, rawBytes, type PreparedInput } from './tensor-data.js';
import type { InferRequestOptions, OutputData, OutputTensor, ParameterValue, Parameters, RepositoryParameters } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded messages are read field by field
type Any = any;

type WireParameter =
  | { bool_param: boolean } | { string_param: string } | { double_param: number }
  | { int64_param: string | number } | { uint64_param: string };

/** InferParameter per value: integers as int64 (uint64 beyond its range), other numbers as double (Triton's). */
export function wireParameters(p: Parameters | undefined, where: string): Record<string, WireParameter> {
  const out: Record<string, WireParameter> = {};
  for (const [k, v] of Object.entries(p ?? {})) {
    if (typeof v === 'boolean') out[k] = { bool_param: v };
    else if (typeof v === 'string') out[k] = { string_param: v };
    else if (typeof v === 'number') out[k] = Number.isSafeInteger(v) ? { int64_param: v } : { double_param: v };
    else if (typeof v === 'bigint') {
      if (v >= BIGINT_RANGE.INT64[0] && v <= BIGINT_RANGE.INT64[1]) out[k] = { int64_param: v.toString() };
      else if (v >= 0n && v <= BIGINT_RANGE.UINT64[1]) out[k] = { uint64_param: v.toString() };
      else throw invalidInput(`${where} parameter '${k}': ${v} fits neither int64 nor uint64`);
    } else throw invalidInput(`${where} parameter '${k}' must be a string, number, boolean or bigint`);
  }
  return out;
}

/** A decimal string from a 64-bit field: a number when exact, a bigint beyond 2^53. */
function int64Value(v: unknown): number | bigint {
  const b = BigInt(v as string);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

export function readWireParameters(p: unknown): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  if (typeof p !== 'object' || p === null) return out;
  for (const [k, v] of Object.entries(p as Record<string, Any>)) {
    const choice = v?.parameter_choice as string | undefined;
    if (choice === 'int64_param' || choice === 'uint64_param') out[k] = int64Value(v[choice]);
    else if (choice === 'bool_param' || choice === 'string_param' || choice === 'double_param') out[k] = v[choice] as ParameterValue;
  }
  return out;
}

export function encodeGrpcInfer(model: string, inputs: readonly PreparedInput[], req: InferRequestOptions): object {
  return {
    model_name: model,
    model_version: req.version ?? '',
    id: req.id ?? '',
    parameters: wireParameters(req.parameters, 'request'),
    inputs: inputs.map((t) => ({
      name: t.name, datatype: t.datatype, shape: [...t.shape], parameters: wireParameters(t.parameters, `input '${t.name}'`),
    })),
    outputs: (req.outputs ?? []).map((o) => {
      const out = typeof o === 'string' ? { name: o } : o;
      return { name: out.name, parameters: wireParameters(out.parameters, `output '${out.name}'`) };
    }),
    raw_input_contents: inputs.map((t) => rawBytes(t.data)),
  };
}

/** The InferTensorContents field of each datatype (inference_grpc.md "Tensor Data"); FP16/BF16 have none. */
const CONTENTS_FIELD: Readonly<Record<Datatype, string | undefined>> = {
  BOOL: 'bool_contents', INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents',
  UINT8: 'uint_contents', UINT16: 'uint_contents', UINT32: 'uint_contents', INT64: 'int64_contents',
  UINT64: 'uint64_contents', FP16: undefined, BF16: undefined, FP32: 'fp32_contents', FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function fromContents(dt: Datatype, contents: Any, count: number, where: string): OutputData {
  const field = CONTENTS_FIELD[dt];
  if (!field) throw badResponse(`${where}: ${dt} data came without raw_output_contents`);
  const values = (contents?.[field] ?? []) as unknown[];
  if (dt !== 'BYTES') return fromJsonData(dt, values, count, where);
  if (values.length !== count) throw badResponse(`${where}: ${values.length} BYTES elements, the shape holds ${count}`);
  return values.map((b) => Buffer.from(b as Uint8Array));
}

function shapeOf(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) throw badResponse(`${where}: no shape`);
  return v.map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) throw badResponse(`${where}: shape dim ${String(d)} is not a non-negative integer`);
    return n;
  });
}

export function decodeGrpcInfer(res: Any): InferResult {
  const outs: Any[] = Array.isArray(res?.outputs) ? res.outputs : [];
  const raw: Uint8Array[] = Array.isArray(res?.raw_output_contents) ? res.raw_output_contents : [];
  if (raw.length > 0 && raw.length !== outs.length) throw badResponse(`${raw.length} raw_output_contents for ${outs.length} outputs`);
  const outputs = outs.map((o, i): OutputTensor => {
    const where = `output '${String(o?.name)}'`;
    if (!isClientDatatype(o?.datatype)) throw badResponse(`${where}: unknown datatype ${JSON.stringify(o?.datatype)}`);
    const shape = shapeOf(o.shape, where);
    const count = elementCount(shape);
    const data = raw.length > 0 ? fromRawBytes(o.datatype, raw[i], count, where) : fromContents(o.datatype, o.contents, count, where);
    return { name: String(o.name), datatype: o.datatype, shape, data, parameters: readWireParameters(o.parameters) };
  });
  return new InferResult({
    model_name: String(res?.model_name ?? ''),
    model_version: String(res?.model_version ?? ''),
    // proto3 cannot tell an empty id from none; the client's convention is undefined for both.
    id: typeof res?.id === 'string' && res.id !== '' ? res.id : undefined,
    parameters: readWireParameters(res?.parameters),
    outputs,
  });
}

/** ModelRepositoryParameter per value (Triton's repository extension). */
export function repositoryParameters(p: RepositoryParameters | undefined): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [k, v] of Object.entries(p ?? {})) {
    if (typeof v === 'boolean') out[k] = { bool_param: v };
    else if (typeof v === 'string') out[k] = { string_param: v };
    else if (typeof v === 'number' && Number.isSafeInteger(v)) out[k] = { int64_param: v };
    else if (v instanceof Uint8Array) out[k] = { bytes_param: Buffer.from(v.buffer, v.byteOffset, v.byteLength) };
    else throw invalidInput(`repository parameter '${k}' must be a string, an integer, a boolean or a Uint8Array`);
  }
  return out;
}
