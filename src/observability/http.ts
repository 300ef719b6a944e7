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

type Endpoint = 'infer' | 'health' | 'metadata' | 'repository' | 'metrics' | 'unmatched';

/** A request's kind for the duration histogram: a small fixed set, whatever the URL holds (never a model name). */
interface RequestClass {
  readonly protocol: Protocol;
  readonly endpoint: Endpoint;
  readonly series: Map<number, HistogramChild>;
}

const traces = new WeakMap<FastifyRequest, InferTrace>();

/** The request's trace for InferContext.trace (protocol/request-context.ts); undefined while tracing is off. */
export function httpTrace(request: FastifyRequest): InferTrace | undefined {
  return isTracing() ? traces.get(request) : undefined;
}

/**
 * From the method and the URL's path, not from request.routeOptions (a getter that builds an object per call,
 * measured at ~0.7% of the main thread under load); is404 tells a URL no route matched.
 */
function classify<T>(method: string, url: string, unmatched: boolean, pick: (p: Protocol, e: Endpoint) => T): T {
  if (unmatched) return pick('other', 'unmatched');
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const protocol: Protocol = path.startsWith('/v2') ? 'v2-rest' : path.startsWith('/v1/') || path === '/health' ? 'v1' : 'other';
  if (method === 'POST' && path.endsWith('/infer')) return pick(protocol, 'infer');
  if (path === '/metrics') return pick(protocol, 'metrics');
  if (path === '/health' || path.startsWith('/v2/health') || path.endsWith('/ready')) return pick(protocol, 'health');
  if (path.startsWith('/v2/repository') || (path.startsWith('/v1/models') && method !== 'GET')) return pick(protocol, 'repository');
  return pick(protocol, 'metadata');
}

export function installHttpObservability(app: FastifyInstance, obs: HttpObservability | undefined): void {
  const classes = new Map<Protocol, Map<Endpoint, RequestClass>>();
  const pick = (protocol: Protocol, endpoint: Endpoint): RequestClass => {
    let byEndpoint = classes.get(protocol);
    if (!byEndpoint) classes.set(protocol, (byEndpoint = new Map()));
    let c = byEndpoint.get(endpoint);
    if (!c) byEndpoint.set(endpoint, (c = { protocol, endpoint, series: new Map() }));
    return c;
  };
  const classOf = (request: FastifyRequest): RequestClass => classify(request.method, request.url, request.is404, pick);
  const tracing = isTracing();

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    void reply.header('x-request-id', request.id);
    if (tracing && isTracing()) {
      const c = classOf(request);
      if (c.endpoint === 'infer') {
        traces.set(request, new InferTrace(contextFromHeaders(request.headers), c.protocol, request.id,
          { 'http.request.method': request.method, 'http.route': request.routeOptions.url ?? '' }));
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
        request.log.info({ protocol: c.protocol, ...(model ? { model } : {}), method: request.method, route: request.routeOptions.url ?? null, status, ms: round3(reply.elapsedTime) }, 'request');
      }
      traces.get(request)?.end({ 'http.response.status_code': status }, status >= 500 ? `HTTP ${status}` : undefined);
      done();
    });
  }

  if (metrics) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.scrape()));
  }
}

/** What protocol/http-fast reports of each answered request (FastPathOptions.onResponse). */
export interface FastPathResponse {
  readonly protocol: 'v1' | 'v2-rest';
  readonly model: string;
  readonly status: number;
  readonly startNs: bigint;
  readonly requestId: string;
  readonly error?: { readonly code: string; readonly cause?: unknown };
}

/**
 * The bare node:http infer routes (--fast-path) bypass fastify's hooks: this gives them the same duration
 * histogram, access log line and error log (with the request id). Tracing is not wired there (yet).
 */
export function fastPathObserver(obs: HttpObservability, logger: { info(o: object, m: string): void; error(o: object, m: string): void }): (r: FastPathResponse) => void {
  const series = new Map<string, HistogramChild>();
  return (r) => {
    const ms = Number(process.hrtime.bigint() - r.startNs) / 1e6;
    if (obs.metrics) {
      const k = `${r.protocol} ${r.status}`;
      let s = series.get(k);
      if (!s) series.set(k, (s = obs.metrics.requestSeries(r.protocol, 'infer', String(r.status))));
      s.observe(ms / 1000);
    }
    if (obs.logRequests) {
      const model = r.model !== '' && obs.knownModel(r.model) ? r.model : undefined;
      logger.info({ reqId: r.requestId, protocol: r.protocol, ...(model ? { model } : {}), method: 'POST', status: r.status, ms: round3(ms) }, 'request');
    }
    if (r.error?.code === 'INTERNAL') logger.error({ reqId: r.requestId, err: r.error.cause ?? r.error }, 'request failed');
  };
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
