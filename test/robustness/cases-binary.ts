/**
 * Catalogue sections C and D (reliability-anchors.md §3): the binary tensor extension and raw requests, then
 * gRPC framing, message size, and cancellation (a cancelled or expired request is never executed).
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { mlpReference } from '../../scripts/fixtures.js';
import {
  grpcCall, grpcName, httpRequest, MLP_X, mlpBody, postJson, postText, rawExchange, waitForInflight, waitForInflightAtMost,
  type Answer, type Case, type Ctx, type NotHere,
} from './harness.js';

const OCTET = 'application/octet-stream';

/** A binary-extension request: JSON header, then `blob`; `headerLength` may lie. */
const binary = (model: string, header: object, blob: Buffer, headerLength?: string) => (c: Ctx): Promise<Answer> => {
  const head = Buffer.from(JSON.stringify(header));
  return postText(c, `/v2/models/${model}/infer`, Buffer.concat([head, blob]),
    { 'content-type': OCTET, 'inference-header-content-length': headerLength ?? String(head.length) });
};
const rawBody = (model: string, blob: Buffer) => (c: Ctx): Promise<Answer> =>
  postText(c, `/v2/models/${model}/infer`, blob, { 'content-type': OCTET, 'inference-header-content-length': '0' });

const f32 = (v: readonly number[]): Buffer => {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((n, i) => b.writeFloatLE(n, i * 4));
  return b;
};
const xBin = (size: number, shape = [1, 4]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape, parameters: { binary_data_size: size } }] });
const bytesIn = (size: number, shape = [1, 1]) => ({ inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape, parameters: { binary_data_size: size } }] });

const SLOW_BODY = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [0.5] }] };
const SLOW_GRPC = { model_name: 'slow', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [0.5] } }] };

export async function executions(c: Ctx, model: string): Promise<number> {
  const a = await httpRequest(c.port, 'GET', `/v2/models/${model}/stats`);
  assert.equal(a.status, 200, a.text);
  return Number(a.body.model_stats[0].execution_count);
}

/**
 * Occupies `slow` with one request (the gated fake holds its run), does `cancel` (which must end a second, queued
 * request without running it) while that run is still held, then lets the first finish: exactly one execution
 * may have happened. Nothing here depends on how long a run takes.
 */
async function whileSlowIsBusy(c: Ctx, cancel: () => Promise<Answer>): Promise<Answer> {
  const slow = c.slow();
  const before = await executions(c, 'slow');
  const runs = slow.runs.length;
  const running = postJson(c, '/v2/models/slow/infer', SLOW_BODY);
  await slow.whenHeld(1);
  const answer = await cancel();
  // The client has its answer; the server may notice a departed client a moment later: wait until it has.
  await waitForInflightAtMost(c, 'slow', 1);
  assert.equal(slow.held, 1, 'the second request ended while the first was still running');
  slow.release();
  const first = await running;
  assert.equal(first.status, 200, `the running request: ${first.text}`);
  await waitForInflight(c, 'slow', 0);
  assert.equal(await executions(c, 'slow') - before, 1, 'the cancelled request was executed anyway');
  assert.equal(slow.runs.length - runs, 1, 'the backend saw one run');
  return answer;
}

/** A gRPC call cancelled by the client once the server has queued it (two requests in flight for slow). */
function grpcCancelWhenQueued(c: Ctx): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const call = c.grpcClient!.ModelInfer(SLOW_GRPC, (err: grpc.ServiceError | null) => {
      const body = { error: err?.details ?? '' };
      resolve({ status: err ? err.code : 0, headers: {}, body, text: JSON.stringify(body), raw: Buffer.alloc(0), ms: performance.now() - started, grpc: true });
    });
    void waitForInflight(c, 'slow', 2).then(() => call.cancel());
  });
}

/** An HTTP client that sends a request and closes its connection once the server has queued it. */
const httpLeaveWhenQueued = (c: Ctx): Promise<Answer> => rawExchange(c.port, async (sock) => {
  const body = JSON.stringify(SLOW_BODY);
  sock.write(`POST /v2/models/slow/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await waitForInflight(c, 'slow', 2);
  sock.destroy();
});

export const BINARY_CASES: readonly Case[] = [
  { id: '41.a', title: 'Inference-Header-Content-Length larger than the body', send: binary('mlp', xBin(16), f32([1, 2, 3, 4]), '100000'),
    expect: { status: 400, error: /exceeds the body length/ } },
  { id: '41.b', title: 'negative Inference-Header-Content-Length', send: binary('mlp', xBin(16), f32([1, 2, 3, 4]), '-5'),
    expect: { status: 400, error: /Inference-Header-Content-Length/ } },
  { id: '41.c', title: 'non-numeric Inference-Header-Content-Length', send: binary('mlp', xBin(16), f32([1, 2, 3, 4]), 'abc'),
    expect: { status: 400, error: /Inference-Header-Content-Length/ } },
  { id: '41.d', title: 'a 20-digit Inference-Header-Content-Length', send: binary('mlp', xBin(16), f32([1, 2, 3, 4]), '99999999999999999999'),
    expect: { status: 400, error: /Inference-Header-Content-Length/ } },
  { id: '42', title: 'binary_data_size sums to 16, 20 bytes follow', send: binary('mlp', xBin(16), f32([1, 2, 3, 4, 5])),
    expect: { status: 400, error: /expected 16 bytes.*found 20/ } },
  { id: '43', title: 'BYTES length prefix running past the buffer', send: (() => {
    const b = Buffer.alloc(7);
    b.writeUInt32LE(100, 0);
    return binary('identity_bytes', bytesIn(7), b);
  })(), expect: { status: 400, error: /'INPUT0'.*BYTES element 0/ } },
  { id: '44', title: '250,000 zero-length BYTES elements for a [1,1] tensor', send: binary('identity_bytes', bytesIn(1_000_000), Buffer.alloc(1_000_000)),
    expect: { status: 400, error: /'INPUT0'/, maxMs: 2000 } },
  { id: '45', title: 'an input with both data and binary_data_size', send: (c) => {
    const header = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4], parameters: { binary_data_size: 16 } }] };
    return binary('mlp', header, f32([1, 2, 3, 4]))(c);
  }, expect: { status: 400, error: /both/ } },
  { id: '46', title: 'binary_data_size 40 for a [2,4] FP32 tensor', send: binary('mlp', xBin(40, [2, 4]), Buffer.alloc(40)),
    expect: { status: 400, error: /40.*32|32.*40/ } },
  { id: '47.a', title: 'raw request to a two-input model', send: rawBody('multi_io', f32([1, 2, 3])),
    expect: { status: 400, error: /one input/ } },
  { id: '47.b', title: 'raw request to a model with two variable dims', send: rawBody('identity_nobatch', f32([1, 2, 3])),
    expect: { status: 400, error: /variable/ } },
  { id: '47.c', title: 'raw request to a BYTES model whose shape is not [1]', send: rawBody('identity_bytes', Buffer.from('abc')),
    expect: { status: 400, error: /BYTES.*\[1\]/ } },
  { id: '48', title: 'binary output: header length and bytes round-trip exactly', send: (c) => postJson(c, '/v2/models/mlp/infer', { ...mlpBody(), parameters: { binary_data_output: true } }),
    expect: { status: 200, check: (a) => {
      const n = Number(a.headers['inference-header-content-length']);
      assert.ok(Number.isSafeInteger(n) && n > 0, `Inference-Header-Content-Length ${String(a.headers['inference-header-content-length'])}`);
      const head = JSON.parse(a.raw.subarray(0, n).toString('utf8')) as { outputs: { name: string; parameters: { binary_data_size: number } }[] };
      assert.equal(head.outputs[0].parameters.binary_data_size, 24);
      assert.equal(a.raw.length, n + 24);
      const want = mlpReference(MLP_X, 2);
      for (let i = 0; i < 6; i++) assert.ok(Math.abs(a.raw.readFloatLE(n + i * 4) - want[i]) < 1e-5, `y[${i}]`);
    } } },
  { id: '49', title: '__proto__ in the JSON header of a binary request', send: (c) => {
    const head = Buffer.from('{"__proto__":{"polluted":1},"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16}}]}');
    return postText(c, '/v2/models/mlp/infer', Buffer.concat([head, f32([1, 2, 3, 4])]), { 'content-type': OCTET, 'inference-header-content-length': String(head.length) });
  }, expect: { status: 400, error: /__proto__/, check: () => assert.equal(({} as Record<string, unknown>).polluted, undefined) } },

  { id: '50', title: 'gRPC message over the server\'s receive limit; the channel stays usable', send: (c) => grpcCall(c.grpcClient!, 'ModelInfer', {
    model_name: 'mlp', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.alloc((c.config.grpcMaxMessageBytes as number) * 2)],
  }), expect: { grpc: 'RESOURCE_EXHAUSTED', error: /larger than|exceed|limit/i, check: async (_a, c) => {
    const live = await grpcCall(c.grpcClient!, 'ServerLive', {});
    assert.equal(grpcName(live.status), 'OK', live.text);
  } } },
  { id: '51.a', title: 'gRPC raw_input_contents count differs from inputs', send: (c) => grpcCall(c.grpcClient!, 'ModelInfer', {
    model_name: 'mlp', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [f32([1, 2, 3, 4]), f32([1, 2, 3, 4])],
  }), expect: { grpc: 'INVALID_ARGUMENT', error: /raw_input_contents/ } },
  { id: '51.b', title: 'gRPC contents and raw_input_contents together', send: (c) => grpcCall(c.grpcClient!, 'ModelInfer', {
    model_name: 'mlp', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }], raw_input_contents: [f32([1, 2, 3, 4])],
  }), expect: { grpc: 'INVALID_ARGUMENT', error: /'x'.*contents/ } },
  { id: '51.c', title: 'gRPC raw contents of the wrong byte size', send: (c) => grpcCall(c.grpcClient!, 'ModelInfer', {
    model_name: 'mlp', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.alloc(15)],
  }), expect: { grpc: 'INVALID_ARGUMENT', error: /'x'/ } },
  // The run ahead is held until the row releases it, so a 150 ms deadline passes in the queue on any machine.
  { id: '52.a', title: 'gRPC deadline expires while queued: DEADLINE_EXCEEDED, never executed', send: (c) => whileSlowIsBusy(c,
    () => grpcCall(c.grpcClient!, 'ModelInfer', SLOW_GRPC, { deadlineMs: 150 })), expect: { grpc: 'DEADLINE_EXCEEDED', error: /deadline/i } },
  { id: '52.b', title: 'gRPC cancel while queued: CANCELLED, never executed', send: (c) => whileSlowIsBusy(c, () => grpcCancelWhenQueued(c)),
    expect: { grpc: 'CANCELLED', error: /cancel/i } },
  { id: '52.c', title: 'HTTP client disconnects while queued: never executed', send: (c) => whileSlowIsBusy(c, () => httpLeaveWhenQueued(c)),
    expect: { status: 0 } },
];

export const BINARY_NOT_HERE: readonly NotHere[] = [
  { id: '48 (tritonclient)', title: 'binary output checked with the official tritonclient',
    reason: 'no Python in the test environment; row 48 checks the same framing (header length, byte count, values) by hand' },
];
