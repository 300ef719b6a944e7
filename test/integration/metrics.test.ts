import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { OrtBackend } from '../../src/backend/index.js';
import { loadPackageDefinition } from '../../src/protocol/v2-grpc/index.js';
import { FakeBackend, SLOW_METADATA } from '../helpers/fake-backend.js';
import { get, post, request, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { sampleInput } from '../../scripts/fixtures.js';

const FRAUD = 'models/fraud_detector.onnx';
const row = (seed: number) => Array.from(sampleInput(30, seed, 2));
const v2 = (rows: number[][], parameters?: Record<string, unknown>) =>
  ({ ...(parameters ? { parameters } : {}), inputs: [{ name: 'input', shape: [rows.length, 30], datatype: 'FP32', data: rows.flat() }] });
const slowBody = (params: Record<string, unknown> = {}) => ({ parameters: params, inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [0.5] }] });

/** A Prometheus text exposition as "name{k="v",...}" (labels sorted) -> value. */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable exposition line: ${line}`);
    const labels = m[2] ? [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort() : [];
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

const key = (name: string, labels: Record<string, string> = {}) =>
  `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}`;

/**
 * A Triton-style repository: `batched` (dynamic batching: a batch goes once it holds 4 rows; the queue delay is a
 * minute, so the row count decides, not how quickly requests arrive), `single` (the same model without dynamic
 * batching), and `slow` with a queue of one (a gated fake: its runs last until the test releases them).
 */
function repository(dir: string): void {
  for (const [name, config] of [
    ['batched', 'max_batch_size: 8\ndynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 60000000 }\n'],
    ['single', 'max_batch_size: 8\n'],
  ] as const) {
    mkdirSync(path.join(dir, name, '1'), { recursive: true });
    copyFileSync(FRAUD, path.join(dir, name, '1', 'model.onnx'));
    writeFileSync(path.join(dir, name, 'config.pbtxt'), config);
  }
  writeFileSync(path.join(dir, 'slow', 'config.pbtxt'), 'max_batch_size: 0\ndynamic_batching { default_queue_policy { max_queue_size: 1 allow_timeout_override: true } }\n');
}

/** A minimal V2 gRPC client from the server's own .proto. */
function grpcClient(port: number) {
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
    inference: { GRPCInferenceService: new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client & Record<string, (...a: unknown[]) => void> };
  };
  const client = new pkg.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const infer = (msg: unknown, metadata = new grpc.Metadata()) => new Promise<{ err: grpc.ServiceError | null; res: unknown }>((resolve) => {
    client.ModelInfer(msg, metadata, (err: grpc.ServiceError | null, res: unknown) => resolve({ err, res }));
  });
  return { client, infer };
}

describe('Prometheus metrics after known traffic', () => {
  let s: TestServer;
  let metrics: Map<string, number>;
  let text: string;
  const value = (name: string, labels: Record<string, string> = {}) => metrics.get(key(name, labels));

  before(async () => {
    const backend = new FakeBackend({ slow: { metadata: SLOW_METADATA } }, new OrtBackend());
    s = await startTestServer(['slow'], { intraOpThreads: 1, grpc: true }, repository, { backend });
    const url = s.url;
    const slow = backend.model('slow');
    const queued = (model: string) => s.registry.resolve(model).scheduler!.pending;

    // batched: 4 concurrent one-row requests form one batch of 4; then 3 rows + 1 row form another.
    const first = await Promise.all([1, 2, 3, 4].map((i) => post(`${url}/v2/models/batched/infer`, v2([row(i)]))));
    const three = post(`${url}/v2/models/batched/infer`, v2([row(5), row(6), row(7)]));
    await waitFor(() => queued('batched') === 1, 'the 3-row request waiting for a fourth row');
    const second = await Promise.all([three, post(`${url}/v2/models/batched/infer`, v2([row(8)]))]);
    for (const r of [...first, ...second]) assert.equal(r.status, 200, r.text);
    // An input of the wrong shape fails validation in the core: reason OTHER.
    const invalid = await post(`${url}/v2/models/batched/infer`, { inputs: [{ name: 'input', shape: [1, 29], datatype: 'FP32', data: row(9).slice(0, 29) }] });
    assert.equal(invalid.status, 400, invalid.text);

    // single: three 2-row requests, no dynamic batching: three executions of 2 rows.
    const singles = await Promise.all([0, 1, 2].map((i) => post(`${url}/v2/models/single/infer`, v2([row(10 + i), row(20 + i)]))));
    for (const r of singles) assert.equal(r.status, 200, r.text);
    // And one over gRPC.
    const { client, infer } = grpcClient(s.grpcPort!);
    const g = await infer({ model_name: 'single', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], contents: { fp32_contents: row(30) } }] });
    assert.equal(g.err, null, g.err?.message);

    // slow, queue of one: a full queue (REJECTED), a timeout in the queue (REJECTED too), a client gone (CANCELED).
    // Each step waits for the state it needs (a run held, a request queued), not for a guessed time.
    let running = post(`${url}/v2/models/slow/infer`, slowBody());
    await slow.whenHeld(1);
    const waiting = post(`${url}/v2/models/slow/infer`, slowBody());
    await waitFor(() => queued('slow') === 1, 'one request queued behind the running one');
    assert.equal((await post(`${url}/v2/models/slow/infer`, slowBody())).status, 503);
    slow.releaseAll();
    for (const r of await Promise.all([running, waiting])) assert.equal(r.status, 200, r.text);
    slow.hold();

    running = post(`${url}/v2/models/slow/infer`, slowBody());
    await slow.whenHeld(1);
    assert.equal((await post(`${url}/v2/models/slow/infer`, slowBody({ timeout: 50_000 }))).status, 503);
    slow.release();
    assert.equal((await running).status, 200);

    running = post(`${url}/v2/models/slow/infer`, slowBody());
    await slow.whenHeld(1);
    const ctl = new AbortController();
    const gone = request(`${url}/v2/models/slow/infer`, { method: 'POST', json: slowBody(), signal: ctl.signal }).catch((e: Error) => e);
    await waitFor(() => queued('slow') === 1, 'the request that will leave is queued');
    ctl.abort();
    assert.ok((await gone) instanceof Error);
    await waitFor(() => s.registry.resolve('slow').stats.snapshot().inference_stats.fail.count === 3, 'the departure counted as a failure');
    slow.release();
    assert.equal((await running).status, 200);

    // Names the server does not serve, on every path a name can arrive by.
    for (const r of [
      await post(`${url}/v2/models/ghost_model/infer`, v2([row(1)])),
      await post(`${url}/v2/models/ghost_model/versions/7/infer`, v2([row(1)])),
      await post(`${url}/v2/models/batched/versions/7/infer`, v2([row(1)])),
      await post(`${url}/v1/models/ghost_model/infer`, { inputs: [row(1)] }),
      await get(`${url}/v2/models/ghost_model/stats`),
      await get(`${url}/v2/models/ghost_model/ready`),
    ]) assert.ok(r.status >= 400, r.text);
    const ghost = await infer({ model_name: 'ghost_model', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], contents: { fp32_contents: row(1) } }] });
    assert.equal(ghost.err?.code, grpc.status.NOT_FOUND);
    client.close();
    // A load request for a name the repository does not have (the registry keeps an empty record for it).
    assert.equal((await post(`${url}/v2/repository/models/ghost_model/load`, {})).status, 404);

    const scrape = await get(`${url}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    text = scrape.text;
    metrics = parseExposition(text);
  });
  after(() => s.stop());

  test('success, inference and execution counts: dynamic batching merges requests, Triton\'s counting', () => {
    const b = { model: 'batched', version: '1' };
    assert.equal(value('nv_inference_request_success', b), 6);
    assert.equal(value('nv_inference_count', b), 8);
    assert.equal(value('nv_inference_exec_count', b), 2);
    const one = { model: 'single', version: '1' };
    assert.equal(value('nv_inference_request_success', one), 4);
    assert.equal(value('nv_inference_count', one), 7);
    assert.equal(value('nv_inference_exec_count', one), 4);
    assert.equal(value('onnxserve_batch_size_count', b), 2);
    assert.equal(value('onnxserve_batch_size_sum', b), 8);
    assert.equal(value('onnxserve_batch_size_bucket', { ...b, le: '2' }), 0);
    assert.equal(value('onnxserve_batch_size_bucket', { ...b, le: '4' }), 2);
  });

  test('failures by reason, and rejections', () => {
    const failure = (model: string, reason: string) => value('nv_inference_request_failure', { model, version: '1', reason });
    // Triton's reasons (metrics.md "Failure Count Categories"): a refused request is OTHER; queue full and timed
    // out in the queue are both REJECTED.
    assert.equal(failure('batched', 'OTHER'), 1);
    assert.equal(failure('batched', 'REJECTED'), 0);
    assert.equal(failure('slow', 'REJECTED'), 2);
    assert.equal(failure('slow', 'CANCELED'), 1);
    assert.equal(failure('slow', 'BACKEND'), 0);
    assert.equal(value('nv_inference_request_success', { model: 'slow', version: '1' }), 4);
    assert.equal(value('nv_inference_exec_count', { model: 'slow', version: '1' }), 4);
    assert.equal(value('onnxserve_rejections_total', { reason: 'queue_full' }), 1);
    assert.equal(value('onnxserve_rejections_total', { reason: 'timeout' }), 1);
    assert.equal(value('onnxserve_rejections_total', { reason: 'cancelled' }), 1);
  });

  test('metrics and the statistics extension read the same counters', async () => {
    const stats = (await get(`${s.url}/v2/models/stats`)).body.model_stats as {
      name: string; version: string; inference_count: number; execution_count: number;
      inference_stats: Record<string, { count: number; ns: number }>;
    }[];
    assert.deepEqual(stats.map((m) => m.name).sort(), ['batched', 'single', 'slow']);
    for (const m of stats) {
      const l = { model: m.name, version: m.version };
      const i = m.inference_stats;
      assert.equal(value('nv_inference_request_success', l), i.success.count, m.name);
      assert.equal(value('nv_inference_count', l), m.inference_count, m.name);
      assert.equal(value('nv_inference_exec_count', l), m.execution_count, m.name);
      assert.equal(value('nv_inference_request_duration_us', l), Math.floor(i.success.ns / 1000), m.name);
      assert.equal(value('nv_inference_queue_duration_us', l), Math.floor(i.queue.ns / 1000), m.name);
      assert.equal(value('nv_inference_compute_input_duration_us', l), Math.floor(i.compute_input.ns / 1000), m.name);
      assert.equal(value('nv_inference_compute_infer_duration_us', l), Math.floor(i.compute_infer.ns / 1000), m.name);
      assert.equal(value('nv_inference_compute_output_duration_us', l), Math.floor(i.compute_output.ns / 1000), m.name);
      const failures = [...metrics].filter(([k]) => k.startsWith('nv_inference_request_failure{') && k.includes(`model="${m.name}"`)).reduce((a, [, v]) => a + v, 0);
      assert.equal(failures, i.fail.count, m.name);
      assert.equal(value('nv_inference_first_response_histogram_ms_count', l), i.success.count, m.name);
      assert.equal(value('nv_inference_pending_request_count', l), 0);
    }
    assert.ok(value('nv_inference_queue_duration_us', { model: 'batched', version: '1' })! > 0, 'batched requests waited in the queue');
  });

  test('request durations by protocol and status code, never by model', () => {
    const count = (labels: Record<string, string>) => value('onnxserve_http_request_duration_seconds_count', labels);
    assert.equal(count({ protocol: 'v2-rest', endpoint: 'infer', code: '200' }), 6 + 3 + 4);
    assert.equal(count({ protocol: 'v2-rest', endpoint: 'infer', code: '503' }), 2);
    assert.equal(count({ protocol: 'v2-grpc', endpoint: 'infer', code: 'OK' }), 1);
    assert.equal(count({ protocol: 'v2-grpc', endpoint: 'infer', code: 'NOT_FOUND' }), 1);
    assert.equal(count({ protocol: 'v1', endpoint: 'infer', code: '404' }), 1);
    for (const k of metrics.keys()) {
      if (k.startsWith('onnxserve_http_request_duration_seconds')) assert.doesNotMatch(k, /model=/);
    }
  });

  test('names the server does not serve create no series', () => {
    assert.doesNotMatch(text, /ghost_model/);
    assert.equal(value('nv_inference_request_success', { model: 'batched', version: '7' }), undefined);
    const models = new Set([...text.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
    assert.deepEqual([...models].sort(), ['batched', 'single', 'slow']);
  });

  test('model state, queue gauges, process and event-loop metrics', () => {
    assert.equal(value('onnxserve_model_state', { model: 'slow', version: '1', state: 'READY' }), 1);
    assert.equal(value('onnxserve_model_state', { model: 'slow', version: '1', state: 'UNAVAILABLE' }), 0);
    assert.equal(value('onnxserve_queue_depth', { model: 'batched', version: '1' }), 0);
    assert.equal(value('onnxserve_inflight_requests', { model: 'batched', version: '1' }), 0);
    assert.equal(value('onnxserve_model_load_duration_seconds_count', { model: 'batched', result: 'success' }), 1);
    assert.equal(value('onnxserve_worker_restarts_total', { result: 'replaced' }), 0);
    assert.ok(value('process_resident_memory_bytes')! > 0);
    assert.ok(metrics.has(key('nodejs_eventloop_lag_p99_seconds')));
    assert.match(text, /# TYPE nv_inference_request_duration_us counter/);
    assert.match(text, /# TYPE nv_inference_pending_request_count gauge/);
    assert.match(text, /# TYPE nv_inference_first_response_histogram_ms histogram/);
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('metrics switches', () => {
  test('--metrics-port serves /metrics on its own port as well', async () => {
    const port = await freePort();
    const s = await startTestServer(['mlp'], { metricsPort: port });
    try {
      assert.equal(s.metricsPort, port);
      const own = await get(`http://127.0.0.1:${port}/metrics`);
      assert.equal(own.status, 200);
      assert.match(own.text, /nv_inference_request_success\{model="mlp",version="1"\} 0/);
      assert.equal((await get(`http://127.0.0.1:${port}/v2/health/live`)).status, 404);
      assert.equal((await get(`${s.url}/metrics`)).status, 200);
    } finally {
      await s.stop();
    }
  });

  test('V1 infer on the one HTTP pipeline: duration series by status, Triton counters, no series for unknown names', async () => {
    const s = await startTestServer(['mlp']);
    try {
      const ok = await request(`${s.url}/v1/models/mlp/infer`, { method: 'POST', json: { inputs: [[1, 2, 3, 4]] }, headers: { 'x-request-id': 'fast-1' } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('x-request-id'), 'fast-1');
      assert.equal((await post(`${s.url}/v1/models/ghost_model/infer`, { inputs: [[1, 2, 3, 4]] })).status, 404);
      const text = (await get(`${s.url}/metrics`)).text;
      const m = parseExposition(text);
      assert.equal(m.get(key('onnxserve_http_request_duration_seconds_count', { protocol: 'v1', endpoint: 'infer', code: '200' })), 1);
      assert.equal(m.get(key('onnxserve_http_request_duration_seconds_count', { protocol: 'v1', endpoint: 'infer', code: '404' })), 1);
      assert.equal(m.get(key('nv_inference_request_success', { model: 'mlp', version: '1' })), 1);
      assert.doesNotMatch(text, /ghost_model/);
    } finally {
      await s.stop();
    }
  });

  test('--no-metrics: no /metrics, statistics still counted', async () => {
    const s = await startTestServer(['mlp'], { metrics: false });
    try {
      assert.equal((await get(`${s.url}/metrics`)).status, 404);
      assert.equal((await post(`${s.url}/v1/models/mlp/infer`, { inputs: [[1, 2, 3, 4]] })).status, 200);
      assert.equal((await get(`${s.url}/v2/models/mlp/stats`)).body.model_stats[0].inference_stats.success.count, 1);
    } finally {
      await s.stop();
    }
  });
});
