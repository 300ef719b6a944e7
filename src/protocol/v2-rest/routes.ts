/**
 * KServe V2 / Open Inference Protocol REST routes, plus Triton's model_repository, statistics and
 * model_configuration extensions. An encapsulated fastify plugin: its body parsers hand raw Buffers to the
 * handlers, which decode them with json-codec/framing. Errors are thrown as ServerError; the app-level error
 * handler maps ServerError.code through protocol/status-map and writes {"error": message}.
 * Spec: OIP specification/protocol/inference_rest.md, KServe docs/predict-api/v2/required_api.md ("Health"),
 * Triton docs/protocol/extension_{binary_data,model_repository,statistics,model_configuration}.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InferContext, InferenceApi, ModelMetadataResponse, TensorSpec } from '../../core/index.js';
import { invalidArgument, ServerError } from '../../errors/index.js';
import { requestContext } from '../request-context.js';
import { HEADER_LENGTH, parseOptionalJsonObject, rawRequest, splitBody } from './framing.js';
import { decodeInferRequest, encodeInferResponse } from './json-codec.js';
import { clip, describe, isPlainObject, timeoutMicros } from './parameters.js';

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
const MANAGEMENT_BODY_LIMIT = 64 * 1024;
const NAME_MAX = 255;
const EMPTY = Buffer.alloc(0);

type ModelParams = { model: string; version?: string };

export async function v2RestRoutes(app: FastifyInstance, opts: V2RestOptions): Promise<void> {
  installBodyParsers(app, opts.maxBodyBytes);
  healthRoutes(app, opts.api);
  modelRoutes(app, opts);
  repositoryRoutes(app, opts.api);
}

/**
 * Every body reaches the handlers as a Buffer: an infer body may be a JSON header followed by binary tensors,
 * and Triton's clients send it with no Content-Type at all (hence the catch-all, which still refuses types that
 * say the body is something else). Compressed bodies are refused app-wide (server/body-encoding).
 */
function installBodyParsers(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit }, (_request, body: Buffer, done) => done(null, body));
  }
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (request, body: Buffer, done) => {
    if (acceptsInferContentType(request.headers['content-type'])) done(null, body);
    else done(unsupportedContentType(request.headers['content-type']));
  });
}

/**
 * The media types an infer body may declare: JSON, octet-stream (binary extension), none (tritonclient sends
 * none), and the form type `curl -d` puts on by default. Anything else says the body is not ours (case 3: 415).
 */
export function acceptsInferContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type === 'application/octet-stream' || type === 'application/x-www-form-urlencoded';
}

export function unsupportedContentType(contentType: string | undefined): ServerError {
  return new ServerError('UNSUPPORTED_MEDIA_TYPE', `Content-Type '${clip(contentType ?? '', 60)}' is not accepted; send application/json or application/octet-stream`);
}

/**
 * Health answers by status code (required_api.md "Health": 200 true, 4xx false), with the OIP's JSON body
 * ({"live"}/{"ready"}) that KServe's client reads. Server not live/ready answers 503, not 4xx: it is what
 * Kubernetes probes and load balancers treat as "take out of rotation", and it is what draining reports.
 */
function healthRoutes(app: FastifyInstance, api: InferenceApi): void {
  app.get('/v2/health/live', async (_request, reply) => {
    const live = api.isLive();
    return reply.code(live ? 200 : 503).send({ live });
  });
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = api.isReady();
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/v2', async () => {
    const m = api.serverMetadata();
    return { name: m.name, version: m.version, extensions: m.extensions };
  });
}

function modelRoutes(app: FastifyInstance, opts: V2RestOptions): void {
  const { api } = opts;
  for (const base of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get(base, async (request) => {
      const { model, version } = modelParams(request);
      return metadataJson(api.modelMetadata(model, version));
    });
    // Model ready: 200 when ready, 400 when not (required_api.md: "a 4xx status code indicates false";
    // Triton answers 400 too). Unknown models are simply not ready: the spec gives this endpoint no 404.
    app.get(`${base}/ready`, async (request, reply) => {
      const { model, version } = modelParams(request);
      const ready = api.isModelReady(model, version);
      return reply.code(ready ? 200 : 400).send({ name: model, ready });
    });
    app.get(`${base}/config`, async (request) => {
      const { model, version } = modelParams(request);
      return api.modelConfig(model, version);
    });
    app.get(`${base}/stats`, async (request) => {
      const { model, version } = modelParams(request);
      return { model_stats: api.statistics(model, version) };
    });
    app.post(`${base}/infer`, { bodyLimit: opts.maxBodyBytes }, (request, reply) => infer(request, reply, opts));
  }
  app.get('/v2/models/stats', async () => ({ model_stats: api.statistics() }));
}

async function infer(request: FastifyRequest, reply: FastifyReply, opts: V2RestOptions): Promise<FastifyReply> {
  const { model, version } = modelParams(request);
  const lengthHeader = request.headers[HEADER_LENGTH];
  const out = await handleV2Infer(opts, model, version, (request.body as Buffer | undefined) ?? EMPTY,
    Array.isArray(lengthHeader) ? lengthHeader.join(',') : lengthHeader, requestContext(request, reply));
  if (out.headerLength !== undefined) {
    reply.header('Inference-Header-Content-Length', out.headerLength).type('application/octet-stream');
  } else {
    reply.type('application/json');
  }
  return reply.send(out.body);
}

/**
 * One V2 inference, whatever HTTP stack carried it (the fastify route, or the lean hot path in
 * protocol/http-fast): the body in, the encoded answer out. Names come validated by the caller.
 */
export async function handleV2Infer(opts: V2RestOptions, model: string, version: string | undefined, body: Buffer,
  headerLength: string | undefined, ctx: InferContext): Promise<{ body: Buffer; headerLength: number | undefined }> {
  const { api } = opts;
  const split = splitBody(body, headerLength);
  let { header, binary } = split;
  if (split.raw) ({ header, binary } = rawRequest(body, api.modelMetadata(model, version), maxBatchSize(api, model, version)));
  if (binary === undefined && body.length > (opts.maxJsonBodyBytes ?? opts.maxBodyBytes)) {
    throw new ServerError('PAYLOAD_TOO_LARGE', `JSON inference body of ${body.length} bytes exceeds the limit of ${opts.maxJsonBodyBytes} bytes; send large tensors as binary data`);
  }
  const req = decodeInferRequest(header, binary, model, version, { maxElements: opts.maxElements });
  // Triton's schedule_policy `timeout` (microseconds) is checked here and applied by the core, which also knows
  // whether the model's queue policy allows a request to override its default.
  timeoutMicros(req.parameters);
  const res = await api.infer(req, ctx);
  return encodeInferResponse(res, req);
}

/** Triton's config JSON carries max_batch_size; a model without batching (0 or absent) has no batch dim. */
function maxBatchSize(api: InferenceApi, model: string, version: string | undefined): number {
  const v = api.modelConfig(model, version).max_batch_size;
  return typeof v === 'number' && v > 0 ? v : 0;
}

function repositoryRoutes(app: FastifyInstance, api: InferenceApi): void {
  const bodyLimit = MANAGEMENT_BODY_LIMIT;
  app.post('/v2/repository/index', { bodyLimit }, async (request) => {
    const body = parseOptionalJsonObject(request.body as Buffer | undefined);
    const ready = body.ready;
    if (ready !== undefined && typeof ready !== 'boolean') {
      throw invalidArgument(`repository index: 'ready' must be true or false, got ${describe(ready)}`);
    }
    return api.repositoryIndex(ready === true).map((e) => ({ name: e.name, version: e.version, state: e.state, reason: e.reason }));
  });
  app.post('/v2/repository/models/:model/load', { bodyLimit }, async (request) => {
    const { model } = modelParams(request);
    checkLoadBody(request.body as Buffer | undefined);
    await api.loadModel(model);
    return {};
  });
  app.post('/v2/repository/models/:model/unload', { bodyLimit }, async (request) => {
    const { model } = modelParams(request);
    checkUnloadBody(request.body as Buffer | undefined);
    await api.unloadModel(model);
    return {};
  });
}

/**
 * Triton lets a load request carry `parameters.config` (a model config) and `file:<path>` entries (model files,
 * base64). Both would let a network client choose what the server loads and writes, so they are refused here;
 * anything else unknown is refused too rather than silently ignored (DESIGN.md "No request may set a file").
 */
function checkLoadBody(raw: Buffer | undefined): void {
  const params = managementParameters(raw, 'load');
  for (const key of Object.keys(params)) {
    if (key === 'config' || key.startsWith('file:')) {
      throw invalidArgument('file and config overrides from the wire are not accepted; the model repository is the only source of models');
    }
    throw invalidArgument(`load request: unknown parameter '${clip(key)}'`);
  }
}

/** `unload_dependents` (Triton) is accepted and has nothing to do: there are no ensembles here. */
function checkUnloadBody(raw: Buffer | undefined): void {
  const params = managementParameters(raw, 'unload');
  for (const key of Object.keys(params)) {
    if (key === 'unload_dependents' && typeof params[key] === 'boolean') continue;
    throw invalidArgument(`unload request: unknown or invalid parameter '${clip(key)}'`);
  }
}

function managementParameters(raw: Buffer | undefined, what: string): Record<string, unknown> {
  const body = parseOptionalJsonObject(raw);
  for (const key of Object.keys(body)) {
    if (key !== 'parameters') throw invalidArgument(`${what} request: unknown field '${clip(key)}'`);
  }
  const params = body.parameters ?? {};
  if (!isPlainObject(params)) throw invalidArgument(`${what} request: 'parameters' must be a JSON object`);
  return params;
}

/**
 * Model names and versions from the URL (already percent-decoded by the router). Names become paths in the
 * repository, so the obviously hostile ones stop here; the registry still validates every name it resolves.
 */
function modelParams(request: FastifyRequest): ModelParams {
  const p = request.params as ModelParams;
  return { model: checkName(p.model, 'model name'), version: p.version === undefined ? undefined : checkName(p.version, 'model version') };
}

export function checkName(v: string, what: string): string {
  if (v.length === 0 || v.length > NAME_MAX || v === '.' || v === '..' || /[/\\\0]/.test(v)) {
    throw invalidArgument(`invalid ${what} '${clip(v)}'`);
  }
  return v;
}

/** The OIP $metadata_model_response, built field by field so nothing else the core holds leaks out. */
function metadataJson(m: ModelMetadataResponse): Record<string, unknown> {
  const tensor = (t: TensorSpec) => ({ name: t.name, datatype: t.datatype, shape: t.shape });
  return { name: m.name, versions: m.versions, platform: m.platform, inputs: m.inputs.map(tensor), outputs: m.outputs.map(tensor) };
}
