import { checkModelName, type InferContext, type V1Api } from '../../core/index.js';
import { invalidArgument } from '../../errors/index.js';
import type { HttpRequest, HttpRoute } from '../http/index.js';
import { decodeExactly, parseJson } from '../json-data/index.js';
import { decodeV1Request, encodeV1Response } from './codec.js';

export interface V1RoutesOptions {
  readonly api: V1Api;
  readonly maxBodyBytes: number;
  readonly maxElements: number;
}

/** The seed's load body is a name and a path: a small JSON object. */
const LOAD_BODY = { accept: 'json', limit: 64 * 1024 } as const;

/** The seed's REST API, verbatim: its curl commands work unchanged against these routes. */
export function v1RestRoutes(opts: V1RoutesOptions): HttpRoute[] {
  const { api } = opts;
  const base = { protocol: 'v1' } as const;
  return [
    { ...base, method: 'POST', path: '/v1/models', endpoint: 'repository', management: 'load', body: LOAD_BODY,
      summary: 'Load (or reload) a model file of the repository under a name', handle: async (r) => {
        // The same JSON reader as V2 (depth limit, __proto__ refused), so both APIs answer bad JSON alike.
        const body = parseJson(r.body) as { name?: unknown; path?: unknown } | undefined;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument("body must be a JSON object with 'name' and 'path'");
        // Only a name and a repository path: no URL, file contents or config can come from the wire.
        for (const key of Object.keys(body)) if (key !== 'name' && key !== 'path') throw invalidArgument(`unknown field '${key.slice(0, 64)}'; the body takes 'name' and 'path'`);
        await api.loadModelFile(body.name, body.path);
        return { body: { status: 'loaded', name: body.name, message: 'Model loaded successfully' } };
      } },
    { ...base, method: 'GET', path: '/v1/models', endpoint: 'metadata', summary: 'Every model version with its state',
      handle: () => ({ body: { models: api.listModels() } }) },
    { ...base, method: 'GET', path: '/v1/models/:name', endpoint: 'metadata', summary: 'One model: inputs, outputs, state',
      handle: (r) => ({ body: api.describeModel(nameOf(r)) }) },
    { ...base, method: 'DELETE', path: '/v1/models/:name', endpoint: 'repository', management: 'unload',
      summary: 'Unload a model once its in-flight requests finish', handle: async (r) => {
        const name = nameOf(r);
        await api.unloadModel(name);
        return { body: { status: 'unloaded', name, message: 'Model unloaded successfully' } };
      } },
    { ...base, method: 'POST', path: '/v1/models/:name/infer', endpoint: 'infer',
      body: { accept: 'json', limit: opts.maxBodyBytes, limitFlag: '--max-json-body-bytes' },
      summary: 'Inference on rows ([[...]]) or named inputs', handle: async (r) => ({
        body: await handleV1Infer(api, opts.maxElements, nameOf(r), parseJson(r.body), r.ctx, r.body),
      }) },
    { ...base, method: 'GET', path: '/health', endpoint: 'health', summary: "The seed's health check",
      handle: () => ({ body: { status: api.isReady() ? 'healthy' : 'starting', models: api.readyModelCount() } }) },
  ];
}

/** The name from the path, checked with core's one rule before any body is parsed (core checks it again). */
function nameOf(r: HttpRequest): string {
  return checkModelName(r.params.name ?? '');
}

/**
 * One V1 inference on an already parsed JSON body, in the model file's own shapes (the seed knew no config.pbtxt,
 * so a config's dims and reshape do not change what V1 takes and answers). Core checks the name and resolves the
 * model before it calls the decoder, so a body that does not fit counts as a failure of that model.
 */
export async function handleV1Infer(api: V1Api, maxElements: number, name: string, body: unknown, ctx: InferContext,
  bytes?: Buffer): Promise<string> {
  // `bytes`: the body as received, read again exactly if it holds an INT64 beyond 2^53 (decodeExactly).
  const decode = () => decodeExactly(body, bytes, (b) => decodeV1Request(b, api.modelFileMetadata(name), maxElements));
  return encodeV1Response(await api.infer({ modelName: name, decode }, { ...ctx, modelShapes: true }));
}
