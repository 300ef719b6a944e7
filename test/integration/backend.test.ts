import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { get, post, startTestServer, type TestServer } from '../helpers/server.js';
import { mlpReference } from '../../scripts/fixtures.js';

const slowBody = { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [0.75] }] };

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

  test('inference is off the event loop: /v2/health/live answers while a slow model is saturated', async () => {
    const [first, runMs] = await timed(() => post(`${s.url}/v2/models/slow/infer`, slowBody));
    assert.equal(first.status, 200, first.text);
    assert.ok(runMs >= 200, `one run of the slow fixture takes ${runMs.toFixed(0)} ms; it must take ≥ 200 ms`);
    // Keep the model busy for several runs, then probe liveness while it works.
    const busy = Array.from({ length: 4 }, () => post(`${s.url}/v2/models/slow/infer`, slowBody));
    await new Promise((r) => setTimeout(r, 50));
    const probes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [live, ms] = await timed(() => get(`${s.url}/v2/health/live`));
      assert.equal(live.status, 200);
      probes.push(ms);
      await new Promise((r) => setTimeout(r, 30));
    }
    const results = await Promise.all(busy);
    for (const r of results) assert.equal(r.status, 200);
    const worst = Math.max(...probes);
    assert.ok(worst < runMs / 5, `liveness took up to ${worst.toFixed(1)} ms while one run takes ${runMs.toFixed(0)} ms`);
  });

  test('a worker that dies fails its in-flight requests at once and is replaced', async () => {
    const version = s.registry.resolve('slow');
    const model = version.model as unknown as { crashInstance(i?: number): void };
    // A runs; the crash is queued behind it in the worker; B is sent once A is done, and the thread dies.
    const a = post(`${s.url}/v2/models/slow/infer`, slowBody);
    await new Promise((r) => setTimeout(r, 50));
    model.crashInstance(0);
    const inflight = timed(() => post(`${s.url}/v2/models/slow/infer`, slowBody));
    assert.equal((await a).status, 200);
    const [r, ms] = await inflight;
    assert.equal(r.status, 503, r.text);
    assert.match(r.body.error, /worker exited unexpectedly/);
    assert.ok(ms < 5000, 'the request failed promptly instead of hanging');
    // The replacement loads the model again; then requests succeed.
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      const again = await post(`${s.url}/v2/models/slow/infer`, slowBody);
      ok = again.status === 200;
      if (!ok) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(ok, 'the model serves again after its worker was replaced');
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
