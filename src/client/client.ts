/**
 * InferenceClient: the V2 / Open Inference Protocol and Triton's extensions over REST (JSON or Triton's binary
 * tensor extension) or gRPC, chosen per client. It checks arguments, converts input arrays once, opens each call's
 * scope (AbortSignal + deadline) and leaves wire work to the transport (rest.ts, grpc.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { ClientError, invalidInput } from './errors.js';
import { GrpcTransport } from './grpc.js';
import type { InferResult } from './result.js';
import { RestTransport } from './rest.js';
import { callScope, checkTimeout } from './scope.js';
import { prepareInput, type PreparedInput } from './tensor-data.js';
import type { Call, StreamItem, Transport } from './transport.js';
import type {
  CallOptions, InferInput, InferOptions, InferRequestOptions, ModelConfig, ModelMetadata, ModelOptions,
  ModelStatistics, RepositoryModel, RepositoryOptions, ServerMetadata, StreamRequest, StreamResponse,
} from './types.js';

export type Protocol = 'rest' | 'grpc';
export type Encoding = 'binary' | 'json';

export interface ClientOptions {
  /**
   * Default: from the URL's scheme (http://, https:// -> 'rest'; grpc://, grpcs:// -> 'grpc'); a bare
   * host:port is REST unless this says 'grpc'.
   */
  readonly protocol?: Protocol;
  /** REST only: tensors as binary data (Triton's binary tensor extension; exact and fast, the default) or JSON. */
  readonly encoding?: Encoding;
  /** Default deadline of every call, in milliseconds; a call's own timeoutMs overrides it. */
  readonly timeoutMs?: number;
  /** Sent with every call (HTTP headers / gRPC metadata), e.g. `{ authorization: 'Bearer <admin token>' }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** gRPC only. credentials default to insecure, or TLS for grpcs:// and https:// URLs. */
  readonly grpc?: { readonly credentials?: grpc.ChannelCredentials; readonly channelOptions?: grpc.ChannelOptions };
}

interface Target {
  readonly protocol: Protocol;
  /** REST: the base URL; gRPC: the channel target. */
  readonly address: string;
  readonly tls: boolean;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

function resolveTarget(url: string, protocol: Protocol | undefined): Target {
  if (typeof url !== 'string' || url === '') throw invalidInput('the server URL must be a non-empty string');
  const scheme = SCHEME.exec(url)?.[1].toLowerCase();
  const rest = url.slice(scheme === undefined ? 0 : scheme.length + 3);
  if (scheme === 'grpc' || scheme === 'grpcs') {
    if (protocol === 'rest') throw invalidInput(`a ${scheme}:// URL cannot be used with protocol 'rest'`);
    return { protocol: 'grpc', address: rest.replace(/\/+$/, ''), tls: scheme === 'grpcs' };
  }
  if (scheme === 'http' || scheme === 'https') {
    if (protocol === 'grpc') return { protocol, address: rest.replace(/\/.*$/, ''), tls: scheme === 'https' };
    return { protocol: 'rest', address: url, tls: scheme === 'https' };
  }
  if (scheme !== undefined) {
    // grpc-js's own target syntax (dns:///host:port, unix:///path, ipv4:...): handed over as is.
    if (protocol !== 'grpc') throw invalidInput(`unknown URL scheme '${scheme}://'; use http(s):// or grpc(s)://`);
    return { protocol, address: url, tls: false };
  }
  return (protocol ?? 'rest') === 'rest' ? { protocol: 'rest', address: `http://${url}`, tls: false } : { protocol: 'grpc', address: url, tls: false };
}

function lowerCaseKeys(h: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function checkName(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw invalidInput(`${what} must be a non-empty string`);
  return v;
}

function prepareInputs(inputs: readonly InferInput[]): PreparedInput[] {
  if (!Array.isArray(inputs)) throw invalidInput('inputs must be an array');
  return inputs.map(prepareInput);
}

function checkRequest(r: InferRequestOptions): InferRequestOptions {
  if (r.version !== undefined) checkName(r.version, 'version');
  if (r.id !== undefined && typeof r.id !== 'string') throw invalidInput('id must be a string');
  for (const o of r.outputs ?? []) checkName(typeof o === 'string' ? o : o?.name, 'a requested output name');
  return r;
}

export class InferenceClient {
  /** Which wire this client speaks. */
  readonly transport: 'rest-json' | 'rest-binary' | 'grpc';
  private readonly wire: Transport;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number | undefined;

  constructor(url: string, options: ClientOptions = {}) {
    const target = resolveTarget(url, options.protocol);
    this.timeoutMs = checkTimeout(options.timeoutMs, 'timeoutMs');
    this.headers = lowerCaseKeys(options.headers);
    if (target.protocol === 'grpc') {
      const credentials = options.grpc?.credentials ?? (target.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
      this.wire = new GrpcTransport(target.address, { credentials, channelOptions: options.grpc?.channelOptions });
      this.transport = 'grpc';
    } else {
      const encoding = options.encoding ?? 'binary';
      if (encoding !== 'binary' && encoding !== 'json') throw invalidInput(`encoding must be 'binary' or 'json', got '${String(encoding)}'`);
      this.wire = new RestTransport(target.address, { binary: encoding === 'binary' });
      this.transport = encoding === 'binary' ? 'rest-binary' : 'rest-json';
    }
  }

  /** Runs one call in its scope; REST keeps the deadline with a timer, gRPC hands it to grpc-js. */
  private async run<T>(opts: CallOptions | undefined, fn: (call: Call) => Promise<T>): Promise<T> {
    const scope = callScope(opts ?? {}, this.timeoutMs, this.transport !== 'grpc');
    try {
      return await fn({ scope, headers: { ...this.headers, ...lowerCaseKeys(opts?.headers) } });
    } finally {
      scope.done();
    }
  }

  isServerLive(options?: CallOptions): Promise<boolean> {
    return this.run(options, (c) => this.wire.serverLive(c));
  }

  isServerReady(options?: CallOptions): Promise<boolean> {
    return this.run(options, (c) => this.wire.serverReady(c));
  }

  /** False for a model (or version) the server does not know or has not loaded. */
  isModelReady(model: string, options?: ModelOptions): Promise<boolean> {
    checkName(model, 'model');
    return this.run(options, (c) => this.wire.modelReady(c, model, options?.version));
  }

  serverMetadata(options?: CallOptions): Promise<ServerMetadata> {
    return this.run(options, (c) => this.wire.serverMetadata(c));
  }

  modelMetadata(model: string, options?: ModelOptions): Promise<ModelMetadata> {
    checkName(model, 'model');
    return this.run(options, (c) => this.wire.modelMetadata(c, model, options?.version));
  }

  /** Triton's model configuration extension: the configuration as JSON, the same over REST and gRPC. */
  modelConfig(model: string, options?: ModelOptions): Promise<ModelConfig> {
    checkName(model, 'model');
    return this.run(options, (c) => this.wire.modelConfig(c, model, options?.version));
  }

  /** One inference. Inputs are checked against their datatype and shape before anything is sent. */
  async infer(model: string, inputs: readonly InferInput[], options: InferOptions = {}): Promise<InferResult> {
    checkName(model, 'model');
    const prepared = prepareInputs(inputs);
    const request = checkRequest(options);
    return this.run(options, (c) => this.wire.infer({ ...c, model, inputs: prepared, request }));
  }

  /**
   * ModelStreamInfer (gRPC only): writes the requests as the iterable yields them and yields each response as it
   * arrives, in completion order (match them by `id`). A request the server fails is yielded as `{ error, id }`;
   * a failure of the stream itself throws. Breaking out of the loop cancels the stream. The deadline and the
   * signal cover the whole stream.
   */
  async *streamInfer(requests: Iterable<StreamRequest> | AsyncIterable<StreamRequest>, options: CallOptions = {}): AsyncGenerator<StreamResponse, void, undefined> {
    const stream = this.wire.stream;
    if (!stream) throw new ClientError('UNIMPLEMENTED', 'streamInfer needs a gRPC client (ModelStreamInfer has no REST form)');
    const scope = callScope(options, this.timeoutMs, false);
    // The stream owns the scope from here and releases it when the iteration ends.
    yield* stream({ scope, headers: { ...this.headers, ...lowerCaseKeys(options.headers) } }, prepared(requests));
  }

  /** Statistics of one model (every version, or options.version), or of every model when `model` is omitted. */
  modelStatistics(model?: string, options?: ModelOptions): Promise<ModelStatistics[]> {
    if (model !== undefined) checkName(model, 'model');
    return this.run(options, (c) => this.wire.modelStatistics(c, model, options?.version));
  }

  /** Every model in the repository with its versions' state; `ready: true` lists only the ready ones. */
  repositoryIndex(options?: CallOptions & { readonly ready?: boolean }): Promise<RepositoryModel[]> {
    return this.run(options, (c) => this.wire.repositoryIndex(c, options?.ready === true));
  }

  /** Loads (or reloads) a model; resolves once the server reports it done. */
  loadModel(model: string, options?: RepositoryOptions): Promise<void> {
    checkName(model, 'model');
    return this.run(options, (c) => this.wire.loadModel(c, model, options?.parameters));
  }

  unloadModel(model: string, options?: RepositoryOptions): Promise<void> {
    checkName(model, 'model');
    return this.run(options, (c) => this.wire.unloadModel(c, model, options?.parameters));
  }

  /** Closes the gRPC channel (calls in flight fail); a REST client has nothing to close. */
  close(): void {
    this.wire.close();
  }
}

async function* prepared(requests: Iterable<StreamRequest> | AsyncIterable<StreamRequest>): AsyncGenerator<StreamItem> {
  for await (const r of requests) {
    yield { model: checkName(r?.model, 'a stream request\'s model'), inputs: prepareInputs(r.inputs), request: checkRequest(r) };
  }
}
