import type { ExecutionProvider, SessionOptions } from '../backend/index.js';
import type { ModelMetadata } from '../core/index.js';
import type { SchedulerOptions } from '../scheduler/index.js';
import { completeConfig, parseModelConfig, type CompletedModelConfig, type ModelConfig } from './config/index.js';
import type { ModelSource } from './scan.js';

/** Server-wide defaults that a model's config.pbtxt may override. */
export interface ServingDefaults {
  readonly instances: number;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly executionProvider: ExecutionProvider;
  readonly maxQueueSize: number;
  /** Default per-request timeout in microseconds; 0 = none. */
  readonly defaultTimeoutUs: number;
  readonly retryAfterSeconds: number;
  /** Models run on the main thread (--in-process-models); config.pbtxt can ask the same per model. */
  readonly inProcessModels: readonly string[];
}

export function readConfig(src: ModelSource): { config: ModelConfig | undefined; warnings: string[] } {
  if (src.configText === undefined) return { config: undefined, warnings: [] };
  return parseModelConfig(src.configText, `${src.name}/config.pbtxt`);
}

/** Triton's version_policy over the versions present; default latest { num_versions: 1 }. */
export function selectVersions(config: ModelConfig | undefined, present: readonly number[]): number[] {
  const sorted = [...present].sort((a, b) => b - a);
  const policy = config?.version_policy;
  if (policy && 'all' in policy) return sorted;
  if (policy && 'specific' in policy) return sorted.filter((v) => policy.specific.versions.includes(v));
  const n = policy && 'latest' in policy ? Math.max(1, policy.latest.num_versions) : 1;
  return sorted.slice(0, n);
}

/** `renamed`: --model-name chose `name`, so a config.pbtxt naming the model otherwise is served as `name`. */
export function effectiveConfig(name: string, config: ModelConfig | undefined, meta: ModelMetadata, renamed = false): CompletedModelConfig {
  if (renamed && config && config.name !== '' && config.name !== name) {
    const done = completeConfig(config.name, config, meta);
    return {
      ...done,
      config: Object.freeze({ ...done.config, name }),
      warnings: [`config.pbtxt names the model '${config.name}'; served as '${name}' (--model-name)`, ...done.warnings],
    };
  }
  return completeConfig(name, config, meta);
}

function intParam(config: ModelConfig | undefined, key: string): number | undefined {
  const raw = config?.parameters?.[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function sessionOptions(name: string, config: ModelConfig | undefined, d: ServingDefaults): SessionOptions {
  const group = config?.instance_group?.[0];
  const count = config?.instance_group?.reduce((n, g) => n + (g.count || 1), 0);
  const wantsGpu = group?.kind === 'KIND_GPU';
  const accel = config?.optimization?.execution_accelerators?.gpu_execution_accelerator?.map((a) => a.name.toLowerCase()) ?? [];
  const providers: ExecutionProvider[] = [];
  if (accel.includes('tensorrt')) providers.push('tensorrt');
  if (wantsGpu || accel.length > 0 || d.executionProvider === 'cuda' || d.executionProvider === 'tensorrt') {
    if (d.executionProvider === 'tensorrt' && !providers.includes('tensorrt')) providers.push('tensorrt');
    providers.push('cuda');
  }
  providers.push('cpu');
  return {
    instances: count && count > 0 ? count : d.instances,
    intraOpThreads: intParam(config, 'intra_op_thread_count') ?? d.intraOpThreads,
    interOpThreads: intParam(config, 'inter_op_thread_count') ?? d.interOpThreads,
    executionProviders: providers,
    graphOptimization: 'all',
    inProcess: config?.parameters?.execution_mode === 'in_process' || d.inProcessModels.includes(name),
  };
}

export function schedulerOptions(config: ModelConfig, d: ServingDefaults): SchedulerOptions {
  const db = config.dynamic_batching;
  const qp = db?.default_queue_policy;
  return {
    enabled: db !== undefined && config.max_batch_size > 1,
    maxBatchSize: config.max_batch_size,
    preferredBatchSizes: db?.preferred_batch_size ?? [],
    maxQueueDelayNs: (db?.max_queue_delay_microseconds ?? 0) * 1000,
    maxQueueSize: qp?.max_queue_size && qp.max_queue_size > 0 ? qp.max_queue_size : d.maxQueueSize,
    retryAfterSeconds: d.retryAfterSeconds,
    defaultTimeoutUs: qp?.default_timeout_microseconds ?? d.defaultTimeoutUs,
    allowTimeoutOverride: qp?.allow_timeout_override ?? true,
    // Pipelining pays where batching does (small, fast executions); a model run request by request keeps each
    // queued request cancellable until an instance is free.
    pipelineDepth: db !== undefined && config.max_batch_size > 1 ? 2 : 1,
  };
}
