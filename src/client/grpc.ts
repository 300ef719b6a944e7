/**
 * V2 over gRPC (inference.GRPCInferenceService, inference_grpc.md plus Triton's extensions), with grpc-js's
 * generic Client so each rpc can pick its own deserializer (grpc-proto.ts). Deadlines go to grpc-js, which sends
 * them to the server as grpc-timeout; an AbortSignal cancels the call (RST_STREAM), which the server sees too.
 */
import * as grpc from '@grpc/grpc-js';
import {
  toModelConfig, toModelMetadata, toRepositoryIndex, toServerMetadata, toStatistics,
} from './documents.js';
import { badResponse, ClientError } from './errors.js';
import { callOptions, grpcError, metadataOf } from './grpc-call.js';
import { decodeGrpcInfer, encodeGrpcInfer, repositoryParameters } from './grpc-codec.js';
import { modelConfigMethod, serviceMethods, type Methods } from './grpc-proto.js';
import { grpcStream } from './grpc-stream.js';
import type { InferResult } from './result.js';
import type { Call, InferCall, StreamItem, Transport } from './transport.js';
import type {
  ModelConfig, ModelMetadata, ModelStatistics, RepositoryModel, RepositoryParameters, ServerMetadata, StreamResponse,
} from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded messages are read field by field
type Any = any;

export interface GrpcOptions {
  /** Default: insecure, or TLS for a grpcs:// URL. */
  readonly credentials: grpc.ChannelCredentials;
  readonly channelOptions?: grpc.ChannelOptions;
}

/**
 * grpc-js caps received messages at 4 MiB by default, too small for real tensors; tritonclient lifts the cap to
 * 2^31 - 1 both ways, and so do we. channelOptions may lower it again.
 */
const UNLIMITED_MESSAGES: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 2 ** 31 - 1,
  'grpc.max_send_message_length': 2 ** 31 - 1,
};

export class GrpcTransport implements Transport {
  private readonly client: grpc.Client;
  private readonly methods: Methods;

  constructor(target: string, opts: GrpcOptions) {
    this.methods = serviceMethods();
    this.client = new grpc.Client(target, opts.credentials, { ...UNLIMITED_MESSAGES, ...opts.channelOptions });
  }

  private unary(call: Call, rpc: string, request: object, method = this.methods[rpc]): Promise<Any> {
    return new Promise((resolve, reject) => {
      const signal = call.scope.signal;
      const pending = this.client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize,
        request, metadataOf(call.headers), callOptions(call), (err, res) => {
          signal.removeEventListener('abort', onAbort);
          if (err) reject(grpcError(call, err));
          else resolve(res);
        });
      const onAbort = (): void => pending.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async serverLive(call: Call): Promise<boolean> {
    return (await this.unary(call, 'ServerLive', {}))?.live === true;
  }

  async serverReady(call: Call): Promise<boolean> {
    return (await this.unary(call, 'ServerReady', {}))?.ready === true;
  }

  /** An unknown model is not ready (as REST's 4xx): NOT_FOUND is false, not an error. */
  async modelReady(call: Call, model: string, version: string | undefined): Promise<boolean> {
    try {
      return (await this.unary(call, 'ModelReady', { name: model, version: version ?? '' }))?.ready === true;
    } catch (e) {
      if (e instanceof ClientError && e.code === 'NOT_FOUND') return false;
      throw e;
    }
  }

  async serverMetadata(call: Call): Promise<ServerMetadata> {
    return toServerMetadata(await this.unary(call, 'ServerMetadata', {}));
  }

  async modelMetadata(call: Call, model: string, version: string | undefined): Promise<ModelMetadata> {
    return toModelMetadata(await this.unary(call, 'ModelMetadata', { name: model, version: version ?? '' }));
  }

  async modelConfig(call: Call, model: string, version: string | undefined): Promise<ModelConfig> {
    const res = await this.unary(call, 'ModelConfig', { name: model, version: version ?? '' }, modelConfigMethod());
    if (!res?.config) throw badResponse('ModelConfig answered without a config');
    return toModelConfig(res.config);
  }

  async infer(call: InferCall): Promise<InferResult> {
    return decodeGrpcInfer(await this.unary(call, 'ModelInfer', encodeGrpcInfer(call.model, call.inputs, call.request)));
  }

  stream = (call: Call, items: AsyncIterable<StreamItem>): AsyncGenerator<StreamResponse, void, undefined> =>
    grpcStream(this.client, this.methods.ModelStreamInfer, call, items);

  async modelStatistics(call: Call, model: string | undefined, version: string | undefined): Promise<ModelStatistics[]> {
    return toStatistics(await this.unary(call, 'ModelStatistics', { name: model ?? '', version: version ?? '' }));
  }

  async repositoryIndex(call: Call, ready: boolean): Promise<RepositoryModel[]> {
    return toRepositoryIndex((await this.unary(call, 'RepositoryIndex', { repository_name: '', ready }))?.models);
  }

  async loadModel(call: Call, model: string, parameters: RepositoryParameters | undefined): Promise<void> {
    await this.unary(call, 'RepositoryModelLoad', { repository_name: '', model_name: model, parameters: repositoryParameters(parameters) });
  }

  async unloadModel(call: Call, model: string, parameters: RepositoryParameters | undefined): Promise<void> {
    await this.unary(call, 'RepositoryModelUnload', { repository_name: '', model_name: model, parameters: repositoryParameters(parameters) });
  }

  close(): void {
    this.client.close();
  }
}
