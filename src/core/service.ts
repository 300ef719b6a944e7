import { ServerError, toServerError } from '../errors/index.js';
import type { ModelConfig, ModelRegistry, ModelVersion } from '../repository/index.js';
import type { Tensor } from '../tensor/index.js';
import type {
  ModelInfo, ModelMetadataResponse, ModelStatistics, RepositoryIndexEntry, ServerMetadata, V1Api,
} from './api.js';
import type { InferCall, InferContext, InferResponse } from './types.js';
import { resolveOutputs, validateInputs, type ValidationLimits } from './validate.js';
import { requestBytes, requestRows } from './rows.js';
import { checkModelName, checkModelVersion } from './names.js';
import { checkRequestParameters } from './parameters.js';
import { checkLoadParameters, checkUnloadParameters, type ManagementParameters } from './management.js';
import { failureOf, type FailureStage } from './failures.js';

export interface ServiceOptions {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
  readonly limits: ValidationLimits;
  /** Whether the API may load and unload models (Triton's model control mode). */
  readonly policy: { allowChange(action: 'load' | 'unload'): void };
  /** Triton's --strict-readiness: ready only while every model held serves or was unloaded (registry.allServing). */
  readonly strictReadiness: boolean;
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

  async infer(call: InferCall, ctx: InferContext): Promise<InferResponse> {
    const v = this.registry.resolve(checkModelName(call.modelName), checkModelVersion(call.modelVersion));
    const started = process.hrtime.bigint();
    v.acquire();
    try {
      return await this.run(v, call, ctx, started);
    } finally {
      v.release();
    }
  }

  /** Decode, check, schedule; from here on every failure counts against the version (core/failures.ts). */
  private async run(v: ModelVersion, call: InferCall, ctx: InferContext, started: bigint): Promise<InferResponse> {
    const scheduler = v.scheduler!;
    let rows = 1;
    let stage: FailureStage = 'checking';
    try {
      const request = call.decode();
      ctx.trace?.admitted(v.name, v.versionText);
      const settings = checkRequestParameters(request.parameters);
      // Requests are checked in the shapes the client speaks (the config's, or V1's model shapes); the model runs
      // on its own shapes (config reshape, repository/config/serving-view.ts).
      const view = v.view!;
      const meta = ctx.modelShapes ? v.modelMetadata : view.metadata;
      validateInputs(request, meta, this.opts.limits, ctx.modelShapes ? undefined : view.reshapedInputs);
      const outputNames = resolveOutputs(request.outputs, meta);
      rows = requestRows(request.inputs, v.config!.max_batch_size, view.batchLimit, v.name);
      const deadline = this.deadline(settings.timeoutUs, ctx, scheduler.opts);
      const inputs = ctx.modelShapes ? request.inputs : view.toModel(request.inputs);
      ctx.trace?.queued();
      stage = 'scheduled';
      const result = await scheduler.submit({
        inputs, outputNames, rows, bytes: requestBytes(inputs), deadline, signal: ctx.signal,
      });
      ctx.trace?.executed(result.queueNs, result.batchSize);
      const produced = ordered(result.outputs, outputNames);
      const outputs = ctx.modelShapes ? produced : view.fromModel(produced);
      const totalNs = Number(process.hrtime.bigint() - started);
      v.stats.recordRequest({ ok: true, totalNs, queueNs: result.queueNs, inputNs: result.run.inputNs, inferNs: result.run.inferNs, outputNs: result.run.outputNs }, rows);
      return { modelName: v.name, modelVersion: v.versionText, id: request.id, outputs };
    } catch (e) {
      const err = toServerError(e);
      ctx.trace?.failed(err.code, err.message);
      const totalNs = Number(process.hrtime.bigint() - started);
      v.stats.recordRequest({ ok: false, totalNs, queueNs: 0, inputNs: 0, inferNs: 0, outputNs: 0 }, rows, failureOf(err, stage));
      throw err;
    }
  }

  /** The request's `timeout` (microseconds, Triton's schedule_policy) when the model allows it, else the model's default. */
  private deadline(askedUs: number | undefined, ctx: InferContext, o: { defaultTimeoutUs: number; allowTimeoutOverride: boolean }): number | undefined {
    const us = askedUs !== undefined && o.allowTimeoutOverride ? askedUs : o.defaultTimeoutUs;
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
    return this.startupDone && !this.draining && (!this.opts.strictReadiness || this.registry.allServing());
  }

  isModelReady(name: string, version?: string): boolean {
    try {
      this.registry.resolve(checkModelName(name), checkModelVersion(version));
      return true;
    } catch {
      return false;
    }
  }

  modelMetadata(name: string, version?: string): ModelMetadataResponse {
    const v = this.registry.resolve(checkModelName(name), checkModelVersion(version));
    const versions = this.registry.versions(name).filter((x) => x.state === 'READY').map((x) => x.versionText);
    return { name, versions, platform: PLATFORM, inputs: v.metadata.inputs, outputs: v.metadata.outputs };
  }

  modelFileMetadata(name: string): ModelMetadataResponse {
    const v = this.registry.resolve(checkModelName(name));
    return { name, versions: [v.versionText], platform: PLATFORM, inputs: v.modelMetadata.inputs, outputs: v.modelMetadata.outputs };
  }

  modelConfig(name: string, version?: string): ModelConfig {
    return this.registry.resolve(checkModelName(name), checkModelVersion(version)).config!;
  }

  repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    return this.registry.index(readyOnly);
  }

  async loadModel(name: string, parameters?: ManagementParameters): Promise<void> {
    this.opts.policy.allowChange('load');
    const checked = checkModelName(name);
    checkLoadParameters(parameters);
    await this.registry.load(checked);
  }

  async unloadModel(name: string, parameters?: ManagementParameters): Promise<void> {
    this.opts.policy.allowChange('unload');
    const checked = checkModelName(name);
    checkUnloadParameters(parameters);
    await this.registry.unload(checked);
  }

  async loadModelFile(name: unknown, path: unknown): Promise<void> {
    this.opts.policy.allowChange('load');
    await this.registry.loadFile(checkModelName(name), path);
  }

  readyModelCount(): number {
    return this.registry.readyCount();
  }

  listModels(): ModelInfo[] {
    return this.registry.names().flatMap((n) => this.registry.versions(n).map((v) => info(v)));
  }

  describeModel(name: string): ModelInfo {
    const versions = this.registry.versions(checkModelName(name));
    if (versions.length === 0) this.registry.resolve(name);
    const ready = versions.filter((v) => v.state === 'READY');
    return info(ready.at(-1) ?? versions.at(-1)!);
  }

  statistics(name?: string, version?: string): ModelStatistics[] {
    // No name (absent or empty, as Triton's statistics extension has it): every model.
    if (name === undefined || name === '') {
      return this.registry.names().flatMap((n) => this.registry.versions(n).filter((v) => v.state === 'READY').map((v) => v.stats.snapshot()));
    }
    checkModelName(name);
    const asked = checkModelVersion(version);
    if (asked !== undefined) return [this.registry.resolve(name, asked).stats.snapshot()];
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
