import { datatypeInfo, type Datatype, type NumericArray, type TensorData } from './datatype.js';

/** A named tensor as core sees it: no wire format, no ORT types. Data is flat, row-major. */
export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** Product of dims; callers must have checked that each dim is a safe non-negative integer. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Allocates a zeroed array for `count` elements of a numeric datatype. */
export function allocate(datatype: Datatype, count: number): TensorData {
  const info = datatypeInfo(datatype);
  if (!info.array) return new Array<string>(count).fill('');
  return new info.array(count);
}

/**
 * A view of `byteLength` bytes at `byteOffset` as the datatype's typed array. Zero copy when the offset is
 * aligned to the element size; otherwise one copy (binary bodies put tensors at arbitrary offsets).
 */
export function viewBytes(datatype: Datatype, buffer: ArrayBufferLike, byteOffset: number, byteLength: number): NumericArray {
  const info = datatypeInfo(datatype);
  if (!info.array) throw new TypeError('BYTES has no fixed-size view');
  const count = byteLength / info.size;
  if (byteOffset % info.size === 0) return new info.array(buffer, byteOffset, count);
  const copy = new Uint8Array(byteLength);
  copy.set(new Uint8Array(buffer, byteOffset, byteLength));
  return new info.array(copy.buffer, 0, count);
}

/** The raw little-endian bytes of numeric data, sharing memory with it. */
export function bytesOf(data: NumericArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function isStringData(data: TensorData): data is string[] {
  return Array.isArray(data);
}

/** Byte size of the data once encoded (BYTES: 4-byte length prefix + UTF-8 per element). */
export function encodedByteLength(t: Tensor): number {
  if (isStringData(t.data)) {
    let n = 0;
    for (const s of t.data) n += 4 + Buffer.byteLength(s, 'utf8');
    return n;
  }
  return t.data.byteLength;
}
