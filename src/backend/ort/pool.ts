/**
 * A pool of worker threads shared by every model (issue #11): a thread and its V8 isolate cost ~17 MB, so one
 * per model version made 17 small models cost 417 MB. With --worker-threads N the pool grows to N threads (or to
 * the largest instance_group) and then places sessions where fewest are; without it, every session gets a
 * thread of its own. A model's N instances are always N sessions on N different threads. If a thread dies, every request in flight on it fails at once with UNAVAILABLE (never
 * hangs) and each model that had a session there is told, to open a fresh one.
 * Never terminate(): terminating a thread inside a native ORT run aborts the whole process (onnxruntime-node
 * throws a Napi::Error nothing can catch); a thread with no session left is asked to exit by itself.
 */
import { Worker } from 'node:worker_threads';
import { ServerError } from '../../errors/index.js';
import type { Tensor } from '../../tensor/index.js';
import type { RunResult } from '../types.js';
import type { FromWorker, SessionInit, ToWorker } from './messages.js';
import { detachable, transferList } from './transfer.js';

export type Loaded = Extract<FromWorker, { kind: 'loaded' }>;

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextSid = 1;

  /** size: threads the pool grows to before it places a second session on a thread. */
  constructor(private readonly size: number) {}

  get threads(): number {
    return this.workers.length;
  }

  /** One session of `init` on the least busy thread not in `avoid` (a model's other instances). */
  open(init: SessionInit, avoid: ReadonlySet<PoolWorker>, onLost: (s: PooledSession, code: number) => void): PooledSession {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (!avoid.has(w) && !w.exiting && (!best || w.sessions.size < best.sessions.size)) best = w;
    if (!best || (best.sessions.size > 0 && this.workers.length < this.size)) {
      best = new PoolWorker((w) => this.workers.splice(this.workers.indexOf(w) >>> 0, 1));
      this.workers.push(best);
    }
    return best.open(this.nextSid++, init, onLost);
  }
}

interface Pending {
  readonly session: PooledSession;
  resolve(r: RunResult): void;
  reject(e: Error): void;
}

export class PoolWorker {
  readonly sessions = new Map<number, PooledSession>();
  exiting = false;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  private refs = 0;

  constructor(onGone: (w: PoolWorker) => void) {
    this.worker = new Worker(WORKER_URL);
    this.worker.unref();
    this.worker.on('message', (msg: FromWorker) => this.receive(msg));
    this.worker.on('error', () => undefined);
    this.worker.on('exit', (code) => {
      this.exited = true;
      onGone(this);
      const err = new ServerError('UNAVAILABLE', `model worker exited unexpectedly (code ${code}); the request was not completed`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const s of [...this.sessions.values()]) s.lost(code);
      this.sessions.clear();
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  open(sid: number, init: SessionInit, onLost: (s: PooledSession, code: number) => void): PooledSession {
    const s = new PooledSession(this, sid, onLost);
    this.sessions.set(sid, s);
    // Work in flight (a load, a run) keeps the process alive; an idle pool does not.
    this.hold();
    s.ready.then(() => this.unhold(), () => this.unhold());
    this.post({ kind: 'load', sid, init });
    return s;
  }

  run(s: PooledSession, inputs: readonly Tensor[], outputNames: readonly string[]): Promise<RunResult> {
    if (this.exited) return Promise.reject(new ServerError('UNAVAILABLE', 'model instance is not running'));
    const id = this.nextId++;
    const movable = inputs.map(detachable);
    this.hold();
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, {
        session: s,
        resolve: (r) => { this.unhold(); resolve(r); },
        reject: (e) => { this.unhold(); reject(e); },
      });
      this.worker.postMessage({ kind: 'run', sid: s.sid, id, inputs: movable, outputNames: [...outputNames] } satisfies ToWorker, transferList(movable));
    });
  }

  inFlight(s: PooledSession): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.session === s) n++;
    return n;
  }

  /** Releases the session; the last one out asks the thread to exit, and waits for it. */
  async release(s: PooledSession): Promise<void> {
    if (this.exited) return;
    this.hold();
    try {
      await new Promise<void>((resolve) => {
        s.onReleased = resolve;
        this.post({ kind: 'release', sid: s.sid });
        this.worker.once('exit', () => resolve());
      });
      this.sessions.delete(s.sid);
      if (this.sessions.size === 0 && !this.exited) {
        this.exiting = true;
        const gone = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
        this.post({ kind: 'exit' });
        await gone;
      }
    } finally {
      this.unhold();
    }
  }

  crash(): void {
    this.post({ kind: 'crash' });
  }

  private post(msg: ToWorker): void {
    if (!this.exited) this.worker.postMessage(msg);
  }

  /** An unref'd thread lets an idle server exit; while we wait on it, it must keep the process alive. */
  private hold(): void {
    if (this.refs++ === 0) this.worker.ref();
  }

  private unhold(): void {
    if (--this.refs === 0 && !this.exited) this.worker.unref();
    if (this.refs < 0) this.refs = 0;
  }

  private receive(msg: FromWorker): void {
    if (msg.kind === 'result' || msg.kind === 'run-error') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.kind === 'result') p.resolve({ outputs: msg.outputs, timings: msg.timings });
      // ORT's message names the node and the shapes, which helps the client; it never carries our paths.
      else p.reject(new ServerError('INTERNAL', `inference failed: ${msg.message}`));
      return;
    }
    const s = this.sessions.get(msg.sid);
    if (!s) return;
    if (msg.kind === 'loaded') s.loaded(msg);
    else if (msg.kind === 'load-error') {
      this.sessions.delete(msg.sid);
      s.loadFailed(msg.message);
    } else s.onReleased?.();
  }
}

/** One session on one pool thread: what a model instance was when it had a thread of its own. */
export class PooledSession {
  readonly ready: Promise<Loaded>;
  onReleased: (() => void) | undefined;
  private resolveReady!: (l: Loaded) => void;
  private rejectReady!: (e: Error) => void;
  private isLoaded = false;
  private isLost = false;

  constructor(readonly worker: PoolWorker, readonly sid: number, private readonly onLost: (s: PooledSession, code: number) => void) {
    this.ready = new Promise<Loaded>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
  }

  get alive(): boolean {
    return !this.isLost && this.worker.alive;
  }

  get inFlight(): number {
    return this.worker.inFlight(this);
  }

  run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<RunResult> {
    if (!this.alive) return Promise.reject(new ServerError('UNAVAILABLE', 'model instance is not running'));
    return this.worker.run(this, inputs, outputNames);
  }

  /** Requests still in flight are failed by the release, so callers drain first. */
  dispose(): Promise<void> {
    this.isLost = true;
    return this.worker.release(this);
  }

  /** Fault injection for tests: the thread dies after the work already sent to it. */
  crash(): void {
    this.worker.crash();
  }

  loaded(msg: Loaded): void {
    this.isLoaded = true;
    this.resolveReady(msg);
  }

  loadFailed(message: string): void {
    this.isLost = true;
    this.rejectReady(new Error(message));
  }

  /** Its thread died. Only a session that had loaded is reported: one that never loaded would fail again. */
  lost(code: number): void {
    const wasServing = this.isLoaded && !this.isLost;
    this.isLost = true;
    this.rejectReady(new Error(`model worker exited with code ${code} while loading`));
    if (wasServing) this.onLost(this, code);
  }
}
