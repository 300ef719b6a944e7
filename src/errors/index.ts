/**
 * One error catalogue for every adapter. Core throws ServerError with a code; protocol/status-map turns the
 * code into an HTTP or gRPC status, so the same failure has the same meaning on every wire.
 */

export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'UNAVAILABLE',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
  'CANCELLED',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNIMPLEMENTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a client may read: the message is shown as-is, so it must never carry paths or stack traces. */
export class ServerError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (503 Retry-After). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServerError';
    this.code = code;
    this.retryAfter = options?.retryAfter;
  }
}

export const invalidArgument = (message: string): ServerError => new ServerError('INVALID_ARGUMENT', message);
export const notFound = (message: string): ServerError => new ServerError('NOT_FOUND', message);
export const unavailable = (message: string, retryAfter?: number): ServerError =>
  new ServerError('UNAVAILABLE', message, { retryAfter });
export const internal = (message: string, cause?: unknown): ServerError => new ServerError('INTERNAL', message, { cause });

export function isServerError(e: unknown): e is ServerError {
  return e instanceof ServerError;
}

/**
 * Any thrown value as a ServerError. Unknown errors become INTERNAL with a generic message: their text may
 * hold native-library paths, so it goes to the log, not to the client.
 */
export function toServerError(e: unknown): ServerError {
  if (e instanceof ServerError) return e;
  return new ServerError('INTERNAL', 'internal error', { cause: e });
}
