import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { formatResultsTable, toCsv } from './format.js';
import { drive, openLoop, runOwnHttp } from './http-own.js';
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
  /** A local server answering 503 to every 4th request (the 1st, 5th, ...), counting what it got and refused. */
  async function countingServer(): Promise<{ url: string; n: () => number; refused: () => number; close(): void }> {
    let n = 0;
    let refused = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        n++;
        const no = n % 4 === 1;
        if (no) refused++;
        res.writeHead(no ? 503 : 200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, n: () => n, refused: () => refused, close: () => server.close() };
  }
  const payload = buildPayload('v1', 'fraud_detector', randomInputs(FRAUD, 1));

  test('closed and open loop over HTTP: every request counted once, as a success or an error', async () => {
    const srv = await countingServer();
    try {
      const closed = await runOwnHttp({ target: { url: srv.url }, payload, concurrency: 4, durationMs: 100, timeoutMs: 30_000 });
      // The first worker sends at t0, and the first request is refused. (How many more there are depends on the
      // machine: a worker that starts after the deadline on a busy one sends nothing.)
      assert.ok(srv.n() >= 1, `${srv.n()} requests`);
      assert.equal(closed.requests + closed.errors, srv.n());
      assert.equal(closed.errors, srv.refused());
      assert.match(closed.firstError ?? '', /^HTTP 503/);
      assert.ok(closed.elapsedMs >= 100, `ran its whole duration (${closed.elapsedMs} ms)`);
      const before = srv.n();
      const open = await runOwnHttp({ target: { url: srv.url }, payload, concurrency: 8, rate: 100, durationMs: 100, timeoutMs: 30_000 });
      const sent = srv.n() - before;
      assert.equal(open.requests + open.errors, sent);
      // Sends are never early: at most what the schedule allowed over the time the run took (the exact schedule is
      // checked with a fake clock below).
      assert.ok(sent >= 1 && sent <= Math.floor((open.elapsedMs / 1000) * 100) + 1, `${sent} sent at 100/s in ${open.elapsedMs.toFixed(0)} ms`);
    } finally {
      srv.close();
    }
  });

  test('a run against a server that stops answering still ends: outstanding requests time out', async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // A request outlives the duration (timeoutMs > durationMs), so each worker that started before the deadline
      // sends exactly one, which is given up after timeoutMs, and the run returns. (A worker that starts after the
      // deadline on a busy machine sends none; the first starts at t0.)
      let received = 0;
      server.on('request', () => { received++; });
      const r = await runOwnHttp({ target: { url }, payload, concurrency: 3, durationMs: 1000, timeoutMs: 1500 });
      assert.equal(r.requests, 0);
      assert.ok(r.errors >= 1 && r.errors <= 3, `${r.errors} errors`);
      assert.equal(r.errors, received, 'one timed-out request per worker that sent, none retried past the deadline');
      assert.match(r.firstError ?? '', /timeout after 1500 ms/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

/**
 * The load loops' schedule on a fake clock: performance.now() and setTimeout move only when the test advances
 * them, so counts and send times are exact rather than "about 50 at 100/s for 0.5 s, give or take the machine".
 */
describe('load loops on a fake clock', () => {
  function fakeTime(t: TestContext) {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    let now = 0;
    t.mock.method(performance, 'now', () => now);
    return {
      get now() { return now; },
      /** Lets pending continuations run, moves the clock by 1 ms, then lets what became due run. */
      async step() {
        await new Promise((r) => setImmediate(r));
        now += 1;
        t.mock.timers.tick(1);
        await new Promise((r) => setImmediate(r));
      },
    };
  }

  async function runUntil<T>(clock: { step(): Promise<void> }, p: Promise<T>): Promise<T> {
    let done = false;
    void p.finally(() => { done = true; });
    for (let i = 0; !done && i < 100_000; i++) await clock.step();
    return p;
  }

  test('open loop: 100/s for 0.5 s starts exactly 50 sends, each on its slot, none early', async (t) => {
    const clock = fakeTime(t);
    const starts: number[] = [];
    const delayed = await runUntil(clock, openLoop(100, 8, 500, 0, async () => { starts.push(clock.now); }));
    assert.equal(starts.length, 50);
    // Never before its slot; at most one clock tick after it (the due count is computed in floating point, so
    // 290/1000*100 rounds to 28.999... and send 29 goes at the next tick).
    starts.forEach((at, k) => assert.ok(at >= k * 10 && at <= k * 10 + 1, `send ${k} at ${at} ms, its slot is ${k * 10} ms`));
    assert.equal(delayed, 0);
  });

  test('open loop: a send due while `cap` are in flight waits for a free slot, is counted as delayed, and the schedule catches up', async (t) => {
    const clock = fakeTime(t);
    const starts: number[] = [];
    const gates: (() => void)[] = [];
    let answering = false;
    const one = () => {
      starts.push(clock.now);
      return answering ? Promise.resolve() : new Promise<void>((r) => gates.push(r));
    };
    let finished = false;
    const run = openLoop(100, 2, 100, 0, one);
    void run.finally(() => { finished = true; });
    while (clock.now < 25) await clock.step();
    assert.deepEqual(starts, [0, 10], 'the third send (due at 20 ms) waits: two are in flight');
    answering = true;
    for (const g of gates.splice(0)) g();
    await new Promise((r) => setImmediate(r));
    while (!finished) await clock.step();
    assert.equal(await run, 1);
    assert.deepEqual(starts, [0, 10, 25, 30, 40, 50, 60, 70, 80, 90]);
  });

  test('closed loop: each worker sends again as soon as it has an answer, until the deadline', async (t) => {
    const clock = fakeTime(t);
    const starts: number[] = [];
    let inFlight = 0;
    let most = 0;
    const pending: (() => void)[] = [];
    const one = () => new Promise<boolean>((resolve) => {
      starts.push(clock.now);
      most = Math.max(most, ++inFlight);
      pending.push(() => { inFlight--; resolve(true); });
    });
    let finished = false;
    const run = drive({ concurrency: 2 }, 20, 0, one, () => [0, 0]);
    void run.finally(() => { finished = true; });
    // Every millisecond the server answers whatever is outstanding.
    while (!finished) {
      await clock.step();
      for (const answer of pending.splice(0)) answer();
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await run, 0);
    assert.equal(most, 2, 'one request in flight per worker');
    assert.deepEqual(starts, Array.from({ length: 40 }, (_, i) => Math.floor(i / 2)), 'two sends every millisecond from 0 to 19 ms');
  });

  test('closed loop: after a failure a worker backs off 1 ms instead of spinning', async (t) => {
    const clock = fakeTime(t);
    const starts: number[] = [];
    const one = async () => {
      starts.push(clock.now);
      return false;
    };
    const run = drive({ concurrency: 1 }, 5, 0, one, () => [0, 0]);
    await runUntil(clock, run);
    assert.deepEqual(starts, [0, 1, 2, 3, 4]);
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
