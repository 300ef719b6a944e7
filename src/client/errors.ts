/**
 * One error class for every failure a call can have, whatever the transport: the server's answer (its HTTP status
 * or gRPC code and its own message, unchanged), a transport failure, a cancelled call, a passed deadline, or input
 * the client refused before sending. `code` is the gRPC status name on every transport, so callers branch on one
 * vocabulary; HTTP statuses are mapped as Triton and KServe use them.
 */

export const ERROR_CODES = [
  'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ClientErrorOptions {
  /** The HTTP status of the server's answer (REST). */
  readonly httpStatus?: number;
  /** The gRPC status code (gRPC; also set for cancellation and deadlines raised by grpc-js itself). */
  readonly grpcCode?: number;
  /** Seconds the server asked to wait before retrying (HTTP Retry-After, gRPC `retry-after` trailer). */
  readonly retryAfter?: number;
  readonly cause?: unknown;
}

export class ClientError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number | undefined;
  readonly grpcCode: number | undefined;
  readonly retryAfter: number | undefined;

  /** `message` is the server's own message when the server answered; otherwise the client's description. */
  constructor(code: ErrorCode, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
    this.httpStatus = options.httpStatus;
    this.grpcCode = options.grpcCode;
    this.retryAfter = options.retryAfter;
  }
}

/** Input the client refuses before anything is sent. */
export const invalidInput = (message: string): ClientError => new ClientError('INVALID_ARGUMENT', message);

/** An answer the client cannot read (not what the protocol says a server sends). */
export const badResponse = (message: string, cause?: unknown): ClientError =>
  new ClientError('INTERNAL', `unreadable response: ${message}`, { cause });

const HTTP_CODES: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [400, 'INVALID_ARGUMENT'], [401, 'UNAUTHENTICATED'], [403, 'PERMISSION_DENIED'], [404, 'NOT_FOUND'],
  [408, 'DEADLINE_EXCEEDED'], [409, 'FAILED_PRECONDITION'], [413, 'RESOURCE_EXHAUSTED'], [415, 'INVALID_ARGUMENT'],
  [429, 'RESOURCE_EXHAUSTED'], [499, 'CANCELLED'], [500, 'INTERNAL'], [501, 'UNIMPLEMENTED'], [502, 'UNAVAILABLE'],
  [503, 'UNAVAILABLE'], [504, 'DEADLINE_EXCEEDED'],
]);

export function codeForHttpStatus(status: number): ErrorCode {
  return HTTP_CODES.get(status) ?? (status >= 400 && status < 500 ? 'INVALID_ARGUMENT' : 'UNKNOWN');
}

/** gRPC status numbers (grpc/doc/statuscodes.md), indexable by code, so this module needs no grpc-js import. */
export function codeForGrpcStatus(status: number): ErrorCode {
  return status >= 1 && status <= ERROR_CODES.length ? ERROR_CODES[status - 1] : 'UNKNOWN';
}

/** An HTTP Retry-After given in seconds (the date form is not used by V2 servers). */
export function parseRetryAfter(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined || !/^\s*\d{1,9}\s*$/.test(v)) return undefined;
  return Number(v);
}
