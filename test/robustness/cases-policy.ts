/**
 * Catalogue section F (reliability-anchors.md §3): runtime settings that could name files, the shared-memory
 * extensions we do not offer, and overload (a bounded queue answers 503 fast; a queued request that times out is
 * never executed). Cases 65 (auth matrix), 69 (SIGTERM) and 70 (leakage) live elsewhere, see POLICY_NOT_HERE.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { executions } from './cases-binary.js';
import {
  grpcCall, httpRequest, postJson, waitForInflight, type Answer, type Case, type Ctx, type NotHere,
} from './harness.js';
import { Progress } from '../helpers/wait.js';

const SLOW_BODY = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [0.5] }] };
const NO_ROUTE = /no route/;

function fileNotCreated(name: string) {
  return (_a: Answer, c: Ctx): void => assert.ok(!existsSync(path.join(c.outside, name)), `${name} was created`);
}

function noSharedMemoryExtension(a: Answer): void {
  const ext = a.body?.extensions as string[] | undefined;
  assert.ok(Array.isArray(ext), a.text);
  assert.deepEqual(ext.filter((e) => /shared_memory/.test(e)), []);
}

export const POLICY_CASES: readonly Case[] = [
  { id: '66.a', title: 'POST /v2/logging with a log_file', send: (c) => postJson(c, '/v2/logging', { log_file: path.join(c.outside, 'log.txt') }),
    expect: { status: [400, 404], error: NO_ROUTE, check: fileNotCreated('log.txt') } },
  { id: '66.b', title: 'POST /v2/trace/setting with a trace_file', send: (c) => postJson(c, '/v2/trace/setting', { trace_file: path.join(c.outside, 'trace.txt') }),
    expect: { status: [400, 404], error: NO_ROUTE, check: fileNotCreated('trace.txt') } },
  { id: '66.c', title: 'gRPC LogSettings with a log_file', send: (c) => grpcCall(c.grpcClient!, 'LogSettings', { settings: { log_file: { string_param: path.join(c.outside, 'glog.txt') } } }),
    expect: { grpc: 'UNIMPLEMENTED', error: /implement/i, check: fileNotCreated('glog.txt') } },
  { id: '66.d', title: 'gRPC TraceSetting with a trace_file', send: (c) => grpcCall(c.grpcClient!, 'TraceSetting', { settings: { trace_file: { value: [path.join(c.outside, 'gtrace.txt')] } } }),
    expect: { grpc: 'UNIMPLEMENTED', error: /implement/i, check: fileNotCreated('gtrace.txt') } },
  { id: '67.a', title: 'system shared memory register route', send: (c) => postJson(c, '/v2/systemsharedmemory/region/r0/register', { key: '/triton_python_backend_shm', offset: 0, byte_size: 64 }),
    expect: { status: 404, error: NO_ROUTE } },
  { id: '67.b', title: 'CUDA shared memory status route', send: (c) => httpRequest(c.port, 'GET', '/v2/cudasharedmemory/status'),
    expect: { status: 404, error: NO_ROUTE } },
  { id: '67.c', title: 'gRPC SystemSharedMemoryRegister', send: (c) => grpcCall(c.grpcClient!, 'SystemSharedMemoryRegister', { name: 'r0', key: '/triton_x', offset: 0, byte_size: 64 }),
    expect: { grpc: 'UNIMPLEMENTED', error: /implement/i } },
  { id: '67.d', title: 'gRPC CudaSharedMemoryStatus', send: (c) => grpcCall(c.grpcClient!, 'CudaSharedMemoryStatus', {}),
    expect: { grpc: 'UNIMPLEMENTED', error: /implement/i } },
  { id: '67.e', title: 'server metadata (REST) lists no shared-memory extension', send: (c) => httpRequest(c.port, 'GET', '/v2'),
    expect: { status: 200, check: noSharedMemoryExtension } },
  { id: '67.f', title: 'server metadata (gRPC) lists no shared-memory extension', send: (c) => grpcCall(c.grpcClient!, 'ServerMetadata', {}),
    expect: { grpc: 'OK', check: noSharedMemoryExtension } },
  // slow's run is held until the row releases it. One request runs; of the 19 sent at once while it does, two
  // queue and the other 17 must be answered while the first is still running ("at once": no rejection waits for
  // a run). The first goes alone so that "running" is a fact when the others arrive (requests parsed in one
  // event-loop turn all count as waiting).
  { id: '68.a', title: 'overload: 20 concurrent requests on a queue of 2; the excess gets 503 + Retry-After at once', send: async (c) => {
    const slow = c.slow();
    const answered: Answer[] = [];
    const progress = new Progress();
    const send = () => postJson(c, '/v2/models/slow/infer', SLOW_BODY).then((a) => {
      answered.push(a);
      progress.tick();
      return a;
    });
    const first = send();
    await slow.whenHeld(1);
    const all = [first, ...Array.from({ length: 19 }, send)];
    await progress.until(() => answered.length >= 17);
    assert.deepEqual(answered.map((a) => a.status), new Array(17).fill(503), 'the first 17 answers are rejections');
    assert.equal(slow.held, 1, 'all 17 were answered while the first request was still running');
    slow.releaseAll();
    const answers = await Promise.all(all);
    slow.hold();
    const ok = answers.filter((a) => a.status === 200);
    const rejected = answers.filter((a) => a.status === 503);
    assert.equal(ok.length, 3, `one ran and two queued: ${answers.map((a) => a.status).join(',')}`);
    assert.equal(rejected.length, 17);
    return rejected[0];
  }, expect: { status: 503, error: /queue/, check: (a) => assert.ok(a.headers['retry-after'], 'Retry-After header') } },
  { id: '68.b', title: 'a queued request whose timeout passes gets 503 and is never executed', send: async (c) => {
    const slow = c.slow();
    const before = await executions(c, 'slow');
    const running = postJson(c, '/v2/models/slow/infer', SLOW_BODY);
    await slow.whenHeld(1);
    // 100 ms in the queue behind a run that is held until the row releases it: it must time out, on any machine.
    const timedOut = await postJson(c, '/v2/models/slow/infer', { ...SLOW_BODY, parameters: { timeout: 100_000 } });
    assert.equal(slow.held, 1, 'timed out while the first request was still running');
    slow.release();
    assert.equal((await running).status, 200);
    await waitForInflight(c, 'slow', 0);
    assert.equal(await executions(c, 'slow') - before, 1, 'the timed-out request was executed anyway');
    return timedOut;
  }, expect: { status: 503, error: /timed out|timeout/, check: (a) => assert.ok(a.headers['retry-after'], 'Retry-After header') } },
];

export const POLICY_NOT_HERE: readonly NotHere[] = [
  { id: '65', title: 'admin-token matrix on every listener', reason: 'admin-token.test.ts' },
  { id: '69', title: 'SIGTERM with requests in flight', reason: 'shutdown.test.ts (spawns the real CLI)' },
];
