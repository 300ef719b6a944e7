/**
 * What InferenceClient needs from a wire. REST and gRPC implement it; the client validates arguments, opens the
 * call's scope and hands over checked values, so a transport only encodes, sends and decodes.
 */
import type { InferResult } from './result.js';
import type { CallScope } from './scope.js';
import type { PreparedInput } from './tensor-data.js';
import type {
  InferRequestOptions, ModelConfig, ModelMetadata, ModelStatistics, RepositoryModel, RepositoryParameters,
  ServerMetadata, StreamResponse,
} from './types.js';

export interface Call {
  readonly scope: CallScope;
  /** The client's headers merged with the call's (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface InferCall extends Call {
  readonly model: string;
  readonly inputs: readonly PreparedInput[];
  readonly request: InferRequestOptions;
}

/** One checked request of a stream. */
export interface StreamItem {
  readonly model: string;
  readonly inputs: readonly PreparedInput[];
  readonly request: InferRequestOptions;
}

export interface Transport {
  serverLive(call: Call): Promise<boolean>;
  serverReady(call: Call): Promise<boolean>;
  modelReady(call: Call, model: string, version: string | undefined): Promise<boolean>;
  serverMetadata(call: Call): Promise<ServerMetadata>;
  modelMetadata(call: Call, model: string, version: string | undefined): Promise<ModelMetadata>;
  modelConfig(call: Call, model: string, version: string | undefined): Promise<ModelConfig>;
  infer(call: InferCall): Promise<InferResult>;
  /** Undefined when the transport has no streaming (REST). */
  readonly stream?: (call: Call, items: AsyncIterable<StreamItem>) => AsyncGenerator<StreamResponse, void, undefined>;
  modelStatistics(call: Call, model: string | undefined, version: string | undefined): Promise<ModelStatistics[]>;
  repositoryIndex(call: Call, ready: boolean): Promise<RepositoryModel[]>;
  loadModel(call: Call, model: string, parameters: RepositoryParameters | undefined): Promise<void>;
  unloadModel(call: Call, model: string, parameters: RepositoryParameters | undefined): Promise<void>;
  close(): void;
}
