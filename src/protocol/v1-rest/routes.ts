import type { FastifyInstance } from 'fastify';
import type { InferContext, V1Api } from '../../core/index.js';
import { invalidArgument } from '../../errors/index.js';
import { requestContext } from '../request-context.js';
import { parseJson } from '../json-data/index.js';
import { decodeV1Request, encodeV1Response } from './codec.js';

export interface V1RoutesOptions {
  readonly api: V1Api;
  readonly maxBodyBytes: number;
  readonly maxElements: number;
}

/** The seed's REST API, verbatim: its curl commands work unchanged against these routes. */
export async function v1RestRoutes(app: FastifyInstance, opts: V1RoutesOptions): Promise<void> {
  const { api } = opts;
  // The same JSON reader as V2 (depth limit, __proto__ refused), so both APIs answer bad JSON alike.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    try {
      done(null, parseJson(body));
    } catch (e) {
      done(e as Error);
    }
  });

  app.post('/v1/models', async (request) => {
    const body = request.body as { name?: unknown; path?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument("body must be a JSON object with 'name' and 'path'");
    // Only a name and a repository path: no URL, file contents or config can come from the wire.
    for (const key of Object.keys(body)) if (key !== 'name' && key !== 'path') throw invalidArgument(`unknown field '${key.slice(0, 64)}'; the body takes 'name' and 'path'`);
    await api.loadModelFile(body.name, body.path);
    return { status: 'loaded', name: body.name, message: 'Model loaded successfully' };
  });

  app.get('/v1/models', async () => ({ models: api.listModels() }));

  app.get<{ Params: { name: string } }>('/v1/models/:name', async (request) => api.describeModel(request.params.name));

  app.delete<{ Params: { name: string } }>('/v1/models/:name', async (request) => {
    await api.unloadModel(request.params.name);
    return { status: 'unloaded', name: request.params.name, message: 'Model unloaded successfully' };
  });

  app.post<{ Params: { name: string } }>('/v1/models/:name/infer', { bodyLimit: opts.maxBodyBytes }, async (request, reply) => {
    const answer = await handleV1Infer(api, opts.maxElements, request.params.name, request.body, requestContext(request, reply));
    return reply.type('application/json').send(answer);
  });

  app.get('/health', async () => ({ status: api.isReady() ? 'healthy' : 'starting', models: api.repositoryIndex(true).length }));
}

/** One V1 inference on an already parsed JSON body, whatever HTTP stack carried it. */
export async function handleV1Infer(api: V1Api, maxElements: number, name: string, body: unknown, ctx: InferContext): Promise<string> {
  const decoded = decodeV1Request(body, api.modelMetadata(name), maxElements);
  return encodeV1Response(await api.infer(decoded, ctx));
}
