/**
 * The typed model configuration: the subset of Triton's ModelConfig (model_config.proto) onnxserve uses, with
 * Triton's field names so config.pbtxt files and the JSON from /v2/models/{m}/config read the same everywhere.
 * Datatypes are V2 names (FP32); Triton's TYPE_* names appear only in text and JSON forms.
 */
import type { Datatype } from '../../tensor/index.js';

export const ONNX_PLATFORM = 'onnxruntime_onnx';
export const ONNX_BACKEND = 'onnxruntime';

/**
 * max_batch_size given to a model whose every input and output has a variable first dimension, when no config
 * says otherwise. Triton's backends use 4 (`--backend-config=default-max-batch-size`), sized for GPUs that
 * serve many models at once. onnxserve batches on CPU worker threads, where per-batch overhead (a worker
 * message, a session.run) is what batching amortises, and 64 rows of a typical tabular or small vision model
 * stay in the low megabytes. The dynamic batcher still sends whatever is queued without waiting (delay 0), so
 * a larger ceiling costs no latency at low load. A config file's max_batch_size always wins.
 */
export const DEFAULT_MAX_BATCH_SIZE = 64;

/**
 * Instances for a group that does not say. Triton defaults onnxruntime CPU groups to 2; onnxserve uses 1 because
 * each instance is a worker thread with its own session (memory × count) and onnxruntime already spreads one
 * run over its intra-op threads. Raise `count` for more concurrency on many-core hosts.
 */
export const DEFAULT_INSTANCE_COUNT = 1;

export type InstanceKind = 'KIND_CPU' | 'KIND_GPU' | 'KIND_AUTO';
/** Triton's ModelInput.Format: the layout of an image input, read by clients (image_client) to preprocess. */
export type InputFormat = 'FORMAT_NONE' | 'FORMAT_NHWC' | 'FORMAT_NCHW';
export type TimeoutAction = 'REJECT' | 'DELAY';

export interface TensorReshape {
  readonly shape: readonly number[];
}

/** An input or output. `dims` exclude the batch dimension when max_batch_size > 0; -1 is a variable dim. */
export interface TensorConfig {
  readonly name: string;
  readonly data_type: Datatype;
  readonly dims: readonly number[];
  /** The shape the model itself takes or gives, when it differs from `dims` (Triton's ModelTensorReshape). */
  readonly reshape?: TensorReshape;
  /** Inputs only: a request may leave it out. */
  readonly optional?: boolean;
  /** Inputs only: the image layout clients preprocess for; absent is FORMAT_NONE. */
  readonly format?: InputFormat;
  /**
   * Outputs only: a file of class labels in the model's directory (one per line), as Triton's classification
   * extension reads it; a plain file name.
   */
  readonly label_filename?: string;
}

export type VersionPolicy =
  | { readonly latest: { readonly num_versions: number } }
  | { readonly all: Readonly<Record<string, never>> }
  | { readonly specific: { readonly versions: readonly number[] } };

export interface InstanceGroup {
  /** Filled by completion as Triton does: `<model>_<index>`. */
  readonly name?: string;
  readonly count: number;
  readonly kind: InstanceKind;
  readonly gpus?: readonly number[];
}

export interface QueuePolicy {
  /** 0 = unbounded (Triton's meaning); onnxserve's server-wide bound still applies. */
  readonly max_queue_size: number;
  /** 0 = no timeout. */
  readonly default_timeout_microseconds: number;
  readonly allow_timeout_override: boolean;
  readonly timeout_action: TimeoutAction;
}

export interface DynamicBatching {
  readonly preferred_batch_size: readonly number[];
  readonly max_queue_delay_microseconds: number;
  readonly preserve_ordering: boolean;
  readonly default_queue_policy?: QueuePolicy;
}

export interface Accelerator {
  readonly name: string;
  readonly parameters: Readonly<Record<string, string>>;
}

export interface ExecutionAccelerators {
  readonly gpu_execution_accelerator: readonly Accelerator[];
  readonly cpu_execution_accelerator: readonly Accelerator[];
}

export interface Optimization {
  readonly execution_accelerators?: ExecutionAccelerators;
}

export interface ResponseCache {
  readonly enable: boolean;
}

export interface ModelConfig {
  /** '' when a config file leaves it out; completion sets the directory name. */
  readonly name: string;
  readonly platform: typeof ONNX_PLATFORM;
  readonly backend: typeof ONNX_BACKEND;
  /** 0: the model takes no batch dimension. > 0: every input and output has a leading batch dimension. */
  readonly max_batch_size: number;
  readonly input: readonly TensorConfig[];
  readonly output: readonly TensorConfig[];
  readonly version_policy: VersionPolicy;
  readonly instance_group: readonly InstanceGroup[];
  readonly dynamic_batching?: DynamicBatching;
  readonly optimization?: Optimization;
  /** Null-prototype object: keys come from the file and `__proto__` is a valid key. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly response_cache?: ResponseCache;
  /** The model file inside each version directory when it is not model.onnx; a plain file name. */
  readonly default_model_filename?: string;
}

/** Recursively freezes a config built here; configs are shared between requests and must not change. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
