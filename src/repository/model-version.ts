import type { ModelMetadata, VersionState } from '../core/index.js';
import type { LoadedModel } from '../backend/index.js';
import type { Scheduler } from '../scheduler/index.js';
import { VersionStats } from '../observability/index.js';
import type { ModelConfig, ServingView } from './config/index.js';

/** One version of a model: its state, and once READY its session, scheduler, statistics and effective config. */
export class ModelVersion {
  state: VersionState = 'LOADING';
  reason = '';
  loadedAt: Date | undefined;
  loadMs = 0;
  model: LoadedModel | undefined;
  scheduler: Scheduler | undefined;
  config: ModelConfig | undefined;
  /** Set with `config`: metadata, batch limit and reshapes as clients see them (config/serving-view.ts). */
  view: ServingView | undefined;
  private inflight = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly name: string, readonly version: number, readonly file: string, readonly stats: VersionStats) {}

  /** Inputs and outputs as the configuration serves them (what V2 metadata reports and requests are checked against). */
  get metadata(): ModelMetadata {
    return this.view!.metadata;
  }

  /** Inputs and outputs as the ONNX model itself declares them (the seed's V1 view of a model file). */
  get modelMetadata(): ModelMetadata {
    return this.model!.metadata;
  }

  get versionText(): string {
    return String(this.version);
  }

  /** Counts a request in; the version is not released while any is in flight. */
  acquire(): void {
    this.inflight++;
  }

  release(): void {
    this.inflight--;
    if (this.inflight === 0) for (const w of this.waiters.splice(0)) w();
  }

  get inFlight(): number {
    return this.inflight;
  }

  /** Stops new requests, waits for those in flight (queued ones included), then frees the session. */
  async retire(reason: string): Promise<void> {
    if (this.state === 'UNAVAILABLE' && !this.model) {
      // Nothing to free (it failed to load): it now reads as unloaded, as in Triton, which readiness ignores.
      this.reason = reason;
      return;
    }
    this.state = 'UNLOADING';
    this.scheduler?.close();
    if (this.inflight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    await this.model?.dispose();
    this.model = undefined;
    this.scheduler = undefined;
    this.state = 'UNAVAILABLE';
    this.reason = reason;
  }
}
