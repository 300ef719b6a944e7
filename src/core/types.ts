import type { InferTraceHooks } from '../observability/index.js';
import type { Datatype, Tensor } from '../tensor/index.js';

/** A dim is a non-negative integer, or -1 where the model leaves it free (a symbolic ONNX dim). */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
}

/** What a model version takes and gives, as V2 metadata reports it. */
export interface ModelMetadata {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/** A parameter value as V2 carries it (JSON scalars; gRPC InferParameter's oneof). */
export type ParameterValue = string | number | boolean | bigint;
export type Parameters = ReadonlyMap<string, ParameterValue>;

export interface RequestedOutput {
  readonly name: string;
  readonly parameters?: Parameters;
}

/**
 * An inference as an adapter hands it to core: the model it names, and its body still to decode. Core checks the
 * names, resolves the model, and only then calls `decode`, so that a model that does not exist is reported as
 * such whatever the body holds, and a body that does not decode counts as a failure of the model it named.
 */
export interface InferCall {
  readonly modelName: string;
  /** Empty or undefined: the version policy picks (latest ready). */
  readonly modelVersion?: string;
  /** The wire body -> InferRequest; throws ServerError. Its modelName/modelVersion are not read again. */
  decode(): InferRequest;
}

/** A decoded inference request, whatever wire it came on. */
export interface InferRequest {
  readonly modelName: string;
  /** Empty or undefined: the version policy picks (latest ready). */
  readonly modelVersion?: string;
  readonly id?: string;
  readonly parameters?: Parameters;
  readonly inputs: readonly Tensor[];
  /** Undefined: every output of the model. */
  readonly outputs?: readonly RequestedOutput[];
}

export interface InferResponse {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly id?: string;
  readonly parameters?: Parameters;
  readonly outputs: readonly Tensor[];
}

/** Per-request context carried from the adapter: deadline and cancellation belong to the transport. */
export interface InferContext {
  /** Absolute time (ms since epoch, Date.now()) after which the request must not start executing. */
  readonly deadline?: number;
  /** Aborted when the client goes away; a queued request then leaves the queue unexecuted. */
  readonly signal?: CancelSignal;
  readonly requestId?: string;
  /** The request's span tree while tracing is on (observability/tracing.ts); the core reports its stages. */
  readonly trace?: InferTraceHooks;
  /**
   * The adapter speaks the ONNX model's own shapes rather than the configuration's (V1: the seed served model
   * files, which know no config dims or reshape). Requests are then checked against the model's inputs and no
   * reshape is applied either way.
   */
  readonly modelShapes?: boolean;
}

/**
 * The part of AbortSignal the scheduler uses. AbortSignal satisfies it; the HTTP hot path passes a lighter
 * object (an AbortController and its EventTarget cost ~4% of a one-row inference's main-thread time).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
