import type { BatchStatistics, InferStatistics, ModelStatistics, StatDuration } from '../core/api.js';

class Duration {
  count = 0;
  ns = 0;
  add(ns: number, count = 1): void {
    this.count += count;
    this.ns += ns;
  }
  snapshot(): StatDuration {
    return { count: this.count, ns: this.ns };
  }
}

class BatchBucket {
  readonly input = new Duration();
  readonly infer = new Duration();
  readonly output = new Duration();
}

/** A request's outcome, as the scheduler and core report it. */
export interface RequestRecord {
  readonly ok: boolean;
  readonly totalNs: number;
  readonly queueNs: number;
  readonly inputNs: number;
  readonly inferNs: number;
  readonly outputNs: number;
}

/**
 * Triton's reasons for a failed request (docs/user_guide/metrics.md, "Failure Count Categories"): REJECTED by the
 * scheduler (queue full, timed out in the queue), CANCELED, BACKEND (failed while executing), OTHER (refused
 * before execution: a request that does not decode or does not fit the model, a bad parameter).
 */
export const FAILURE_REASONS = ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Why a request failed: Triton's reason, and beside it the error code the client got (our finer reason). */
export interface Failure {
  readonly reason: FailureReason;
  readonly code: string;
}

export interface StatsListener {
  onRequest(model: string, version: string, r: RequestRecord, failure?: Failure): void;
  onExecution(model: string, version: string, batchSize: number): void;
}

/**
 * Triton's statistics for one model version. The statistics extension and the Prometheus metrics both read
 * these counters (the listener forwards each event once), so the two can never disagree.
 */
export class VersionStats {
  private readonly success = new Duration();
  private readonly fail = new Duration();
  private readonly queue = new Duration();
  private readonly computeInput = new Duration();
  private readonly computeInfer = new Duration();
  private readonly computeOutput = new Duration();
  private readonly batches = new Map<number, BatchBucket>();
  /** Failed requests by Triton's reason, then by error code (nv_inference_request_failure{reason}). */
  private readonly failReasons = new Map<FailureReason, Map<string, number>>();
  private inferenceCount = 0;
  private executionCount = 0;
  private lastInference = 0;

  constructor(readonly model: string, readonly version: string, private readonly listener?: StatsListener) {}

  /** One request finished (inference_count counts its batch rows, as Triton does). */
  recordRequest(r: RequestRecord, rows: number, failure?: Failure): void {
    this.lastInference = Date.now();
    if (r.ok) {
      this.success.add(r.totalNs);
      this.queue.add(r.queueNs);
      this.computeInput.add(r.inputNs);
      this.computeInfer.add(r.inferNs);
      this.computeOutput.add(r.outputNs);
      this.inferenceCount += rows;
    } else {
      this.fail.add(r.totalNs);
      const f = failure ?? { reason: 'OTHER', code: 'INTERNAL' };
      let byCode = this.failReasons.get(f.reason);
      if (!byCode) this.failReasons.set(f.reason, (byCode = new Map()));
      byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
    }
    this.listener?.onRequest(this.model, this.version, r, failure);
  }

  /** One model execution (a batch of one or more requests). */
  recordExecution(batchSize: number, inputNs: number, inferNs: number, outputNs: number): void {
    this.executionCount++;
    let b = this.batches.get(batchSize);
    if (!b) {
      b = new BatchBucket();
      this.batches.set(batchSize, b);
    }
    b.input.add(inputNs);
    b.infer.add(inferNs);
    b.output.add(outputNs);
    this.listener?.onExecution(this.model, this.version, batchSize);
  }

  /** Failed requests by Triton's reason; they sum to fail.count. */
  failures(): ReadonlyMap<FailureReason, number> {
    const out = new Map<FailureReason, number>();
    for (const [reason, byCode] of this.failReasons) out.set(reason, [...byCode.values()].reduce((a, b) => a + b, 0));
    return out;
  }

  /** Failed requests by Triton's reason and error code; they sum to fail.count. */
  failureCodes(): ReadonlyMap<FailureReason, ReadonlyMap<string, number>> {
    return this.failReasons;
  }

  snapshot(): ModelStatistics {
    const zero: StatDuration = { count: 0, ns: 0 };
    const inference_stats: InferStatistics = {
      success: this.success.snapshot(),
      fail: this.fail.snapshot(),
      queue: this.queue.snapshot(),
      compute_input: this.computeInput.snapshot(),
      compute_infer: this.computeInfer.snapshot(),
      compute_output: this.computeOutput.snapshot(),
      cache_hit: zero,
      cache_miss: zero,
    };
    const batch_stats: BatchStatistics[] = [...this.batches.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([size, b]) => ({ batch_size: size, compute_input: b.input.snapshot(), compute_infer: b.infer.snapshot(), compute_output: b.output.snapshot() }));
    return {
      name: this.model,
      version: this.version,
      last_inference: this.lastInference,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats,
      batch_stats,
    };
  }
}
