/**
 * The client's public types. Protocol documents (metadata, configuration, statistics, the repository index, the
 * infer response) keep the specification's field names (snake_case), so they read like the V2 and Triton docs;
 * the client's own options are camelCase.
 */
import type { Datatype, NumericArray } from './datatypes.js';
import type { ClientError } from './errors.js';
import type { InferResult } from './result.js';

export type { Datatype, NumericArray } from './datatypes.js';

/** An inference parameter value. bigint carries 64-bit integers exactly (gRPC int64_param / uint64_param). */
export type ParameterValue = string | number | boolean | bigint;
export type Parameters = Readonly<Record<string, ParameterValue>>;

/**
 * Input data. Fixed-size datatypes take their typed array (FP32 -> Float32Array, INT64 -> BigInt64Array, ...) or a
 * plain array of numbers (bigints for INT64/UINT64), checked to fit. BOOL: Uint8Array of 0/1 or boolean[].
 * FP16/BF16: Uint16Array of raw bits (see fp16 helpers). BYTES: strings (sent as UTF-8) or Uint8Array/Buffer.
 */
export type InputData =
  | NumericArray
  | readonly number[]
  | readonly bigint[]
  | readonly boolean[]
  | readonly (string | Uint8Array)[];

export interface InferInput {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  /** Flat, row-major; as many elements as the shape holds. */
  readonly data: InputData;
  readonly parameters?: Parameters;
}

/**
 * Output data: the datatype's typed array (BOOL -> Uint8Array of 0/1, FP16/BF16 -> Uint16Array of raw bits,
 * INT64 -> BigInt64Array, UINT64 -> BigUint64Array), or for BYTES one Buffer per element (`String(b)` for UTF-8).
 * Each output owns its memory.
 */
export type OutputData = NumericArray | Buffer[];

/** Output data by datatype, for InferResult.output(name, datatype). */
export interface DataOf {
  BOOL: Uint8Array; UINT8: Uint8Array; UINT16: Uint16Array; UINT32: Uint32Array; UINT64: BigUint64Array;
  INT8: Int8Array; INT16: Int16Array; INT32: Int32Array; INT64: BigInt64Array;
  FP16: Uint16Array; BF16: Uint16Array; FP32: Float32Array; FP64: Float64Array; BYTES: Buffer[];
}

export interface OutputTensor<D extends Datatype = Datatype> {
  readonly name: string;
  readonly datatype: D;
  readonly shape: readonly number[];
  readonly data: DataOf[D];
  /** The server's parameters for this output, without the binary extension's own `binary_data_size`. */
  readonly parameters: Parameters;
}

export interface RequestedOutput {
  readonly name: string;
  /** REST: return this output as binary data (true) or JSON (false); default: the infer call's binaryOutputs. */
  readonly binary?: boolean;
  /** E.g. Triton's `classification: 3`. */
  readonly parameters?: Parameters;
}

/** What every call accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Deadline for the call, from now; overrides the client's timeoutMs. gRPC sends it to the server. */
  readonly timeoutMs?: number;
  /** Extra HTTP headers / gRPC metadata for this call, e.g. `{ authorization: 'Bearer …' }`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ModelOptions extends CallOptions {
  /** A model version ("1"); absent: the server's version policy chooses. */
  readonly version?: string;
}

/** What describes one inference request, apart from the model and the inputs. */
export interface InferRequestOptions {
  readonly version?: string;
  /** Echoed in the response. */
  readonly id?: string;
  /** The outputs to return (names or RequestedOutput); absent: every output. */
  readonly outputs?: readonly (string | RequestedOutput)[];
  /** Request parameters, e.g. Triton's `priority` or `timeout` (microseconds). */
  readonly parameters?: Parameters;
  /** REST: outputs as binary data; default true with encoding 'binary', false with 'json'. Ignored by gRPC. */
  readonly binaryOutputs?: boolean;
}

export interface InferOptions extends InferRequestOptions, CallOptions {}

/** One request on a gRPC inference stream. */
export interface StreamRequest extends InferRequestOptions {
  readonly model: string;
  readonly inputs: readonly InferInput[];
}

export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  /** -1 marks a variable-size dimension. */
  readonly shape: readonly number[];
}

export interface ServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}

export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

export interface ModelTensorConfig {
  readonly name: string;
  readonly data_type: string;
  readonly dims: readonly number[];
  readonly [field: string]: unknown;
}

/** Triton's model configuration as JSON (model_config.proto's field names); the fields every model has are typed. */
export interface ModelConfig {
  readonly name: string;
  readonly platform?: string;
  readonly backend?: string;
  /** 0: the model has no batch dimension. */
  readonly max_batch_size: number;
  readonly input: readonly ModelTensorConfig[];
  readonly output: readonly ModelTensorConfig[];
  readonly [field: string]: unknown;
}

/** Counts and cumulative nanoseconds. Numbers: exact up to 2^53 ns (104 days of cumulative time). */
export interface StatisticDuration {
  readonly count: number;
  readonly ns: number;
}

export interface InferStatistics {
  readonly success: StatisticDuration;
  readonly fail: StatisticDuration;
  readonly queue: StatisticDuration;
  readonly compute_input: StatisticDuration;
  readonly compute_infer: StatisticDuration;
  readonly compute_output: StatisticDuration;
  readonly cache_hit: StatisticDuration;
  readonly cache_miss: StatisticDuration;
}

export interface BatchStatistics {
  readonly batch_size: number;
  readonly compute_input: StatisticDuration;
  readonly compute_infer: StatisticDuration;
  readonly compute_output: StatisticDuration;
}

export interface ModelStatistics {
  readonly name: string;
  readonly version: string;
  /** Milliseconds since the epoch; 0: never. */
  readonly last_inference: number;
  readonly inference_count: number;
  readonly execution_count: number;
  readonly inference_stats: InferStatistics;
  readonly batch_stats: readonly BatchStatistics[];
}

/** One row of the repository index; fields the server left out are ''. */
export interface RepositoryModel {
  readonly name: string;
  readonly version: string;
  readonly state: string;
  readonly reason: string;
}

/** Triton's load/unload parameters (e.g. `unload_dependents: true`); Uint8Array travels as bytes (REST: base64). */
export type RepositoryParameters = Readonly<Record<string, string | number | boolean | Uint8Array>>;

export interface RepositoryOptions extends CallOptions {
  readonly parameters?: RepositoryParameters;
}

/**
 * One answer on a stream: a result, or the error of a request the server failed (the stream goes on). `id` is the
 * request's id as the server echoed it, on both kinds, to match answers to requests.
 */
export type StreamResponse =
  | { readonly result: InferResult; readonly error?: undefined; readonly id: string | undefined }
  | { readonly result?: undefined; readonly error: ClientError; readonly id: string | undefined };
