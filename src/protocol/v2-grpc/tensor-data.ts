/**
 * InferTensorContents, the typed repeated fields one way tensor data travels on the gRPC wire (Open Inference
 * Protocol, inference_grpc.md "Tensor Data"). The other way, one raw_input_contents / raw_output_contents entry per
 * tensor, is the binary tensor format shared with REST: tensor/binary. Counts are bounded by the caller first.
 */
import type { Datatype, NumericArray, TensorData } from '../../tensor/index.js';
import { allocate, bytesElementToString, datatypeInfo } from '../../tensor/index.js';
import { invalidArgument } from '../../errors/index.js';
import { wireBigInt } from './parameters.js';
import type { WireTensorContents } from './wire.js';

type ContentsField = keyof WireTensorContents;

/** Which InferTensorContents field holds each datatype (inference_grpc.md); FP16 has none: raw only. */
const CONTENTS_FIELD: Readonly<Record<Datatype, ContentsField | undefined>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents',
  UINT8: 'uint_contents', UINT16: 'uint_contents', UINT32: 'uint_contents',
  INT64: 'int64_contents',
  UINT64: 'uint64_contents',
  FP16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

export function hasContents(c: WireTensorContents | null | undefined): boolean {
  if (!c) return false;
  return Object.values(c).some((v) => Array.isArray(v) && v.length > 0);
}

/** The 8- to 32-bit types share 32-bit wire fields, so each value is checked against its own type's range. */
function smallInts(values: readonly number[], dt: Datatype, where: string): NumericArray {
  const [lo, hi] = datatypeInfo(dt).intRange!;
  const out = allocate(dt, values.length) as NumericArray;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) throw invalidArgument(`${where}: value ${String(v)} at index ${i} is out of range for ${dt}`);
    out[i] = v;
  }
  return out;
}

function bigInts(values: readonly (string | number | bigint)[], dt: 'INT64' | 'UINT64', where: string): NumericArray {
  const [lo, hi] = datatypeInfo(dt).bigintRange!;
  const out = allocate(dt, values.length) as BigInt64Array | BigUint64Array;
  for (let i = 0; i < values.length; i++) {
    const v = wireBigInt(values[i]);
    if (v === undefined || v < lo || v > hi) throw invalidArgument(`${where}: value ${String(values[i])} at index ${i} is out of range for ${dt}`);
    out[i] = v;
  }
  return out;
}

function bools(values: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  return out;
}

function strings(values: readonly Uint8Array[], where: string): string[] {
  return values.map((b, i) => bytesElementToString(b, where, i));
}

function convert(values: readonly unknown[], dt: Datatype, where: string): TensorData {
  switch (dt) {
    case 'BOOL': return bools(values as boolean[]);
    case 'INT64': case 'UINT64': return bigInts(values as string[], dt, where);
    case 'FP32': return Float32Array.from(values as number[]);
    case 'FP64': return Float64Array.from(values as number[]);
    case 'BYTES': return strings(values as Uint8Array[], where);
    default: return smallInts(values as number[], dt, where);
  }
}

/** Data from the typed field matching `dt`; every other field must be empty (a mix is ambiguous). */
export function decodeContents(c: WireTensorContents | null | undefined, dt: Datatype, count: number, where: string): TensorData {
  const field = CONTENTS_FIELD[dt];
  if (!field) throw invalidArgument(`${where}: ${dt} data must be sent in raw_input_contents (it has no typed contents field)`);
  for (const [k, v] of Object.entries(c ?? {})) {
    if (k !== field && Array.isArray(v) && v.length > 0) throw invalidArgument(`${where}: ${dt} data belongs in ${field}, not ${k}`);
  }
  const values = (c?.[field] ?? []) as unknown[];
  if (values.length !== count) throw invalidArgument(`${where}: ${field} holds ${values.length} values, the shape needs ${count}`);
  return convert(values, dt, where);
}
