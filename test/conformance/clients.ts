/**
 * One V2 client interface, three wire encodings: REST JSON, REST with Triton's binary tensor extension, and gRPC
 * with raw contents (as tritonclient sends). Each hands back the same normalized results, so a conformance case
 * is written once and asserted the same way on every transport; errors carry a gRPC-style code on all three.
 */
import * as grpc from '@grpc/grpc-js';
import { loadPackageDefinition } from '../../src/protocol/v2-grpc/index.js';
import {
  elementCount, fromBytes, fromJsonData, parseJsonExact, stringifyExact, toBytes, toJsonData,
  type Datatype, type OutputValues, type TensorValues,
} from './wire.js';
import { restRepositoryBody, wireParameters, wireRepositoryParameters, type Params, type RepositoryParams } from './params.js';

export type { ParamValue, Params, RepositoryParams } from './params.js';

export type Transport = 'rest-json' | 'rest-binary' | 'grpc';
export const TRANSPORTS: readonly Transport[] = ['rest-json', 'rest-binary', 'grpc'];

export type ErrorCode =
  | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'UNAVAILABLE' | 'INTERNAL' | 'UNIMPLEMENTED' | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED' | 'CANCELLED' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'FAILED_PRECONDITION' | 'UNKNOWN';

export type Result<T> = { status: 'ok'; response: T } | { status: 'error'; code: ErrorCode; message: string };

export interface InferInput {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorValues;
  /** Sent beside the client's own (REST binary adds binary_data_size). */
  readonly parameters?: Params;
}

export interface RequestedOutput {
  readonly name: string;
  /** Sent as given; REST binary adds binary_data: true unless these say otherwise. */
  readonly parameters?: Params;
}

export interface InferRequest {
  readonly id?: string;
  readonly inputs: readonly InferInput[];
  readonly outputs?: readonly RequestedOutput[];
  /** Sent as given; REST binary adds binary_data_output: true unless these say otherwise. */
  readonly parameters?: Params;
}

export interface OutputTensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: number[];
  readonly data: OutputValues;
}

export interface InferResponse {
  readonly model_name: string;
  readonly model_version: string;
  /** undefined when the request had none (gRPC's empty string is normalized to undefined). */
  readonly id: string | undefined;
  readonly outputs: OutputTensor[];
}

export interface TensorMeta { name: string; datatype: string; shape: number[] }
export interface ModelMetadata { name: string; versions: string[]; platform: string; inputs: TensorMeta[]; outputs: TensorMeta[] }
export interface ServerMetadata { name: string; version: string; extensions: string[] }
/** Normalized: REST leaves out an empty version or reason (Triton's JSON), gRPC sends ''. */
export interface IndexEntry { name: string; version: string; state: string; reason: string }
export interface Duration { count: number; ns: number }
export interface ModelStats {
  name: string; version: string; inference_count: number; execution_count: number;
  inference_stats: Record<'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output', Duration>;
}
export interface TensorConfig {
  name: string; data_type: string; dims: number[];
  /** Inputs: FORMAT_NONE when not set. */
  format?: string;
  /** Outputs: '' when not set. */
  label_filename?: string;
  reshape?: number[];
}
export interface ModelConfig {
  name: string; max_batch_size: number;
  input: TensorConfig[];
  output: TensorConfig[];
}

export interface V2Client {
  readonly transport: Transport;
  serverLive(): Promise<boolean>;
  serverReady(): Promise<boolean>;
  serverMetadata(): Promise<ServerMetadata>;
  modelReady(model: string, version?: string): Promise<boolean>;
  modelMetadata(model: string, version?: string): Promise<Result<ModelMetadata>>;
  infer(model: string, version: string | undefined, req: InferRequest): Promise<Result<InferResponse>>;
  // Triton extensions (statistics, model_configuration, model_repository).
  modelStatistics(model: string, version?: string): Promise<Result<ModelStats[]>>;
  modelConfig(model: string, version?: string): Promise<Result<ModelConfig>>;
  repositoryIndex(readyOnly?: boolean): Promise<Result<IndexEntry[]>>;
  loadModel(model: string, parameters?: RepositoryParams): Promise<Result<unknown>>;
  unloadModel(model: string, parameters?: RepositoryParams): Promise<Result<unknown>>;
  close(): void;
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'FAILED_PRECONDITION',
  413: 'RESOURCE_EXHAUSTED', 415: 'INVALID_ARGUMENT', 429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL',
  501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

export const httpCode = (status: number): ErrorCode => HTTP_CODES[status] ?? 'UNKNOWN';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire answers are read field by field
type Any = any;

const num = (v: unknown): number => Number(v);
const durations = (s: Any): ModelStats['inference_stats'] => Object.fromEntries(
  ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output']
    .map((k) => [k, { count: num(s?.[k]?.count), ns: num(s?.[k]?.ns) }])) as ModelStats['inference_stats'];
const stats = (m: Any): ModelStats => ({
  name: m.name, version: m.version, inference_count: num(m.inference_count), execution_count: num(m.execution_count),
  inference_stats: durations(m.inference_stats),
});
// name, data_type and dims always; format, label_filename and reshape only when they say something, so cases that
// compare whole entries stay short.
const ioConfig = (t: Any): TensorConfig => ({
  name: t.name, data_type: t.data_type, dims: (t.dims ?? []).map(num),
  ...(t.format && t.format !== 'FORMAT_NONE' ? { format: t.format } : {}),
  ...(t.label_filename ? { label_filename: t.label_filename } : {}),
  ...(t.reshape ? { reshape: (t.reshape.shape ?? []).map(num) } : {}),
});
const config = (c: Any): ModelConfig => ({
  name: c.name, max_batch_size: num(c.max_batch_size ?? 0), input: (c.input ?? []).map(ioConfig), output: (c.output ?? []).map(ioConfig),
});
const indexEntry = (e: Any): IndexEntry => ({ name: e.name, version: e.version ?? '', state: e.state ?? '', reason: e.reason ?? '' });
const tensorMeta = (t: Any): TensorMeta => ({ name: t.name, datatype: t.datatype, shape: (t.shape ?? []).map(num) });
const modelMeta = (m: Any): ModelMetadata => ({
  name: m.name, versions: m.versions, platform: m.platform, inputs: m.inputs.map(tensorMeta), outputs: m.outputs.map(tensorMeta),
});

// ------------------------------------------------------------------------------------------ REST

export interface HttpAnswer { status: number; headers: Headers; body: Buffer }

export class RestV2Client implements V2Client {
  readonly transport: Transport;

  constructor(readonly baseUrl: string, readonly binary: boolean) {
    this.transport = binary ? 'rest-binary' : 'rest-json';
  }

  /** A raw HTTP exchange, for the framing cases that must send what no well-behaved client would. */
  async http(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    // fetch labels a string body text/plain, which the server refuses (415): say what it is.
    const h = typeof body === 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')
      ? { ...headers, 'content-type': 'application/json' } : headers;
    const res = await fetch(this.baseUrl + path, { method, body, headers: h });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  private async json<T>(method: string, path: string, body: unknown, map: (b: Any) => T): Promise<Result<T>> {
    const a = await this.http(method, path, body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? {} : { 'content-type': 'application/json' });
    return this.result(a, (buf) => map(parseJsonExact(buf.toString('utf8'))));
  }

  /** 2xx -> ok; otherwise the code mapped from the status and the message from {"error": ...}. */
  private result<T>(a: HttpAnswer, ok: (body: Buffer) => T): Result<T> {
    if (a.status >= 200 && a.status < 300) return { status: 'ok', response: ok(a.body) };
    let message = a.body.toString('utf8');
    try {
      const parsed = JSON.parse(message);
      if (typeof parsed?.error === 'string') message = parsed.error;
    } catch { /* not JSON: keep the text */ }
    return { status: 'error', code: httpCode(a.status), message };
  }

  async serverLive(): Promise<boolean> {
    return (await this.http('GET', '/v2/health/live')).status === 200;
  }

  async serverReady(): Promise<boolean> {
    return (await this.http('GET', '/v2/health/ready')).status === 200;
  }

  async serverMetadata(): Promise<ServerMetadata> {
    const r = await this.json('GET', '/v2', undefined, (b) => b as ServerMetadata);
    if (r.status !== 'ok') throw new Error(`GET /v2: ${r.code} ${r.message}`);
    return r.response;
  }

  private modelPath(model: string, version?: string): string {
    return `/v2/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
  }

  async modelReady(model: string, version?: string): Promise<boolean> {
    const { status } = await this.http('GET', `${this.modelPath(model, version)}/ready`);
    if (status !== 200 && (status < 400 || status >= 500)) throw new Error(`model ready answered ${status}, expected 200 or 4xx`);
    return status === 200;
  }

  modelMetadata(model: string, version?: string): Promise<Result<ModelMetadata>> {
    return this.json('GET', this.modelPath(model, version), undefined, modelMeta);
  }

  async infer(model: string, version: string | undefined, req: InferRequest): Promise<Result<InferResponse>> {
    const header: Any = { id: req.id, parameters: req.parameters ? { ...req.parameters } : undefined };
    const blobs: Buffer[] = [];
    header.inputs = req.inputs.map((t) => {
      if (!this.binary) return { name: t.name, datatype: t.datatype, shape: t.shape, data: toJsonData(t.datatype, t.data), parameters: t.parameters };
      const bytes = toBytes(t.datatype, t.data);
      blobs.push(bytes);
      return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { ...t.parameters, binary_data_size: bytes.length } };
    });
    if (req.outputs) {
      header.outputs = req.outputs.map((o) => ({ name: o.name, parameters: this.binary ? { binary_data: true, ...o.parameters } : o.parameters }));
    }
    if (this.binary) header.parameters = { binary_data_output: true, ...header.parameters };
    const head = Buffer.from(stringifyExact(header), 'utf8');
    const a = this.binary
      ? await this.http('POST', `${this.modelPath(model, version)}/infer`, Buffer.concat([head, ...blobs]),
        { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(head.length) })
      : await this.http('POST', `${this.modelPath(model, version)}/infer`, head, { 'content-type': 'application/json' });
    return this.result(a, (body) => decodeRestResponse(body, a.headers.get('inference-header-content-length')));
  }

  async modelStatistics(model: string, version?: string): Promise<Result<ModelStats[]>> {
    return this.json('GET', `${this.modelPath(model, version)}/stats`, undefined, (b) => b.model_stats.map(stats));
  }

  modelConfig(model: string, version?: string): Promise<Result<ModelConfig>> {
    return this.json('GET', `${this.modelPath(model, version)}/config`, undefined, config);
  }

  repositoryIndex(readyOnly = false): Promise<Result<IndexEntry[]>> {
    return this.json('POST', '/v2/repository/index', readyOnly ? { ready: true } : {}, (b) => (b as Any[]).map(indexEntry));
  }

  loadModel(model: string, parameters?: RepositoryParams): Promise<Result<unknown>> {
    return this.json('POST', `/v2/repository/models/${encodeURIComponent(model)}/load`, restRepositoryBody(parameters), (b) => b);
  }

  unloadModel(model: string, parameters?: RepositoryParams): Promise<Result<unknown>> {
    return this.json('POST', `/v2/repository/models/${encodeURIComponent(model)}/unload`, restRepositoryBody(parameters), (b) => b);
  }

  close(): void {}
}

/** A REST infer answer: JSON, or a JSON header of Inference-Header-Content-Length bytes + binary outputs. */
export function decodeRestResponse(body: Buffer, headerLength: string | null): InferResponse {
  const n = headerLength === null ? body.length : Number(headerLength);
  if (!Number.isSafeInteger(n) || n > body.length) throw new Error(`bad Inference-Header-Content-Length ${headerLength}`);
  const head = parseJsonExact(body.subarray(0, n).toString('utf8')) as Any;
  let at = n;
  const outputs = (head.outputs as Any[]).map((o): OutputTensor => {
    const shape = (o.shape as unknown[]).map(num);
    const size = o.parameters?.binary_data_size;
    let data: OutputValues;
    if (size !== undefined) {
      data = fromBytes(o.datatype, body.subarray(at, at + Number(size)), elementCount(shape));
      at += Number(size);
    } else data = fromJsonData(o.datatype, o.data);
    return { name: o.name, datatype: o.datatype, shape, data };
  });
  if (at !== body.length) throw new Error(`${body.length - at} bytes left over after the binary outputs`);
  return { model_name: head.model_name, model_version: head.model_version, id: head.id, outputs };
}

// ------------------------------------------------------------------------------------------ gRPC

/** ModelInferRequest with every input in raw_input_contents, as tritonclient.grpc builds it. */
export function grpcInferRequest(model: string, version: string | undefined, req: InferRequest): Any {
  return {
    model_name: model, model_version: version ?? '', id: req.id ?? '', parameters: wireParameters(req.parameters),
    inputs: req.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], parameters: wireParameters(t.parameters) })),
    outputs: (req.outputs ?? []).map((o) => ({ name: o.name, parameters: wireParameters(o.parameters) })),
    raw_input_contents: req.inputs.map((t) => toBytes(t.datatype, t.data)),
  };
}

const CONTENTS_FIELD: Record<Datatype, string | undefined> = {
  BOOL: 'bool_contents', INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents', UINT8: 'uint_contents',
  UINT16: 'uint_contents', UINT32: 'uint_contents', INT64: 'int64_contents', UINT64: 'uint64_contents',
  FP16: undefined, FP32: 'fp32_contents', FP64: 'fp64_contents', BYTES: 'bytes_contents',
};

/** ModelInferResponse -> InferResponse; reads raw_output_contents, or typed contents when the server sent those. */
export function decodeGrpcResponse(res: Any): InferResponse {
  const raw: Buffer[] = res.raw_output_contents ?? [];
  if (raw.length > 0 && raw.length !== res.outputs.length) throw new Error(`${raw.length} raw_output_contents for ${res.outputs.length} outputs`);
  const outputs = (res.outputs as Any[]).map((o, i): OutputTensor => {
    const shape = (o.shape as unknown[]).map(num);
    let data: OutputValues;
    if (raw.length > 0) data = fromBytes(o.datatype, raw[i], elementCount(shape));
    else {
      const values = (o.contents?.[CONTENTS_FIELD[o.datatype as Datatype] ?? ''] ?? []) as unknown[];
      data = o.datatype === 'BYTES'
        ? values.map((b) => Buffer.from(b as Uint8Array).toString('utf8'))
        : fromJsonData(o.datatype, values);
    }
    return { name: o.name, datatype: o.datatype, shape, data };
  });
  return { model_name: res.model_name, model_version: res.model_version, id: res.id === '' ? undefined : res.id, outputs };
}

export class GrpcV2Client implements V2Client {
  readonly transport: Transport = 'grpc';
  readonly stub: Any;

  constructor(readonly port: number) {
    const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as Any;
    this.stub = new pkg.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  /** Any unary rpc, with a raw (already wire-shaped) request; the errors mapped to Result. */
  call(method: string, req: object): Promise<Result<Any>> {
    return new Promise((resolve) => {
      this.stub[method](req, (err: grpc.ServiceError | null, res: Any) => {
        if (err) resolve({ status: 'error', code: (grpc.status[err.code] ?? 'UNKNOWN') as ErrorCode, message: err.details });
        else resolve({ status: 'ok', response: res });
      });
    });
  }

  private async mapped<T>(method: string, req: object, map: (r: Any) => T): Promise<Result<T>> {
    const r = await this.call(method, req);
    return r.status === 'ok' ? { status: 'ok', response: map(r.response) } : r;
  }

  private async must<T>(method: string, map: (r: Any) => T): Promise<T> {
    const r = await this.call(method, {});
    if (r.status !== 'ok') throw new Error(`${method}: ${r.code} ${r.message}`);
    return map(r.response);
  }

  serverLive(): Promise<boolean> {
    return this.must('ServerLive', (r) => r.live === true);
  }

  serverReady(): Promise<boolean> {
    return this.must('ServerReady', (r) => r.ready === true);
  }

  serverMetadata(): Promise<ServerMetadata> {
    return this.must('ServerMetadata', (r) => ({ name: r.name, version: r.version, extensions: r.extensions }));
  }

  async modelReady(model: string, version?: string): Promise<boolean> {
    const r = await this.call('ModelReady', { name: model, version: version ?? '' });
    if (r.status !== 'ok') throw new Error(`ModelReady: ${r.code} ${r.message}`);
    return r.response.ready === true;
  }

  modelMetadata(model: string, version?: string): Promise<Result<ModelMetadata>> {
    return this.mapped('ModelMetadata', { name: model, version: version ?? '' }, modelMeta);
  }

  infer(model: string, version: string | undefined, req: InferRequest): Promise<Result<InferResponse>> {
    return this.mapped('ModelInfer', grpcInferRequest(model, version, req), decodeGrpcResponse);
  }

  /** ModelStreamInfer: writes every request, half-closes, and collects the responses in arrival order. */
  streamInfer(requests: readonly Any[]): Promise<{ error_message: string; infer_response: Any }[]> {
    return new Promise((resolve, reject) => {
      const stream = this.stub.ModelStreamInfer();
      const got: { error_message: string; infer_response: Any }[] = [];
      stream.on('data', (r: Any) => got.push(r));
      stream.on('end', () => resolve(got));
      stream.on('error', reject);
      for (const r of requests) stream.write(r);
      stream.end();
    });
  }

  modelStatistics(model: string, version?: string): Promise<Result<ModelStats[]>> {
    return this.mapped('ModelStatistics', { name: model, version: version ?? '' }, (r) => r.model_stats.map(stats));
  }

  modelConfig(model: string, version?: string): Promise<Result<ModelConfig>> {
    return this.mapped('ModelConfig', { name: model, version: version ?? '' }, (r) => config(r.config));
  }

  repositoryIndex(readyOnly = false): Promise<Result<IndexEntry[]>> {
    return this.mapped('RepositoryIndex', { repository_name: '', ready: readyOnly }, (r) => (r.models as Any[]).map(indexEntry));
  }

  loadModel(model: string, parameters?: RepositoryParams): Promise<Result<unknown>> {
    return this.call('RepositoryModelLoad', { repository_name: '', model_name: model, parameters: wireRepositoryParameters(parameters) });
  }

  unloadModel(model: string, parameters?: RepositoryParams): Promise<Result<unknown>> {
    return this.call('RepositoryModelUnload', { repository_name: '', model_name: model, parameters: wireRepositoryParameters(parameters) });
  }

  close(): void {
    this.stub.close();
  }
}

/** The client for `transport` against a server started by startTestServer (gRPC needs `{ grpc: true }`). */
export function makeClient(transport: Transport, server: { url: string; grpcPort?: number | undefined }): V2Client {
  if (transport === 'grpc') {
    if (!server.grpcPort) throw new Error('the server was started without gRPC');
    return new GrpcV2Client(server.grpcPort);
  }
  return new RestV2Client(server.url, transport === 'rest-binary');
}
