/**
 * Observability for one server, assembled from its settings: the metrics (a registry of their own, fed by the
 * model registry's StatsListener and load/worker events), tracing, the access log, the optional metrics port.
 * server.ts creates one, hands its parts to the registry, the backend and both listeners, and closes it last.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import { ServerMetrics, type ServedModels } from './metrics.js';
import { RequestObserver } from './request-observer.js';
import type { StatsListener } from './stats.js';
import { startTracing, type SpanExporter, type TracingHandle } from './tracing.js';

export interface ObservabilitySettings {
  /** --metrics / --no-metrics */
  readonly metrics: boolean;
  /** --metrics-port: 0 = /metrics only on the HTTP port. */
  readonly metricsPort: number;
  /** --trace (the OTEL_* variables can also turn tracing on) */
  readonly trace: boolean;
  /** --log-requests */
  readonly logRequests: boolean;
  readonly host: string;
}

export interface ObservabilityOptions {
  /** Export spans here instead of OTLP (tests); turns tracing on. */
  readonly spanExporter?: SpanExporter;
  /** Where the OTEL_* variables are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export class Observability {
  readonly metrics: ServerMetrics | undefined;
  /** The one request observer, given to the HTTP pipeline and the gRPC handlers alike. */
  readonly observer: RequestObserver;
  private models: ServedModels | undefined;
  private metricsServer: Server | undefined;
  private tracing: TracingHandle | undefined;

  private constructor(private readonly settings: ObservabilitySettings, private readonly logger: Logger) {
    this.metrics = settings.metrics ? new ServerMetrics() : undefined;
    const knownModel = (name: string): boolean => (this.models?.versions(name).length ?? 0) > 0;
    this.observer = new RequestObserver({ metrics: this.metrics, logRequests: settings.logRequests, logger, knownModel });
  }

  static async start(settings: ObservabilitySettings, logger: Logger, serviceVersion: string, options: ObservabilityOptions = {}): Promise<Observability> {
    const o = new Observability(settings, logger);
    let lastWarning = 0;
    const onError = (e: unknown): void => {
      // At most one line a minute: a collector that is down fails every export.
      if (Date.now() - lastWarning < 60_000) return;
      lastWarning = Date.now();
      logger.warn({ err: e }, 'trace export failed');
    };
    o.tracing = await startTracing({ enabled: settings.trace, env: options.env ?? process.env, serviceVersion, exporter: options.spanExporter, onError });
    if (o.tracing) logger.info({ exporter: options.spanExporter ? 'custom' : 'otlp' }, 'tracing on');
    return o;
  }

  /** RegistryOptions.statsListener */
  get statsListener(): StatsListener | undefined {
    return this.metrics;
  }

  /** RegistryOptions.onLoad */
  readonly onLoad = (e: { name: string; version: string; ok: boolean; ms: number }): void => this.metrics?.onLoad(e);

  /** OrtBackend's onWorkerExit */
  onWorkerExit(e: { replaced: boolean }): void {
    this.metrics?.onWorkerExit(e.replaced);
  }

  /** The model registry, once built (it takes statsListener and onLoad at construction). */
  attach(models: ServedModels): void {
    this.models = models;
    this.metrics?.attach(models);
  }

  /** Serves /metrics on --metrics-port as well, when set; returns the port. */
  async listen(): Promise<number | undefined> {
    const metrics = this.metrics;
    if (!metrics || this.settings.metricsPort === 0) return undefined;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"only GET /metrics is served on this port"}');
        return;
      }
      metrics.scrape().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (e: unknown) => {
          this.logger.error({ err: e }, 'metrics scrape failed');
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
        });
    });
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.settings.metricsPort, this.settings.host, () => resolve());
    });
    this.metricsServer = server;
    const port = (server.address() as AddressInfo).port;
    this.logger.info({ address: `http://${this.settings.host}:${port}/metrics` }, 'metrics listening');
    return port;
  }

  /** After the listeners: stops the metrics port and flushes buffered spans. */
  async close(): Promise<void> {
    const server = this.metricsServer;
    this.metricsServer = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.tracing?.shutdown().catch((e: unknown) => this.logger.warn({ err: e }, 'span export on shutdown failed'));
    this.tracing = undefined;
  }
}
