/** Messages between the main thread and an ORT worker. Structured-clone safe: plain data and typed arrays. */
import type { ExecutionProvider, RunTimings, SessionOptions } from '../types.js';
import type { Tensor } from '../../tensor/index.js';

export interface WorkerInit {
  readonly modelPath: string;
  readonly options: Omit<SessionOptions, 'instances'>;
}

export interface RawIoMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export type FromWorker =
  | { kind: 'loaded'; inputs: RawIoMetadata[]; outputs: RawIoMetadata[]; providers: ExecutionProvider[]; warnings: string[] }
  | { kind: 'load-error'; message: string }
  | { kind: 'result'; id: number; outputs: Tensor[]; timings: RunTimings }
  | { kind: 'run-error'; id: number; message: string };

export type ToWorker =
  | { kind: 'run'; id: number; inputs: Tensor[]; outputNames: string[] }
  | { kind: 'dispose' }
  /** Fault injection for tests: the worker throws, as a bug or a native failure would end the thread. */
  | { kind: 'crash' };
