/**
 * streamInfer (gRPC ModelStreamInfer) against the real server: requests from arrays and async generators,
 * per-request errors as entries, and a stream ended by the caller (break), its signal or its deadline — each
 * observed in the server's queue (held-model.ts), never by waiting a length of time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpReference, sampleInput } from '../../scripts/fixtures.js';
import type { InferenceClient, InferResult, StreamRequest, StreamResponse } from '../../src/client/index.js';
import type { TestServer } from '../helpers/server.js';
import { addHeldModel, executions, heldInput, HELD, queued } from './held-model.js';
import { clientFor, rejects, startServer, until } from './helpers.js';

const mlp = (rows: number, seed: number, id: string): StreamRequest => ({
  model: 'mlp', id, inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], data: sampleInput(rows * 4, seed) }],
});

async function collect(it: AsyncIterable<StreamResponse>): Promise<StreamResponse[]> {
  const out: StreamResponse[] = [];
  for await (const r of it) out.push(r);
  return out;
}

let server: TestServer;
let client: InferenceClient;
before(async () => {
  server = await startServer(['mlp'], {}, addHeldModel);
  client = clientFor('grpc', server);
});
after(async () => {
  client.close();
  await server.stop();
});

describe('streamInfer over gRPC', () => {
  test('every request answered once, matched by id; a failing request is an error entry and the stream goes on', async () => {
    const requests = [1, 2, 3].map((i) => mlp(i, i, `s${i}`));
    requests.push({ model: 'no_such_model', id: 'bad-model', inputs: mlp(1, 1, '').inputs });
    requests.push({ model: 'mlp', id: 'bad-shape', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] }] });
    requests.push(mlp(2, 9, 's9'));
    const answers = await collect(client.streamInfer(requests));
    assert.equal(answers.length, requests.length);
    const results = new Map(answers.filter((a) => a.result).map((a) => [a.result!.id, a.result!]));
    for (const [id, rows, seed] of [['s1', 1, 1], ['s2', 2, 2], ['s3', 3, 3], ['s9', 2, 9]] as const) {
      const y = results.get(id)!.output('y', 'FP32');
      assert.deepEqual(y.shape, [rows, 3]);
      mlpReference(sampleInput(rows * 4, seed), rows).forEach((v, i) => assert.ok(Math.abs(y.data[i] - v) < 1e-5, `${id} y[${i}]`));
    }
    const errors = new Map(answers.filter((a) => a.error).map((a) => [a.id, a.error!]));
    assert.match(errors.get('bad-model')!.message, /no_such_model/);
    assert.match(errors.get('bad-shape')!.message, /'x'/);
  });

  test('an empty stream ends cleanly', async () => {
    assert.deepEqual(await collect(client.streamInfer([])), []);
  });

  test('requests from an async generator: each written once the previous answer arrived', async () => {
    const answered: string[] = [];
    let release: (() => void) | undefined;
    async function* conversation(): AsyncGenerator<StreamRequest> {
      for (let i = 0; i < 3; i++) {
        yield mlp(1, i + 1, `turn${i}`);
        await new Promise<void>((r) => (release = r));
      }
    }
    for await (const r of client.streamInfer(conversation())) {
      answered.push(r.result!.id!);
      release?.();
    }
    assert.deepEqual(answered, ['turn0', 'turn1', 'turn2']);
  });

  test('breaking out of the loop cancels the stream: its queued request leaves the queue unrun', async () => {
    const before = executions(server);
    let first: InferResult | undefined;
    for await (const r of client.streamInfer([{ model: HELD, id: 'held', inputs: [heldInput(1)] }, mlp(1, 1, 'quick')])) {
      first = r.result;
      await until(() => queued(server) === 1, 'the held request is queued');
      break;
    }
    assert.equal(first?.id, 'quick');
    await until(() => queued(server) === 0, 'the cancelled stream took its request out of the queue');
    assert.equal(executions(server).executions, before.executions);
  });

  test('the signal ends the stream with CANCELLED, the deadline with DEADLINE_EXCEEDED; queued work is dropped', async () => {
    const before = executions(server);
    const ac = new AbortController();
    const aborted = collect(client.streamInfer([{ model: HELD, inputs: [heldInput(1)] }], { signal: ac.signal }));
    await until(() => queued(server) === 1, 'the held request is queued');
    ac.abort();
    await rejects(aborted, 'CANCELLED');
    await until(() => queued(server) === 0, 'the aborted stream left the queue');
    const e = await rejects(collect(client.streamInfer([{ model: HELD, inputs: [heldInput(1)] }], { timeoutMs: 150 })), 'DEADLINE_EXCEEDED');
    assert.equal(e.grpcCode, 4);
    await until(() => queued(server) === 0, 'the expired stream left the queue');
    assert.equal(executions(server).executions, before.executions);
  });

  test('answers already received are yielded before a stream failure is thrown', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    async function* requests(): AsyncGenerator<StreamRequest> {
      yield mlp(1, 1, 'before-abort');
      yield { model: HELD, inputs: [heldInput(1)] };
    }
    const failed = rejects((async () => {
      for await (const r of client.streamInfer(requests(), { signal: ac.signal })) {
        seen.push(r.result!.id!);
        await until(() => queued(server) === 1, 'the held request is queued');
        ac.abort();
      }
    })(), 'CANCELLED');
    await failed;
    assert.deepEqual(seen, ['before-abort']);
    await until(() => queued(server) === 0, 'the aborted stream left the queue');
  });

  test('a request the client refuses ends the stream with its INVALID_ARGUMENT', async () => {
    await rejects(collect(client.streamInfer([mlp(1, 1, 'ok'), { model: 'mlp', inputs: [{ name: 'x', datatype: 'INT8', shape: [1], data: [999] }] }])),
      'INVALID_ARGUMENT', /INT8 element 0 is 999/);
  });
});
