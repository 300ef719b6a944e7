/**
 * The dynamic batcher's decision, as a pure function of the queue and the clock (Triton's dynamic batch
 * scheduler semantics): send a batch now, or wait so many nanoseconds for more requests.
 */

export interface BatchPolicy {
  /** Most rows in one execution; 0 or 1 means no batching (each request runs alone). */
  readonly maxBatchSize: number;
  /** Batch sizes (in rows) to prefer; a batch is sent as soon as it reaches the largest reachable one. */
  readonly preferredBatchSizes: readonly number[];
  /** Longest the oldest request may wait for others, in nanoseconds. */
  readonly maxQueueDelayNs: number;
  /** Whether dynamic batching is on at all (a config without dynamic_batching runs requests one by one). */
  readonly enabled: boolean;
}

export type Decision = { readonly kind: 'send'; readonly count: number } | { readonly kind: 'wait'; readonly ns: number };

/**
 * @param rows rows of each compatible request, oldest first (all could join one batch)
 * @param oldestAgeNs how long the oldest of them has waited
 */
export function decide(rows: readonly number[], oldestAgeNs: number, policy: BatchPolicy): Decision {
  if (rows.length === 0) return { kind: 'wait', ns: Infinity };
  if (!policy.enabled || policy.maxBatchSize <= 1) return { kind: 'send', count: 1 };

  // The longest prefix that fits max_batch_size (a single request larger than it was refused at validation).
  let total = 0;
  let fit = 0;
  let preferredCount = 0;
  const preferred = policy.preferredBatchSizes;
  for (const r of rows) {
    if (total + r > policy.maxBatchSize) break;
    total += r;
    fit++;
    if (preferred.includes(total)) preferredCount = fit;
  }
  if (fit === 0) return { kind: 'send', count: 1 };
  const full = fit < rows.length || total === policy.maxBatchSize;
  const largestPreferred = preferred.length > 0 ? Math.max(...preferred) : 0;

  // Triton: a batch that reached max_batch_size, or the largest preferred size, goes at once.
  if (total === policy.maxBatchSize || (largestPreferred > 0 && total >= largestPreferred && preferredCount > 0)) {
    return { kind: 'send', count: preferredCount > 0 && total !== policy.maxBatchSize ? preferredCount : fit };
  }
  if (oldestAgeNs >= policy.maxQueueDelayNs) {
    // Out of time: send the largest preferred size reachable, else everything that fits.
    return { kind: 'send', count: preferredCount > 0 ? preferredCount : fit };
  }
  if (full) return { kind: 'send', count: preferredCount > 0 ? preferredCount : fit };
  return { kind: 'wait', ns: policy.maxQueueDelayNs - oldestAgeNs };
}
