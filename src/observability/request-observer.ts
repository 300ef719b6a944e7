/**
 * The one request observer every transport is given (HTTP pipeline, gRPC handlers): per request, the duration
 * histogram onnxserve_http_request_duration_seconds{protocol,endpoint,code}, the access log line (--log-requests)
 * and, for inference requests while tracing is on, the root span whose children core and scheduler report.
 * With metrics, the access log and tracing all off, begin() returns undefined and a request costs one check.
 * The observer holds its own series cache: no module-level tables keyed by request objects.
 */
import { ROOT_CONTEXT, type Attributes, type Context } from '@opentelemetry/api';
import type { HistogramChild } from './families.js';
import type { Protocol, ServerMetrics } from './metrics.js';
import { round3 } from './request-log.js';
import { InferTrace, isTracing } from './tracing.js';

/** A request's kind for the duration histogram: a small fixed set, whatever the URL holds (never a model name). */
export type Endpoint = 'infer' | 'health' | 'metadata' | 'repository' | 'metrics' | 'unmatched';

export interface RequestObserverOptions {
  /** Undefined with --no-metrics. */
  readonly metrics?: ServerMetrics;
  readonly logRequests: boolean;
  readonly logger: { info(o: object, msg?: string): void };
  /** Whether a model name taken from a request is one the registry knows (only those are logged). */
  readonly knownModel: (name: string) => boolean;
}

export interface RequestStart {
  readonly protocol: Protocol;
  readonly endpoint: Endpoint;
  readonly requestId: string;
  readonly method?: string;
  /** The route pattern (HTTP) or the RPC (gRPC), for the access log. */
  readonly route?: string;
  /** The caller's trace context (traceparent in headers or metadata); read only while tracing. */
  readonly traceParent?: () => Context;
  readonly attributes?: Attributes;
}

export class RequestObserver {
  private readonly series = new Map<string, HistogramChild>();

  constructor(private readonly o: RequestObserverOptions) {}

  /** Undefined when nothing observes requests (metrics, access log and tracing all off). */
  begin(start: RequestStart): Observation | undefined {
    const trace = start.endpoint === 'infer' && isTracing()
      ? new InferTrace(start.traceParent?.() ?? ROOT_CONTEXT, start.protocol, start.requestId, start.attributes ?? {})
      : undefined;
    if (!trace && !this.o.metrics && !this.o.logRequests) return undefined;
    return new Observation(this, start, trace);
  }

  /** Observation.end's work: the histogram and the access log line. */
  record(start: RequestStart, status: number | string, ms: number, model: string | undefined): void {
    const metrics = this.o.metrics;
    if (metrics) {
      const key = `${start.protocol} ${start.endpoint} ${status}`;
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = metrics.requestSeries(start.protocol, start.endpoint, String(status))));
      s.observe(ms / 1000);
    }
    if (this.o.logRequests) {
      const known = model !== undefined && model !== '' && this.o.knownModel(model);
      this.o.logger.info({
        reqId: start.requestId, protocol: start.protocol, ...(known ? { model } : {}),
        ...(start.method ? { method: start.method } : {}), route: start.route ?? null, status, ms: round3(ms),
      }, 'request');
    }
  }
}

/** One request being observed, from its first byte to its answer. */
export class Observation {
  private readonly started = performance.now();
  private ended = false;

  constructor(private readonly observer: RequestObserver, private readonly start: RequestStart, readonly trace: InferTrace | undefined) {}

  /** The body is read (HTTP); the decode span starts here. */
  bodyReceived(): void {
    this.trace?.bodyReceived();
  }

  /** The answer is encoded. */
  encoded(): void {
    this.trace?.encoded();
  }

  /** Answered with this status (an HTTP code, or a gRPC status name); the model when the request named one. */
  end(status: number | string, model?: string, error?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.observer.record(this.start, status, performance.now() - this.started, model);
    const failed = typeof status === 'number' ? status >= 500 : status !== 'OK';
    this.trace?.end(typeof status === 'number' ? { 'http.response.status_code': status } : { 'rpc.grpc.status_code': status },
      failed ? (error ?? (typeof status === 'number' ? `HTTP ${status}` : status)) : undefined);
  }
}
