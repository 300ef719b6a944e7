/**
 * The HTTP listener: every route table (V1, V2, /metrics) mounted once on the one pipeline (protocol/http),
 * a node:http server with bounded timeouts, and a drain that ends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Api } from '../core/index.js';
import type { RequestObserver, ServerMetrics } from '../observability/index.js';
import { answerClientError, createPipeline, type HttpRoute } from '../protocol/http/index.js';
import { v1RestRoutes } from '../protocol/v1-rest/index.js';
import { v2RestRoutes } from '../protocol/v2-rest/index.js';

export interface HttpAppOptions {
  readonly api: V1Api;
  readonly logError: (o: object, msg: string) => void;
  readonly maxBodyBytes: number;
  readonly maxElements: number;
  readonly maxJsonBodyBytes: number;
  /** The management guard (server/management-policy): the admin token, when one is set. */
  readonly authorize: (authorization: string | undefined) => void;
  readonly observer?: RequestObserver;
  /** Serves GET /metrics on this listener when given. */
  readonly metrics?: ServerMetrics;
}

export interface HttpApp {
  readonly server: Server;
  /** Every route served: the one table the router, the docs and the tests read. */
  readonly routes: readonly HttpRoute[];
  listen(host: string, port: number): Promise<number>;
  /** Readiness went 503: answers from now on carry `Connection: close` (see Pipeline.drain). */
  drain(): void;
  /**
   * Stops accepting connections; answers in flight finish and carry `Connection: close`; idle kept-alive sockets
   * are closed, and a request still arriving on an old socket gets 503 + `Connection: close`. Resolves as soon as
   * every accepted request is answered and every socket is gone.
   */
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 120_000;
const HEADERS_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export function httpRoutes(opts: Pick<HttpAppOptions, 'api' | 'maxBodyBytes' | 'maxElements' | 'maxJsonBodyBytes' | 'metrics'>): HttpRoute[] {
  const routes: HttpRoute[] = [
    ...v1RestRoutes({ api: opts.api, maxBodyBytes: opts.maxJsonBodyBytes, maxElements: opts.maxElements }),
    ...v2RestRoutes({ api: opts.api, maxBodyBytes: opts.maxBodyBytes, maxJsonBodyBytes: opts.maxJsonBodyBytes, maxElements: opts.maxElements }),
  ];
  const metrics = opts.metrics;
  if (metrics) {
    routes.push({ method: 'GET', path: '/metrics', protocol: 'other', endpoint: 'metrics', summary: 'Prometheus metrics',
      handle: async () => ({ body: await metrics.scrape(), contentType: metrics.contentType }) });
  }
  return routes;
}

export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const routes = httpRoutes(opts);
  const pipeline = createPipeline({ routes, authorize: opts.authorize, observer: opts.observer, logError: opts.logError });
  const server = createServer(pipeline.handle);
  server.on('clientError', answerClientError);
  // requestTimeout bounds a slow body (0 would let a client hold a socket forever); headersTimeout bounds slow
  // headers; keep-alive outlasts the usual load balancer idle timeout (60 s) so the balancer closes first.
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  let closing: Promise<void> | undefined;
  return {
    server,
    routes,
    listen: (host, port) => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    }),
    drain: () => pipeline.drain(),
    close: () => (closing ??= close(server, pipeline)),
  };
}

/** How long a socket left with no request in flight may stay (a slow client's half-sent headers) once drained. */
const DRAINED_SOCKET_GRACE_MS = 1000;

async function close(server: Server, pipeline: ReturnType<typeof createPipeline>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // server.close() closes the sockets idle now; a socket busy now closes after its answer (Connection: close).
  await pipeline.close();
  // Sockets that finished an answer since and wait for a next request: idle now, closed now.
  server.closeIdleConnections();
  // What may be left: an answer still flushing (it closes itself) or a request whose headers are still arriving
  // (never accepted). The latter would otherwise hold the drain until the headers timeout.
  const timer = setTimeout(() => server.closeAllConnections(), DRAINED_SOCKET_GRACE_MS);
  await closed;
  clearTimeout(timer);
}
