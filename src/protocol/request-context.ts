import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CancelSignal, InferContext } from '../core/index.js';
import { ServerError } from '../errors/index.js';
import { httpTrace } from '../observability/index.js';

/**
 * The transport's part of a fastify request: an AbortSignal that fires when the client goes away before its
 * answer (a queued request then leaves the queue unexecuted), the request id, deadline and trace. The fastify
 * routes are the full-featured path, so they keep the standard AbortSignal; the hot path uses the lighter
 * ResponseCloseSignal below.
 */
export function requestContext(request: FastifyRequest, reply: FastifyReply, deadline?: number): InferContext {
  const controller = new AbortController();
  const res = reply.raw;
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return { signal: controller.signal, requestId: request.id, deadline, trace: httpTrace(request) };
}

/**
 * Aborted when the response closes before it finished: a CancelSignal without an EventTarget per request, and
 * without even a 'close' listener unless the scheduler asks to be told (a request that waits in a queue). A
 * ServerResponse emits 'close' after a normal finish too; only an early disconnect leaves writableFinished false.
 */
export class ResponseCloseSignal implements CancelSignal {
  private listener: (() => void) | undefined;
  private watching = false;

  constructor(private readonly res: ServerResponse) {}

  get aborted(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.listener = listener;
    if (this.watching) return;
    this.watching = true;
    this.res.once('close', () => {
      if (this.res.writableFinished) return;
      const fn = this.listener;
      this.listener = undefined;
      fn?.();
    });
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.listener === listener) this.listener = undefined;
  }
}


/**
 * Compressed bodies are refused before they are read: we do not inflate them, so a decompression bomb never
 * runs. The one check for both HTTP stacks (fastify's preParsing hook and the bare node:http hot path).
 */
export function checkContentEncoding(encoding: string | undefined): void {
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new ServerError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding '${encoding.slice(0, 40)}' is not supported; send the body uncompressed`);
  }
}
