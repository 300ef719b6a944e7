import type { ModelMetadata } from '../core/index.js';
import type { Tensor } from '../tensor/index.js';

export type ExecutionProvider = 'cpu' | 'cuda' | 'tensorrt';

export interface SessionOptions {
  /** Worker threads, each holding its own session (Triton's instance_group count). */
  readonly instances: number;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  /** Tried in order; CPU is always the last resort. */
  readonly executionProviders: readonly ExecutionProvider[];
  readonly graphOptimization: 'disabled' | 'basic' | 'extended' | 'all';
  /** Run on the main thread instead of worker threads (tiny models only; see ort/in-process.ts). */
  readonly inProcess?: boolean;
}

/** Where the time of one execution went, in nanoseconds (Triton's compute_input / infer / output). */
export interface RunTimings {
  readonly inputNs: number;
  readonly inferNs: number;
  readonly outputNs: number;
}

export interface RunResult {
  readonly outputs: Tensor[];
  readonly timings: RunTimings;
}

/** A loaded model version: N instances behind one run(). */
export interface LoadedModel {
  readonly metadata: ModelMetadata;
  /** The providers the session really runs on (CPU after a fallback). */
  readonly executionProviders: readonly ExecutionProvider[];
  readonly warnings: readonly string[];
  readonly instances: number;
  run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<RunResult>;
  dispose(): Promise<void>;
}

export interface Backend {
  load(modelPath: string, options: SessionOptions): Promise<LoadedModel>;
}
