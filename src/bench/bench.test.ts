import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { formatResultsTable, toCsv } from './format.js';
import { runOwnHttp } from './http-own.js';
import { buildPayload, concreteShape, randomInputs, tensorBytes, type ModelMeta } from './payload.js';
import { median, parseRange, processCpuUs, processMemMiB, summarize } from './stats.js';
import type { BenchStepResult, HttpPayload } from './types.js';

const FRAUD: ModelMeta = { name: 'fraud_detector', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 30] }], outputs: [] };

describe('parseRange', () => {
  test('perf_analyzer forms', () => {
    assert.deepEqual(parseRange('1:64:x2'), [1, 2, 4, 8, 16, 32, 64]);
    assert.deepEqual(parseRange('1:10:x4'), [1, 4, 10]);
    assert.deepEqual(parseRange('2:8:3'), [2, 5, 8]);
    assert.deepEqual(parseRange('1:3'), [1, 2, 3]);
    assert.deepEqual(parseRange('16'), [16]);
  });
  test('rejects nonsense', () => {
    for (const bad of ['', '0:4', '4:1', '1:4:x1', '1:4:0', 'a:b', '1:2:3:4', '1::2']) assert.throws(() => parseRange(bad), /bad range/, bad);
  });
});

describe('stats', () => {
  test('nearest-rank percentiles', () => {
    const s = summarize(Float64Array.from({ length: 100 }, (_, i) => 100 - i));
    assert.equal(s.p50, 50);
    assert.equal(s.p90, 90);
    assert.equal(s.p99, 99);
    assert.equal(s.max, 100);
    assert.equal(s.mean, 50.5);
    assert.equal(summarize(new Float64Array(0)).p99, 0);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
  test('reads this process from /proc', () => {
    assert.ok((processCpuUs(process.pid) ?? -1) >= 0);
    assert.ok((processMemMiB(process.pid) ?? 0) > 1);
    assert.equal(processCpuUs(2 ** 30), undefined);
  });
});

describe('payloads', () => {
  test('concrete shapes: dim 0 is the batch, other -1 are 1', () => {
    assert.deepEqual(concreteShape([-1, 30], 64), [64, 30]);
    assert.deepEqual(concreteShape([-1, -1, 3], 2), [2, 1, 3]);
    assert.deepEqual(concreteShape([4], 8), [4]);
  });
  test('V1 sends rows, V2 JSON a flat tensor, both with the same values', () => {
    const inputs = randomInputs(FRAUD, 2);
    const v1 = buildPayload('v1', 'fraud_detector', inputs) as HttpPayload;
    const v2 = buildPayload('v2-json', 'fraud_detector', inputs) as HttpPayload;
    assert.equal(v1.path, '/v1/models/fraud_detector/infer');
    assert.equal(v2.path, '/v2/models/fraud_detector/infer');
    const rows = (JSON.parse(v1.body.toString()) as { inputs: number[][] }).inputs;
    const t = (JSON.parse(v2.body.toString()) as { inputs: { shape: number[]; data: number[]; datatype: string }[] }).inputs[0];
    assert.equal(rows.length, 2);
    assert.equal(rows[0].length, 30);
    assert.deepEqual(t.shape, [2, 30]);
    assert.equal(t.datatype, 'FP32');
    assert.deepEqual(rows.flat(), t.data);
    assert.equal(v1.headers['content-length'], String(v1.body.length));
  });
  test('V2 binary: JSON header of the declared length, then little-endian tensor bytes', () => {
    const inputs = randomInputs(FRAUD, 3);
    const p = buildPayload('v2-binary', 'fraud_detector', inputs, '1') as HttpPayload;
    assert.equal(p.path, '/v2/models/fraud_detector/versions/1/infer');
    const n = Number(p.headers['inference-header-content-length']);
    const header = JSON.parse(p.body.subarray(0, n).toString()) as { inputs: { parameters: { binary_data_size: number } }[]; parameters: Record<string, unknown> };
    assert.equal(header.inputs[0].parameters.binary_data_size, 3 * 30 * 4);
    assert.equal(header.parameters.binary_data_output, true);
    assert.equal(p.body.length, n + 3 * 30 * 4);
    assert.equal(p.body.readFloatLE(n), inputs[0].data[0]);
  });
  test('gRPC carries raw contents and string shapes', () => {
    const p = buildPayload('grpc', 'fraud_detector', randomInputs(FRAUD, 1));
    assert.equal(p.kind, 'grpc');
    const req = p.request as { inputs: { shape: string[] }[]; raw_input_contents: Buffer[] };
    assert.deepEqual(req.inputs[0].shape, ['1', '30']);
    assert.equal(req.raw_input_contents[0].length, 120);
  });
  test('tensor bytes for other datatypes', () => {
    assert.deepEqual([...tensorBytes({ name: 'b', datatype: 'BOOL', shape: [2], data: [true, false] })], [1, 0]);
    assert.equal(tensorBytes({ name: 'i', datatype: 'INT64', shape: [1], data: [-2n] }).readBigInt64LE(0), -2n);
    assert.equal(tensorBytes({ name: 'h', datatype: 'FP16', shape: [1], data: [1] }).readUInt16LE(0), 0x3c00);
    const s = tensorBytes({ name: 's', datatype: 'BYTES', shape: [1], data: ['abc'] });
    assert.equal(s.readUInt32LE(0), 3);
    assert.equal(s.subarray(4).toString(), 'abc');
  });
});

describe('own HTTP loop', () => {
  test('closed and open loop, bounded in time, counting errors', async () => {
    let n = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        n++;
        res.writeHead(n % 10 === 0 ? 503 : 200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const payload = buildPayload('v1', 'fraud_detector', randomInputs(FRAUD, 1));
      const t0 = performance.now();
      const closed = await runOwnHttp({ target: { url }, payload, concurrency: 4, durationMs: 300, timeoutMs: 5000 });
      assert.ok(performance.now() - t0 < 2000);
      assert.ok(closed.requests > 10, `${closed.requests} requests`);
      assert.ok(closed.errors > 0);
      assert.match(closed.firstError ?? '', /^HTTP 503/);
      const open = await runOwnHttp({ target: { url }, payload, concurrency: 8, rate: 100, durationMs: 500, timeoutMs: 5000 });
      const sent = open.requests + open.errors;
      assert.ok(sent >= 30 && sent <= 70, `${sent} sent at 100/s for 0.5 s`);
    } finally {
      server.close();
    }
  });
});

test('table and CSV', () => {
  const r: BenchStepResult = {
    model: 'm', protocol: 'v1', client: 'own', batchSize: 1, concurrency: 4, durationS: 1, requests: 10, errors: 1,
    throughput: 10, inferencesPerSec: 10, p50Ms: 1, p90Ms: 2, p99Ms: 3, meanMs: 1.5, maxMs: 4, firstError: 'HTTP 503 "x", y',
  };
  const table = formatResultsTable([r]);
  assert.match(table, /\| 4 +\| +10\.0 \|/);
  assert.match(table, /concurrency 4: HTTP 503/);
  const csv = toCsv([r]).trim().split('\n');
  assert.equal(csv.length, 2);
  assert.equal(csv[0].split(',').length, csv[1].split(',').length);
});
