import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { isTracing } from '../../src/observability/index.js';
import { loadPackageDefinition } from '../../src/protocol/v2-grpc/index.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { makeRepo, request } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { sampleInput } from '../../scripts/fixtures.js';

const row = (seed: number) => Array.from(sampleInput(30, seed, 2));
const v2 = (rows: number[][]) => ({ inputs: [{ name: 'input', shape: [rows.length, 30], datatype: 'FP32', data: rows.flat() }] });
const hex = (bytes: number) => Array.from({ length: bytes }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join('');

/**
 * `fraud` (dynamic batching: a batch goes once it has 2 rows; the queue delay is a minute, so two concurrent
 * requests always meet however slowly the second arrives) and `fraud_single` (none).
 */
function repository(): string {
  return makeRepo([], (dir) => {
    for (const [name, config] of [
      ['fraud', 'max_batch_size: 8\ndynamic_batching { preferred_batch_size: [ 2 ] max_queue_delay_microseconds: 60000000 }\n'],
      ['fraud_single', 'max_batch_size: 8\n'],
    ] as const) {
      mkdirSync(path.join(dir, name, '1'), { recursive: true });
      copyFileSync('models/fraud_detector.onnx', path.join(dir, name, '1', 'model.onnx'));
      writeFileSync(path.join(dir, name, 'config.pbtxt'), config);
    }
  });
}

function grpcInfer(port: number, msg: unknown, metadata: grpc.Metadata): Promise<{ err: grpc.ServiceError | null }> {
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
    inference: { GRPCInferenceService: new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client & Record<string, (...a: unknown[]) => void> };
  };
  const client = new pkg.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => client.ModelInfer(msg, metadata, (err: grpc.ServiceError | null) => {
    client.close();
    resolve({ err });
  }));
}

interface Started {
  server: RunningServer;
  url: string;
  repo: string;
  stop(): Promise<void>;
}

async function start(overrides: Record<string, unknown>, options: Parameters<typeof startServer>[1]): Promise<Started> {
  const repo = repository();
  const config = loadConfig({ modelRepository: repo, httpPort: 0, grpcPort: 0, logLevel: 'silent', ...overrides }, {});
  const server = await startServer(config, { logger: pino({ level: 'silent' }), env: {}, ...options });
  return {
    server, repo, url: `http://127.0.0.1:${server.httpPort}`,
    async stop() {
      await server.close();
      rmSync(repo, { recursive: true, force: true });
    },
  };
}

describe('OpenTelemetry traces (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let s: Started;
  before(async () => {
    s = await start({ grpc: true }, { spanExporter: exporter });
  });
  after(async () => {
    await s.stop();
    assert.equal(isTracing(), false, 'closing the server turns tracing off');
  });

  /** The root span of one trace and its children, once the root has ended (onResponse runs after the client has its answer). */
  async function tree(traceId: string): Promise<{ root: ReadableSpan; children: ReadableSpan[] }> {
    const spans = () => exporter.getFinishedSpans().filter((sp) => sp.spanContext().traceId === traceId);
    const rootOf = () => spans().find((sp) => sp.name === 'onnxserve.infer');
    await waitFor(() => rootOf() !== undefined, `a root span for trace ${traceId}`);
    const root = rootOf()!;
    const children = spans().filter((sp) => sp.parentSpanContext?.spanId === root.spanContext().spanId).sort((a, b) => cmp(a.startTime, b.startTime));
    return { root, children };
  }

  /**
   * Every span of a request answered before this call has ended once it returns: a traced request sent now ends
   * its root span after its own answer, later than any earlier request's. For asserting that spans are absent.
   */
  async function barrier(): Promise<void> {
    const traceId = hex(16);
    const r = await request(`${s.url}/v2/models/fraud_single/infer`, { method: 'POST', json: v2([row(6)]), headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    assert.equal(r.status, 200, r.text);
    await tree(traceId);
  }

  const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];
  const ns = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

  function assertTree(root: ReadableSpan, children: ReadableSpan[], traceId: string, parentId: string | undefined): void {
    assert.equal(root.kind, SpanKind.SERVER);
    assert.equal(root.spanContext().traceId, traceId);
    assert.equal(root.parentSpanContext?.spanId, parentId);
    assert.deepEqual(children.map((c) => c.name), ['onnxserve.decode', 'onnxserve.queue', 'onnxserve.execute', 'onnxserve.encode']);
    for (const c of children) {
      assert.equal(c.spanContext().traceId, traceId);
      assert.ok(ns(c.startTime) >= ns(root.startTime) && ns(c.endTime) <= ns(root.endTime), `${c.name} lies within the request span`);
    }
    for (let i = 1; i < children.length; i++) assert.ok(ns(children[i - 1].endTime) <= ns(children[i].startTime), `${children[i - 1].name} ends before ${children[i].name} starts`);
  }

  test('an HTTP request\'s span tree is parented by its traceparent header', async () => {
    const traceId = hex(16);
    const parentId = hex(8);
    const r = await request(`${s.url}/v2/models/fraud_single/infer`, {
      method: 'POST', json: v2([row(1)]),
      headers: { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'vendor=abc', 'x-request-id': 'trace-me-1' },
    });
    assert.equal(r.status, 200, r.text);
    const { root, children } = await tree(traceId);
    assertTree(root, children, traceId, parentId);
    assert.equal(root.spanContext().traceState?.get('vendor'), 'abc');
    assert.equal(root.parentSpanContext?.isRemote, true);
    assert.deepEqual({
      model: root.attributes['onnxserve.model.name'], version: root.attributes['onnxserve.model.version'],
      protocol: root.attributes['onnxserve.protocol'], id: root.attributes['onnxserve.request_id'],
      status: root.attributes['http.response.status_code'], route: root.attributes['http.route'],
    }, { model: 'fraud_single', version: '1', protocol: 'v2-rest', id: 'trace-me-1', status: 200, route: '/v2/models/:model/infer' });
    assert.equal(children[2].attributes['onnxserve.batch_size'], 1);
    assert.equal(root.status.code, SpanStatusCode.UNSET);
  });

  test('a gRPC request\'s span tree is parented by its traceparent metadata', async () => {
    const traceId = hex(16);
    const parentId = hex(8);
    const md = new grpc.Metadata();
    md.set('traceparent', `00-${traceId}-${parentId}-01`);
    md.set('x-request-id', 'grpc-trace-1');
    const { err } = await grpcInfer(s.server.grpcPort!, { model_name: 'fraud_single', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], contents: { fp32_contents: row(2) } }] }, md);
    assert.equal(err, null, err?.message);
    const { root, children } = await tree(traceId);
    assertTree(root, children, traceId, parentId);
    assert.equal(root.attributes['onnxserve.protocol'], 'v2-grpc');
    assert.equal(root.attributes['onnxserve.request_id'], 'grpc-trace-1');
    assert.equal(root.attributes['rpc.grpc.status_code'], 'OK');
  });

  test('requests batched together each get their tree; execute carries the batch size', async () => {
    const ids = [hex(16), hex(16)];
    const answers = await Promise.all(ids.map((traceId, i) => request(`${s.url}/v1/models/fraud/infer`, {
      method: 'POST', json: { inputs: [row(10 + i)] }, headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
    })));
    for (const a of answers) assert.equal(a.status, 200, a.text);
    for (const traceId of ids) {
      const { root, children } = await tree(traceId);
      assert.equal(root.attributes['onnxserve.protocol'], 'v1');
      const execute = children.find((c) => c.name === 'onnxserve.execute');
      assert.equal(execute?.attributes['onnxserve.batch_size'], 2);
    }
  });

  test('a request the core refuses: error status on the request span, no queue or execute span', async () => {
    const traceId = hex(16);
    const r = await request(`${s.url}/v2/models/fraud_single/infer`, {
      method: 'POST', json: { inputs: [{ name: 'input', shape: [1, 29], datatype: 'FP32', data: row(3).slice(0, 29) }] },
      headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
    });
    assert.equal(r.status, 400);
    const { root, children } = await tree(traceId);
    assert.equal(root.status.code, SpanStatusCode.ERROR);
    assert.equal(root.attributes['error.type'], 'INVALID_ARGUMENT');
    assert.deepEqual(children.map((c) => c.name), ['onnxserve.decode']);
  });

  test('no traceparent: a new trace; a parent that is not sampled: no spans', async () => {
    const before = new Set(exporter.getFinishedSpans().map((sp) => sp.spanContext().traceId));
    assert.equal((await request(`${s.url}/v2/models/fraud_single/infer`, { method: 'POST', json: v2([row(4)]) })).status, 200);
    const freshRoots = () => exporter.getFinishedSpans().filter((sp) => !before.has(sp.spanContext().traceId) && sp.name === 'onnxserve.infer');
    await waitFor(() => freshRoots().length > 0, 'the root span of the request without traceparent');
    const fresh = freshRoots();
    assert.equal(fresh.length, 1);
    assert.equal(fresh[0].parentSpanContext, undefined);

    const traceId = hex(16);
    assert.equal((await request(`${s.url}/v2/models/fraud_single/infer`, {
      method: 'POST', json: v2([row(5)]), headers: { traceparent: `00-${traceId}-${hex(8)}-00` },
    })).status, 200);
    await barrier();
    assert.equal(exporter.getFinishedSpans().filter((sp) => sp.spanContext().traceId === traceId).length, 0);
  });

  test('only inference requests are traced', async () => {
    const traceId = hex(16);
    await request(`${s.url}/v2/models/fraud_single`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    await barrier();
    assert.equal(exporter.getFinishedSpans().filter((sp) => sp.spanContext().traceId === traceId).length, 0);
  });
});

describe('tracing off', () => {
  test('no --trace and no OTEL_* variables: tracing stays off', async () => {
    const s = await start({ grpc: false }, {});
    try {
      assert.equal(isTracing(), false);
      assert.equal((await request(`${s.url}/v2/models/fraud_single/infer`, { method: 'POST', json: v2([row(1)]) })).status, 200);
    } finally {
      await s.stop();
    }
  });
});

describe('request ids and the access log', () => {
  const lines: Record<string, unknown>[] = [];
  let s: RunningServer;
  let url: string;
  let repo: string;
  before(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    repo = repository();
    const config = loadConfig({ modelRepository: repo, httpPort: 0, grpcPort: 0, logRequests: true }, {});
    s = await startServer(config, { logger: pino({ level: 'info' }, stream), env: {} });
    url = `http://127.0.0.1:${s.httpPort}`;
  });
  after(async () => {
    await s.close();
    rmSync(repo, { recursive: true, force: true });
  });

  const accessLine = async (reqId: string) => {
    const found = () => lines.filter((l) => l.msg === 'request' && l.reqId === reqId);
    await waitFor(() => found().length > 0, `an access log line for ${reqId}`);
    return found();
  };

  test('X-Request-Id is honoured, echoed, and on the request\'s access log line', async () => {
    const r = await request(`${url}/v1/models/fraud_single/infer`, { method: 'POST', json: { inputs: [row(1)] }, headers: { 'x-request-id': 'client-id-42' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-request-id'), 'client-id-42');
    const [line, ...more] = await accessLine('client-id-42');
    assert.equal(more.length, 0, 'one line per request');
    assert.equal(line.level, 30);
    assert.equal(line.model, 'fraud_single');
    assert.equal(line.protocol, 'v1');
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
  });

  test('every response carries an id: generated when absent or unusable; unknown models are not logged by name', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const plain = await request(`${url}/v2/health/live`);
    assert.match(plain.headers.get('x-request-id') ?? '', uuid);
    const tooLong = await request(`${url}/v2/health/live`, { headers: { 'x-request-id': 'x'.repeat(500) } });
    assert.match(tooLong.headers.get('x-request-id') ?? '', uuid);
    const noRoute = await request(`${url}/no/such/route`, { headers: { 'x-request-id': 'missing-route-1' } });
    assert.equal(noRoute.status, 404);
    assert.equal(noRoute.headers.get('x-request-id'), 'missing-route-1');
    const unknown = await request(`${url}/v2/models/not_a_model/infer`, { method: 'POST', json: v2([row(1)]), headers: { 'x-request-id': 'unknown-model-1' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-request-id'), 'unknown-model-1');
    const [line] = await accessLine('unknown-model-1');
    assert.equal(line.model, undefined);
    assert.equal(line.status, 404);
    assert.equal(line.protocol, 'v2-rest');
    assert.doesNotMatch(JSON.stringify(lines), /not_a_model/);
  });

  test('gRPC requests are logged with their metadata id', async () => {
    const md = new grpc.Metadata();
    md.set('x-request-id', 'grpc-log-1');
    const { err } = await grpcInfer(s.grpcPort!, { model_name: 'fraud_single', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], contents: { fp32_contents: row(2) } }] }, md);
    assert.equal(err, null, err?.message);
    const [line] = await accessLine('grpc-log-1');
    assert.deepEqual({ protocol: line.protocol, model: line.model, status: line.status }, { protocol: 'v2-grpc', model: 'fraud_single', status: 'OK' });
  });
});
