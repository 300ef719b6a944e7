/**
 * The V2 datatype table: one row per datatype, the single place that knows element sizes, the typed array
 * that holds each, and the onnxruntime-node tensor type it maps to.
 */

export const DATATYPES = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64',
  'FP16', 'FP32', 'FP64', 'BYTES',
] as const;

export type Datatype = (typeof DATATYPES)[number];

export type NumericArray =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array;

/** BYTES elements are held as UTF-8 strings: onnxruntime-node's string tensors take JS strings. */
export type TensorData = NumericArray | string[];

type TypedArrayCtor = {
  new (length: number): NumericArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
};

export interface DatatypeInfo {
  readonly name: Datatype;
  /** Bytes per element in the binary wire format; 0 for BYTES (variable length). */
  readonly size: number;
  /** The typed array holding the elements; undefined for BYTES. BOOL is one byte per element (0/1). */
  readonly array: TypedArrayCtor | undefined;
  /** onnxruntime-node's name for the element type. */
  readonly ort: string;
  /** Triton's config.pbtxt name (TYPE_*). */
  readonly triton: string;
  /** Elements are bigint in JS (64-bit integers). */
  readonly bigint: boolean;
  readonly float: boolean;
}

function row(name: Datatype, size: number, array: TypedArrayCtor | undefined, ort: string, triton: string,
  flags: { bigint?: boolean; float?: boolean } = {}): DatatypeInfo {
  return Object.freeze({ name, size, array, ort, triton, bigint: flags.bigint ?? false, float: flags.float ?? false });
}

const TABLE: ReadonlyMap<Datatype, DatatypeInfo> = new Map<Datatype, DatatypeInfo>([
  ['BOOL', row('BOOL', 1, Uint8Array, 'bool', 'TYPE_BOOL')],
  ['UINT8', row('UINT8', 1, Uint8Array, 'uint8', 'TYPE_UINT8')],
  ['UINT16', row('UINT16', 2, Uint16Array, 'uint16', 'TYPE_UINT16')],
  ['UINT32', row('UINT32', 4, Uint32Array, 'uint32', 'TYPE_UINT32')],
  ['UINT64', row('UINT64', 8, BigUint64Array, 'uint64', 'TYPE_UINT64', { bigint: true })],
  ['INT8', row('INT8', 1, Int8Array, 'int8', 'TYPE_INT8')],
  ['INT16', row('INT16', 2, Int16Array, 'int16', 'TYPE_INT16')],
  ['INT32', row('INT32', 4, Int32Array, 'int32', 'TYPE_INT32')],
  ['INT64', row('INT64', 8, BigInt64Array, 'int64', 'TYPE_INT64', { bigint: true })],
  // FP16 travels as its raw bits: Node 20 has no Float16Array, and onnxruntime-node accepts Uint16Array for it.
  ['FP16', row('FP16', 2, Uint16Array, 'float16', 'TYPE_FP16', { float: true })],
  ['FP32', row('FP32', 4, Float32Array, 'float32', 'TYPE_FP32', { float: true })],
  ['FP64', row('FP64', 8, Float64Array, 'float64', 'TYPE_FP64', { float: true })],
  ['BYTES', row('BYTES', 0, undefined, 'string', 'TYPE_STRING')],
]);

const BY_ORT = new Map<string, DatatypeInfo>([...TABLE.values()].map((d) => [d.ort, d]));
const BY_TRITON = new Map<string, DatatypeInfo>([...TABLE.values()].map((d) => [d.triton, d]));

export function isDatatype(name: unknown): name is Datatype {
  return typeof name === 'string' && TABLE.has(name as Datatype);
}

export function datatypeInfo(name: Datatype): DatatypeInfo {
  return TABLE.get(name)!;
}

/** The V2 datatype for an onnxruntime-node element type, or undefined when V2 has no equivalent. */
export function datatypeFromOrt(ortType: string): Datatype | undefined {
  return BY_ORT.get(ortType)?.name;
}

export function datatypeFromTriton(tritonType: string): Datatype | undefined {
  return BY_TRITON.get(tritonType)?.name;
}

export function tritonType(name: Datatype): string {
  return datatypeInfo(name).triton;
}
