import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { V1Api } from '../core/index.js';
import { isServerError, type ServerError } from '../errors/index.js';
import { httpStatus } from '../protocol/status-map.js';
import { v1RestRoutes } from '../protocol/v1-rest/index.js';
import { v2RestRoutes } from '../protocol/v2-rest/index.js';
import { limitChunks, MAX_CHUNKS, refuseEncodedBodies } from './chunk-limit.js';
import { createServer } from 'node:http';
import { createFastPath, type FastPathOptions } from '../protocol/http-fast/index.js';
import { genReqId, installHttpObservability, type HttpObservability } from '../observability/index.js';
import { HTTP_MANAGEMENT_ROUTES, type ManagementPolicy } from './management-policy.js';

export interface HttpAppOptions {
  readonly api: V1Api;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly maxElements: number;
  readonly maxJsonBodyBytes: number;
  readonly policy: ManagementPolicy;
  /** Request ids in responses, metrics, access log, traces, GET /metrics. */
  readonly observability?: HttpObservability;
  /** Serve the infer routes on bare node:http (protocol/http-fast); false keeps everything on fastify. */
  readonly fastPath: boolean;
  readonly onFastResponse?: FastPathOptions['onResponse'];
}

const REQUEST_TIMEOUT_MS = 120_000;
const HEADERS_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** Management and other small JSON bodies; inference routes set their own, larger limit. */
const SMALL_BODY = 1024 * 1024;

export async function createHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const fast = opts.fastPath
    ? createFastPath({ api: opts.api, maxBodyBytes: opts.maxBodyBytes, maxJsonBodyBytes: opts.maxJsonBodyBytes, maxElements: opts.maxElements, maxChunks: MAX_CHUNKS, onResponse: opts.onFastResponse })
    : undefined;
  const app: FastifyInstance = Fastify({
    // The hot infer routes are answered before fastify's router sees them; everything else goes to fastify.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        if (!fast?.(req, res)) handler(req, res);
      });
      // With a serverFactory fastify leaves the timeouts to us. requestTimeout bounds a slow body (fastify's and
      // node's defaults differ; 0 would let a client hold a socket forever); headersTimeout bounds slow headers.
      server.requestTimeout = REQUEST_TIMEOUT_MS;
      server.headersTimeout = HEADERS_TIMEOUT_MS;
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    // No per-request log lines at info level: the access log is opt-in.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: SMALL_BODY,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Longer than any valid name (255): an overlong name then gets our 400 naming the problem, not a bare 414.
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    // The client's X-Request-Id when short and printable, else a UUID (observability/request-log.ts).
    requestIdHeader: false,
    genReqId,
  });
  installHttpObservability(app, opts.observability);
  app.addHook('preParsing', limitChunks);
  app.addHook('preParsing', refuseEncodedBodies);
  // Before the body is read: an unauthorized management call costs no parsing.
  app.addHook('onRequest', async (request) => {
    if (HTTP_MANAGEMENT_ROUTES.has(`${request.method} ${request.routeOptions.url}`)) opts.policy.authorize(request.headers.authorization);
  });
  app.setErrorHandler((error: FastifyError | ServerError, request, reply) => {
    const { status, message } = describeError(error);
    if (status >= 500 && !isServerError(error)) request.log.error({ err: error }, 'request failed');
    if (isServerError(error) && error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
    if (status === 401) void reply.header('www-authenticate', 'Bearer realm="onnxserve"');
    void reply.code(status).type('application/json').send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}` });
  });
  await app.register(v1RestRoutes, { api: opts.api, maxBodyBytes: opts.maxJsonBodyBytes, maxElements: opts.maxElements });
  await app.register(v2RestRoutes, { api: opts.api, maxBodyBytes: opts.maxBodyBytes, maxJsonBodyBytes: opts.maxJsonBodyBytes, maxElements: opts.maxElements });
  return app;
}

/** fastify's own errors keep their 4xx status and message (they never hold paths); anything else is a 500. */
function describeError(error: FastifyError | ServerError): { status: number; message: string } {
  if (isServerError(error)) return { status: httpStatus(error.code), message: error.message };
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, message: 'request body is larger than the limit for this route' };
    return { status, message: error.message };
  }
  return { status: 500, message: 'internal error' };
}
