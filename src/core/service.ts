import { invalidArgument, ServerError, toServerError } from '../errors/index.js';
import type { ModelConfig, ModelRegistry, ModelVersion } from '../repository/index.js';
import type { Tensor } from '../tensor/index.js';
import type {
  ModelInfo, ModelMetadataResponse, ModelStatistics, RepositoryIndexEntry, ServerMetadata, V1Api,
} from './api.js';
import type { InferContext, InferRequest, InferResponse } from './types.js';
import { resolveOutputs, validateInputs, type ValidationLimits } from './validate.js';
import { requestBytes, requestRows } from './rows.js';

export interface ServiceOptions {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
  readonly limits: ValidationLimits;
  /** Whether the API may load and unload models (Triton's model control mode). */
  readonly policy: { allowChange(action: 'load' | 'unload'): void };
}

const PLATFORM = 'onnxruntime_onnx';

/**
 * The one data plane every adapter calls (MLServer's DataPlane): resolve the version, validate, schedule,
 * record statistics. Protocol code decodes and encodes around it and knows nothing of models or batching.
 */
export class InferenceService implements V1Api {
  private draining = false;
  private startupDone = false;

  constructor(private readonly registry: ModelRegistry, private readonly opts: ServiceOptions) {}

  /** Readiness turns on once the startup models have loaded, and off for good when shutdown begins. */
  markStarted(): void {
    this.startupDone = true;
  }

  beginDrain(): void {
    this.draining = true;
  }

  async infer(request: InferRequest, ctx: InferContext): Promise<InferResponse> {
    const v = this.registry.resolve(request.modelName, request.modelVersion);
    const started = process.hrtime.bigint();
    v.acquire();
    try {
      return await this.run(v, request, ctx, started);
    } finally {
      v.release();
    }
  }

  private async run(v: ModelVersion, request: InferRequest, ctx: InferContext, started: bigint): Promise<InferResponse> {
    const scheduler = v.scheduler!;
    ctx.trace?.admitted(v.name, v.versionText);
    let rows = 1;
    try {
      validateInputs(request, v.metadata, this.opts.limits);
      const outputNames = resolveOutputs(request.outputs, v.metadata);
      rows = requestRows(request.inputs, v.config!.max_batch_size);
      const deadline = this.deadline(request, ctx, scheduler.opts);
      ctx.trace?.queued();
      const result = await scheduler.submit({
        inputs: request.inputs, outputNames, rows, bytes: requestBytes(request.inputs), deadline, signal: ctx.signal,
      });
      ctx.trace?.executed(result.queueNs, result.batchSize);
      const outputs = ordered(result.outputs, outputNames);
      const totalNs = Number(process.hrtime.bigint() - started);
      v.stats.recordRequest({ ok: true, totalNs, queueNs: result.queueNs, inputNs: result.run.inputNs, inferNs: result.run.inferNs, outputNs: result.run.outputNs }, rows);
      return { modelName: v.name, modelVersion: v.versionText, id: request.id, outputs };
    } catch (e) {
      const err = toServerError(e);
      ctx.trace?.failed(err.code, err.message);
      const totalNs = Number(process.hrtime.bigint() - started);
      v.stats.recordRequest({ ok: false, totalNs, queueNs: 0, inputNs: 0, inferNs: 0, outputNs: 0 }, rows, failureReason(err));
      throw err;
    }
  }

  /** The request's `timeout` parameter (microseconds, Triton) when allowed, else the model's default. */
  private deadline(request: InferRequest, ctx: InferContext, o: { defaultTimeoutUs: number; allowTimeoutOverride: boolean }): number | undefined {
    let us = o.defaultTimeoutUs;
    const asked = request.parameters?.get('timeout');
    if (asked !== undefined && o.allowTimeoutOverride) {
      const n = Number(asked);
      if (!Number.isFinite(n) || n < 0) throw invalidArgument("parameter 'timeout' must be a non-negative number of microseconds");
      us = n;
    }
    const fromParam = us > 0 ? Date.now() + us / 1000 : undefined;
    if (ctx.deadline === undefined) return fromParam;
    return fromParam === undefined ? ctx.deadline : Math.min(ctx.deadline, fromParam);
  }

  serverMetadata(): ServerMetadata {
    return { name: this.opts.name, version: this.opts.version, extensions: this.opts.extensions };
  }

  isLive(): boolean {
    return true;
  }

  isReady(): boolean {
    return this.startupDone && !this.draining && this.registry.allReady();
  }

  isModelReady(name: string, version?: string): boolean {
    try {
      this.registry.resolve(name, version);
      return true;
    } catch {
      return false;
    }
  }

  modelMetadata(name: string, version?: string): ModelMetadataResponse {
    const v = this.registry.resolve(name, version);
    const versions = this.registry.versions(name).filter((x) => x.state === 'READY').map((x) => x.versionText);
    return { name, versions, platform: PLATFORM, inputs: v.metadata.inputs, outputs: v.metadata.outputs };
  }

  modelConfig(name: string, version?: string): ModelConfig {
    return this.registry.resolve(name, version).config!;
  }

  repositoryIndex(readyOnly: boolean): RepositoryIndexEntry[] {
    return this.registry.index(readyOnly);
  }

  async loadModel(name: string): Promise<void> {
    this.opts.policy.allowChange('load');
    await this.registry.load(name);
  }

  async unloadModel(name: string): Promise<void> {
    this.opts.policy.allowChange('unload');
    await this.registry.unload(name);
  }

  async loadModelFile(name: unknown, path: unknown): Promise<void> {
    this.opts.policy.allowChange('load');
    await this.registry.loadFile(name, path);
  }

  listModels(): ModelInfo[] {
    return this.registry.names().flatMap((n) => this.registry.versions(n).map((v) => info(v)));
  }

  describeModel(name: string): ModelInfo {
    const versions = this.registry.versions(name);
    if (versions.length === 0) this.registry.resolve(name);
    const ready = versions.filter((v) => v.state === 'READY');
    return info(ready.at(-1) ?? versions.at(-1)!);
  }

  statistics(name?: string, version?: string): ModelStatistics[] {
    if (name === undefined) {
      return this.registry.names().flatMap((n) => this.registry.versions(n).filter((v) => v.state === 'READY').map((v) => v.stats.snapshot()));
    }
    if (version !== undefined && version !== '') return [this.registry.resolve(name, version).stats.snapshot()];
    const all = this.registry.versions(name).filter((v) => v.state === 'READY');
    if (all.length === 0) this.registry.resolve(name);
    return all.map((v) => v.stats.snapshot());
  }
}

function info(v: ModelVersion): ModelInfo {
  const meta = v.model?.metadata;
  return {
    name: v.name, version: v.versionText, state: v.state, ...(v.reason ? { reason: v.reason } : {}), format: 'onnx',
    ...(v.loadedAt ? { loaded_at: v.loadedAt.toISOString() } : {}),
    inputs: meta?.inputs ?? [], outputs: meta?.outputs ?? [],
  };
}

function ordered(outputs: readonly Tensor[], names: readonly string[]): Tensor[] {
  return names.map((n) => {
    const t = outputs.find((o) => o.name === n);
    if (!t) throw new ServerError('INTERNAL', `model produced no output '${n}'`);
    return t;
  });
}

function failureReason(e: ServerError): string {
  switch (e.code) {
    case 'RESOURCE_EXHAUSTED': return 'REJECTED';
    case 'DEADLINE_EXCEEDED': return 'TIMEOUT';
    case 'CANCELLED': return 'CANCELED';
    case 'INVALID_ARGUMENT': return 'INVALID';
    default: return 'BACKEND';
  }
}
