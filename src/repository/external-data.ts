/**
 * Finds the external-data locations an ONNX model refers to, by walking the protobuf wire format directly.
 * Written by hand because the only JS decoder, onnx-proto, costs ~180 ms to import and decodes every weight
 * into objects; this walks only the messages that can hold tensors and copies nothing but the location strings.
 * Field numbers: onnx.proto3 (ModelProto.graph 7, functions 25, training_info 20; GraphProto.node 1,
 * initializer 5, sparse_initializer 15; NodeProto.attribute 5; FunctionProto.node 7; AttributeProto.t 5, g 6,
 * tensors 10, graphs 11, sparse_tensor 22, sparse_tensors 23; SparseTensorProto.values 1, indices 2;
 * TensorProto.external_data 13; StringStringEntryProto key 1, value 2; TrainingInfoProto graphs 1, 2).
 */

type Kind = 'model' | 'graph' | 'node' | 'function' | 'attribute' | 'sparse' | 'tensor' | 'training';

/** For each message kind, the length-delimited fields to descend into and what they hold. */
const CHILDREN: Record<Exclude<Kind, 'tensor'>, ReadonlyMap<number, Kind>> = {
  model: new Map([[7, 'graph'], [25, 'function'], [20, 'training']]),
  training: new Map([[1, 'graph'], [2, 'graph']]),
  graph: new Map([[1, 'node'], [5, 'tensor'], [15, 'sparse']]),
  node: new Map([[5, 'attribute']]),
  function: new Map([[7, 'node']]),
  attribute: new Map([[5, 'tensor'], [6, 'graph'], [10, 'tensor'], [11, 'graph'], [22, 'sparse'], [23, 'sparse']]),
  sparse: new Map([[1, 'tensor'], [2, 'tensor']]),
};

const MAX_DEPTH = 64;

export class ModelFormatError extends Error {}

export function externalDataLocations(bytes: Uint8Array): string[] {
  const out: string[] = [];
  walk(bytes, 0, bytes.length, 'model', 0, out);
  return out;
}

function walk(b: Uint8Array, start: number, end: number, kind: Kind, depth: number, out: string[]): void {
  if (depth > MAX_DEPTH) throw new ModelFormatError('model nests subgraphs too deeply');
  let pos = start;
  while (pos < end) {
    const [key, p1] = varint(b, pos, end);
    pos = p1;
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0: pos = varint(b, pos, end)[1]; break;
      case 1: pos += 8; break;
      case 5: pos += 4; break;
      case 2: {
        const [len, p2] = varint(b, pos, end);
        const from = p2;
        const to = from + len;
        if (to > end) throw new ModelFormatError('truncated model file');
        if (kind === 'tensor') {
          if (field === 13) {
            const entry = stringEntry(b, from, to);
            if (entry.key === 'location') out.push(entry.value);
          }
        } else {
          const child = CHILDREN[kind].get(field);
          if (child) walk(b, from, to, child, depth + 1, out);
        }
        pos = to;
        break;
      }
      default: throw new ModelFormatError('not an ONNX model (bad protobuf wire type)');
    }
  }
  if (pos !== end) throw new ModelFormatError('truncated model file');
}

function stringEntry(b: Uint8Array, start: number, end: number): { key: string; value: string } {
  let key = '';
  let value = '';
  let pos = start;
  while (pos < end) {
    const [tag, p1] = varint(b, pos, end);
    if ((tag & 7) !== 2) throw new ModelFormatError('malformed external_data entry');
    const [len, p2] = varint(b, p1, end);
    const text = Buffer.from(b.buffer, b.byteOffset + p2, Math.min(len, end - p2)).toString('utf8');
    if (tag >> 3 === 1) key = text;
    else if (tag >> 3 === 2) value = text;
    pos = p2 + len;
  }
  return { key, value };
}

/** A protobuf varint (up to 64 bits; values past 2^53 only matter as lengths, which are then out of range). */
function varint(b: Uint8Array, pos: number, end: number): [number, number] {
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ModelFormatError('truncated model file');
    const byte = b[pos++];
    result += (byte & 0x7f) * shift;
    if (byte < 0x80) return [result, pos];
    shift *= 128;
  }
  throw new ModelFormatError('malformed varint in model file');
}
