/**
 * Every non-inference method against the real server over the three encodings: health, server and model metadata,
 * model configuration, statistics, the repository extension (index, unload, load) behind an admin token, and
 * errors carrying the server's status and message. The answers must be the same whichever wire carried them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceClient, type ModelConfig } from '../../src/client/index.js';
import type { TestServer } from '../helpers/server.js';
import { clientFor, rejects, startServer, TRANSPORTS, type Transport } from './helpers.js';

const TOKEN = 'client-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let server: TestServer;
before(async () => {
  server = await startServer(['mlp', 'fixed_shape', 'identity_bytes', 'classifier'], { adminToken: TOKEN });
});
after(() => server.stop());

const configs = new Map<Transport, ModelConfig>();

for (const transport of TRANSPORTS) {
  describe(`client API over ${transport}`, () => {
    let client: InferenceClient;
    before(() => {
      client = clientFor(transport, server, { headers: AUTH });
    });
    after(() => client.close());

    test('health: live, ready; a model ready or not', async () => {
      assert.equal(await client.isServerLive(), true);
      assert.equal(await client.isServerReady(), true);
      assert.equal(await client.isModelReady('mlp'), true);
      assert.equal(await client.isModelReady('mlp', { version: '1' }), true);
      assert.equal(await client.isModelReady('mlp', { version: '9' }), false);
      assert.equal(await client.isModelReady('no_such_model'), false);
    });

    test('server metadata names the server and its extensions', async () => {
      const m = await client.serverMetadata();
      assert.equal(m.name, 'onnxserve');
      assert.match(m.version, /^\d+\.\d+\.\d+/);
      for (const ext of ['binary_tensor_data', 'model_repository', 'statistics', 'model_configuration']) assert.ok(m.extensions.includes(ext), ext);
    });

    test('model metadata: versions, platform, tensors with -1 for variable dims', async () => {
      const m = await client.modelMetadata('mlp');
      assert.deepEqual(m, {
        name: 'mlp', versions: ['1'], platform: 'onnxruntime_onnx',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
      });
      assert.deepEqual(await client.modelMetadata('mlp', { version: '1' }), m);
      await rejects(client.modelMetadata('no_such_model'), 'NOT_FOUND', /no_such_model/);
      await rejects(client.modelMetadata('mlp', { version: '7' }), 'NOT_FOUND', /7/);
    });

    test('model configuration: Triton JSON, the same document on every wire', async () => {
      const c = await client.modelConfig('mlp');
      assert.equal(c.name, 'mlp');
      assert.ok(c.max_batch_size > 0);
      assert.deepEqual(c.input.map(({ name, data_type, dims }) => ({ name, data_type, dims })), [{ name: 'x', data_type: 'TYPE_FP32', dims: [4] }]);
      assert.deepEqual(c.output.map(({ name, data_type, dims }) => ({ name, data_type, dims })), [{ name: 'y', data_type: 'TYPE_FP32', dims: [3] }]);
      const fixed = await client.modelConfig('fixed_shape', { version: '1' });
      assert.equal(fixed.max_batch_size, 0);
      assert.deepEqual(fixed.input[0].dims, [2, 3]);
      assert.equal((await client.modelConfig('identity_bytes')).input[0].data_type, 'TYPE_STRING');
      await rejects(client.modelConfig('no_such_model'), 'NOT_FOUND', /no_such_model/);
      configs.set(transport, c);
      if (configs.size === TRANSPORTS.length) {
        // The fields every model has agree across the wires. (Beyond them the documents differ as the wires do:
        // proto3 does not carry false/0/'' values, which REST's JSON spells out.)
        const core = (m: ModelConfig) => ({
          name: m.name, platform: m.platform, max_batch_size: m.max_batch_size,
          tensors: [...m.input, ...m.output].map(({ name, data_type, dims }) => ({ name, data_type, dims })),
        });
        const [first, ...rest] = [...configs.values()].map(core);
        for (const other of rest) assert.deepEqual(other, first);
      }
    });

    test('statistics: counts grow by what was sent; every model when none is named', async () => {
      const [before] = await client.modelStatistics('mlp');
      assert.equal(before.name, 'mlp');
      assert.equal(before.version, '1');
      const x = { name: 'x', datatype: 'FP32' as const, shape: [2, 4], data: new Float32Array(8) };
      await client.infer('mlp', [x]);
      await client.infer('mlp', [x]);
      const [s] = await client.modelStatistics('mlp', { version: '1' });
      assert.equal(s.inference_stats.success.count - before.inference_stats.success.count, 2);
      assert.equal(s.inference_count - before.inference_count, 4, 'inference_count counts rows');
      assert.ok(s.inference_stats.success.ns > before.inference_stats.success.ns);
      assert.ok(s.last_inference >= before.last_inference && s.last_inference > 0);
      const all = await client.modelStatistics();
      assert.deepEqual(all.map((m) => m.name).sort(), ['classifier', 'fixed_shape', 'identity_bytes', 'mlp']);
      await rejects(client.modelStatistics('no_such_model'), 'NOT_FOUND', /no_such_model/);
    });

    test('repository: index, unload (not ready, not served), load (ready again)', async () => {
      const index = await client.repositoryIndex();
      assert.deepEqual(index.find((e) => e.name === 'classifier'), { name: 'classifier', version: '1', state: 'READY', reason: '' });
      assert.ok((await client.repositoryIndex({ ready: true })).every((e) => e.state === 'READY'));
      await client.unloadModel('classifier', { parameters: { unload_dependents: false } });
      assert.equal(await client.isModelReady('classifier'), false);
      const input = { name: 'input', datatype: 'FP32' as const, shape: [1, 30], data: new Float32Array(30) };
      const gone = await client.infer('classifier', [input]).then(() => undefined, (e: unknown) => e);
      assert.ok(gone instanceof Error && ['NOT_FOUND', 'UNAVAILABLE'].includes((gone as { code?: string }).code ?? ''), String(gone));
      assert.ok(!(await client.repositoryIndex({ ready: true })).some((e) => e.name === 'classifier'));
      await client.loadModel('classifier');
      assert.equal(await client.isModelReady('classifier'), true);
      assert.equal((await client.infer('classifier', [input])).output('probabilities', 'FP32').data.length, 2);
      await rejects(client.loadModel('no_such_model'), 'NOT_FOUND', /no_such_model/);
    });

    test("management without the admin token is refused with the server's status", async () => {
      const anonymous = clientFor(transport, server);
      try {
        const e = await rejects(anonymous.repositoryIndex(), 'UNAUTHENTICATED');
        assert.equal(transport === 'grpc' ? e.grpcCode : e.httpStatus, transport === 'grpc' ? 16 : 401);
        // A per-call header is enough, and wins over the client's.
        assert.ok((await anonymous.repositoryIndex({ headers: AUTH })).length > 0);
        await rejects(client.unloadModel('mlp', { headers: { Authorization: 'Bearer wrong' } }), 'UNAUTHENTICATED', /admin token/);
        assert.equal(await client.isModelReady('mlp'), true);
      } finally {
        anonymous.close();
      }
    });

    test('a server that is not there: UNAVAILABLE naming what failed', async () => {
      const nobody = transport === 'grpc'
        ? new InferenceClient('grpc://127.0.0.1:1')
        : new InferenceClient('http://127.0.0.1:1', { encoding: transport === 'rest-json' ? 'json' : 'binary' });
      try {
        const e = await rejects(nobody.isServerLive(), 'UNAVAILABLE');
        if (transport !== 'grpc') assert.match(e.message, /127\.0\.0\.1:1/);
      } finally {
        nobody.close();
      }
    });
  });
}

describe('client construction', () => {
  test('the URL scheme picks the protocol; bare host:port is REST unless told otherwise', () => {
    const cases: readonly [string, ConstructorParameters<typeof InferenceClient>[1], string][] = [
      ['http://h:1', {}, 'rest-binary'], ['https://h:1', { encoding: 'json' }, 'rest-json'], ['h:1', {}, 'rest-binary'],
      ['grpc://h:1', {}, 'grpc'], ['grpcs://h:1', {}, 'grpc'], ['h:1', { protocol: 'grpc' }, 'grpc'], ['http://h:1', { protocol: 'grpc' }, 'grpc'],
      ['dns:///h:1', { protocol: 'grpc' }, 'grpc'],
    ];
    for (const [url, options, transport] of cases) {
      const c = new InferenceClient(url, options);
      assert.equal(c.transport, transport, url);
      c.close();
    }
    assert.throws(() => new InferenceClient('grpc://h:1', { protocol: 'rest' }), /cannot be used with protocol 'rest'/);
    assert.throws(() => new InferenceClient('ftp://h:1'), /unknown URL scheme 'ftp:\/\/'/);
    assert.throws(() => new InferenceClient('http://h:1', { timeoutMs: -5 }), /timeoutMs must be a positive number/);
  });

  test('streamInfer over REST says it needs gRPC', async () => {
    const c = new InferenceClient(server.url);
    await rejects((async () => {
      for await (const _ of c.streamInfer([])) assert.fail('no responses expected');
    })(), 'UNIMPLEMENTED', /gRPC/);
  });
});
