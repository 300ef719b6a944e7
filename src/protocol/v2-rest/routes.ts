/**
 * KServe V2 / Open Inference Protocol REST routes, plus Triton's model_repository, statistics and
 * model_configuration extensions, as a table for the one HTTP pipeline (protocol/http). Handlers receive the
 * body as a Buffer and decode it with json-codec/framing; errors are thrown as ServerError and rendered by the
 * pipeline through protocol/status-map.
 * Spec: OIP specification/protocol/inference_rest.md, KServe docs/predict-api/v2/required_api.md ("Health"),
 * Triton docs/protocol/extension_{binary_data,model_repository,statistics,model_configuration}.md.
 */
import {
  checkModelName, checkModelVersion, type InferContext, type InferenceApi, type InferRequest, type ModelMetadataResponse, type TensorSpec,
} from '../../core/index.js';
import { invalidArgument, ServerError } from '../../errors/index.js';
import type { HttpRequest, HttpRoute } from '../http/index.js';
import { modelConfigJson } from '../model-config/index.js';
import { decodeExactly, HEADER_LENGTH, parseOptionalJsonObject, rawRequest, splitBody } from './framing.js';
import { decodeInferRequest, encodeInferResponse } from './json-codec.js';
import { clip, describe, isPlainObject } from './parameters.js';

export interface V2RestOptions {
  readonly api: InferenceApi;
  /** Body limit of the infer routes (JSON header + binary tensors). */
  readonly maxBodyBytes: number;
  /** Limit for a body that is all JSON (no binary tensors); defaults to maxBodyBytes. */
  readonly maxJsonBodyBytes?: number;
  /** Most elements one input tensor may have. */
  readonly maxElements: number;
}

/** Repository and index bodies are a few bytes of JSON; they get a small limit of their own. */
const MANAGEMENT_BODY = { accept: 'v2', limit: 64 * 1024 } as const;

export function v2RestRoutes(opts: V2RestOptions): HttpRoute[] {
  return [...healthRoutes(opts.api), ...modelRoutes(opts), ...repositoryRoutes(opts.api)];
}

/**
 * Health answers by status code (required_api.md "Health": 200 true, 4xx false), with the OIP's JSON body
 * ({"live"}/{"ready"}) that KServe's client reads. Server not live/ready answers 503, not 4xx: it is what
 * Kubernetes probes and load balancers treat as "take out of rotation", and it is what draining reports.
 */
function healthRoutes(api: InferenceApi): HttpRoute[] {
  const base = { method: 'GET', protocol: 'v2-rest', endpoint: 'health' } as const;
  return [
    { ...base, path: '/v2/health/live', summary: 'Server live', handle: () => {
      const live = api.isLive();
      return { status: live ? 200 : 503, body: { live } };
    } },
    { ...base, path: '/v2/health/ready', summary: 'Server ready (every startup model READY, not draining)', handle: () => {
      const ready = api.isReady();
      return { status: ready ? 200 : 503, body: { ready } };
    } },
    { ...base, endpoint: 'metadata', path: '/v2', summary: 'Server metadata', handle: () => {
      const m = api.serverMetadata();
      return { body: { name: m.name, version: m.version, extensions: m.extensions } };
    } },
  ];
}

function modelRoutes(opts: V2RestOptions): HttpRoute[] {
  const { api } = opts;
  const routes: HttpRoute[] = [];
  const get = { method: 'GET', protocol: 'v2-rest', endpoint: 'metadata' } as const;
  for (const base of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    routes.push(
      { ...get, path: base, summary: 'Model metadata', handle: (r) => {
        const { model, version } = modelParams(r);
        return { body: metadataJson(api.modelMetadata(model, version)) };
      } },
      // Model ready: 200 when ready, 400 when not (required_api.md: "a 4xx status code indicates false";
      // Triton answers 400 too). Unknown models are simply not ready: the spec gives this endpoint no 404.
      { ...get, endpoint: 'health', path: `${base}/ready`, summary: 'Model ready', handle: (r) => {
        const { model, version } = modelParams(r);
        const ready = api.isModelReady(model, version);
        return { status: ready ? 200 : 400, body: { name: model, ready } };
      } },
      { ...get, path: `${base}/config`, summary: "Triton's model configuration", handle: (r) => {
        const { model, version } = modelParams(r);
        return { body: modelConfigJson(api.modelConfig(model, version)) };
      } },
      { ...get, path: `${base}/stats`, summary: 'Model statistics', handle: (r) => {
        const { model, version } = modelParams(r);
        return { body: { model_stats: api.statistics(model, version) } };
      } },
      {
        method: 'POST', path: `${base}/infer`, protocol: 'v2-rest', endpoint: 'infer', summary: 'Inference (JSON or binary tensors)',
        body: { accept: 'v2', limit: opts.maxBodyBytes, limitFlag: '--max-body-bytes' },
        handle: async (r) => {
          const { model, version } = modelParams(r);
          const lengthHeader = r.headers[HEADER_LENGTH];
          const out = await handleV2Infer(opts, model, version, r.body, Array.isArray(lengthHeader) ? lengthHeader.join(',') : lengthHeader, r.ctx);
          return out.headerLength === undefined
            ? { body: out.body }
            : { body: out.body, contentType: 'application/octet-stream', headers: { 'inference-header-content-length': out.headerLength } };
        },
      },
    );
  }
  routes.push({ ...get, path: '/v2/models/stats', summary: 'Statistics of every model', handle: () => ({ body: { model_stats: api.statistics() } }) });
  return routes;
}

/**
 * One V2 inference: the body in, the encoded answer out. Core resolves the model before it calls the decoder,
 * so a body that does not decode counts as a failure of the model it named.
 */
export async function handleV2Infer(opts: V2RestOptions, model: string, version: string | undefined, body: Buffer,
  headerLength: string | undefined, ctx: InferContext): Promise<{ body: Buffer; headerLength: number | undefined }> {
  let req: InferRequest | undefined;
  const decode = (): InferRequest => (req = decodeV2Body(opts, model, version, body, headerLength));
  const res = await opts.api.infer({ modelName: model, modelVersion: version, decode }, ctx);
  // infer() answers only after decode() ran, so req is set.
  return encodeInferResponse(res, req!);
}

function decodeV2Body(opts: V2RestOptions, model: string, version: string | undefined, body: Buffer, headerLength: string | undefined): InferRequest {
  const { api } = opts;
  const split = splitBody(body, headerLength);
  let { header, binary } = split;
  if (split.raw) ({ header, binary } = rawRequest(body, api.modelMetadata(model, version), api.modelConfig(model, version).max_batch_size));
  if (binary === undefined && body.length > (opts.maxJsonBodyBytes ?? opts.maxBodyBytes)) {
    throw new ServerError('PAYLOAD_TOO_LARGE', `JSON inference body of ${body.length} bytes exceeds the limit of ${opts.maxJsonBodyBytes} bytes (--max-json-body-bytes); send large tensors as binary data`);
  }
  return decodeExactly(header, split.headerBytes, (h) => decodeInferRequest(h, binary, model, version, { maxElements: opts.maxElements }));
}

function repositoryRoutes(api: InferenceApi): HttpRoute[] {
  const post = { method: 'POST', protocol: 'v2-rest', endpoint: 'repository', body: MANAGEMENT_BODY } as const;
  return [
    { ...post, path: '/v2/repository/index', management: 'read', summary: 'Repository index', handle: async (r) => {
      const body = parseOptionalJsonObject(r.body);
      const ready = body.ready;
      if (ready !== undefined && typeof ready !== 'boolean') {
        throw invalidArgument(`repository index: 'ready' must be true or false, got ${describe(ready)}`);
      }
      // Triton's JSON (tritonserver.cc TRITONSERVER_ServerModelIndex): version and reason only when there is one.
      return { body: (await api.repositoryIndex(ready === true)).map((e) => ({
        name: e.name, ...(e.version ? { version: e.version } : {}), state: e.state, ...(e.reason ? { reason: e.reason } : {}),
      })) };
    } },
    { ...post, path: '/v2/repository/models/:model/load', management: 'load', summary: 'Load or reload a model', handle: async (r) => {
      const { model } = modelParams(r);
      await api.loadModel(model, managementParameters(r.body, 'load'));
      return { body: {} };
    } },
    { ...post, path: '/v2/repository/models/:model/unload', management: 'unload', summary: 'Unload a model', handle: async (r) => {
      const { model } = modelParams(r);
      await api.unloadModel(model, managementParameters(r.body, 'unload'));
      return { body: {} };
    } },
  ];
}

/** The body's shape (`{"parameters": {...}}`, nothing else); what the parameters may say is core's rule. */
function managementParameters(raw: Buffer, what: string): Map<string, unknown> {
  const body = parseOptionalJsonObject(raw);
  for (const key of Object.keys(body)) {
    if (key !== 'parameters') throw invalidArgument(`${what} request: unknown field '${clip(key)}'`);
  }
  const params = body.parameters ?? {};
  if (!isPlainObject(params)) throw invalidArgument(`${what} request: 'parameters' must be a JSON object`);
  return new Map(Object.entries(params));
}

/**
 * Model names and versions from the URL (percent-decoded by the router), checked with core's one rule before any
 * body is parsed (core checks them again in every call).
 */
function modelParams(r: HttpRequest): { model: string; version?: string } {
  const { model, version } = r.params;
  return { model: checkModelName(model ?? ''), version: checkModelVersion(version) };
}

/** The OIP $metadata_model_response, built field by field so nothing else the core holds leaks out. */
function metadataJson(m: ModelMetadataResponse): Record<string, unknown> {
  const tensor = (t: TensorSpec) => ({ name: t.name, datatype: t.datatype, shape: t.shape });
  return { name: m.name, versions: m.versions, platform: m.platform, inputs: m.inputs.map(tensor), outputs: m.outputs.map(tensor) };
}
