import { Worker } from 'node:worker_threads';
import { ServerError } from '../../errors/index.js';
import type { Tensor } from '../../tensor/index.js';
import type { RunResult } from '../types.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { detachable, transferList } from './transfer.js';

type Loaded = Extract<FromWorker, { kind: 'loaded' }>;

interface Pending {
  resolve(r: RunResult): void;
  reject(e: Error): void;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * One worker thread with one session. Resolves `ready` once the session exists; if the thread dies, every
 * request in flight on it fails at once with UNAVAILABLE (never hangs) and `onExit` lets the pool replace it.
 */
export class OrtInstance {
  readonly ready: Promise<Loaded>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  private disposing = false;
  private loaded = false;

  constructor(init: WorkerInit, private readonly onExit: (instance: OrtInstance, code: number) => void) {
    this.worker = new Worker(WORKER_URL, { workerData: init });
    this.worker.unref();
    this.ready = new Promise<Loaded>((resolve, reject) => {
      const onMessage = (msg: FromWorker) => {
        if (msg.kind === 'loaded') {
          this.loaded = true;
          resolve(msg);
        }
        else if (msg.kind === 'load-error') reject(new Error(msg.message));
        else this.settle(msg);
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', (e) => reject(e));
      this.worker.on('exit', (code) => {
        this.exited = true;
        reject(new Error(`model worker exited with code ${code} while loading`));
        this.failAll(code);
        // Only a running instance is replaced: one that never loaded would fail the same way again, forever.
        if (!this.disposing && this.loaded) this.onExit(this, code);
      });
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get alive(): boolean {
    return !this.exited;
  }

  run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<RunResult> {
    if (this.exited) return Promise.reject(new ServerError('UNAVAILABLE', 'model instance is not running'));
    const id = this.nextId++;
    const movable = inputs.map(detachable);
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToWorker = { kind: 'run', id, inputs: movable, outputNames: [...outputNames] };
      this.worker.postMessage(msg, transferList(movable));
    });
  }

  /** Stops the thread; requests still in flight are failed, so callers drain first. */
  async dispose(): Promise<void> {
    if (this.exited) return;
    this.disposing = true;
    // The thread is unref'd so an idle server can exit; while we wait for it to finish, it must keep us alive.
    this.worker.ref();
    const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // No terminate() fallback: terminating a thread inside a native ORT run aborts the whole process
    // (onnxruntime-node throws a Napi::Error that nothing can catch). Callers drain before disposing.
    this.worker.postMessage({ kind: 'dispose' } satisfies ToWorker);
    await done;
  }

  /** Fault injection for tests: the thread dies after the work already sent to it. */
  crash(): void {
    this.worker.postMessage({ kind: 'crash' } satisfies ToWorker);
  }

  private settle(msg: FromWorker): void {
    if (msg.kind !== 'result' && msg.kind !== 'run-error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.kind === 'result') p.resolve({ outputs: msg.outputs, timings: msg.timings });
    // ORT's message names the node and the shapes, which helps the client; it never carries our paths.
    else p.reject(new ServerError('INTERNAL', `inference failed: ${msg.message}`));
  }

  private failAll(code: number): void {
    const err = new ServerError('UNAVAILABLE', `model worker exited unexpectedly (code ${code}); the request was not completed`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
