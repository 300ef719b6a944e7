export * from './datatype.js';
export * from './tensor.js';
export { fp16ToNumber, numberToFp16 } from './fp16.js';
