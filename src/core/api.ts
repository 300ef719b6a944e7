import type { ModelConfig } from '../repository/index.js';
import type { ManagementParameters } from './management.js';
import type { InferCall, InferContext, InferResponse, TensorSpec } from './types.js';

export type VersionState = 'LOADING' | 'READY' | 'UNLOADING' | 'UNAVAILABLE';

export interface ModelMetadataResponse {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

export interface RepositoryIndexEntry {
  readonly name: string;
  /** '' for a model of the repository that is not loaded (Triton lists its name only). */
  readonly version: string;
  readonly state: VersionState;
  readonly reason: string;
}

/** Triton's statistics extension: a count and a cumulative duration in nanoseconds. */
export interface StatDuration {
  readonly count: number;
  readonly ns: number;
}

export interface InferStatistics {
  readonly success: StatDuration;
  readonly fail: StatDuration;
  readonly queue: StatDuration;
  readonly compute_input: StatDuration;
  readonly compute_infer: StatDuration;
  readonly compute_output: StatDuration;
  readonly cache_hit: StatDuration;
  readonly cache_miss: StatDuration;
}

export interface BatchStatistics {
  readonly batch_size: number;
  readonly compute_input: StatDuration;
  readonly compute_infer: StatDuration;
  readonly compute_output: StatDuration;
}

export interface ModelStatistics {
  readonly name: string;
  readonly version: string;
  /** Milliseconds since epoch of the last inference, 0 if none. */
  readonly last_inference: number;
  readonly inference_count: number;
  readonly execution_count: number;
  readonly inference_stats: InferStatistics;
  readonly batch_stats: readonly BatchStatistics[];
}

export interface ServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}

/**
 * What every protocol adapter calls. Adapters decode the wire into these types and encode the results; the
 * model, version, validation and scheduling logic all sit behind this interface (DESIGN.md §3).
 * Every method throws ServerError for a client-visible failure, and checks the model names and versions it is
 * given (core/names.ts), so an adapter passes them on as the wire spelled them.
 */
export interface InferenceApi {
  infer(call: InferCall, ctx: InferContext): Promise<InferResponse>;
  serverMetadata(): ServerMetadata;
  isLive(): boolean;
  isReady(): boolean;
  /** False for an unknown model or version too (the V2 ready endpoints answer, they do not throw). */
  isModelReady(name: string, version?: string): boolean;
  modelMetadata(name: string, version?: string): ModelMetadataResponse;
  /**
   * The effective model configuration (config.pbtxt completed from the model), typed and frozen. Adapters render
   * it (protocol/model-config); nothing reads it back from a wire form.
   */
  modelConfig(name: string, version?: string): ModelConfig;
  /** Every model of the repository, loaded or not (Triton's index); `readyOnly`: READY versions only. */
  repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]>;
  /** `parameters`: the request's, as decoded from the wire (checked by core/management.ts). */
  loadModel(name: string, parameters?: ManagementParameters): Promise<void>;
  unloadModel(name: string, parameters?: ManagementParameters): Promise<void>;
  /** All models when name is undefined. */
  statistics(name?: string, version?: string): ModelStatistics[];
}

/** One model as the V1 API lists it (the seed's registry view: state, I/O, when it was loaded). */
export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly state: VersionState;
  readonly reason?: string;
  readonly format: 'onnx';
  readonly loaded_at?: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/** The seed's management calls, which name a file; only the V1 adapter uses them. */
export interface V1Api extends InferenceApi {
  /**
   * Like modelMetadata, but the inputs and outputs as the ONNX model declares them: V1 speaks the model file's
   * shapes (its infer calls pass InferContext.modelShapes), as the seed did.
   */
  modelFileMetadata(name: string): ModelMetadataResponse;
  loadModelFile(name: unknown, path: unknown): Promise<void>;
  /** Models with a READY version (the seed's /health count). */
  readyModelCount(): number;
  listModels(): ModelInfo[];
  describeModel(name: string): ModelInfo;
}
