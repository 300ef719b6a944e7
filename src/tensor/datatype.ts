/**
 * The V2 datatype table: one row per datatype, the single place that knows element sizes, the typed array
 * that holds each, the value range of the integer types, Triton's config name, and the onnxruntime-node tensor
 * type it maps to (backend/ort and the CLI read the ORT names from here; nothing else spells them).
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

/**
 * onnxruntime-node's element type names (its `Tensor.Type`) for the datatypes V2 carries. Kept as literals so
 * tensor/ needs no onnxruntime import; backend/ort assigns them to ort.Tensor.Type, so a name ORT does not know
 * fails to compile there.
 */
export type OrtElementType =
  | 'bool' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'float16' | 'float32' | 'float64' | 'string';

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
  readonly ort: OrtElementType;
  /** Triton's config.pbtxt name (TYPE_*). */
  readonly triton: string;
  /** Elements are bigint in JS (64-bit integers). */
  readonly bigint: boolean;
  readonly float: boolean;
  /** Inclusive value range of the integer types held as JS numbers (8 to 32 bits). */
  readonly intRange: readonly [min: number, max: number] | undefined;
  /** Inclusive value range of the 64-bit integer types, held as bigint. */
  readonly bigintRange: readonly [min: bigint, max: bigint] | undefined;
}

interface Flags {
  readonly bigint?: boolean;
  readonly float?: boolean;
  readonly intRange?: readonly [number, number];
  readonly bigintRange?: readonly [bigint, bigint];
}

function row(name: Datatype, size: number, array: TypedArrayCtor | undefined, ort: OrtElementType, triton: string,
  flags: Flags = {}): DatatypeInfo {
  return Object.freeze({
    name, size, array, ort, triton, bigint: flags.bigint ?? false, float: flags.float ?? false,
    intRange: flags.intRange, bigintRange: flags.bigintRange,
  });
}

const I64 = { bigint: true, bigintRange: [-(2n ** 63n), 2n ** 63n - 1n] } as const;
const U64 = { bigint: true, bigintRange: [0n, 2n ** 64n - 1n] } as const;

const TABLE: ReadonlyMap<Datatype, DatatypeInfo> = new Map<Datatype, DatatypeInfo>([
  ['BOOL', row('BOOL', 1, Uint8Array, 'bool', 'TYPE_BOOL')],
  ['UINT8', row('UINT8', 1, Uint8Array, 'uint8', 'TYPE_UINT8', { intRange: [0, 255] })],
  ['UINT16', row('UINT16', 2, Uint16Array, 'uint16', 'TYPE_UINT16', { intRange: [0, 65535] })],
  ['UINT32', row('UINT32', 4, Uint32Array, 'uint32', 'TYPE_UINT32', { intRange: [0, 2 ** 32 - 1] })],
  ['UINT64', row('UINT64', 8, BigUint64Array, 'uint64', 'TYPE_UINT64', U64)],
  ['INT8', row('INT8', 1, Int8Array, 'int8', 'TYPE_INT8', { intRange: [-128, 127] })],
  ['INT16', row('INT16', 2, Int16Array, 'int16', 'TYPE_INT16', { intRange: [-32768, 32767] })],
  ['INT32', row('INT32', 4, Int32Array, 'int32', 'TYPE_INT32', { intRange: [-(2 ** 31), 2 ** 31 - 1] })],
  ['INT64', row('INT64', 8, BigInt64Array, 'int64', 'TYPE_INT64', I64)],
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

/** onnxruntime-node's element type for a datatype. */
export function ortType(name: Datatype): OrtElementType {
  return datatypeInfo(name).ort;
}

/** The V2 datatype for an onnxruntime-node element type, or undefined when V2 has no equivalent. */
export function datatypeFromOrt(ortName: string): Datatype | undefined {
  return BY_ORT.get(ortName)?.name;
}

export function datatypeFromTriton(tritonType: string): Datatype | undefined {
  return BY_TRITON.get(tritonType)?.name;
}

export function tritonType(name: Datatype): string {
  return datatypeInfo(name).triton;
}
