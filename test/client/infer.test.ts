/**
 * infer() against the real server over the three encodings: every datatype through its identity model with edge
 * values, exact 64-bit arithmetic, BYTES with NULs, empty tensors, requested outputs, ids and parameters, and the
 * server's errors as ClientError.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DATATYPE_FIXTURES, mlpReference, sampleInput, type FixtureDatatype } from '../../scripts/fixtures.js';
import type { InferenceClient, InputData } from '../../src/client/index.js';
import type { TestServer } from '../helpers/server.js';
import { clientFor, rejects, same, startServer, TRANSPORTS } from './helpers.js';

const f32 = Math.fround;

/** Edge values per datatype; output comes back as the datatype's typed array (BOOL: 0/1, BYTES: Buffers). */
const EDGES: Readonly<Record<FixtureDatatype, { data: InputData; back: readonly unknown[] }>> = {
  BOOL: { data: [true, false, false, true], back: [1, 0, 0, 1] },
  UINT8: { data: Uint8Array.of(0, 1, 254, 255), back: [0, 1, 254, 255] },
  UINT16: { data: Uint16Array.of(0, 1, 65534, 65535), back: [0, 1, 65534, 65535] },
  UINT32: { data: [0, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1], back: [0, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1] },
  UINT64: { data: [0n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n], back: [0n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n] },
  INT8: { data: Int8Array.of(-128, -1, 0, 127), back: [-128, -1, 0, 127] },
  INT16: { data: [-32768, -1, 1, 32767], back: [-32768, -1, 1, 32767] },
  INT32: { data: Int32Array.of(-(2 ** 31), -1, 1, 2 ** 31 - 1), back: [-(2 ** 31), -1, 1, 2 ** 31 - 1] },
  INT64: { data: BigInt64Array.of(-(2n ** 63n), -(2n ** 53n) - 1n, 9007199254740993n, 2n ** 63n - 1n), back: [-(2n ** 63n), -(2n ** 53n) - 1n, 9007199254740993n, 2n ** 63n - 1n] },
  // +0, -0, 1, max 65504, smallest subnormal, +Inf, -Inf, NaN (bit patterns).
  FP16: { data: Uint16Array.of(0x0000, 0x8000, 0x3c00, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x7e00), back: [0, 0x8000, 0x3c00, 0x7bff, 1, 0x7c00, 0xfc00, 0x7e00] },
  FP32: { data: Float32Array.of(0, -0, f32(0.1), 3.4028234663852886e38, 1.401298464324817e-45, NaN, Infinity, -Infinity), back: [0, -0, f32(0.1), 3.4028234663852886e38, 1.401298464324817e-45, NaN, Infinity, -Infinity] },
  FP64: { data: [0.1, -0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, -1 / 3], back: [0.1, -0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, -1 / 3] },
  BYTES: { data: ['héllo', '', 'with "quotes" \\', '日本語 🎉'], back: ['héllo', '', 'with "quotes" \\', '日本語 🎉'] },
};

const MODELS = ['mlp', 'multi_io', 'add_sub_int64', ...Object.values(DATATYPE_FIXTURES)];

let server: TestServer;
before(async () => {
  server = await startServer(MODELS);
});
after(() => server.stop());

for (const transport of TRANSPORTS) {
  describe(`infer over ${transport}`, () => {
    let client: InferenceClient;
    before(() => {
      client = clientFor(transport, server);
    });
    after(() => client.close());

    for (const [datatype, model] of Object.entries(DATATYPE_FIXTURES) as [FixtureDatatype, string][]) {
      test(`${datatype} round-trips with edge values`, async () => {
        const { data, back } = EDGES[datatype];
        const r = await client.infer(model, [{ name: 'INPUT0', datatype, shape: [2, back.length / 2], data }]);
        const out = r.output('OUTPUT0', datatype);
        assert.deepEqual(out.shape, [2, back.length / 2]);
        if (datatype === 'BYTES') same((out.data as Buffer[]).map(String), back, 'OUTPUT0');
        else same(out.data, back, 'OUTPUT0');
      });
    }

    test('INT64 arithmetic beyond 2^53 is exact (add_sub_int64)', async () => {
      const a = BigInt64Array.of(2n ** 60n + 1n, -(2n ** 62n), 9007199254740993n);
      const b = BigInt64Array.of(1n, -(2n ** 62n), -9007199254740993n);
      const r = await client.infer('add_sub_int64', [
        { name: 'a', datatype: 'INT64', shape: [3], data: a }, { name: 'b', datatype: 'INT64', shape: [3], data: b },
      ]);
      same(r.output('sum', 'INT64').data, [2n ** 60n + 2n, -(2n ** 63n), 0n], 'sum');
      same(r.output('diff', 'INT64').data, [2n ** 60n, 0n, 18014398509481986n], 'diff');
    });

    test('BYTES elements given as Buffers; a NUL reaches the server whole (which refuses it: onnxruntime cannot carry it)', async () => {
      const r = await client.infer('identity_bytes', [{ name: 'INPUT0', datatype: 'BYTES', shape: [1, 2], data: [Buffer.from('ok'), Buffer.from([0xc3, 0xa9])] }]);
      assert.deepEqual(r.output('OUTPUT0', 'BYTES').data.map((b) => b.toString('hex')), ['6f6b', 'c3a9']);
      await rejects(client.infer('identity_bytes', [{ name: 'INPUT0', datatype: 'BYTES', shape: [1, 2], data: ['ok', Buffer.from([0x61, 0, 0x62])] }]),
        'INVALID_ARGUMENT', /BYTES element 1 contains a NUL byte/);
    });

    test('an empty tensor (a zero dim) comes back empty with its shape', async () => {
      const r = await client.infer('identity_fp32', [{ name: 'INPUT0', datatype: 'FP32', shape: [0, 4], data: new Float32Array(0) }]);
      assert.deepEqual(r.output('OUTPUT0').shape, [0, 4]);
      assert.equal(r.output('OUTPUT0', 'FP32').data.length, 0);
    });

    test('requested outputs only, the id echoed, the model version named', async () => {
      const a = Float32Array.of(1, 2, 3);
      const b = Float32Array.of(4, 5, 6);
      const r = await client.infer('multi_io', [
        { name: 'a', datatype: 'FP32', shape: [1, 3], data: a }, { name: 'b', datatype: 'FP32', shape: [1, 3], data: b },
      ], { outputs: ['product'], id: 'req-7', version: '1' });
      assert.deepEqual(r.outputs.map((o) => o.name), ['product']);
      same(r.output('product', 'FP32').data, [4, 10, 18], 'product');
      assert.equal(r.id, 'req-7');
      assert.equal(r.model_name, 'multi_io');
      assert.equal(r.model_version, '1');
    });

    test('a batch through mlp matches the reference', async () => {
      const x = sampleInput(3 * 4, 5);
      const y = (await client.infer('mlp', [{ name: 'x', datatype: 'FP32', shape: [3, 4], data: x }])).output('y', 'FP32');
      assert.deepEqual(y.shape, [3, 3]);
      mlpReference(x, 3).forEach((v, i) => assert.ok(Math.abs(y.data[i] - v) < 1e-5, `y[${i}]`));
    });

    test("the server's errors: its status or code and its own message", async () => {
      const e = await rejects(client.infer('no_such_model', [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }]), 'NOT_FOUND', /no_such_model/);
      if (transport === 'grpc') assert.equal(e.grpcCode, 5);
      else assert.equal(e.httpStatus, 404);
      const bad = await rejects(client.infer('mlp', [{ name: 'x', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] }]), 'INVALID_ARGUMENT', /'x'/);
      assert.equal(transport === 'grpc' ? bad.grpcCode : bad.httpStatus, transport === 'grpc' ? 3 : 400);
      // BF16 is the protocol's and Triton's; onnxserve has no such type and says so.
      await rejects(client.infer('identity_fp32', [{ name: 'INPUT0', datatype: 'BF16', shape: [1, 1], data: Uint16Array.of(0x3f80) }]), 'INVALID_ARGUMENT', /BF16/);
    });

    test('input the client refuses never reaches the server', async () => {
      const before = (await client.modelStatistics('identity_int8'))[0].inference_stats.fail.count;
      await rejects(client.infer('identity_int8', [{ name: 'INPUT0', datatype: 'INT8', shape: [1, 1], data: [300] }]), 'INVALID_ARGUMENT', /INT8 element 0 is 300/);
      assert.equal((await client.modelStatistics('identity_int8'))[0].inference_stats.fail.count, before);
    });
  });
}

describe('REST output encoding per output', () => {
  test('a JSON client may ask for one output as binary, a binary client for one as JSON; values are the same', async () => {
    const inputs = [
      { name: 'a', datatype: 'FP32' as const, shape: [1, 3], data: Float32Array.of(0.1, 2, 3) },
      { name: 'b', datatype: 'FP32' as const, shape: [1, 3], data: Float32Array.of(4, 5, 6) },
    ];
    const json = clientFor('rest-json', server);
    const binary = clientFor('rest-binary', server);
    const r1 = await json.infer('multi_io', inputs, { outputs: [{ name: 'sum', binary: true }, 'product'] });
    const r2 = await binary.infer('multi_io', inputs, { outputs: [{ name: 'sum', binary: false }, 'product'], binaryOutputs: true });
    for (const name of ['sum', 'product']) same(r1.output(name, 'FP32').data, r2.output(name, 'FP32').data, name);
  });
});
