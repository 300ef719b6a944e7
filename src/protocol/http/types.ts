import type { IncomingHttpHeaders } from 'node:http';
import type { InferContext } from '../../core/index.js';
import type { Endpoint, Protocol } from '../../observability/index.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * What a route's body may be. `json`: application/json only (the seed's V1 API). `v2`: what the V2 routes take
 * from Triton's clients (JSON, octet-stream for binary tensors, no Content-Type at all, and curl's form default).
 */
export type BodyMediaRule = 'json' | 'v2';

export interface BodySpec {
  readonly accept: BodyMediaRule;
  /** Largest body in bytes (after decompression, once compression is supported). */
  readonly limit: number;
  /** The setting that raises `limit`, named in the 413 so the client's operator knows what to change. */
  readonly limitFlag?: string;
}

/** One request as a route handler sees it: transport-neutral, the body already read and bounded. */
export interface HttpRequest {
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly headers: IncomingHttpHeaders;
  /** Empty for routes without a body. */
  readonly body: Buffer;
  /** Cancellation (the client went away), request id and trace: what core.infer takes. */
  readonly ctx: InferContext;
}

/** A handler's answer; the pipeline adds Content-Length, X-Request-Id and, while draining, Connection: close. */
export interface HttpAnswer {
  /** Default 200. */
  readonly status?: number;
  /** A string or Buffer is sent as it is; anything else as JSON. */
  readonly body: unknown;
  /** Default application/json. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string | number>>;
}

/**
 * One route of the one HTTP pipeline. The table of these is the only description of the HTTP API: the router,
 * the management guard, body limits, metrics labels (and the OpenAPI document) all read it.
 */
export interface HttpRoute {
  readonly method: HttpMethod;
  /** A find-my-way pattern: `/v2/models/:model/infer`. */
  readonly path: string;
  readonly protocol: Protocol;
  readonly endpoint: Endpoint;
  /** Management routes need the admin token (when one is set) before their body is read. */
  readonly management?: 'load' | 'unload' | 'read';
  /** Undefined: the route takes no body (a GET); whatever is sent is discarded unread. */
  readonly body?: BodySpec;
  /** One line for the docs. */
  readonly summary: string;
  handle(request: HttpRequest): Promise<HttpAnswer> | HttpAnswer;
}
