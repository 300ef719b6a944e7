import type { Backend, ExecutionProvider, LoadedModel, RunResult, SessionOptions } from '../types.js';
import type { ModelMetadata } from '../../core/index.js';
import type { Tensor } from '../../tensor/index.js';
import { ServerError } from '../../errors/index.js';
import { InProcessModel } from './in-process.js';
import { toModelMetadata } from './metadata.js';
import type { SessionInit } from './messages.js';
import { WorkerPool, type PooledSession, type PoolWorker } from './pool.js';

export interface OrtBackendEvents {
  /** A worker died and was replaced (or could not be). */
  onWorkerExit?(info: { modelPath: string; code: number; replaced: boolean }): void;
}

export interface OrtBackendOptions extends OrtBackendEvents {
  /**
   * Threads the pool grows to before two sessions share one; default (0 or absent): no limit, a thread per
   * model instance. Sharing saves ~17 MB a thread, but a session being created or a long run on a shared thread
   * holds up the other models on it (measured: 47 ms stalls of a small model's requests while two models loaded).
   */
  readonly workerThreads?: number;
}

/** onnxruntime-node sessions on a pool of worker threads shared by every model (ort/pool.ts). */
export class OrtBackend implements Backend {
  private readonly pool: WorkerPool;

  constructor(private readonly events: OrtBackendOptions = {}) {
    this.pool = new WorkerPool(events.workerThreads ? events.workerThreads : Infinity);
  }

  /** Pool threads running now (tests, metrics). */
  get threads(): number {
    return this.pool.threads;
  }

  async load(modelPath: string, options: SessionOptions): Promise<LoadedModel> {
    if (options.inProcess) return InProcessModel.load(modelPath, options);
    const model = new OrtModel(modelPath, options, this.pool, this.events);
    await model.start();
    return model;
  }
}

class OrtModel implements LoadedModel {
  metadata!: ModelMetadata;
  executionProviders: readonly ExecutionProvider[] = ['cpu'];
  warnings: string[] = [];
  private readonly slots: PooledSession[] = [];
  private disposed = false;
  private readonly init: SessionInit;

  constructor(private readonly modelPath: string, private readonly options: SessionOptions, private readonly pool: WorkerPool,
    private readonly events: OrtBackendEvents) {
    const { instances: _instances, inProcess: _inProcess, ...rest } = options;
    this.init = { modelPath, options: rest };
  }

  get instances(): number {
    return this.slots.length;
  }

  async start(): Promise<void> {
    const count = Math.max(1, this.options.instances);
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
    try {
      // Every instance must load; the first answer gives the metadata (all load the same file).
      const [first] = await Promise.all(this.slots.map((s) => s.ready));
      const meta = toModelMetadata(first.inputs, first.outputs);
      this.metadata = { inputs: meta.inputs, outputs: meta.outputs };
      this.executionProviders = first.providers;
      this.warnings = [...first.warnings];
      if (meta.skippedOutputs.length > 0) this.warnings.push(`non-tensor outputs not served: ${meta.skippedOutputs.join(', ')}`);
    } catch (e) {
      await this.dispose();
      throw e;
    }
  }

  run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<RunResult> {
    if (this.disposed) return Promise.reject(new ServerError('UNAVAILABLE', 'model is unloaded'));
    // Least outstanding work first; the scheduler above normally hands work only to idle instances.
    let best: PooledSession | undefined;
    for (const s of this.slots) if (s.alive && (!best || s.inFlight < best.inFlight)) best = s;
    if (!best) return Promise.reject(new ServerError('UNAVAILABLE', 'no model instance is running'));
    return best.run(inputs, outputNames);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.slots.map((s) => s.dispose()));
  }

  /** Fault injection for tests: instance `index` dies once the work already sent to it is done. */
  crashInstance(index = 0): void {
    this.slots[index]?.crash();
  }

  /** A session on a thread none of this model's other instances use, so the instances run in parallel. */
  private spawn(): PooledSession {
    const used = new Set<PoolWorker>(this.slots.filter((s) => s.alive).map((s) => s.worker));
    return this.pool.open(this.init, used, (dead, code) => this.replace(dead, code));
  }

  private replace(dead: PooledSession, code: number): void {
    const i = this.slots.indexOf(dead);
    const replaced = !this.disposed && i >= 0;
    if (replaced) {
      const fresh = this.spawn();
      this.slots[i] = fresh;
      fresh.ready.catch(() => undefined);
    }
    this.events.onWorkerExit?.({ modelPath: this.modelPath, code, replaced });
  }
}
