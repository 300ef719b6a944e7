/**
 * A Backend for server tests whose runs finish when the test says so (DESIGN.md §5.11: test doubles finish when
 * the test releases them; nothing is ordered by sleeping). `startServer(config, { backend })` takes it.
 *
 * Models named in `specs` are fakes; any other model is loaded by `fallback` (normally a real OrtBackend), so one
 * server can hold a gated `slow` next to real models. A fake records every run it was given (rows, shapes, input
 * values), holds each run until `release()`, and lets a test wait for "n runs held" as an event, not a poll.
 */
import path from 'node:path';
import type { Backend, LoadedModel, RunResult, SessionOptions } from '../../src/backend/index.js';
import type { ModelMetadata } from '../../src/core/index.js';
import type { Tensor } from '../../src/tensor/index.js';

export interface FakeModelSpec {
  readonly metadata: ModelMetadata;
  /** Outputs for one run; the default echoes input i as output i (so a batch splits back row for row). */
  readonly compute?: (inputs: readonly Tensor[], outputNames: readonly string[]) => Tensor[];
  /** Timings the run reports (Triton's compute_input / infer / output), in ns. */
  readonly timings?: RunResult['timings'];
  /** false: runs finish at once instead of waiting for release(). */
  readonly gated?: boolean;
}

export interface FakeRun {
  /** Rows along dim 0 of the first input: the batch size the scheduler formed. */
  readonly rows: number;
  readonly shapes: readonly (readonly number[])[];
  /** The first input's values, to tell requests apart. */
  readonly values: readonly number[];
}

type Waiter = { readonly done: () => boolean; readonly resolve: () => void };

/** The part of a model's shape that the Triton-style `slow` fixture has: x[1,1] FP32 -> y[1,1] FP32, no batching. */
export const SLOW_METADATA: ModelMetadata = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 1] }],
};

function echo(inputs: readonly Tensor[], outputNames: readonly string[], metadata: ModelMetadata): Tensor[] {
  const names = outputNames.length > 0 ? outputNames : metadata.outputs.map((o) => o.name);
  return names.map((name, i) => {
    const src = inputs[Math.min(i, inputs.length - 1)];
    const spec = metadata.outputs.find((o) => o.name === name);
    return { name, datatype: spec?.datatype ?? src.datatype, shape: [...src.shape], data: src.data };
  });
}

export class FakeModel implements LoadedModel {
  readonly executionProviders = ['cpu'] as const;
  readonly warnings: string[] = [];
  readonly instances = 1;
  readonly runs: FakeRun[] = [];
  disposed = false;
  private readonly gates: (() => void)[] = [];
  private readonly waiters: Waiter[] = [];
  private autoRelease: boolean;
  private completed = 0;

  constructor(readonly name: string, private readonly spec: FakeModelSpec, readonly file: string) {
    this.autoRelease = spec.gated === false;
  }

  get metadata(): ModelMetadata {
    return this.spec.metadata;
  }

  /** Runs started and not yet released. */
  get held(): number {
    return this.gates.length;
  }

  /** Runs that returned their result. */
  get finished(): number {
    return this.completed;
  }

  async run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<RunResult> {
    const first = inputs[0];
    this.runs.push({
      rows: first?.shape[0] ?? 0,
      shapes: inputs.map((t) => [...t.shape]),
      values: first && typeof first.data[0] !== 'string' ? Array.from(first.data as ArrayLike<number>, Number) : [],
    });
    if (!this.autoRelease) {
      const gate = new Promise<void>((resolve) => this.gates.push(resolve));
      this.notify();
      await gate;
    }
    const outputs = this.spec.compute ? this.spec.compute(inputs, outputNames) : echo(inputs, outputNames, this.spec.metadata);
    this.completed++;
    this.notify();
    return { outputs, timings: this.spec.timings ?? { inputNs: 1000, inferNs: 2000, outputNs: 3000 } };
  }

  /** Lets the `n` oldest held runs finish (all by default); returns how many were released. */
  release(n = this.gates.length): number {
    const released = this.gates.splice(0, n);
    for (const g of released) g();
    return released.length;
  }

  /** From now on runs finish at once; the ones held are released too. */
  releaseAll(): void {
    this.autoRelease = true;
    this.release();
  }

  /** Back to holding every new run until release(). */
  hold(): void {
    this.autoRelease = false;
  }

  /** Resolves once `n` runs are held at the same time. */
  whenHeld(n: number): Promise<void> {
    return this.until(() => this.gates.length >= n);
  }

  /** Resolves once `n` runs have started since the model was loaded. */
  whenStarted(n: number): Promise<void> {
    return this.until(() => this.runs.length >= n);
  }

  /** Resolves once `n` runs have finished. */
  whenFinished(n: number): Promise<void> {
    return this.until(() => this.completed >= n);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    // A session released with runs in flight would strand them: the registry drains first, so none may be held.
    this.releaseAll();
  }

  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }

  private notify(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (w.done()) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

/** The model name a repository file belongs to: `<repo>/<name>/<version>/model.onnx` or `<repo>/<name>.onnx`. */
export function modelNameOf(file: string): string {
  const dir = path.dirname(file);
  if (/^\d+$/.test(path.basename(dir))) return path.basename(path.dirname(dir));
  return path.basename(file, '.onnx');
}

export class FakeBackend implements Backend {
  /** Model names in the order they were loaded by this backend (fakes and fallbacks). */
  readonly loads: string[] = [];
  private readonly latest = new Map<string, FakeModel>();

  constructor(private readonly specs: Readonly<Record<string, FakeModelSpec>>, private readonly fallback?: Backend) {}

  async load(modelPath: string, options: SessionOptions): Promise<LoadedModel> {
    const name = modelNameOf(modelPath);
    this.loads.push(name);
    const spec = Object.hasOwn(this.specs, name) ? this.specs[name] : undefined;
    if (!spec) {
      if (!this.fallback) throw new Error(`no fake for model '${name}' and no fallback backend`);
      return this.fallback.load(modelPath, options);
    }
    const model = new FakeModel(name, spec, modelPath);
    this.latest.set(name, model);
    return model;
  }

  /** Lets every fake finish whatever it holds, now and from now on (before stopping a server, so a failed test ends). */
  releaseAll(): void {
    for (const m of this.latest.values()) m.releaseAll();
  }

  /** The most recently loaded fake of that name (a reload makes a new one). */
  model(name: string): FakeModel {
    const m = this.latest.get(name);
    if (!m) throw new Error(`fake model '${name}' was never loaded`);
    return m;
  }
}
