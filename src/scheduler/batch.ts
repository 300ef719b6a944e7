import { allocate, isStringData, type Tensor, type TensorData } from '../tensor/index.js';

/** Requests may share a batch when their inputs agree on everything but dim 0 (and they want the same outputs). */
export function batchKey(inputs: readonly Tensor[], outputNames: readonly string[]): string {
  let key = outputNames.join(',') + '|';
  for (const t of inputs) key += `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')};`;
  return key;
}

/** Concatenates each input along dim 0, in request order. All requests have the same input names and row shapes. */
export function mergeInputs(requests: readonly (readonly Tensor[])[]): Tensor[] {
  const first = requests[0];
  return first.map((proto, i) => {
    const parts = requests.map((r) => r[i]);
    const rows = parts.reduce((n, t) => n + t.shape[0], 0);
    const shape = [rows, ...proto.shape.slice(1)];
    return { name: proto.name, datatype: proto.datatype, shape, data: concat(proto, parts) };
  });
}

function concat(proto: Tensor, parts: readonly Tensor[]): TensorData {
  if (isStringData(proto.data)) return parts.flatMap((t) => t.data as string[]);
  const total = parts.reduce((n, t) => n + t.data.length, 0);
  const out = allocate(proto.datatype, total) as Exclude<TensorData, string[]>;
  let offset = 0;
  for (const t of parts) {
    // Same datatype guaranteed by the batch key; set() copies element-wise without conversion.
    (out as { set(a: ArrayLike<number | bigint>, o: number): void }).set(t.data as ArrayLike<number | bigint>, offset);
    offset += t.data.length;
  }
  return out;
}

/**
 * Splits each output back along dim 0 by the requests' row counts. Returns undefined when an output's dim 0
 * does not equal the total rows (a model that does not batch along dim 0): the caller reruns requests alone.
 */
export function splitOutputs(outputs: readonly Tensor[], rows: readonly number[]): Tensor[][] | undefined {
  const total = rows.reduce((a, b) => a + b, 0);
  const result: Tensor[][] = rows.map(() => []);
  for (const out of outputs) {
    if (out.shape.length === 0 || out.shape[0] !== total) return undefined;
    const rowElems = total === 0 ? 0 : out.data.length / total;
    let start = 0;
    rows.forEach((n, i) => {
      const end = start + n * rowElems;
      const data = isStringData(out.data) ? out.data.slice(start, end) : out.data.subarray(start, end);
      result[i].push({ name: out.name, datatype: out.datatype, shape: [n, ...out.shape.slice(1)], data });
      start = end;
    });
  }
  return result;
}
