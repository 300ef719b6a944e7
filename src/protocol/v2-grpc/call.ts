/**
 * What every gRPC handler shares: the error -> status mapping, the per-call inference context (deadline,
 * cancellation, request id) and one decode -> infer -> encode step used by ModelInfer and ModelStreamInfer.
 */
import { randomUUID } from 'node:crypto';
import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import type { InferContext, InferenceApi, InferRequest } from '../../core/index.js';
import { isServerError } from '../../errors/index.js';
import { contextFromMetadata, type Observation, type RequestObserver } from '../../observability/index.js';
import { grpcStatus } from '../status-map.js';
import { decodeModelInferRequest, encodeModelInferResponse, type DecodeLimits } from './codec.js';
import { clip } from './parameters.js';
import type { WireModelInferRequest, WireModelInferResponse } from './wire.js';

export interface GrpcLogger {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/** What a unary callback accepts as an error: a status code, the client-visible message, trailers. */
export type GrpcError = Partial<StatusObject> & { code: GrpcStatus; details: string };

/** The request id of a failed inference, so the error's log line names it (toGrpcError). */
const failedRequestIds = new WeakMap<object, string>();

export const silentLogger: GrpcLogger = { info() {}, warn() {}, error() {} };

/** The calls' common surface we read: grpc-js unary and streaming calls all have these. */
export interface CallLike {
  readonly metadata: Metadata;
  getDeadline(): Date | number;
  on(event: 'cancelled', listener: () => void): unknown;
}

/**
 * A ServerError keeps its code and message (they are written for clients). Anything else may carry native or
 * filesystem detail, so the client gets INTERNAL "internal error" and the cause goes to the log (DESIGN.md §4).
 */
export function toGrpcError(e: unknown, method: string, log: GrpcLogger): GrpcError {
  const reqId = typeof e === 'object' && e !== null ? failedRequestIds.get(e) : undefined;
  if (!isServerError(e)) {
    log.error({ err: e, method, reqId }, 'gRPC request failed');
    return { code: GrpcStatus.INTERNAL, details: 'internal error' };
  }
  if (e.code === 'INTERNAL') log.error({ err: e.cause ?? e, method, reqId }, 'gRPC request failed');
  // grpc-message is a trailer; an oversized one would fail the whole response at the client.
  const err: GrpcError = { code: grpcStatus(e.code), details: clip(e.message, 1000) };
  if (e.retryAfter !== undefined) {
    // The gRPC counterpart of REST's 503 Retry-After, as trailing metadata.
    err.metadata = new Metadata();
    err.metadata.set('retry-after', String(e.retryAfter));
  }
  return err;
}

/** The message a stream client sees for a failed request (ModelStreamInferResponse.error_message). */
export function errorMessage(e: unknown, method: string, log: GrpcLogger): string {
  return toGrpcError(e, method, log).details;
}

/** grpc-js reports "no deadline" as Infinity. */
function deadlineOf(call: CallLike): number | undefined {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : undefined;
}

/** A client-supplied x-request-id (bounded, printable) is kept for log correlation; otherwise a fresh one. */
function requestIdOf(call: CallLike): string {
  const v = call.metadata.get('x-request-id')[0];
  return typeof v === 'string' && /^[\x21-\x7e]{1,128}$/.test(v) ? v : randomUUID();
}

/** A call's inference context, and the observation of each request it carries (ModelStreamInfer: several). */
export interface CallContext {
  readonly ctx: InferContext;
  readonly abort: () => void;
  /** The call's answer is ready: a later 'cancelled' is grpc-js's end-of-call event, not an abort. */
  readonly settle: () => void;
  /** Metrics, access log and trace of one request; undefined when all three are off. */
  readonly observe: () => Observation | undefined;
}

/**
 * The call's context: its deadline (grpc-timeout header) and a signal aborted when the client cancels or the
 * deadline passes, so queued work for a gone client is dropped. grpc-js also emits 'cancelled' after every
 * call it has finished normally, so the caller settles the context once its answer is ready; a 'cancelled'
 * after that is not an abort.
 */
export function contextFor(call: CallLike, observer: RequestObserver | undefined, rpc: string): CallContext {
  const ac = new AbortController();
  let settled = false;
  call.on('cancelled', () => {
    if (!settled) ac.abort();
  });
  const deadline = deadlineOf(call);
  const ctx: InferContext = { signal: ac.signal, requestId: requestIdOf(call), ...(deadline !== undefined ? { deadline } : {}) };
  return {
    ctx,
    abort: () => ac.abort(),
    settle: () => { settled = true; },
    observe: () => observer?.begin({
      protocol: 'v2-grpc', endpoint: 'infer', requestId: ctx.requestId!, route: rpc, traceParent: () => contextFromMetadata(call.metadata),
      attributes: { 'rpc.system': 'grpc', 'rpc.service': 'inference.GRPCInferenceService', 'rpc.method': rpc },
    }),
  };
}

export async function inferOnce(api: InferenceApi, msg: WireModelInferRequest, call: CallContext, limits: DecodeLimits): Promise<WireModelInferResponse> {
  const obs = call.observe();
  const ctx = obs?.trace ? { ...call.ctx, trace: obs.trace } : call.ctx;
  try {
    let req: InferRequest | undefined;
    // Core checks the name and resolves the model, then decodes: a message that does not decode counts against it.
    const decode = (): InferRequest => (req = decodeModelInferRequest(msg, limits));
    const res = await api.infer({ modelName: msg.model_name ?? '', modelVersion: msg.model_version, decode }, ctx);
    // infer() answers only after decode() ran, so req is set.
    const out = encodeModelInferResponse(res, req!);
    obs?.encoded();
    obs?.end('OK', msg.model_name);
    return out;
  } catch (e) {
    if (typeof e === 'object' && e !== null && ctx.requestId !== undefined) failedRequestIds.set(e, ctx.requestId);
    const err = isServerError(e) ? e : undefined;
    obs?.end(GrpcStatus[err ? grpcStatus(err.code) : GrpcStatus.INTERNAL], msg.model_name, err?.message);
    throw e;
  }
}
