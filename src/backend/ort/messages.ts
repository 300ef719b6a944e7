/**
 * Messages between the main thread and a pool worker (ort/pool.ts). Structured-clone safe: plain data and typed
 * arrays. A worker holds several sessions, each named by a session id (`sid`) the main thread chose.
 */
import type { ExecutionProvider, RunTimings, SessionOptions } from '../types.js';
import type { Tensor } from '../../tensor/index.js';

export interface SessionInit {
  readonly modelPath: string;
  readonly options: Omit<SessionOptions, 'instances' | 'inProcess'>;
}

export interface RawIoMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export type FromWorker =
  | { kind: 'loaded'; sid: number; inputs: RawIoMetadata[]; outputs: RawIoMetadata[]; providers: ExecutionProvider[]; warnings: string[] }
  | { kind: 'load-error'; sid: number; message: string }
  | { kind: 'released'; sid: number }
  | { kind: 'result'; id: number; outputs: Tensor[]; timings: RunTimings }
  | { kind: 'run-error'; id: number; message: string };

export type ToWorker =
  | { kind: 'load'; sid: number; init: SessionInit }
  | { kind: 'run'; sid: number; id: number; inputs: Tensor[]; outputNames: string[] }
  | { kind: 'release'; sid: number }
  /** The pool has no session left here: the thread ends itself (never terminate(): see pool.ts). */
  | { kind: 'exit' }
  /** Fault injection for tests: the worker throws, as a bug or a native failure would end the thread. */
  | { kind: 'crash' };
