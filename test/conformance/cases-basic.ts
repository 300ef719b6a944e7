/** Health, metadata, readiness and the ordinary inference cases, the same on every transport. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpReference, sampleInput } from '../../scripts/fixtures.js';
import { fails, near, ok, output, sameValues, type GetCtx } from './assertions.js';

export function basicCases(get: GetCtx): void {
  test('health: live and ready', async () => {
    const { client } = get();
    assert.equal(await client.serverLive(), true);
    assert.equal(await client.serverReady(), true);
  });

  test('server metadata: name, version, extensions include binary_tensor_data', async () => {
    const m = await get().client.serverMetadata();
    assert.equal(m.name, 'onnxserve');
    assert.match(m.version, /^\d+\.\d+\.\d+/);
    assert.ok(Array.isArray(m.extensions), 'extensions is a list');
    for (const ext of ['binary_tensor_data', 'model_repository', 'statistics', 'model_configuration']) {
      assert.ok(m.extensions.includes(ext), `extensions ${JSON.stringify(m.extensions)} include ${ext}`);
    }
  });

  test('model metadata: platform, versions, -1 for variable dims', async () => {
    const m = ok(await get().client.modelMetadata('mlp'));
    assert.deepEqual(m, {
      name: 'mlp', versions: ['1'], platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
    });
    const multi = ok(await get().client.modelMetadata('multi_io'));
    assert.deepEqual(multi.inputs.map((t) => t.name), ['a', 'b']);
    assert.deepEqual(multi.outputs.map((t) => [t.name, t.shape]), [['sum', [-1, 3]], ['product', [-1, 3]]]);
    const identity = ok(await get().client.modelMetadata('identity_int64'));
    assert.deepEqual(identity.inputs, [{ name: 'INPUT0', datatype: 'INT64', shape: [-1, -1] }]);
    const fixed = ok(await get().client.modelMetadata('fixed_shape'));
    assert.deepEqual(fixed.inputs, [{ name: 'x', datatype: 'FP32', shape: [2, 3] }]);
    const strings = ok(await get().client.modelMetadata('string_upper'));
    // A rank-1 output of a batching model: dims [1] with an empty reshape, [-1, 1] to clients (Triton's auto-complete).
    assert.deepEqual(strings.outputs, [{ name: 'upper', datatype: 'BYTES', shape: [-1, 1] }]);
  });

  test('versioned model metadata equals the unversioned one; an unknown version is NOT_FOUND', async () => {
    const { client } = get();
    assert.deepEqual(ok(await client.modelMetadata('mlp', '1')), ok(await client.modelMetadata('mlp')));
    fails(await client.modelMetadata('mlp', '7'), 'NOT_FOUND', /7/);
    fails(await client.modelMetadata('no_such_model'), 'NOT_FOUND', /no_such_model/);
  });

  test('model ready: true for a loaded model and version, false for unknown ones', async () => {
    const { client } = get();
    assert.equal(await client.modelReady('mlp'), true);
    assert.equal(await client.modelReady('mlp', '1'), true);
    assert.equal(await client.modelReady('no_such_model'), false);
    assert.equal(await client.modelReady('mlp', '7'), false);
  });

  test('mlp matches the reference within 1e-5, and the versioned route gives the same answer', async () => {
    const { client } = get();
    const x = sampleInput(12, 7);
    const req = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [3, 4], data: x }] };
    const res = ok(await client.infer('mlp', undefined, req));
    assert.equal(res.model_name, 'mlp');
    assert.equal(res.model_version, '1');
    const y = output(res, 'y');
    assert.equal(y.datatype, 'FP32');
    assert.deepEqual(y.shape, [3, 3]);
    near(y.data, mlpReference(x, 3), 1e-5, 'y');
    const v1 = ok(await client.infer('mlp', '1', req));
    sameValues(output(v1, 'y').data, y.data, 'versioned y');
  });

  test('multi-input multi-output: sum and product', async () => {
    const a = Float32Array.from([1, 2, 3, -4, 0.5, 6]);
    const b = Float32Array.from([4, 5, 6, 2, 0.25, -1]);
    const res = ok(await get().client.infer('multi_io', undefined, { inputs: [
      { name: 'a', datatype: 'FP32', shape: [2, 3], data: a }, { name: 'b', datatype: 'FP32', shape: [2, 3], data: b },
    ] }));
    assert.deepEqual(res.outputs.map((o) => [o.name, o.datatype, o.shape]), [['sum', 'FP32', [2, 3]], ['product', 'FP32', [2, 3]]]);
    sameValues(output(res, 'sum').data, Float32Array.from([5, 7, 9, -2, 0.75, 5]), 'sum');
    sameValues(output(res, 'product').data, Float32Array.from([4, 10, 18, -8, 0.125, -6]), 'product');
  });

  test('inputs in either order; requested outputs: only product comes back', async () => {
    const res = ok(await get().client.infer('multi_io', undefined, {
      inputs: [{ name: 'b', datatype: 'FP32', shape: [1, 3], data: [2, 3, 4] }, { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
      outputs: [{ name: 'product' }],
    }));
    assert.deepEqual(res.outputs.map((o) => o.name), ['product']);
    sameValues(res.outputs[0].data, Float32Array.from([2, 6, 12]), 'product');
  });

  test('fixed-shape model [2,3]', async () => {
    const res = ok(await get().client.infer('fixed_shape', undefined, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, -6] }],
    }));
    const y = output(res, 'y');
    assert.deepEqual(y.shape, [2, 3]);
    sameValues(y.data, Float32Array.from([2, 4, 6, 8, 10, -12]), 'y');
  });

  test('BYTES through string_upper (ASCII upper-cased, other UTF-8 kept, empty string kept)', async () => {
    const res = ok(await get().client.infer('string_upper', undefined, {
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [4], data: ['abc', 'Hello World', 'héllo', ''] }],
    }));
    const upper = output(res, 'upper');
    assert.equal(upper.datatype, 'BYTES');
    assert.deepEqual(upper.shape, [4, 1], 'the configuration\'s shape (dims [1], reshape [])');
    // The fixture's StringNormalizer uses the "C" locale: only ASCII letters change case.
    assert.deepEqual(upper.data, ['ABC', 'HELLO WORLD', 'HéLLO', '']);
  });

  test('the request id is echoed; no id, no id back', async () => {
    const { client } = get();
    const inputs = [{ name: 'x', datatype: 'FP32' as const, shape: [1, 4], data: [1, 2, 3, 4] }];
    assert.equal(ok(await client.infer('mlp', undefined, { id: 'req-42 é', inputs })).id, 'req-42 é');
    assert.equal(ok(await client.infer('mlp', undefined, { inputs })).id, undefined);
  });
}
