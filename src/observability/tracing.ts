/**
 * OpenTelemetry traces: a span per inference request ("onnxserve.infer") with children for decode, queue wait,
 * batch execution and encode, parented by the caller's W3C traceparent/tracestate (HTTP headers, gRPC metadata).
 *
 * Only @opentelemetry/api is imported statically. The SDK, the W3C propagator and the OTLP/HTTP exporter are
 * loaded by startTracing() (a dynamic import) and only when tracing is enabled. While it is off, isTracing() is a
 * boolean read and nothing else happens: no span objects, no context extraction, no clock reads.
 *
 * Tracing is process-wide, as OpenTelemetry's own model is; the tracer is kept here rather than registered as the
 * global provider, so an embedding application's own OpenTelemetry setup is left alone.
 *
 * Spans are built with explicit timestamps (performance.now() marks turned into epoch milliseconds with one fixed
 * origin), because the stages are observed in different layers (protocol hooks, core, scheduler timings); this
 * also keeps sub-millisecond children exactly inside their parent.
 */
import {
  ROOT_CONTEXT, SpanKind, SpanStatusCode, trace,
  type Attributes, type Context, type Span, type TextMapGetter, type TextMapPropagator, type Tracer,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export type { SpanExporter };

let tracer: Tracer | undefined;
let propagator: TextMapPropagator | undefined;

/** The cheap guard every hook checks first. */
export function isTracing(): boolean {
  return tracer !== undefined;
}

export interface TracingSettings {
  /** --trace */
  readonly enabled: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly serviceVersion: string;
  /** Tests: export here (synchronously, SimpleSpanProcessor) instead of OTLP/HTTP; implies enabled. */
  readonly exporter?: SpanExporter;
  /** Export failures (an unreachable collector); OpenTelemetry would otherwise drop them silently. */
  readonly onError?: (e: unknown) => void;
}

export interface TracingHandle {
  /** Flushes what is buffered and turns tracing off. */
  shutdown(): Promise<void>;
}

/** --trace, or the standard OpenTelemetry variables asking for OTLP export (unless OTEL_SDK_DISABLED). */
export function tracingRequested(enabled: boolean, env: NodeJS.ProcessEnv): boolean {
  if (enabled) return true;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim().toLowerCase());
  if (exporters.includes('none')) return false;
  return exporters.includes('otlp') || !!env.OTEL_EXPORTER_OTLP_ENDPOINT || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
}

export async function startTracing(s: TracingSettings): Promise<TracingHandle | undefined> {
  if (!s.exporter && !tracingRequested(s.enabled, s.env)) return undefined;
  const [sdk, core, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/core'), import('@opentelemetry/resources'),
  ]);
  let processor;
  if (s.exporter) {
    processor = new sdk.SimpleSpanProcessor(s.exporter);
  } else {
    // Endpoint, headers and timeouts come from OTEL_EXPORTER_OTLP_* (default http://localhost:4318/v1/traces);
    // batching from OTEL_BSP_*.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new sdk.BatchSpanProcessor(new OTLPTraceExporter());
  }
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes({
    'service.name': s.env.OTEL_SERVICE_NAME || 'onnxserve',
    'service.version': s.serviceVersion,
  }));
  // The sampler follows OTEL_TRACES_SAMPLER (default: parent-based, always on).
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [processor] });
  const mine = provider.getTracer('onnxserve', s.serviceVersion);
  tracer = mine;
  propagator = new core.W3CTraceContextPropagator();
  if (s.onError) core.setGlobalErrorHandler(s.onError);
  return {
    async shutdown() {
      if (tracer === mine) {
        tracer = undefined;
        propagator = undefined;
      }
      await provider.shutdown();
    },
  };
}

const headerGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  get: (carrier, key) => carrier[key],
  keys: (carrier) => Object.keys(carrier),
};

/** The caller's context from HTTP headers (node lowercases their names, as W3C's propagator asks). */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  return propagator ? propagator.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}

/** gRPC metadata as a carrier: grpc-js's Metadata.get returns every value of a key. */
export interface MetadataLike {
  get(key: string): (string | Buffer)[];
  getMap(): Record<string, string | Buffer>;
}

const metadataGetter: TextMapGetter<MetadataLike> = {
  get: (carrier, key) => carrier.get(key).filter((v): v is string => typeof v === 'string'),
  keys: (carrier) => Object.keys(carrier.getMap()),
};

export function contextFromMetadata(metadata: MetadataLike): Context {
  return propagator ? propagator.extract(ROOT_CONTEXT, metadata, metadataGetter) : ROOT_CONTEXT;
}

/** Epoch milliseconds of a performance.now() mark, on one fixed origin. */
const epoch = (mark: number): number => performance.timeOrigin + mark;

/** The stages core reports; protocol adapters report the rest. See InferContext.trace. */
export interface InferTraceHooks {
  /** The core took the request: decoding is over; the version is resolved. */
  admitted(model: string, version: string): void;
  /** It is being handed to the scheduler. */
  queued(): void;
  /** Its batch ran: it waited queueNs before it, with batchSize rows in all. */
  executed(queueNs: number, batchSize: number): void;
  failed(code: string, message: string): void;
}

/**
 * One inference request's spans. Created by a protocol adapter only while tracing is on; the core calls the
 * InferTraceHooks as the request passes through it.
 */
export class InferTrace implements InferTraceHooks {
  private readonly root: Span;
  private readonly ctx: Context;
  /** False when the sampler dropped the request (e.g. a parent not sampled): then no child spans are made. */
  private readonly recording: boolean;
  private decodeFrom: number;
  private queuedAt = 0;
  /** When the core was done with it (encoding starts). */
  private coreDone = 0;
  private ended = false;

  constructor(parent: Context, protocol: string, requestId: string | undefined, attributes: Attributes, start = performance.now()) {
    const t = tracer!;
    this.root = t.startSpan('onnxserve.infer', {
      kind: SpanKind.SERVER, startTime: epoch(start),
      attributes: { ...attributes, 'onnxserve.protocol': protocol, ...(requestId ? { 'onnxserve.request_id': requestId } : {}) },
    }, parent);
    this.ctx = trace.setSpan(parent, this.root);
    this.recording = this.root.isRecording();
    this.decodeFrom = start;
  }

  /** The body is in: what follows until admitted() is decoding. */
  bodyReceived(): void {
    this.decodeFrom = performance.now();
  }

  admitted(model: string, version: string): void {
    const now = performance.now();
    this.root.setAttributes({ 'onnxserve.model.name': model, 'onnxserve.model.version': version });
    this.child('onnxserve.decode', this.decodeFrom, now);
  }

  queued(): void {
    this.queuedAt = performance.now();
  }

  executed(queueNs: number, batchSize: number): void {
    const now = performance.now();
    const started = Math.min(now, this.queuedAt + queueNs / 1e6);
    this.child('onnxserve.queue', this.queuedAt, started);
    this.child('onnxserve.execute', started, now, { 'onnxserve.batch_size': batchSize });
    this.coreDone = now;
  }

  failed(code: string, message: string): void {
    this.root.setAttribute('error.type', code);
    this.root.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  /** The response is serialized (HTTP onSend; gRPC after encoding). */
  encoded(): void {
    if (this.coreDone > 0) this.child('onnxserve.encode', this.coreDone, performance.now());
    this.coreDone = 0;
  }

  /** The answer is sent; `error` marks a failure the core did not see (decode, transport). */
  end(attributes: Attributes, error?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.root.setAttributes(attributes);
    if (error !== undefined) this.root.setStatus({ code: SpanStatusCode.ERROR, message: error });
    this.root.end(epoch(performance.now()));
  }

  private child(name: string, from: number, to: number, attributes?: Attributes): void {
    if (!this.recording) return;
    tracer?.startSpan(name, { kind: SpanKind.INTERNAL, startTime: epoch(from), ...(attributes ? { attributes } : {}) }, this.ctx).end(epoch(to));
  }
}
