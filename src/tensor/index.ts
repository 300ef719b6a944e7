export * from './datatype.js';
export * from './tensor.js';
export {
  bytesElementToString, checkTensorByteLength, decodeTensorBytes, decodeTensorBytesAt, encodedByteLength,
  encodeTensorBytes, frameBytesElements, type TensorLayout,
} from './binary.js';
export { fp16ToNumber, numberToFp16 } from './fp16.js';
export { parseExact } from './json-exact.js';
