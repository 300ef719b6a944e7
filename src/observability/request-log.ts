/**
 * Request ids and the optional access log (--log-requests), shared by the HTTP hooks and the gRPC observer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * A client's X-Request-Id is kept when it is short and printable (it goes into every log line of the request and
 * back into the response header); anything else gets a fresh UUID. The gRPC adapter applies the same rule.
 */
export const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

export function requestIdFrom(value: unknown): string {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}

/** fastify's genReqId: the request's x-request-id header when acceptable, else a UUID. */
export function genReqId(req: IncomingMessage): string {
  return requestIdFrom(req.headers['x-request-id']);
}

/** One access-log line's fields (the request id comes from the logger's bindings). */
export interface AccessRecord {
  readonly protocol: string;
  /** Only a model the registry knows: a URL's name is not logged unless it is served. */
  readonly model?: string;
  readonly method?: string;
  readonly route?: string;
  readonly status: number | string;
  readonly ms: number;
}

export const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;
