import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorCode } from '../errors/index.js';

/**
 * ErrorCode -> HTTP status. Exhaustive: a new code that is not mapped here does not compile.
 * 503 for UNAVAILABLE / RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED follows Triton (queue full and queue timeout are
 * "try again later", not client mistakes).
 */
export function httpStatus(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_ARGUMENT': return 400;
    case 'UNAUTHENTICATED': return 401;
    case 'PERMISSION_DENIED': return 403;
    case 'NOT_FOUND': return 404;
    case 'FAILED_PRECONDITION': return 409;
    case 'PAYLOAD_TOO_LARGE': return 413;
    case 'UNSUPPORTED_MEDIA_TYPE': return 415;
    case 'CANCELLED': return 499;
    case 'INTERNAL': return 500;
    case 'UNIMPLEMENTED': return 501;
    case 'UNAVAILABLE': return 503;
    case 'RESOURCE_EXHAUSTED': return 503;
    case 'DEADLINE_EXCEEDED': return 503;
  }
}

/** ErrorCode -> gRPC status code, exhaustive. */
export function grpcStatus(code: ErrorCode): GrpcStatus {
  switch (code) {
    case 'INVALID_ARGUMENT': return GrpcStatus.INVALID_ARGUMENT;
    case 'UNAUTHENTICATED': return GrpcStatus.UNAUTHENTICATED;
    case 'PERMISSION_DENIED': return GrpcStatus.PERMISSION_DENIED;
    case 'NOT_FOUND': return GrpcStatus.NOT_FOUND;
    case 'FAILED_PRECONDITION': return GrpcStatus.FAILED_PRECONDITION;
    case 'PAYLOAD_TOO_LARGE': return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'UNSUPPORTED_MEDIA_TYPE': return GrpcStatus.INVALID_ARGUMENT;
    case 'CANCELLED': return GrpcStatus.CANCELLED;
    case 'INTERNAL': return GrpcStatus.INTERNAL;
    case 'UNIMPLEMENTED': return GrpcStatus.UNIMPLEMENTED;
    case 'UNAVAILABLE': return GrpcStatus.UNAVAILABLE;
    case 'RESOURCE_EXHAUSTED': return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'DEADLINE_EXCEEDED': return GrpcStatus.DEADLINE_EXCEEDED;
  }
}
