/**
 * V2 over REST with node's fetch: the routes of inference_rest.md and Triton's extensions (model_repository,
 * statistics, model_configuration). Errors are the server's `{"error": "..."}` with its HTTP status.
 */
import {
  toModelConfig, toModelMetadata, toRepositoryIndex, toServerMetadata, toStatistics,
} from './documents.js';
import { badResponse, ClientError, codeForHttpStatus, parseRetryAfter } from './errors.js';
import { parseJson, stringifyExact } from './json-exact.js';
import { decodeRestInfer, encodeRestInfer } from './rest-codec.js';
import type { InferResult } from './result.js';
import type { Call, InferCall, Transport } from './transport.js';
import type {
  ModelConfig, ModelMetadata, ModelStatistics, RepositoryModel, RepositoryParameters, ServerMetadata,
} from './types.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

interface Body {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly headerLength?: number;
}

const JSON_TYPE = 'application/json';
const seg = encodeURIComponent;

export interface RestOptions {
  /** Inputs and outputs as binary data (Triton's extension) rather than JSON. */
  readonly binary: boolean;
}

export class RestTransport implements Transport {
  private readonly base: string;

  constructor(baseUrl: string, private readonly opts: RestOptions) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async exchange(call: Call, method: string, path: string, body?: Body): Promise<Answer> {
    const headers: Record<string, string> = { ...call.headers };
    if (body) {
      headers['content-type'] = body.contentType;
      if (body.headerLength !== undefined) headers['inference-header-content-length'] = String(body.headerLength);
    }
    const url = this.base + path;
    try {
      const res = await fetch(url, { method, headers, body: body?.bytes, signal: call.scope.signal });
      // Read inside the try: the signal also covers the body, and a deadline may pass while it streams in.
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    } catch (e) {
      const stopped = call.scope.stopped();
      if (stopped) throw stopped;
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      throw new ClientError('UNAVAILABLE', `${method} ${url} failed: ${cause ?? (e instanceof Error ? e.message : String(e))}`, { cause: e });
    }
  }

  /** A 2xx answer, or the ClientError the server's error answer describes. */
  private async ok(call: Call, method: string, path: string, body?: Body): Promise<Answer> {
    const a = await this.exchange(call, method, path, body);
    if (a.status >= 200 && a.status < 300) return a;
    throw errorFromAnswer(a);
  }

  private async json(call: Call, method: string, path: string, body?: unknown): Promise<unknown> {
    const a = await this.ok(call, method, path, body === undefined ? undefined : jsonBody(body));
    if (a.body.length === 0) return undefined;
    try {
      return parseJson(a.body.toString('utf8'));
    } catch (e) {
      throw badResponse(`${method} ${path} did not answer JSON`, e);
    }
  }

  /** Health and readiness answer by status: 200 is true; 4xx and 503 are false (required_api.md "Health"). */
  private async flag(call: Call, path: string): Promise<boolean> {
    const a = await this.exchange(call, 'GET', path);
    if (a.status === 200) return true;
    if ((a.status >= 400 && a.status < 500) || a.status === 503) return false;
    throw errorFromAnswer(a);
  }

  serverLive(call: Call): Promise<boolean> {
    return this.flag(call, '/v2/health/live');
  }

  serverReady(call: Call): Promise<boolean> {
    return this.flag(call, '/v2/health/ready');
  }

  modelReady(call: Call, model: string, version: string | undefined): Promise<boolean> {
    return this.flag(call, `${modelPath(model, version)}/ready`);
  }

  async serverMetadata(call: Call): Promise<ServerMetadata> {
    return toServerMetadata(await this.json(call, 'GET', '/v2'));
  }

  async modelMetadata(call: Call, model: string, version: string | undefined): Promise<ModelMetadata> {
    return toModelMetadata(await this.json(call, 'GET', modelPath(model, version)));
  }

  async modelConfig(call: Call, model: string, version: string | undefined): Promise<ModelConfig> {
    return toModelConfig(await this.json(call, 'GET', `${modelPath(model, version)}/config`));
  }

  async infer(call: InferCall): Promise<InferResult> {
    const binaryOutputs = call.request.binaryOutputs ?? this.opts.binary;
    const { body, headerLength } = encodeRestInfer(call.inputs, call.request, this.opts.binary, binaryOutputs);
    // Triton's clients send binary bodies as octet-stream; a JSON-only body is application/json.
    const contentType = headerLength === undefined ? JSON_TYPE : 'application/octet-stream';
    const a = await this.ok(call, 'POST', `${modelPath(call.model, call.request.version)}/infer`, { bytes: body, contentType, headerLength });
    return decodeRestInfer(a.body, a.headers.get('inference-header-content-length'));
  }

  async modelStatistics(call: Call, model: string | undefined, version: string | undefined): Promise<ModelStatistics[]> {
    const path = model === undefined ? '/v2/models/stats' : `${modelPath(model, version)}/stats`;
    return toStatistics(await this.json(call, 'GET', path));
  }

  async repositoryIndex(call: Call, ready: boolean): Promise<RepositoryModel[]> {
    return toRepositoryIndex(await this.json(call, 'POST', '/v2/repository/index', ready ? { ready: true } : {}));
  }

  async loadModel(call: Call, model: string, parameters: RepositoryParameters | undefined): Promise<void> {
    await this.json(call, 'POST', `/v2/repository/models/${seg(model)}/load`, repositoryBody(parameters));
  }

  async unloadModel(call: Call, model: string, parameters: RepositoryParameters | undefined): Promise<void> {
    await this.json(call, 'POST', `/v2/repository/models/${seg(model)}/unload`, repositoryBody(parameters));
  }

  /** fetch's connection pool is node's global one: nothing of ours to release. */
  close(): void {}
}

function modelPath(model: string, version: string | undefined): string {
  return `/v2/models/${seg(model)}${version ? `/versions/${seg(version)}` : ''}`;
}

function jsonBody(v: unknown): Body {
  return { bytes: Buffer.from(stringifyExact(v), 'utf8'), contentType: JSON_TYPE };
}

/** Triton's REST form: file contents (`file:<path>`) are base64 strings. */
function repositoryBody(parameters: RepositoryParameters | undefined): object {
  if (!parameters || Object.keys(parameters).length === 0) return {};
  const p: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(parameters)) p[k] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
  return { parameters: p };
}

/** The server's `{"error": "..."}` (or its text, when it sent no JSON) with the status's code. */
export function errorFromAnswer(a: Answer): ClientError {
  let message = a.body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(message) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') {
      message = (parsed as { error: string }).error;
    }
  } catch { /* not JSON: the text is the message */ }
  if (message === '') message = `HTTP ${a.status}`;
  return new ClientError(codeForHttpStatus(a.status), message, {
    httpStatus: a.status, retryAfter: parseRetryAfter(a.headers.get('retry-after')),
  });
}
