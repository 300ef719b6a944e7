/**
 * Tensor data on the gRPC wire, both ways it travels (Open Inference Protocol, inference_grpc.md "Tensor Data"):
 * typed repeated fields in InferTensorContents, or one `raw_input_contents` entry per input. Raw data is
 * little-endian, row-major, unpadded; a BYTES element is a 4-byte little-endian length then its bytes
 * (Triton's binary tensor format). Counts are validated by the caller before these run.
 */
import type { Datatype, NumericArray, TensorData } from '../../tensor/index.js';
import { datatypeInfo, viewBytes } from '../../tensor/index.js';
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

/** Value ranges of the types that share a 32-bit wire field with wider ones. */
const SMALL_INT_RANGE: Partial<Record<Datatype, readonly [number, number]>> = {
  INT8: [-128, 127], INT16: [-32768, 32767], INT32: [-(2 ** 31), 2 ** 31 - 1],
  UINT8: [0, 255], UINT16: [0, 65535], UINT32: [0, 2 ** 32 - 1],
};

const I64: readonly [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];
const U64: readonly [bigint, bigint] = [0n, 2n ** 64n - 1n];

// fatal: bytes that are not UTF-8 are refused rather than silently replaced with U+FFFD — BYTES elements
// become JS strings (onnxruntime-node's string tensors), which cannot carry arbitrary bytes.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Decode(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalidArgument(`${where}: BYTES element is not valid UTF-8`);
  }
}

export function hasContents(c: WireTensorContents | null | undefined): boolean {
  if (!c) return false;
  return Object.values(c).some((v) => Array.isArray(v) && v.length > 0);
}

function smallInts(values: readonly number[], dt: Datatype, where: string): NumericArray {
  const [lo, hi] = SMALL_INT_RANGE[dt]!;
  const out = new (datatypeInfo(dt).array!)(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) throw invalidArgument(`${where}: value ${String(v)} at index ${i} is out of range for ${dt}`);
    out[i] = v;
  }
  return out;
}

function bigInts(values: readonly (string | number | bigint)[], dt: 'INT64' | 'UINT64', where: string): NumericArray {
  const [lo, hi] = dt === 'INT64' ? I64 : U64;
  const out = dt === 'INT64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
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
  return values.map((b) => utf8Decode(b, where));
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

function rawStrings(raw: Uint8Array, count: number, where: string): string[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Array<string>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > raw.byteLength) throw invalidArgument(`${where}: raw BYTES data ends inside element ${i} (shape needs ${count})`);
    const len = view.getUint32(at, true);
    at += 4;
    if (len > raw.byteLength - at) throw invalidArgument(`${where}: raw BYTES element ${i} claims ${len} bytes, only ${raw.byteLength - at} remain`);
    out[i] = utf8Decode(raw.subarray(at, at + len), where);
    at += len;
  }
  if (at !== raw.byteLength) throw invalidArgument(`${where}: raw BYTES data has ${raw.byteLength - at} bytes after the ${count} elements of its shape`);
  return out;
}

/**
 * Raw bytes as the datatype's typed array: a view sharing memory with the received message when aligned
 * (tensor.viewBytes copies otherwise). Assumes a little-endian host, as onnxruntime-node does.
 */
export function decodeRaw(raw: Uint8Array, dt: Datatype, count: number, where: string): TensorData {
  if (dt === 'BYTES') return rawStrings(raw, count, where);
  const expected = count * datatypeInfo(dt).size;
  if (raw.byteLength !== expected) {
    throw invalidArgument(`${where}: raw_input_contents has ${raw.byteLength} bytes, shape and ${dt} need ${expected}`);
  }
  const data = viewBytes(dt, raw.buffer, raw.byteOffset, raw.byteLength);
  if (dt === 'BOOL') {
    // numpy writes bools as 0/1 bytes; anything else is not a bool and would reach the model unnormalized.
    const i = (data as Uint8Array).findIndex((b) => b > 1);
    if (i >= 0) throw invalidArgument(`${where}: raw BOOL byte ${i} is ${data[i]}, not 0 or 1`);
  }
  return data;
}

/** Raw little-endian bytes of tensor data, sharing memory with numeric data (no copy). */
export function encodeRaw(data: TensorData): Buffer {
  if (!Array.isArray(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const parts = data.map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}
