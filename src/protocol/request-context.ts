import type { ServerResponse } from 'node:http';
import type { CancelSignal } from '../core/index.js';

/**
 * Aborted when the response closes before it finished: a CancelSignal without an EventTarget per request, and
 * without even a 'close' listener unless the scheduler asks to be told (a request that waits in a queue). An
 * AbortController and its EventTarget cost ~4% of a one-row inference's main-thread time. A ServerResponse emits
 * 'close' after a normal finish too; only an early disconnect leaves writableFinished false.
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
