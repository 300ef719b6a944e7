/**
 * Where a tensor's bytes sit in a V2 REST body: Triton's binary tensor data extension
 * (docs/protocol/extension_binary_data.md) puts each binary input's `binary_data_size` bytes after the JSON header,
 * in input order. The byte layout itself, and every check on it, is tensor/binary's (shared with gRPC raw contents).
 */
import { checkTensorByteLength, decodeTensorBytesAt, type TensorData, type TensorLayout } from '../../tensor/index.js';
import { invalidArgument } from '../../errors/index.js';

/** A tensor's bytes for the response body; numeric data is not copied. */
export { encodeTensorBytes as encodeBinaryData } from '../../tensor/index.js';

const SIZE_PARAMETER = 'binary_data_size';

/** For fixed-size datatypes the byte size is implied by the shape: checked before any bytes are read. */
export function checkBinarySize(input: TensorLayout, size: number): void {
  checkTensorByteLength(input, size, SIZE_PARAMETER);
}

/**
 * The tensor at `offset` in `binary`. Numeric data is a view of the body when aligned (tensor/binary), so it
 * shares memory with the request buffer; whoever transfers it to a worker must copy first.
 */
export function decodeBinaryData(input: TensorLayout, binary: Buffer, offset: number, size: number): TensorData {
  // The caller has matched the sizes to the body; a view must still never reach past it into the pool around it.
  if (offset + size > binary.length) throw invalidArgument(`${input.where}: ${SIZE_PARAMETER} runs past the end of the body`);
  return decodeTensorBytesAt(input, binary.buffer, binary.byteOffset + offset, size, SIZE_PARAMETER);
}

