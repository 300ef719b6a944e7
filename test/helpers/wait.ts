/**
 * Waiting for observable state (a queue length, a counter, a span that ended) instead of sleeping for a guessed
 * time. The poll interval only paces the checks; what a test asserts never depends on it. The guard is a hang
 * detector, far above anything a healthy run needs on any machine: reaching it fails the test and says what
 * never happened, instead of letting later assertions report a confusing order of events.
 */
import assert from 'node:assert/strict';

export interface WaitOptions {
  /** Fail after this long without the condition (a hang, not a slow machine). Default 60 s. */
  readonly guardMs?: number;
  /** Milliseconds between checks of a condition that is not an event. Default 2. */
  readonly everyMs?: number;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once `condition` holds (it may be async); fails with `what` if it never does. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, opts: WaitOptions = {}): Promise<void> {
  const guard = performance.now() + (opts.guardMs ?? 60_000);
  for (;;) {
    if (await condition()) return;
    if (performance.now() > guard) assert.fail(`gave up waiting: ${what}`);
    await pause(opts.everyMs ?? 2);
  }
}

/**
 * A counter clients bump after each piece of work, and a way to wait until it reaches a value: event-driven, so a
 * test that needs "20 more requests answered" waits exactly that long on a fast machine and on a slow one.
 */
export class Progress {
  private readonly waiters: { readonly done: () => boolean; readonly resolve: () => void }[] = [];

  /** Call after every change a waiter may be waiting for. */
  tick(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].done()) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }
}
