import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { get, post, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { mlpReference } from '../../scripts/fixtures.js';

const slowBody = { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [0.75] }] };

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

describe('ORT backend in worker threads', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(['slow', 'mlp'], { intraOpThreads: 1 });
  });
  after(() => s.stop());

  const inferSlow = () => post(`${s.url}/v2/models/slow/infer`, slowBody);

  /**
   * If inference ran on the main thread, a probe arriving during a run would wait for the rest of it (and for the
   * run queued behind it): most probes would take on the order of one run. Off the event loop they take what a
   * probe takes. So the fixture is timed on this machine first and the probes are compared with that, with
   * generous ratios, instead of with fixed milliseconds that a faster or busier machine would break.
   */
  test('inference is off the event loop: /v2/health/live answers promptly while a slow model is saturated', async () => {
    assert.equal((await inferSlow()).status, 200, 'warm-up run');
    const [first, runMs] = await timed(inferSlow);
    assert.equal(first.status, 200, first.text);
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) idle.push((await timed(() => get(`${s.url}/v2/health/live`)))[1]);
    assert.ok(runMs > 10 * median(idle), `the fixture (${runMs.toFixed(0)} ms a run) is too quick to tell a stalled event loop ` +
      `from an idle probe (${median(idle).toFixed(1)} ms)`);

    // Saturate: two clients keep a request running and one queued until the probes are done.
    const scheduler = s.registry.resolve('slow').scheduler!;
    const executing = () => scheduler.executing > 0;
    let stop = false;
    const busy = Array.from({ length: 2 }, async () => {
      while (!stop) assert.equal((await inferSlow()).status, 200);
    });
    const probes: number[] = [];
    while (probes.length < 8) {
      await waitFor(executing, 'the slow model executing');
      const [live, ms] = await timed(() => get(`${s.url}/v2/health/live`));
      assert.equal(live.status, 200);
      // Only a probe sent and answered while a run was executing says anything about the event loop.
      if (executing()) probes.push(ms);
    }
    stop = true;
    await Promise.all(busy);
    assert.ok(median(probes) < runMs / 4, `liveness took ${median(probes).toFixed(1)} ms (median) while one run takes ${runMs.toFixed(0)} ms`);
    assert.ok(Math.max(...probes) < runMs, `liveness took up to ${Math.max(...probes).toFixed(1)} ms while one run takes ${runMs.toFixed(0)} ms`);
  });

  // Nothing times out a request that is executing: without the fail-at-once path B would never be answered, and
  // this guard (a hang detector, not a speed limit) would end the test.
  test('a worker that dies fails its in-flight requests at once and is replaced', { timeout: 120_000 }, async () => {
    const version = s.registry.resolve('slow');
    const scheduler = version.scheduler!;
    const model = version.model as unknown as { crashInstance(i?: number): void };
    // A runs and B waits behind it; then the crash is posted to the worker, after A's run message. Which of the two
    // is in flight when the thread dies depends on the worker, not on the test: onnxruntime-node starts the native
    // run on a setImmediate, so a crash message already waiting in the worker's port can overtake A (A fails, B goes
    // to the replacement); otherwise A finishes, B is handed to the dying thread and fails. Either way exactly one
    // request, the one in flight, fails at once with the worker's exit, and the other is served.
    const a = inferSlow();
    await waitFor(() => scheduler.executing === 1, 'A executing');
    const b = inferSlow();
    await waitFor(() => scheduler.pending === 1, 'B queued behind A');
    model.crashInstance(0);
    const answers = await Promise.all([a, b]);
    const failed = answers.filter((r) => r.status !== 200);
    assert.equal(failed.length, 1, `exactly one request was in flight on the dying worker: ${answers.map((r) => `${r.status} ${r.text}`).join(' | ')}`);
    assert.equal(failed[0].status, 503, failed[0].text);
    assert.match(failed[0].body.error, /worker exited unexpectedly/);
    // The replacement loads the model again; a request sent now waits in its queue while it loads, then runs.
    const again = await inferSlow();
    assert.equal(again.status, 200, again.text);
    const metrics = (await get(`${s.url}/metrics`)).text;
    assert.match(metrics, /onnxserve_worker_restarts_total\{result="replaced"\} 1/);
    const mlp = await post(`${s.url}/v1/models/mlp/infer`, { inputs: [[1, 2, 3, 4]] });
    assert.equal(mlp.status, 200, 'other models were untouched');
  });
});

describe('in-process execution (an explicit per-model choice)', () => {
  test('--in-process-models runs the model on the main thread with the same answers', async () => {
    const s = await startTestServer(['mlp', 'multi_io'], { inProcessModels: 'mlp' });
    try {
      assert.equal(s.registry.resolve('mlp').model!.constructor.name, 'InProcessModel');
      assert.equal(s.registry.resolve('multi_io').model!.constructor.name, 'OrtModel');
      const rows = [[1, 2, 3, 4], [0.5, -1, 2, 0]];
      const r = await post(`${s.url}/v1/models/mlp/infer`, { inputs: rows });
      assert.equal(r.status, 200, r.text);
      const expected = mlpReference(Float32Array.from(rows.flat()), 2);
      r.body.outputs.y.flat().forEach((v: number, i: number) => assert.ok(Math.abs(v - expected[i]) < 1e-5));
      const many = await Promise.all(Array.from({ length: 20 }, () => post(`${s.url}/v1/models/mlp/infer`, { inputs: rows })));
      for (const m of many) assert.deepEqual(m.body.outputs.y, r.body.outputs.y);
    } finally {
      await s.stop();
    }
  });

  test('config.pbtxt parameter execution_mode: in_process does the same', async () => {
    const s = await startTestServer(['mlp'], {}, (dir) => {
      writeFileSync(path.join(dir, 'mlp', 'config.pbtxt'), 'parameters { key: "execution_mode" value: { string_value: "in_process" } }\n');
    });
    try {
      assert.equal(s.registry.resolve('mlp').model!.constructor.name, 'InProcessModel');
      assert.equal((await post(`${s.url}/v1/models/mlp/infer`, { inputs: [[1, 2, 3, 4]] })).status, 200);
    } finally {
      await s.stop();
    }
  });
});
