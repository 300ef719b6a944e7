/**
 * The datatypes the client speaks: the Open Inference Protocol's list, which is the server's (src/tensor) plus BF16.
 * onnxserve has no BF16 (onnxruntime-node cannot hold it), but Triton serves it, and the client must carry whatever
 * a V2 server sends. Element sizes and typed arrays come from the shared, dependency-free tensor table.
 */
import { datatypeInfo, isDatatype, type Datatype as ServerDatatype } from '../tensor/index.js';

export type Datatype = ServerDatatype | 'BF16';

export const DATATYPES: readonly Datatype[] = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'BF16', 'FP32', 'FP64', 'BYTES',
];

export type NumericArray =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array;

export interface NumericCtor {
  new (length: number): NumericArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

export function isClientDatatype(v: unknown): v is Datatype {
  return v === 'BF16' || isDatatype(v);
}

/** The typed array holding a fixed-size datatype; undefined for BYTES. BF16, like FP16, is held as its raw bits. */
export function arrayType(dt: Datatype): NumericCtor | undefined {
  return dt === 'BF16' ? Uint16Array : datatypeInfo(dt).array;
}

/** Bytes per element on the wire; 0 for BYTES (each element is length-prefixed). */
export function elementSize(dt: Datatype): number {
  return dt === 'BF16' ? 2 : datatypeInfo(dt).size;
}

export const isBigIntType = (dt: Datatype): dt is 'INT64' | 'UINT64' => dt === 'INT64' || dt === 'UINT64';
export const isHalfType = (dt: Datatype): dt is 'FP16' | 'BF16' => dt === 'FP16' || dt === 'BF16';
export const isFloatType = (dt: Datatype): dt is 'FP32' | 'FP64' => dt === 'FP32' || dt === 'FP64';

/** Inclusive ranges of the integer datatypes held in JS numbers (values outside are refused, never wrapped). */
export const INT_RANGE: Partial<Record<Datatype, readonly [number, number]>> = {
  BOOL: [0, 1],
  INT8: [-128, 127], INT16: [-32768, 32767], INT32: [-(2 ** 31), 2 ** 31 - 1],
  UINT8: [0, 255], UINT16: [0, 65535], UINT32: [0, 2 ** 32 - 1],
};

export const BIGINT_RANGE: Readonly<Record<'INT64' | 'UINT64', readonly [bigint, bigint]>> = {
  INT64: [-(2n ** 63n), 2n ** 63n - 1n],
  UINT64: [0n, 2n ** 64n - 1n],
};
