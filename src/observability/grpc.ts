/**
 * The gRPC listener's observability, per inference request (ModelInfer, and each request of ModelStreamInfer):
 * onnxserve_http_request_duration_seconds{protocol="v2-grpc"}, the access log line, and the request's span tree
 * parented by the call's traceparent metadata. The gRPC adapter (v2-grpc/call.ts) asks for an observation around
 * each decode -> infer -> encode; with metrics, access log and tracing all off it gets none and does nothing more.
 */
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type { InferContext } from '../core/types.js';
import type { HistogramChild } from './families.js';
import type { ServerMetrics } from './metrics.js';
import { round3 } from './request-log.js';
import { contextFromMetadata, InferTrace, isTracing, type MetadataLike } from './tracing.js';

export interface GrpcObserver {
  readonly metrics?: ServerMetrics;
  readonly logRequests: boolean;
  readonly logger: { info(o: object, msg?: string): void };
  readonly knownModel: (name: string) => boolean;
}

/** The observer of each API object served over gRPC (set by startGrpcServer from GrpcServerOptions.observer). */
const observers = new WeakMap<object, GrpcObserver>();
/** The caller's trace context of each call's InferContext (set by contextFor while tracing is on). */
const parents = new WeakMap<InferContext, Context>();
const series = new WeakMap<GrpcObserver, Map<string, HistogramChild>>();

export function observeGrpc(api: object, observer: GrpcObserver | undefined): void {
  if (observer) observers.set(api, observer);
}

/** Called once per call: remembers the traceparent/tracestate metadata as the parent of its requests' spans. */
export function rememberTraceParent(ctx: InferContext, metadata: MetadataLike): void {
  if (isTracing()) parents.set(ctx, contextFromMetadata(metadata));
}

export class GrpcInferObservation {
  /** The context to give the core: the call's, plus this request's trace when tracing. */
  readonly ctx: InferContext;
  private readonly started = performance.now();
  private readonly trace: InferTrace | undefined;

  private constructor(private readonly obs: GrpcObserver | undefined, private readonly model: string, ctx: InferContext) {
    this.trace = isTracing() ? new InferTrace(parents.get(ctx) ?? ROOT_CONTEXT, 'v2-grpc', ctx.requestId,
      { 'rpc.system': 'grpc', 'rpc.service': 'inference.GRPCInferenceService' }, this.started) : undefined;
    this.ctx = this.trace ? { ...ctx, trace: this.trace } : ctx;
  }

  /** Undefined when there is nothing to observe (no metrics, no access log, tracing off). */
  static begin(api: object, model: string | undefined, ctx: InferContext): GrpcInferObservation | undefined {
    const obs = observers.get(api);
    if (!isTracing() && (!obs || (!obs.metrics && !obs.logRequests))) return undefined;
    return new GrpcInferObservation(obs, model ?? '', ctx);
  }

  /** The response message is built. */
  encoded(): void {
    this.trace?.encoded();
  }

  /** The request is answered with this gRPC status name (OK, INVALID_ARGUMENT, ...). */
  done(code: string): void {
    const ms = performance.now() - this.started;
    const obs = this.obs;
    if (obs?.metrics) {
      let byCode = series.get(obs);
      if (!byCode) series.set(obs, (byCode = new Map()));
      let s = byCode.get(code);
      if (!s) byCode.set(code, (s = obs.metrics.requestSeries('v2-grpc', 'infer', code)));
      s.observe(ms / 1000);
    }
    if (obs?.logRequests) {
      const known = this.model !== '' && obs.knownModel(this.model);
      obs.logger.info({ reqId: this.ctx.requestId, protocol: 'v2-grpc', ...(known ? { model: this.model } : {}), status: code, ms: round3(ms) }, 'request');
    }
    this.trace?.end({ 'rpc.grpc.status_code': code }, code === 'OK' ? undefined : code);
  }
}
