/** What unary calls and the stream share: metadata from headers, the deadline, errors as ClientError. */
import * as grpc from '@grpc/grpc-js';
import { ClientError, codeForGrpcStatus, parseRetryAfter } from './errors.js';
import type { Call } from './transport.js';

export function metadataOf(headers: Readonly<Record<string, string>>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return md;
}

/** A failed call as a ClientError; the scope's own reason (our cancel) wins over grpc-js's CANCELLED. */
export function grpcError(call: Call, e: unknown): ClientError {
  const stopped = call.scope.stopped();
  const err = e as Partial<grpc.ServiceError>;
  if (stopped) return stopped;
  if (typeof err?.code !== 'number') return new ClientError('UNKNOWN', e instanceof Error ? e.message : String(e), { cause: e });
  const retry = err.metadata?.get('retry-after')[0];
  return new ClientError(codeForGrpcStatus(err.code), err.details ?? err.message ?? '', {
    grpcCode: err.code, retryAfter: parseRetryAfter(typeof retry === 'string' ? retry : undefined), cause: e,
  });
}

export function callOptions(call: Call): grpc.CallOptions {
  return call.scope.deadline === undefined ? {} : { deadline: call.scope.deadline };
}
