import { invalidArgument } from '../errors/index.js';
import { encodedByteLength, type Tensor } from '../tensor/index.js';

/**
 * Rows along the batch dimension. With max_batch_size > 0 every input's dim 0 is the batch and must agree and
 * fit; without batching a request counts as one inference, as in Triton's statistics.
 */
export function requestRows(inputs: readonly Tensor[], maxBatchSize: number): number {
  if (maxBatchSize <= 0) return 1;
  let rows: number | undefined;
  for (const t of inputs) {
    const d = t.shape[0];
    if (rows === undefined) rows = d;
    else if (d !== rows) throw invalidArgument(`inputs disagree on the batch size (dim 0): '${inputs[0].name}' has ${rows}, '${t.name}' has ${d}`);
  }
  if (rows === undefined) return 1;
  if (rows > maxBatchSize) throw invalidArgument(`batch size ${rows} exceeds the model's max_batch_size of ${maxBatchSize}`);
  return rows;
}

export function requestBytes(inputs: readonly Tensor[]): number {
  let n = 0;
  for (const t of inputs) n += encodedByteLength(t);
  return n;
}
