/**
 * AbortSignal and deadlines over the three encodings, on a request that waits in the server's queue (held-model.ts):
 * the call ends with CANCELLED / DEADLINE_EXCEEDED, and the server drops the queued request without running it.
 * Every step waits for the queue's state, never for a length of time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InferenceClient } from '../../src/client/index.js';
import type { TestServer } from '../helpers/server.js';
import { addHeldModel, executions, heldInput, HELD, queued } from './held-model.js';
import { clientFor, rejects, startServer, TRANSPORTS, until } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startServer([], {}, addHeldModel);
});
after(() => server.stop());

for (const transport of TRANSPORTS) {
  describe(`cancellation over ${transport}`, () => {
    let client: InferenceClient;
    before(() => {
      client = clientFor(transport, server);
    });
    after(() => client.close());

    test('the held model really holds a lone row, and releases it when the batch fills', async () => {
      const held = client.infer(HELD, [heldInput(1)], { id: 'held-1' });
      await until(() => queued(server) === 1, 'the 1-row request is queued');
      const [first, filler] = await Promise.all([held, client.infer(HELD, [heldInput(7)])]);
      assert.equal(first.id, 'held-1');
      assert.deepEqual(first.output('OUTPUT0').shape, [1, 1]);
      assert.deepEqual(filler.output('OUTPUT0').shape, [7, 1]);
    });

    test('abort: a queued request ends CANCELLED and leaves the queue without running', async () => {
      const before = executions(server);
      const ac = new AbortController();
      const call = client.infer(HELD, [heldInput(1)], { signal: ac.signal });
      await until(() => queued(server) === 1, 'the request is queued');
      ac.abort();
      await rejects(call, 'CANCELLED', /cancelled/);
      await until(() => queued(server) === 0, 'the server dropped the abandoned request');
      await until(() => executions(server).failures === before.failures + 1, 'the server counted it as failed');
      assert.equal(executions(server).executions, before.executions, 'it never ran');
      assert.equal(executions(server).successes, before.successes);
    });

    test('deadline: a request still queued when its timeoutMs passes ends DEADLINE_EXCEEDED and never runs', async () => {
      const before = executions(server);
      const e = await rejects(client.infer(HELD, [heldInput(1)], { timeoutMs: 150 }), 'DEADLINE_EXCEEDED');
      if (transport === 'grpc') assert.equal(e.grpcCode, 4);
      else assert.match(e.message, /deadline of 150 ms passed/);
      await until(() => queued(server) === 0, 'the server dropped the expired request');
      assert.equal(executions(server).executions, before.executions, 'it never ran');
    });

    test("the client's default timeoutMs applies to every call; a call's own overrides it", async () => {
      const hasty = clientFor(transport, server, { timeoutMs: 100 });
      try {
        await rejects(hasty.infer(HELD, [heldInput(1)]), 'DEADLINE_EXCEEDED');
        await until(() => queued(server) === 0, 'the expired request left the queue');
        // A generous per-call deadline lets a held request wait for its release.
        const patient = hasty.infer(HELD, [heldInput(1)], { timeoutMs: 60_000 });
        await until(() => queued(server) === 1, 'the patient request is queued');
        await Promise.all([patient, client.infer(HELD, [heldInput(7)])]);
        // (Its own deadline again: on a loaded machine even a health call may take longer than the default.)
        assert.equal(await hasty.isServerLive({ timeoutMs: 30_000 }), true);
      } finally {
        hasty.close();
      }
    });

    test('an already aborted signal sends nothing', async () => {
      const before = executions(server);
      await rejects(client.infer(HELD, [heldInput(1)], { signal: AbortSignal.abort() }), 'CANCELLED');
      await rejects(client.serverMetadata({ signal: AbortSignal.abort() }), 'CANCELLED');
      assert.deepEqual(executions(server), before);
      assert.equal(queued(server), 0);
    });

    test('abort and deadline apply to the other calls too', async () => {
      await rejects(client.modelMetadata(HELD, { signal: AbortSignal.abort() }), 'CANCELLED');
      await rejects(client.repositoryIndex({ signal: AbortSignal.abort() }), 'CANCELLED');
      // With a deadline that does not pass, calls answer as usual.
      assert.equal((await client.modelConfig(HELD, { timeoutMs: 30_000 })).max_batch_size, 8);
    });
  });
}
