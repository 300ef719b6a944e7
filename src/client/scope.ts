/**
 * The lifetime of one call: the caller's AbortSignal and its deadline, merged into one signal for the transport,
 * and the ClientError that says which of the two ended it. (AbortSignal.any needs Node 20.3; engines says 20.)
 */
import { ClientError, invalidInput } from './errors.js';
import type { CallOptions } from './types.js';

export interface CallScope {
  /** Aborted when the caller aborts or (if this scope keeps time) the deadline passes. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds; undefined: no deadline. */
  readonly deadline: number | undefined;
  readonly timeoutMs: number | undefined;
  /** Why the call was stopped, if it was. */
  stopped(): ClientError | undefined;
  /** Releases the timer and the listener; call once the call has settled. */
  done(): void;
}

export function checkTimeout(ms: unknown, what: string): number | undefined {
  if (ms === undefined || ms === Infinity) return undefined;
  if (typeof ms !== 'number' || !(ms > 0)) throw invalidInput(`${what} must be a positive number of milliseconds, got ${typeof ms === 'number' ? ms : typeof ms}`);
  return ms;
}

export const cancelled = (reason?: unknown): ClientError =>
  new ClientError('CANCELLED', 'the call was cancelled by its AbortSignal', { cause: reason });

export const deadlineExceeded = (ms: number): ClientError =>
  new ClientError('DEADLINE_EXCEEDED', `the call's deadline of ${ms} ms passed`);

/**
 * `keepTime`: arm a timer that aborts at the deadline (REST). gRPC hands the deadline to grpc-js instead, which
 * also sends it to the server (grpc-timeout), so a request queued there is dropped when it passes.
 * Throws CANCELLED at once when the signal is already aborted: nothing is sent then.
 */
export function callScope(opts: CallOptions, defaultTimeoutMs: number | undefined, keepTime: boolean): CallScope {
  const timeoutMs = opts.timeoutMs === undefined ? defaultTimeoutMs : checkTimeout(opts.timeoutMs, 'timeoutMs');
  const outer = opts.signal;
  if (outer?.aborted) throw cancelled(outer.reason);
  const controller = new AbortController();
  let reason: ClientError | undefined;
  const stop = (e: ClientError): void => {
    if (reason) return;
    reason = e;
    controller.abort(e);
  };
  const onAbort = (): void => stop(cancelled(outer?.reason));
  outer?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (keepTime && timeoutMs !== undefined) {
    timer = setTimeout(() => stop(deadlineExceeded(timeoutMs)), timeoutMs);
    // The pending request itself keeps the process alive; the timer need not.
    timer.unref();
  }
  return {
    signal: controller.signal,
    deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
    timeoutMs,
    stopped: () => reason,
    done: () => {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}
