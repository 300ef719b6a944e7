/**
 * The one HTTP pipeline: every route of every API goes through `handle` below, on bare node:http with
 * find-my-way (fastify's router) for routing. Why not fastify itself: measured on this 2-core machine, a
 * fastify route answering a fixed body costs ~15 µs more per request than node:http (issue #6's table) — a third
 * of the whole budget of a one-row inference — and a second, faster stack beside it drifted (issue #10). The
 * steps, once for all routes: closing check, request framing rules, routing, management guard, media type and
 * encoding, bounded body, handler, answer, observation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import type { InferContext } from '../../core/index.js';
import { invalidArgument, ServerError, toServerError } from '../../errors/index.js';
import { contextFromHeaders, requestIdFrom, type Observation, type RequestObserver } from '../../observability/index.js';
import { ResponseCloseSignal } from '../request-context.js';
import { httpStatus } from '../status-map.js';
import { checkContentEncoding, checkMediaType, readBody } from './body.js';
import type { HttpAnswer, HttpRoute } from './types.js';

export interface PipelineOptions {
  readonly routes: readonly HttpRoute[];
  /** Throws UNAUTHENTICATED unless the Authorization header carries the admin token (server/management-policy). */
  readonly authorize: (authorization: string | undefined) => void;
  readonly observer?: RequestObserver;
  /** Unexpected failures (500s) with their cause; clients only ever see "internal error". */
  readonly logError: (o: object, msg: string) => void;
}

const EMPTY = Buffer.alloc(0);
/** Well past any valid name (core/names.ts, 128): an overlong name then gets the name rule's 400, not a bare 404. */
const MAX_PARAM_LENGTH = 2048;

export interface Pipeline {
  /** node:http's request listener. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Requests taken and not yet answered. */
  readonly inFlight: number;
  /**
   * Draining (readiness is 503): requests are still served, but every answer carries `Connection: close`, so
   * kept-alive clients reconnect — through their load balancer, to another replica — instead of holding sockets
   * that the listener's close would then have to cut.
   */
  drain(): void;
  /**
   * The listener is closing (fastify's `closing` branch, for all routes here): a request still arriving on an old
   * socket gets 503 + `Connection: close`. Resolves once nothing is in flight.
   */
  close(): Promise<void>;
}

export function createPipeline(opts: PipelineOptions): Pipeline {
  const router = FindMyWay({
    maxParamLength: MAX_PARAM_LENGTH,
    // Bad percent-encoding in the path: a 400 naming it, rather than "no route".
    onBadUrl: () => undefined,
  });
  for (const route of opts.routes) router.on(route.method, route.path, () => undefined, route);
  let inFlight = 0;
  let draining = false;
  let closing = false;
  let drained: (() => void) | undefined;

  const finish = (): void => {
    inFlight--;
    if (closing && inFlight === 0) drained?.();
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    let route: HttpRoute | undefined;
    let obs: Observation | undefined;
    let model: string | undefined;
    try {
      if (closing) throw new ServerError('UNAVAILABLE', 'the server is shutting down; retry on another connection');
      checkFraming(req);
      const found = router.find(req.method as FindMyWay.HTTPMethod, req.url ?? '/');
      if (found && found.store === null) throw invalidArgument('malformed percent-encoding in the URL');
      route = (found?.store ?? undefined) as HttpRoute | undefined;
      obs = opts.observer?.begin(route
        ? { protocol: route.protocol, endpoint: route.endpoint, requestId, method: req.method, route: route.path,
          traceParent: () => contextFromHeaders(req.headers), attributes: { 'http.request.method': req.method ?? '', 'http.route': route.path } }
        : { protocol: 'other', endpoint: 'unmatched', requestId, method: req.method });
      if (!route) throw new ServerError('NOT_FOUND', `no route ${req.method} ${(req.url ?? '').split('?')[0].slice(0, 200)}`);
      const params = found!.params;
      model = params.model ?? params.name;
      if (route.management) opts.authorize(req.headers.authorization);
      let body: Buffer = EMPTY;
      if (route.body) {
        checkContentEncoding(req.headers['content-encoding']);
        checkMediaType(route.body.accept, req.headers['content-type']);
        body = await readBody(req, route.body);
      }
      obs?.bodyReceived();
      const ctx: InferContext = { signal: new ResponseCloseSignal(res), requestId, ...(obs?.trace ? { trace: obs.trace } : {}) };
      const answer = await route.handle({ params, headers: req.headers, body, ctx });
      obs?.encoded();
      const status = answer.status ?? 200;
      write(res, status, answer, requestId, draining);
      obs?.end(status, model);
    } catch (e) {
      const err = toServerError(e);
      if (err.code === 'INTERNAL') opts.logError({ reqId: requestId, err: err.cause ?? e }, 'request failed');
      const status = httpStatus(err.code);
      const headers: Record<string, string> = {};
      if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
      if (status === 401) headers['www-authenticate'] = 'Bearer realm="onnxserve"';
      // A body we did not read to its end cannot leave the connection reusable.
      write(res, status, { body: { error: err.message }, headers }, requestId, draining || !req.complete);
      obs?.end(status, model, err.message);
    }
  };

  return {
    handle: (req, res) => {
      inFlight++;
      void serve(req, res, requestIdFrom(req.headers['x-request-id'])).finally(finish);
    },
    get inFlight() {
      return inFlight;
    },
    drain() {
      draining = true;
    },
    close() {
      draining = true;
      closing = true;
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        drained = resolve;
      });
    },
  };
}

/**
 * RFC 9112 §3.2: a request with more than one Host header is answered 400. Node keeps the first and drops the
 * rest from req.headers, so the raw list is counted.
 */
function checkFraming(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) throw invalidArgument('the request has more than one Host header');
  }
}

function write(res: ServerResponse, status: number, answer: HttpAnswer, requestId: string, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const body = typeof answer.body === 'string' || Buffer.isBuffer(answer.body) ? answer.body : JSON.stringify(answer.body);
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    ...answer.headers,
  };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers).end(body);
}
