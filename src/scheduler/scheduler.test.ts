import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedModel, RunResult } from '../backend/index.js';
import { ServerError } from '../errors/index.js';
import { VersionStats } from '../observability/index.js';
import type { Tensor } from '../tensor/index.js';
import { ByteBudget } from './budget.js';
import { Scheduler, type Job, type SchedulerOptions } from './scheduler.js';

/** A model that doubles x, runs only when the test releases it, and fails any batch containing -1. */
class FakeModel implements LoadedModel {
  metadata = { inputs: [], outputs: [] };
  executionProviders = ['cpu'] as const;
  warnings = [];
  instances = 1;
  runs: number[][] = [];
  private gates: (() => void)[] = [];
  async run(inputs: readonly Tensor[]): Promise<RunResult> {
    const x = inputs[0].data as Float32Array;
    this.runs.push(Array.from(x));
    await new Promise<void>((resolve) => this.gates.push(resolve));
    if (x.includes(-1)) throw new ServerError('INTERNAL', 'inference failed: bad value');
    return { outputs: [{ name: 'y', datatype: 'FP32', shape: [...inputs[0].shape], data: x.map((v) => v * 2) }], timings: { inputNs: 1, inferNs: 2, outputNs: 3 } };
  }
  /** Lets every run started so far finish. */
  async release(): Promise<void> {
    await tick(); // the scheduler dispatches at the end of the event-loop turn
    for (const g of this.gates.splice(0)) g();
    await tick();
  }
  async dispose(): Promise<void> {}
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * A fake clock for the scheduler: its timers (setTimeout), its wall clock (Date.now, for deadlines) and its
 * monotonic clock (process.hrtime.bigint, for queue ages) all move only when the test advances them, so "the delay
 * has not passed yet" is exact instead of a race with the machine. setImmediate stays real: the scheduler
 * dispatches at the end of an event-loop turn, and tick() lets it.
 */
function fakeClock(t: TestContext): { advance(ms: number): Promise<void> } {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  t.mock.method(process.hrtime, 'bigint', () => BigInt(Date.now()) * 1_000_000n);
  return {
    async advance(ms: number) {
      t.mock.timers.tick(ms);
      await tick();
    },
  };
}
const opts = (o: Partial<SchedulerOptions> = {}): SchedulerOptions => ({
  enabled: true, maxBatchSize: 8, preferredBatchSizes: [], maxQueueDelayNs: 0, maxQueueSize: 4, retryAfterSeconds: 1,
  defaultTimeoutUs: 0, allowTimeoutOverride: true, ...o,
});
const job = (v: number, extra: Partial<Job> = {}): Job => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: Float32Array.of(v) }], outputNames: ['y'], rows: 1, bytes: 4, ...extra,
});
const value = async (p: Promise<{ outputs: Tensor[] }>) => Array.from((await p).outputs[0].data as Float32Array);
const setup = (o: Partial<SchedulerOptions> = {}, budget = new ByteBudget(1 << 20)) => {
  const model = new FakeModel();
  const stats = new VersionStats('m', '1');
  return { model, stats, s: new Scheduler(model, opts(o), stats, budget) };
};

describe('scheduler: queue, batching, backpressure', () => {
  test('requests that queue while the instance is busy run as one batch and are split back', async () => {
    const { model, s, stats } = setup();
    const first = s.submit(job(1));
    await tick();
    const rest = [s.submit(job(2)), s.submit(job(3)), s.submit(job(4))];
    await model.release();
    assert.deepEqual(await value(first), [2]);
    await model.release();
    assert.deepEqual(await Promise.all(rest.map(value)), [[4], [6], [8]]);
    assert.deepEqual(model.runs, [[1], [2, 3, 4]]);
    assert.equal(stats.snapshot().execution_count, 2);
  });

  test('a full queue rejects at once with RESOURCE_EXHAUSTED and a retry hint', async () => {
    const { model, s } = setup({ maxQueueSize: 2 });
    const running = s.submit(job(1));
    await tick();
    const queued = [s.submit(job(2)), s.submit(job(3))];
    await assert.rejects(s.submit(job(4)), (e: ServerError) => e.code === 'RESOURCE_EXHAUSTED' && e.retryAfter === 1);
    await model.release();
    await model.release();
    await running;
    await Promise.all(queued);
  });

  test('the byte budget rejects when in-flight bytes would pass it', async () => {
    const { model, s } = setup({}, new ByteBudget(6));
    const a = s.submit(job(1));
    await assert.rejects(s.submit(job(2, { bytes: 4 })), (e: ServerError) => e.code === 'RESOURCE_EXHAUSTED');
    await model.release();
    await a;
    const b = s.submit(job(3, { bytes: 4 }));
    await model.release();
    assert.deepEqual(await value(b), [6]);
  });

  test('a request past its deadline in the queue fails with DEADLINE_EXCEEDED and never runs', async (t) => {
    const clock = fakeClock(t);
    const { model, s } = setup();
    const running = s.submit(job(1));
    await tick();
    const late = s.submit(job(7, { deadline: Date.now() + 20 }));
    let settled = false;
    late.catch(() => undefined).finally(() => { settled = true; });
    await clock.advance(19);
    assert.equal(settled, false, 'still queued 1 ms before its deadline');
    assert.equal(s.pending, 1);
    await clock.advance(1);
    await assert.rejects(late, (e: ServerError) => e.code === 'DEADLINE_EXCEEDED' && /timed out in queue/.test(e.message));
    assert.equal(s.pending, 0);
    await model.release();
    await running;
    await model.release();
    assert.deepEqual(model.runs, [[1]], 'the late request was never executed');
  });

  test('a cancelled request leaves the queue and never runs', async () => {
    const { model, s } = setup();
    const running = s.submit(job(1));
    await tick();
    const ctl = new AbortController();
    const cancelled = s.submit(job(9, { signal: ctl.signal }));
    ctl.abort();
    await assert.rejects(cancelled, (e: ServerError) => e.code === 'CANCELLED');
    await model.release();
    await running;
    await model.release();
    assert.deepEqual(model.runs, [[1]]);
  });

  test('when a batch fails, its members are retried alone so only the bad one fails', async () => {
    const { model, s } = setup();
    const first = s.submit(job(1));
    await tick();
    const good = s.submit(job(2));
    const bad = s.submit(job(-1));
    bad.catch(() => undefined); // asserted below; keep the early rejection from counting as unhandled
    const good2 = s.submit(job(3));
    await model.release();
    await first;
    for (let i = 0; i < 5; i++) await model.release();
    assert.deepEqual(await value(good), [4]);
    await assert.rejects(bad, /bad value/);
    assert.deepEqual(await value(good2), [6]);
    assert.deepEqual(model.runs[1], [2, -1, 3], 'they were first tried as one batch');
  });

  test('with pipeline depth 2 the next batch is handed over while the first runs', async () => {
    const { model, s } = setup({ pipelineDepth: 2 });
    const all = [s.submit(job(1))];
    await tick();
    all.push(s.submit(job(2)));
    await tick();
    all.push(s.submit(job(3)), s.submit(job(4)));
    await tick();
    assert.deepEqual(model.runs, [[1], [2]], 'two batches in flight before either finished');
    for (let i = 0; i < 4; i++) await model.release();
    assert.deepEqual(await Promise.all(all.map(value)), [[2], [4], [6], [8]]);
    assert.deepEqual(model.runs, [[1], [2], [3, 4]]);
  });

  test('without dynamic batching each request runs alone', async () => {
    const { model, s } = setup({ enabled: false });
    const all = [s.submit(job(1)), s.submit(job(2)), s.submit(job(3))];
    for (let i = 0; i < 4; i++) await model.release();
    await Promise.all(all);
    assert.deepEqual(model.runs, [[1], [2], [3]]);
  });

  test('max_queue_delay holds a lone request until the delay passes', async (t) => {
    const clock = fakeClock(t);
    const { model, s } = setup({ maxQueueDelayNs: 30_000_000 });
    const p = s.submit(job(5));
    await tick();
    await clock.advance(29);
    assert.deepEqual(model.runs, [], 'still waiting for companions 1 ms before the delay is up');
    assert.equal(s.pending, 1);
    await clock.advance(1);
    assert.deepEqual(model.runs, [[5]], 'sent once the delay passed');
    await model.release();
    assert.deepEqual(await value(p), [10]);
  });

  test('a companion that arrives within max_queue_delay joins the waiting request', async (t) => {
    const clock = fakeClock(t);
    const { model, s } = setup({ maxQueueDelayNs: 30_000_000, preferredBatchSizes: [4] });
    const a = s.submit(job(1));
    await tick();
    await clock.advance(10);
    const b = s.submit(job(2));
    await tick();
    assert.deepEqual(model.runs, []);
    // 30 ms after the first arrived, both go together (the delay counts from the oldest).
    await clock.advance(19);
    assert.deepEqual(model.runs, []);
    await clock.advance(1);
    assert.deepEqual(model.runs, [[1, 2]]);
    await model.release();
    assert.deepEqual([await value(a), await value(b)], [[2], [4]]);
  });
});
