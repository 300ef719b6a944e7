import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InferContext } from '../core/index.js';
import { httpTrace } from '../observability/index.js';

/**
 * The transport's part of a request: an AbortSignal that fires when the client goes away before its answer
 * (a queued request then leaves the queue unexecuted), and the request id. A ServerResponse emits 'close'
 * both after a normal finish and on an early disconnect; only the latter has writableFinished false.
 */
export function requestContext(request: FastifyRequest, reply: FastifyReply, deadline?: number): InferContext {
  const controller = new AbortController();
  const res = reply.raw;
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return { signal: controller.signal, requestId: request.id, deadline, trace: httpTrace(request) };
}
