/**
 * A deliberately small ONNX model builder on top of onnx-proto's generated protobuf classes.
 *
 * It covers what our test and benchmark fixtures need: typed value infos with symbolic or fixed
 * dims, initializers, nodes with attributes, and encoding a single-graph model. Everything is
 * deterministic: the same inputs always encode to the same bytes, which is what lets the fixture
 * generator be idempotent (and lets tests compare the files on disk with a fresh build).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export { onnx };
export { saveModel } from './save.js';

/** ONNX TensorProto.DataType numbers (kept as plain constants so callers don't need the enum). */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/**
 * onnx-proto is generated from ONNX v1.10.2, whose newest IR version is 8. IR 8 with opset 17 is
 * comfortably inside what onnxruntime 1.30 accepts, and opset 17 has every op we use (Gemm,
 * Softmax/ArgMax with the modern semantics, ReduceMean with attribute axes, StringNormalizer).
 */
export const IR_VERSION = 8;
export const DEFAULT_OPSET = 17;

/** A dimension: a number is a fixed size, a string is a symbolic dim (dimParam), e.g. "batch". */
export type Dim = number | string;

export function tensorType(elemType: DataType, dims: readonly Dim[]): onnxProto.onnx.ITypeProto {
  return {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

/** A graph input/output/value_info entry. */
export function valueInfo(name: string, elemType: DataType, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return { name, type: tensorType(elemType, dims) };
}

// ---------------------------------------------------------------------------------------------
// Tensors / initializers
//
// Numeric data goes into raw_data (little-endian, as the ONNX spec requires) rather than the typed
// repeated fields: it is compact, exact for every type (int64 beyond 2^53 included), and encoding a
// ~2M-element weight matrix this way is a single buffer copy instead of millions of varints.
// ---------------------------------------------------------------------------------------------

function shapeSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkSize(name: string, dims: readonly number[], length: number): void {
  const expected = shapeSize(dims);
  if (expected !== length) {
    throw new Error(`tensor ${name}: dims [${dims.join(',')}] need ${expected} elements, got ${length}`);
  }
}

/** Little-endian bytes of a typed array regardless of host endianness. */
function littleEndianBytes(
  data: Float32Array | Float64Array | Int32Array | BigInt64Array,
): Uint8Array {
  const out = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Float64Array) data.forEach((v, i) => view.setFloat64(i * 8, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

export function floatTensor(name: string, dims: readonly number[], data: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  checkSize(name, dims, data.length);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: littleEndianBytes(Float32Array.from(data)) };
}

export function int64Tensor(
  name: string,
  dims: readonly number[],
  data: ArrayLike<number | bigint>,
): onnxProto.onnx.ITensorProto {
  checkSize(name, dims, data.length);
  const values = BigInt64Array.from(Array.from(data, (v) => BigInt(v)));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: littleEndianBytes(values) };
}

/** A scalar (rank-0) float tensor, e.g. for a broadcast Mul or a ConstantOfShape value. */
export function floatScalar(name: string, value: number): onnxProto.onnx.ITensorProto {
  return floatTensor(name, [], [value]);
}

// ---------------------------------------------------------------------------------------------
// Attributes and nodes
// ---------------------------------------------------------------------------------------------

const AttrType = onnx.AttributeProto.AttributeType;

/** Attribute constructors; each sets the `type` field explicitly because ORT requires it. */
export const attr = {
  int: (name: string, i: number): onnxProto.onnx.IAttributeProto => ({ name, type: AttrType.INT, i }),
  float: (name: string, f: number): onnxProto.onnx.IAttributeProto => ({ name, type: AttrType.FLOAT, f }),
  string: (name: string, s: string): onnxProto.onnx.IAttributeProto => ({
    name,
    type: AttrType.STRING,
    s: new TextEncoder().encode(s),
  }),
  ints: (name: string, ints: readonly number[]): onnxProto.onnx.IAttributeProto => ({
    name,
    type: AttrType.INTS,
    ints: [...ints],
  }),
  tensor: (name: string, t: onnxProto.onnx.ITensorProto): onnxProto.onnx.IAttributeProto => ({
    name,
    type: AttrType.TENSOR,
    t,
  }),
};

/**
 * A node in the default (ai.onnx) domain. The node name defaults to `<op>_<first output>`, which is
 * unique in any graph because output names are unique (SSA), and stable across runs.
 */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: readonly onnxProto.onnx.IAttributeProto[] = [],
  name?: string,
): onnxProto.onnx.INodeProto {
  return {
    opType,
    input: [...inputs],
    output: [...outputs],
    attribute: [...attributes],
    name: name ?? `${opType}_${outputs[0] ?? 'out'}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

export interface GraphSpec {
  name: string;
  inputs: readonly onnxProto.onnx.IValueInfoProto[];
  outputs: readonly onnxProto.onnx.IValueInfoProto[];
  nodes: readonly onnxProto.onnx.INodeProto[];
  initializers?: readonly onnxProto.onnx.ITensorProto[];
  docString?: string;
}

export interface ModelOptions {
  /** ai.onnx opset version; defaults to DEFAULT_OPSET. */
  opset?: number;
  producerName?: string;
}

/** Encodes a single-graph model to the bytes onnxruntime loads. */
export function buildModel(spec: GraphSpec, options: ModelOptions = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: options.opset ?? DEFAULT_OPSET }],
    producerName: options.producerName ?? 'onnxserve-fixtures',
    producerVersion: '1',
    graph: {
      name: spec.name,
      docString: spec.docString ?? '',
      input: [...spec.inputs],
      output: [...spec.outputs],
      node: [...spec.nodes],
      initializer: [...(spec.initializers ?? [])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
