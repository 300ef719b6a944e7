/**
 * Triton's extensions through the same client interface: statistics, model configuration, model repository
 * (index, unload, load); plus ModelStreamInfer, which only gRPC has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifierReference, mlpReference, sampleInput } from '../../scripts/fixtures.js';
import { decodeGrpcResponse, grpcInferRequest, type GrpcV2Client, type InferRequest } from './clients.js';
import { fails, near, ok, output, type GetCtx } from './assertions.js';
import { names } from './cases-errors.js';

const mlpRequest = (rows: number, seed: number): InferRequest => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], data: sampleInput(rows * 4, seed) }],
});

export function extensionCases(get: GetCtx): void {
  test('statistics: success count and inference count grow by what was sent, failures are counted', async () => {
    const { client } = get();
    const before = ok(await client.modelStatistics('mlp'));
    assert.equal(before.length, 1);
    assert.equal(before[0].name, 'mlp');
    assert.equal(before[0].version, '1');
    for (let i = 0; i < 3; i++) ok(await client.infer('mlp', undefined, mlpRequest(2, i + 1)));
    fails(await client.infer('mlp', undefined, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] }] }), 'INVALID_ARGUMENT');
    const [s] = ok(await client.modelStatistics('mlp', '1'));
    const b = before[0];
    assert.equal(s.inference_stats.success.count - b.inference_stats.success.count, 3, 'success.count +3');
    assert.ok(s.inference_stats.success.ns > b.inference_stats.success.ns, 'success.ns grows');
    assert.equal(s.inference_count - b.inference_count, 6, 'inference_count counts batch rows: 3 requests x 2');
    const executions = s.execution_count - b.execution_count;
    assert.ok(executions >= 1 && executions <= 3, `execution_count +${executions}`);
    assert.equal(s.inference_stats.fail.count - b.inference_stats.fail.count, 1, 'fail.count +1');
    fails(await client.modelStatistics('no_such_model'), 'NOT_FOUND', /no_such_model/);
  });

  test('model configuration: max_batch_size, data types as TYPE_*, dims without the batch dim', async () => {
    const { client } = get();
    const mlp = ok(await client.modelConfig('mlp'));
    assert.equal(mlp.name, 'mlp');
    assert.ok(mlp.max_batch_size > 0, `mlp batches (max_batch_size ${mlp.max_batch_size})`);
    assert.deepEqual(mlp.input, [{ name: 'x', data_type: 'TYPE_FP32', dims: [4] }]);
    assert.deepEqual(mlp.output, [{ name: 'y', data_type: 'TYPE_FP32', dims: [3] }]);
    const fixed = ok(await client.modelConfig('fixed_shape'));
    assert.equal(fixed.max_batch_size, 0, 'no batch dim in a fixed [2,3] model');
    assert.deepEqual(fixed.input, [{ name: 'x', data_type: 'TYPE_FP32', dims: [2, 3] }]);
    const strings = ok(await client.modelConfig('identity_bytes'));
    assert.equal(strings.input[0].data_type, 'TYPE_STRING');
    const i64 = ok(await client.modelConfig('add_sub_int64', '1'));
    assert.deepEqual(i64.input.map((t) => t.data_type), ['TYPE_INT64', 'TYPE_INT64']);
    fails(await client.modelConfig('no_such_model'), 'NOT_FOUND', /no_such_model/);
  });

  test('repository index lists every model with its version and state', async () => {
    const index = ok(await get().client.repositoryIndex());
    const mlp = index.find((e) => e.name === 'mlp');
    assert.deepEqual(mlp && { name: mlp.name, version: mlp.version, state: mlp.state }, { name: 'mlp', version: '1', state: 'READY' });
    for (const name of ['multi_io', 'identity_fp16', 'string_upper', 'classifier']) assert.ok(index.some((e) => e.name === name), name);
    const ready = ok(await get().client.repositoryIndex(true));
    assert.ok(ready.every((e) => e.state === 'READY'), 'ready: true lists ready models only');
  });

  test('unload: not ready and not served; load: ready and correct again', async () => {
    const { client } = get();
    const x = sampleInput(30, 11);
    const req: InferRequest = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: x }] };
    ok(await client.unloadModel('classifier'), 'unload');
    assert.equal(await client.modelReady('classifier'), false);
    const gone = await client.infer('classifier', undefined, req);
    assert.equal(gone.status, 'error');
    assert.ok(gone.status === 'error' && ['NOT_FOUND', 'UNAVAILABLE'].includes(gone.code), `after unload: ${JSON.stringify(gone)}`);
    const entry = ok(await client.repositoryIndex()).find((e) => e.name === 'classifier');
    assert.ok(entry && entry.state !== 'READY', `index after unload: ${JSON.stringify(entry)}`);
    ok(await client.loadModel('classifier'), 'load');
    assert.equal(await client.modelReady('classifier'), true);
    const res = ok(await client.infer('classifier', undefined, req));
    near(output(res, 'probabilities').data, classifierReference(x, 1).probabilities, 1e-5, 'probabilities');
    fails(await client.unloadModel('no_such_model'), 'NOT_FOUND', /no_such_model/);
    fails(await client.loadModel('no_such_model'), 'NOT_FOUND', /no_such_model/);
  });
}

export function streamCases(get: GetCtx): void {
  test('ModelStreamInfer: several requests, each answered once; a failing one as error_message, the stream goes on', async () => {
    const g = get().client as GrpcV2Client;
    const requests = [1, 2, 3, 4, 5].map((i) => grpcInferRequest('mlp', undefined, { ...mlpRequest(i, i), id: `s${i}` }));
    requests.push(grpcInferRequest('no_such_model', undefined, { ...mlpRequest(1, 9), id: 'bad-model' }));
    requests.push(grpcInferRequest('mlp', undefined, { id: 'bad-shape', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] }] }));
    const answers = await g.streamInfer(requests);
    assert.equal(answers.length, requests.length);
    const byId = new Map(answers.map((a) => [a.infer_response?.id, a]));
    assert.equal(byId.size, requests.length, 'every response carries its request id');
    for (const i of [1, 2, 3, 4, 5]) {
      const a = byId.get(`s${i}`)!;
      assert.equal(a.error_message, '');
      const y = output(decodeGrpcResponse(a.infer_response), 'y');
      assert.deepEqual(y.shape, [i, 3]);
      near(y.data, mlpReference(sampleInput(i * 4, i), i), 1e-5, `s${i} y`);
    }
    assert.match(byId.get('bad-model')!.error_message, /no_such_model/);
    assert.match(byId.get('bad-shape')!.error_message, names('x'));
  });

  test('ModelStreamInfer: an empty stream ends cleanly', async () => {
    assert.deepEqual(await (get().client as GrpcV2Client).streamInfer([]), []);
  });
}
