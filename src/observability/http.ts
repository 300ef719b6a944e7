/**
 * The HTTP listener's observability, as fastify hooks installed once on the root instance:
 * - every response carries `x-request-id` (the id fastify gave the request: the client's, or a UUID);
 * - onnxserve_http_request_duration_seconds by protocol, endpoint kind and status (with metrics on);
 * - the access log, one info line per request (--log-requests), from request.log so it carries reqId;
 * - the root span of each inference request and its decode/encode boundaries (while tracing is on);
 * - GET /metrics (with metrics on).
 * Hooks that have nothing to do are not installed, so a feature that is off costs no hook call.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { HistogramChild } from './families.js';
import type { Protocol, ServerMetrics } from './metrics.js';
import { round3 } from './request-log.js';
import { contextFromHeaders, InferTrace, isTracing } from './tracing.js';

export interface HttpObservability {
  /** Undefined with --no-metrics. */
  readonly metrics?: ServerMetrics;
  readonly logRequests: boolean;
  /** Whether a model name taken from a URL is one the registry knows (only those are logged). */
  readonly knownModel: (name: string) => boolean;
}

/** What a route is, worked out once per route pattern (never from the raw URL: no model names in labels). */
interface RouteClass {
  readonly protocol: Protocol;
  readonly endpoint: 'infer' | 'health' | 'metadata' | 'repository' | 'metrics' | 'unmatched';
  readonly route: string | undefined;
  readonly series: Map<number, HistogramChild>;
}

const traces = new WeakMap<FastifyRequest, InferTrace>();

/** The request's trace for InferContext.trace (protocol/request-context.ts); undefined while tracing is off. */
export function httpTrace(request: FastifyRequest): InferTrace | undefined {
  return isTracing() ? traces.get(request) : undefined;
}

function classify(method: string, route: string | undefined): Omit<RouteClass, 'series'> {
  if (route === undefined) return { protocol: 'other', endpoint: 'unmatched', route };
  const protocol: Protocol = route.startsWith('/v2') ? 'v2-rest' : route.startsWith('/v1') || route === '/health' ? 'v1' : 'other';
  if (method === 'POST' && route.endsWith('/infer')) return { protocol, endpoint: 'infer', route };
  if (route === '/metrics') return { protocol, endpoint: 'metrics', route };
  if (route === '/health' || route.startsWith('/v2/health') || route.endsWith('/ready')) return { protocol, endpoint: 'health', route };
  if (route.startsWith('/v2/repository') || (route.startsWith('/v1/models') && method !== 'GET')) return { protocol, endpoint: 'repository', route };
  return { protocol, endpoint: 'metadata', route };
}

export function installHttpObservability(app: FastifyInstance, obs: HttpObservability | undefined): void {
  const classes = new Map<string, RouteClass>();
  const classOf = (request: FastifyRequest): RouteClass => {
    const route = request.routeOptions.url;
    const key = route === undefined ? '' : `${request.method} ${route}`;
    let c = classes.get(key);
    if (!c) classes.set(key, (c = { ...classify(request.method, route), series: new Map() }));
    return c;
  };
  const tracing = isTracing();

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    void reply.header('x-request-id', request.id);
    if (tracing && isTracing()) {
      const c = classOf(request);
      if (c.endpoint === 'infer') {
        traces.set(request, new InferTrace(contextFromHeaders(request.headers), c.protocol, request.id,
          { 'http.request.method': request.method, 'http.route': c.route ?? '' }));
      }
    }
    done();
  });
  if (tracing) installTraceHooks(app);

  const metrics = obs?.metrics;
  const logRequests = obs?.logRequests ?? false;
  if (metrics || logRequests || tracing) {
    app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const c = classOf(request);
      const status = reply.statusCode;
      if (metrics) {
        let s = c.series.get(status);
        if (!s) c.series.set(status, (s = metrics.requestSeries(c.protocol, c.endpoint, String(status))));
        s.observe(reply.elapsedTime / 1000);
      }
      if (logRequests) {
        const params = request.params as Record<string, string | undefined> | undefined;
        const name = params?.model ?? params?.name;
        const model = name !== undefined && obs!.knownModel(name) ? name : undefined;
        request.log.info({ protocol: c.protocol, ...(model ? { model } : {}), method: request.method, route: c.route ?? null, status, ms: round3(reply.elapsedTime) }, 'request');
      }
      traces.get(request)?.end({ 'http.response.status_code': status }, status >= 500 ? `HTTP ${status}` : undefined);
      done();
    });
  }

  if (metrics) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.scrape()));
  }
}

function installTraceHooks(app: FastifyInstance): void {
  app.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    traces.get(request)?.bodyReceived();
    done();
  });
  app.addHook('onSend', (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void) => {
    traces.get(request)?.encoded();
    done(null, payload);
  });
  app.addHook('onRequestAbort', (request: FastifyRequest, done: HookHandlerDoneFunction) => {
    traces.get(request)?.end({}, 'client closed the connection');
    done();
  });
}
