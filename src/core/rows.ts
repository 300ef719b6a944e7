import { invalidArgument } from '../errors/index.js';
import { encodedByteLength, type Tensor } from '../tensor/index.js';

/**
 * Rows along the batch dimension. With max_batch_size > 0 every input's dim 0 is the batch and must agree, and
 * fit `limit` when the model has one (an explicit max_batch_size: repository ServingView.batchLimit); without
 * batching a request counts as one inference, as in Triton's statistics.
 */
export function requestRows(inputs: readonly Tensor[], maxBatchSize: number, limit: number | undefined, model: string): number {
  if (maxBatchSize <= 0) return 1;
  let rows: number | undefined;
  for (const t of inputs) {
    const d = t.shape[0];
    if (rows === undefined) rows = d;
    else if (d !== rows) throw invalidArgument(`inputs disagree on the batch size (dim 0): '${inputs[0].name}' has ${rows}, '${t.name}' has ${d}`);
  }
  if (rows === undefined) return 1;
  if (limit !== undefined && rows > limit) {
    // Triton's text first (its clients match on it), then where the limit comes from and what to do.
    throw invalidArgument(`inference request batch-size must be <= ${limit} for '${model}': the request has ${rows} rows; ` +
      `max_batch_size ${limit} is set in ${model}/config.pbtxt (raise it there, or send fewer rows per request)`);
  }
  return rows;
}

export function requestBytes(inputs: readonly Tensor[]): number {
  let n = 0;
  for (const t of inputs) n += encodedByteLength(t);
  return n;
}
