import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { FakeBackend, SLOW_METADATA } from '../helpers/fake-backend.js';
import { get, post, request, startTestServer, TEST_MODELS, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { sampleInput } from '../../scripts/fixtures.js';

const row = (seed: number) => Array.from(sampleInput(30, seed, 2));
const v2 = (rows: number[][]) => ({ inputs: [{ name: 'input', shape: [rows.length, 30], datatype: 'FP32', data: rows.flat() }] });
const slowBody = (params: Record<string, unknown> = {}) => ({ parameters: params, inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [0.5] }] });

describe('dynamic batching on the Triton-style example repository, served unchanged', () => {
  let server: RunningServer;
  let url: string;
  before(async () => {
    const config = loadConfig({ modelRepository: 'examples/triton-repository', httpPort: 0, grpc: false }, {});
    server = await startServer(config, { logger: pino({ level: 'silent' }) });
    url = `http://127.0.0.1:${server.httpPort}`;
  });
  after(() => server.close());

  test('both versions are served and the effective config is Triton\'s', async () => {
    const index = await post(`${url}/v2/repository/index`, {});
    const names = index.body.map((e: { name: string; version: string }) => `${e.name}/${e.version}`).sort();
    assert.deepEqual(names, ['fraud_detector/1', 'fraud_detector/2', 'fraud_single/1']);
    const cfg = await get(`${url}/v2/models/fraud_detector/config`);
    assert.equal(cfg.body.max_batch_size, 64);
    assert.deepEqual(cfg.body.dynamic_batching.preferred_batch_size, [16, 64]);
    assert.equal(cfg.body.dynamic_batching.max_queue_delay_microseconds, 100);
  });

  test('under 64 concurrent clients batches form, and answers equal unbatched answers', async () => {
    const rows = Array.from({ length: 64 }, (_, i) => row(i + 1));
    // Unbatched reference: the model without dynamic batching, one request at a time.
    const reference: number[][] = [];
    for (const r of rows) reference.push((await post(`${url}/v2/models/fraud_single/infer`, v2([r]))).body.outputs[1].data);
    const before = (await get(`${url}/v2/models/fraud_detector/versions/2/stats`)).body.model_stats[0];
    const rounds = 5;
    for (let k = 0; k < rounds; k++) {
      const answers = await Promise.all(rows.map((r) => post(`${url}/v2/models/fraud_detector/infer`, v2([r]))));
      answers.forEach((a, i) => {
        assert.equal(a.status, 200, a.text);
        assert.deepEqual(a.body.outputs.find((o: { name: string }) => o.name === 'probabilities').data, reference[i]);
      });
    }
    const stats = (await get(`${url}/v2/models/fraud_detector/versions/2/stats`)).body.model_stats[0];
    const inferences = stats.inference_count - before.inference_count;
    const executions = stats.execution_count - before.execution_count;
    assert.equal(inferences, 64 * rounds);
    assert.ok(executions < inferences, `executions ${executions} < inferences ${inferences}`);
    assert.ok(stats.batch_stats.some((b: { batch_size: number }) => b.batch_size > 1));
  });

  test('without dynamic_batching every request is one execution', async () => {
    const before = (await get(`${url}/v2/models/fraud_single/stats`)).body.model_stats[0];
    await Promise.all(Array.from({ length: 20 }, (_, i) => post(`${url}/v2/models/fraud_single/infer`, v2([row(i)]))));
    const after = (await get(`${url}/v2/models/fraud_single/stats`)).body.model_stats[0];
    assert.equal(after.execution_count - before.execution_count, 20);
  });
});

/**
 * The queue's rules over HTTP, ordered by what the server reports (runs held by the gated backend, the
 * scheduler's queue length, statistics), never by how long a run takes: `slow` is a fake whose run lasts until
 * the test releases it, so "still running" is a fact, not a guess about the machine's speed.
 */
describe('backpressure, timeouts and cancellation', () => {
  let s: TestServer;
  const backend = new FakeBackend({ slow: { metadata: SLOW_METADATA } });
  before(async () => {
    s = await startTestServer(['slow'], {}, (dir) => {
      writeFileSync(path.join(dir, 'slow', 'config.pbtxt'),
        'max_batch_size: 0\ndynamic_batching { default_queue_policy { max_queue_size: 2 allow_timeout_override: true } }\n');
    }, { backend });
  });
  after(async () => {
    backend.releaseAll();
    await s.stop();
  });

  const slow = () => backend.model('slow');
  const queued = () => s.registry.resolve('slow').scheduler!.pending;
  const stats = async () => (await get(`${s.url}/v2/models/slow/stats`)).body.model_stats[0];
  const infer = (params?: Record<string, unknown>) => post(`${s.url}/v2/models/slow/infer`, slowBody(params));

  test('a full queue answers 503 with Retry-After at once', async () => {
    const runsBefore = slow().runs.length;
    const running = infer();
    await slow().whenHeld(1);
    const waiting = [infer(), infer()];
    await waitFor(() => queued() === 2, 'two requests queued behind the running one');
    const rejected = await infer();
    assert.equal(rejected.status, 503, rejected.text);
    assert.match(rejected.body.error, /queue is full/);
    assert.equal(rejected.headers.get('retry-after'), '1');
    // "At once": answered while the first run is still held, so it cannot have waited for any run.
    assert.equal(slow().held, 1, 'the rejection came while the running request was still running');
    assert.equal(queued(), 2);
    slow().releaseAll();
    for (const r of await Promise.all([running, ...waiting])) assert.equal(r.status, 200);
    slow().hold();
    assert.equal(slow().runs.length - runsBefore, 3, 'the rejected request never ran');
  });

  test('a request whose timeout passes in the queue gets 503 and never runs', async () => {
    const before = await stats();
    const runsBefore = slow().runs.length;
    const running = infer();
    await slow().whenHeld(1);
    // 50 ms in the queue while the run ahead of it is held for as long as the test likes: it must time out.
    const late = await infer({ timeout: 50_000 });
    assert.equal(late.status, 503);
    assert.match(late.body.error, /timed out in queue/);
    assert.equal(slow().held, 1, 'timed out while the first request was still running');
    slow().release();
    assert.equal((await running).status, 200);
    const after = await stats();
    assert.equal(after.execution_count - before.execution_count, 1, 'only the first request executed');
    assert.equal(slow().runs.length - runsBefore, 1);
  });

  test('a client that disconnects leaves the queue and its request never runs', async () => {
    const before = await stats();
    const runsBefore = slow().runs.length;
    const running = infer();
    await slow().whenHeld(1);
    const ctl = new AbortController();
    const gone = request(`${s.url}/v2/models/slow/infer`, { method: 'POST', json: slowBody(), signal: ctl.signal }).catch((e: Error) => e);
    await waitFor(() => queued() === 1, 'the second request queued');
    ctl.abort();
    assert.ok((await gone) instanceof Error);
    await waitFor(() => queued() === 0, 'the abandoned request left the queue');
    await waitFor(async () => (await stats()).inference_stats.fail.count > before.inference_stats.fail.count, 'the abandoned request counted as failed');
    assert.equal(slow().held, 1, 'it left while the first request was still running');
    slow().release();
    assert.equal((await running).status, 200);
    const after = await stats();
    assert.equal(after.execution_count - before.execution_count, 1, 'the abandoned request was never executed');
    assert.equal(after.inference_stats.fail.count - before.inference_stats.fail.count, 1);
    assert.equal(slow().runs.length - runsBefore, 1);
  });

  test('a batch larger than max_batch_size is refused', async () => {
    const r = await post(`${s.url}/v2/models/slow/infer`, { inputs: [{ name: 'x', shape: [2, 1], datatype: 'FP32', data: [1, 2] }] });
    assert.equal(r.status, 400);
  });
});

describe('dynamic batching over HTTP, ordered by a gated backend', () => {
  const backend = new FakeBackend({
    echo: { metadata: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }] } },
  });
  let s: TestServer;
  before(async () => {
    s = await startTestServer([], {}, (dir) => {
      mkdirSync(path.join(dir, 'echo', '1'), { recursive: true });
      copyFileSync(path.join(TEST_MODELS, 'mlp', '1', 'model.onnx'), path.join(dir, 'echo', '1', 'model.onnx'));
      writeFileSync(path.join(dir, 'echo', 'config.pbtxt'), 'max_batch_size: 8\ndynamic_batching { }\n');
    }, { backend });
  });
  after(async () => {
    backend.releaseAll();
    await s.stop();
  });

  test('requests that queue while the instance is busy run as one batch, and each gets its own rows back', async () => {
    const echo = backend.model('echo');
    const one = (v: number) => post(`${s.url}/v2/models/echo/infer`, { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [v] }] });
    const first = one(1);
    await echo.whenHeld(1);
    // A batching model pipelines two executions per instance: the second request is handed over at once too.
    const second = one(2);
    await echo.whenHeld(2);
    const rest = [one(3), one(4), one(5)];
    await waitFor(() => s.registry.resolve('echo').scheduler!.pending === 3, 'three requests queued behind the two executing');
    assert.equal(echo.runs.length, 2, 'nothing more was sent while both slots were busy');
    echo.releaseAll();
    const answers = await Promise.all([first, second, ...rest]);
    assert.deepEqual(answers.map((a) => a.body.outputs[0].data), [[1], [2], [3], [4], [5]]);
    assert.deepEqual(echo.runs.map((r) => r.rows), [1, 1, 3], 'the three that waited went as one batch of 3');
    assert.deepEqual(echo.runs[2].values, [3, 4, 5]);
    const stats = (await get(`${s.url}/v2/models/echo/stats`)).body.model_stats[0];
    assert.equal(stats.inference_count, 5);
    assert.equal(stats.execution_count, 3);
    assert.deepEqual(stats.batch_stats.map((b: { batch_size: number }) => b.batch_size).sort(), [1, 3]);
  });
});

describe('execution providers', () => {
  test('--execution-provider cuda without CUDA loads on CPU with an install hint', async () => {
    const s = await startTestServer(['mlp'], { executionProvider: 'cuda' });
    try {
      const v = s.registry.resolve('mlp');
      assert.deepEqual(v.model!.executionProviders, ['cpu']);
      assert.ok(v.model!.warnings.some((w) => w.includes('--onnxruntime-node-install=cuda12')), v.model!.warnings.join('; '));
      assert.equal((await post(`${s.url}/v1/models/mlp/infer`, { inputs: [[1, 2, 3, 4]] })).status, 200);
    } finally {
      await s.stop();
    }
  });
});
