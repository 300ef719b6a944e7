/**
 * Tensor bytes after the JSON header: Triton's binary tensor data extension (docs/protocol/extension_binary_data.md).
 * Elements are little-endian, row-major, no padding; BOOL is one byte (0/1); a BYTES element is a 4-byte
 * little-endian unsigned length followed by that many bytes. Every length is checked before it is trusted
 * (KServe PR #5747: unchecked prefixes turned bad input into 500s and unbounded allocations).
 */
import {
  bytesOf, datatypeInfo, encodedByteLength, isStringData, viewBytes, type Datatype, type Tensor, type TensorData,
} from '../../tensor/index.js';
import { invalidArgument } from '../../errors/index.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const LENGTH_PREFIX = 4;

export interface BinaryInput {
  readonly where: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly count: number;
}

/** For fixed-size datatypes the byte size is implied by the shape: check it before any bytes are read. */
export function checkBinarySize(input: BinaryInput, size: number): void {
  const { where, datatype, shape, count } = input;
  if (datatype === 'BYTES') {
    // Every element carries at least its length prefix, so this bounds the element array we will build.
    if (count > size / LENGTH_PREFIX) {
      throw invalidArgument(`${where}: binary_data_size ${size} cannot hold ${count} BYTES elements ` +
        `(each needs a ${LENGTH_PREFIX}-byte length prefix)`);
    }
    return;
  }
  const need = count * datatypeInfo(datatype).size;
  if (size !== need) {
    throw invalidArgument(`${where}: binary_data_size is ${size} bytes, but shape [${shape.join(',')}] ` +
      `of ${datatype} needs ${need}`);
  }
}

/**
 * The tensor at `offset` in `binary`. Numeric data is a view of the body (zero copy when aligned, see viewBytes),
 * so it shares memory with the request buffer; whoever transfers it to a worker must copy first.
 */
export function decodeBinaryData(input: BinaryInput, binary: Buffer, offset: number, size: number): TensorData {
  if (input.datatype === 'BYTES') return decodeBytesElements(input, binary.subarray(offset, offset + size));
  const data = viewBytes(input.datatype, binary.buffer, binary.byteOffset + offset, size);
  if (input.datatype === 'BOOL') checkBools(input.where, data as Uint8Array);
  return data;
}

/** A BOOL byte other than 0/1 has no defined meaning for the runtime: refuse it rather than guess. */
function checkBools(where: string, data: Uint8Array): void {
  for (let i = 0; i < data.length; i++) {
    if (data[i] > 1) throw invalidArgument(`${where}: BOOL element ${i} is the byte ${data[i]}, expected 0 or 1`);
  }
}

/** Walks the length prefixes; the element count must equal the shape's, and no byte may be left over. */
function decodeBytesElements(input: BinaryInput, slice: Buffer): string[] {
  const { where, count } = input;
  const out = new Array<string>(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (slice.length - pos < LENGTH_PREFIX) {
      throw invalidArgument(`${where}: BYTES element ${i}: its length prefix runs past the end of the tensor's ` +
        `${slice.length} bytes (expected ${count} elements)`);
    }
    const len = slice.readUInt32LE(pos);
    pos += LENGTH_PREFIX;
    if (len > slice.length - pos) {
      throw invalidArgument(`${where}: BYTES element ${i} claims ${len} bytes but only ${slice.length - pos} remain`);
    }
    // BYTES are held as strings (onnxruntime-node's string tensors): bytes that are not UTF-8 would be replaced
    // silently, so they are refused, as the gRPC adapter does.
    try {
      out[i] = UTF8.decode(slice.subarray(pos, pos + len));
    } catch {
      throw invalidArgument(`${where}: BYTES element ${i} is not valid UTF-8 (onnxserve carries BYTES as UTF-8 strings)`);
    }
    pos += len;
  }
  if (pos !== slice.length) {
    throw invalidArgument(`${where}: ${slice.length - pos} bytes left over after the ${count} BYTES elements ` +
      `the shape describes`);
  }
  return out;
}

/** A tensor's bytes for the response body; numeric data is not copied. */
export function encodeBinaryData(t: Tensor): Buffer {
  const data = t.data;
  if (!isStringData(data)) {
    const bytes = bytesOf(data);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const out = Buffer.allocUnsafe(encodedByteLength(t));
  let pos = 0;
  for (const s of data) {
    const len = out.write(s, pos + LENGTH_PREFIX, 'utf8');
    out.writeUInt32LE(len, pos);
    pos += LENGTH_PREFIX + len;
  }
  return out;
}
