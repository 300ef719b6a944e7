/**
 * Tensor data between the caller's arrays and the binary wire form both transports share: Triton's binary tensor
 * data extension (REST) and raw_input_contents / raw_output_contents (gRPC). Elements are little-endian,
 * row-major, unpadded; BOOL is one byte 0/1; a BYTES element is a 4-byte little-endian length, then its bytes
 * (docs/protocol/extension_binary_data.md). Values that do not fit a datatype are refused, never wrapped.
 */
import {
  arrayType, BIGINT_RANGE, elementSize, INT_RANGE, isBigIntType, isClientDatatype, isHalfType,
  type Datatype, type NumericArray, type NumericCtor,
} from './datatypes.js';
import { badResponse, ClientError, invalidInput } from './errors.js';
import type { InferInput, OutputData, Parameters } from './types.js';

/** An input checked and converted: numeric data as its datatype's typed array, BYTES as one Buffer per element. */
export interface PreparedInput {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: NumericArray | Buffer[];
  readonly parameters: Parameters | undefined;
}

const LENGTH_PREFIX = 4;
// Typed arrays use the host's byte order; the wire is little-endian. Every Node platform in use is little-endian
// (as onnxruntime-node assumes too), so a big-endian host is refused rather than silently byte-swapped wrong.
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function checkHost(): void {
  if (!LITTLE_ENDIAN) throw new ClientError('UNIMPLEMENTED', 'binary tensor data needs a little-endian host');
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: unknown, where: string): readonly number[] {
  if (!Array.isArray(shape)) throw invalidInput(`${where}: shape must be an array of non-negative integers`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw invalidInput(`${where}: shape [${shape.join(',')}] must hold non-negative integers`);
    }
  }
  return shape as readonly number[];
}

/** Checks an input against its datatype and shape and converts plain arrays to the datatype's typed array. */
export function prepareInput(input: InferInput, index: number): PreparedInput {
  const name = input?.name;
  if (typeof name !== 'string' || name === '') throw invalidInput(`inputs[${index}]: name must be a non-empty string`);
  const where = `input '${name}'`;
  const { datatype } = input;
  if (!isClientDatatype(datatype)) throw invalidInput(`${where}: unknown datatype '${String(datatype)}'`);
  const shape = checkShape(input.shape, where);
  const count = elementCount(shape);
  const data = convert(input.data, datatype, where);
  if (data.length !== count) {
    throw invalidInput(`${where}: shape [${shape.join(',')}] holds ${count} elements, data has ${data.length}`);
  }
  return { name, datatype, shape, data, parameters: input.parameters };
}

function convert(data: unknown, dt: Datatype, where: string): NumericArray | Buffer[] {
  if (dt === 'BYTES') return toBuffers(data, where);
  const ctor = arrayType(dt)!;
  if (ArrayBuffer.isView(data)) {
    if (!(data instanceof ctor)) {
      throw invalidInput(`${where}: ${dt} data must be a ${ctor.name}${isHalfType(dt) ? ' of raw bits' : ' or an array'}, got a ${data.constructor.name}`);
    }
    if (dt === 'BOOL') checkBools(data as Uint8Array, where);
    return data;
  }
  if (!Array.isArray(data)) throw invalidInput(`${where}: data must be a typed array or an array`);
  if (isHalfType(dt)) throw invalidInput(`${where}: ${dt} data must be a Uint16Array of raw bits (see numberToFp16/numberToBf16)`);
  if (isBigIntType(dt)) return bigInts(data, dt, where);
  if (dt === 'FP32' || dt === 'FP64') return floats(data, ctor, where);
  return smallInts(data, dt, ctor, where);
}

function toBuffers(data: unknown, where: string): Buffer[] {
  if (!Array.isArray(data)) throw invalidInput(`${where}: BYTES data must be an array of strings or Uint8Arrays`);
  return data.map((e: unknown, i) => {
    if (typeof e === 'string') return Buffer.from(e, 'utf8');
    if (e instanceof Uint8Array) return Buffer.isBuffer(e) ? e : Buffer.from(e.buffer, e.byteOffset, e.byteLength);
    throw invalidInput(`${where}: BYTES element ${i} must be a string or a Uint8Array`);
  });
}

function checkBools(data: Uint8Array, where: string): void {
  const i = data.findIndex((b) => b > 1);
  if (i >= 0) throw invalidInput(`${where}: BOOL element ${i} is ${data[i]}, expected 0 or 1`);
}

function bigInts(values: readonly unknown[], dt: 'INT64' | 'UINT64', where: string): NumericArray {
  const [lo, hi] = BIGINT_RANGE[dt];
  const out = dt === 'INT64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // A number beyond 2^53 may already have been rounded by the time it got here: only bigints are exact there.
    const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    if (b === undefined) throw invalidInput(`${where}: ${dt} element ${i} must be a bigint or a safe integer, got ${String(v)}`);
    if (b < lo || b > hi) throw invalidInput(`${where}: ${dt} element ${i} (${b}) is out of range`);
    out[i] = b;
  }
  return out;
}

function floats(values: readonly unknown[], ctor: NumericCtor, where: string): NumericArray {
  const out = new ctor(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw invalidInput(`${where}: element ${i} must be a number, got ${typeof v}`);
    out[i] = v;
  }
  return out;
}

function smallInts(values: readonly unknown[], dt: Datatype, ctor: NumericCtor, where: string): NumericArray {
  const [lo, hi] = INT_RANGE[dt]!;
  const out = new ctor(values.length);
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (dt === 'BOOL' && typeof v === 'boolean') v = v ? 1 : 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      throw invalidInput(`${where}: ${dt} element ${i} is ${String(v)}, expected ${dt === 'BOOL' ? 'a boolean or 0/1' : `an integer in [${lo}, ${hi}]`}`);
    }
    out[i] = v;
  }
  return out;
}

/** The wire bytes of prepared data: numeric data is shared, not copied; BYTES elements are length-prefixed. */
export function rawBytes(data: NumericArray | Buffer[]): Buffer {
  checkHost();
  if (!Array.isArray(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let size = 0;
  for (const b of data) size += LENGTH_PREFIX + b.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const b of data) {
    out.writeUInt32LE(b.length, at);
    b.copy(out, at + LENGTH_PREFIX);
    at += LENGTH_PREFIX + b.length;
  }
  return out;
}

/**
 * Output data from its wire bytes, checked against the shape's element count. The result is a copy: received
 * buffers may be slices of a larger (pooled) buffer, and an output should neither pin nor expose it.
 */
export function fromRawBytes(dt: Datatype, bytes: Uint8Array, count: number, where: string): OutputData {
  checkHost();
  if (dt === 'BYTES') return bytesElements(bytes, count, where);
  const ctor = arrayType(dt)!;
  const need = count * elementSize(dt);
  if (bytes.byteLength !== need) throw badResponse(`${where}: ${bytes.byteLength} bytes of ${dt} data, the shape needs ${need}`);
  const out = new ctor(count);
  new Uint8Array(out.buffer, out.byteOffset, need).set(bytes);
  return out;
}

function bytesElements(bytes: Uint8Array, count: number, where: string): Buffer[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<Buffer>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (bytes.byteLength - at < LENGTH_PREFIX) throw badResponse(`${where}: BYTES data ends inside element ${i} of ${count}`);
    const len = view.getUint32(at, true);
    at += LENGTH_PREFIX;
    if (len > bytes.byteLength - at) throw badResponse(`${where}: BYTES element ${i} claims ${len} bytes, ${bytes.byteLength - at} remain`);
    out[i] = Buffer.from(bytes.subarray(at, at + len));
    at += len;
  }
  if (at !== bytes.byteLength) throw badResponse(`${where}: ${bytes.byteLength - at} bytes left after the ${count} BYTES elements`);
  return out;
}
