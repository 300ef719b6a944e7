/**
 * What Triton's own clients check, over every encoding (issue 12): reshape in metadata and inference, no row cap
 * without an explicit max_batch_size, format and label_filename in the configuration, the whole repository in the
 * index, inputs left out of a config refused, and Triton's error texts (its clients match on the prefix).
 * The server runs the repository of triton-repo.ts with explicit model control.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifierReference, mlpReference, sampleInput } from '../../scripts/fixtures.js';
import { fails, near, ok, output, sameValues, type GetCtx } from './assertions.js';
import type { InferRequest, RestV2Client } from './clients.js';

const mlp = (rows: number, shape: number[] = [rows, 4]): InferRequest => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape, data: sampleInput(rows * 4, rows) }],
});

export function tritonCases(get: GetCtx): void {
  test('reshape: metadata reports the config\'s dims, requests in them run, answers come in them', async () => {
    const { client } = get();
    const meta = ok(await client.modelMetadata('reshaped'));
    assert.deepEqual(meta.inputs.map((t) => t.shape), [[-1, 2, 2]]);
    assert.deepEqual(meta.outputs.map((t) => t.shape), [[-1, 3, 1]]);
    const res = ok(await client.infer('reshaped', undefined, mlp(2, [2, 2, 2])));
    const y = output(res, 'y');
    assert.deepEqual(y.shape, [2, 3, 1]);
    near(y.data, mlpReference(sampleInput(8, 2), 2), 1e-5, 'y');
    // The model's own shape is taken too (a request written for the ONNX file); Triton would refuse it.
    assert.deepEqual(output(ok(await client.infer('reshaped', undefined, mlp(2))), 'y').shape, [2, 3, 1]);
    fails(await client.infer('reshaped', undefined, mlp(1, [1, 2, 3])), 'INVALID_ARGUMENT', /input 'x'/);
  });

  test('reshape without batching (densenet_onnx\'s form): [6] in and out for a [2,3] model', async () => {
    const { client } = get();
    const meta = ok(await client.modelMetadata('fixed_reshaped'));
    assert.deepEqual([meta.inputs[0].shape, meta.outputs[0].shape], [[6], [6]]);
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const y = output(ok(await client.infer('fixed_reshaped', undefined, { inputs: [{ name: 'x', datatype: 'FP32', shape: [6], data: x }] })), 'y');
    assert.deepEqual(y.shape, [6]);
    sameValues(y.data, x.map((v) => v * 2), 'y');
  });

  test('a scalar per row (auto-completed dims [1], reshape []) is [-1,1] to clients, as Triton reports it', async () => {
    const { client } = get();
    const meta = ok(await client.modelMetadata('classifier'));
    assert.deepEqual(meta.outputs.find((t) => t.name === 'label')?.shape, [-1, 1]);
    const config = ok(await client.modelConfig('classifier'));
    assert.deepEqual(config.output.find((t) => t.name === 'label'), { name: 'label', data_type: 'TYPE_INT64', dims: [1], reshape: [] });
    const x = sampleInput(60, 5);
    const res = ok(await client.infer('classifier', undefined, { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 30], data: x }] }));
    const label = output(res, 'label');
    assert.deepEqual(label.shape, [2, 1]);
    sameValues(label.data, classifierReference(x, 2).label, 'label');
    // An input of rank 1 in the model takes [N,1] (Triton's shape) and [N] (the model's).
    for (const shape of [[2, 1], [2]]) {
      const r = ok(await client.infer('string_upper', undefined, { inputs: [{ name: 'text', datatype: 'BYTES', shape, data: ['ab', 'c'] }] }));
      assert.deepEqual(output(r, 'upper').shape, [2, 1], `sent ${JSON.stringify(shape)}`);
    }
  });

  test('image format and label_filename are kept in the configuration; the reshape runs [N,3,2,2] as [N,12]', async () => {
    const { client } = get();
    const config = ok(await client.modelConfig('image_like'));
    assert.deepEqual(config.input, [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: [3, 2, 2], format: 'FORMAT_NCHW', reshape: [12] }]);
    assert.deepEqual(config.output, [{ name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [12], label_filename: 'labels.txt' }]);
    const x = sampleInput(12, 3);
    const r = ok(await client.infer('image_like', undefined, { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 3, 2, 2], data: x }] }));
    assert.deepEqual(output(r, 'OUTPUT0').shape, [1, 12]);
    sameValues(output(r, 'OUTPUT0').data, x, 'OUTPUT0');
  });

  test('no row cap without an explicit max_batch_size; an explicit one is enforced with Triton\'s text and where to raise it', async () => {
    const { client } = get();
    assert.equal(ok(await client.modelConfig('mlp')).max_batch_size, 64, 'the batcher\'s size, reported as Triton would');
    for (const rows of [65, 1000]) {
      const y = output(ok(await client.infer('mlp', undefined, mlp(rows)), `${rows} rows`), 'y');
      assert.deepEqual(y.shape, [rows, 3]);
      near(y.data, mlpReference(sampleInput(rows * 4, rows), rows), 1e-5, `${rows} rows`);
    }
    ok(await client.infer('limited', undefined, mlp(4)));
    fails(await client.infer('limited', undefined, mlp(5)), 'INVALID_ARGUMENT',
      /^inference request batch-size must be <= 4 for 'limited'/, /limited\/config\.pbtxt/);
  });

  test('the repository index lists every model, loaded or not; ready: true lists READY versions only', async () => {
    const { client } = get();
    const index = ok(await client.repositoryIndex());
    assert.deepEqual(index.find((e) => e.name === 'not_loaded'), { name: 'not_loaded', version: '', state: 'UNAVAILABLE', reason: 'not loaded' });
    assert.deepEqual(index.find((e) => e.name === 'reshaped'), { name: 'reshaped', version: '1', state: 'READY', reason: '' });
    const ready = ok(await client.repositoryIndex(true));
    assert.ok(ready.length > 0 && ready.every((e) => e.state === 'READY'), JSON.stringify(ready));
    assert.ok(!ready.some((e) => e.name === 'not_loaded'));
  });

  test('a config listing fewer inputs than the model has is refused at load, as Triton does', async () => {
    const { client } = get();
    fails(await client.loadModel('fewer_inputs'), 'INVALID_ARGUMENT', /^load failed for model 'fewer_inputs': /,
      /configuration expects 1 inputs, model provides 2/, /'b' is not in config\.pbtxt/);
    const entry = ok(await client.repositoryIndex()).find((e) => e.name === 'fewer_inputs');
    assert.equal(entry?.state, 'UNAVAILABLE');
    assert.match(entry?.reason ?? '', /configuration expects 1 inputs, model provides 2/);
    fails(await client.infer('fewer_inputs', undefined, mlp(1)), 'UNAVAILABLE', /^Request for unknown model: 'fewer_inputs' has no available versions/);
  });

  test('unknown models and versions: Triton\'s texts, then ours', async () => {
    const { client } = get();
    const unknown = /^Request for unknown model: 'no_such_model' is not found/;
    fails(await client.modelMetadata('no_such_model'), 'NOT_FOUND', unknown);
    fails(await client.infer('no_such_model', undefined, mlp(1)), 'NOT_FOUND', unknown);
    fails(await client.modelConfig('no_such_model'), 'NOT_FOUND', unknown);
    fails(await client.modelStatistics('no_such_model'), 'NOT_FOUND', unknown);
    fails(await client.modelMetadata('mlp', '99'), 'NOT_FOUND', /^Request for unknown model: 'mlp' version 99 is not found \(versions: 1\)/);
    fails(await client.infer('mlp', '99', mlp(1)), 'NOT_FOUND', /^Request for unknown model/);
    fails(await client.modelMetadata('mlp', 'one'), 'INVALID_ARGUMENT', /^failed to get model version from specified version string 'one'/);
    fails(await client.loadModel('no_such_model'), 'NOT_FOUND', /^failed to load 'no_such_model', failed to poll from model repository/);
    ok(await client.unloadModel('limited'));
    fails(await client.infer('limited', undefined, mlp(1)), 'NOT_FOUND', /^Request for unknown model: 'limited' has no available versions \(unloaded\)/);
    fails(await client.infer('limited', '1', mlp(1)), 'NOT_FOUND', /^Request for unknown model: 'limited' version 1 is not at ready state/);
    ok(await client.loadModel('limited'));
  });
}

/** Raw binary (REST only): the whole body is the only input, one element of a batch of one for a BYTES input. */
export function tritonRawCases(get: GetCtx): void {
  test('raw binary BYTES on a batching model: the body is one element of a batch of 1', async () => {
    const rest = get().client as RestV2Client;
    const a = await rest.http('POST', '/v2/models/string_upper/infer', Buffer.from('hello'),
      { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' });
    assert.equal(a.status, 200, a.body.toString());
    const n = Number(a.headers.get('inference-header-content-length'));
    const head = JSON.parse(a.body.subarray(0, n).toString()) as { outputs: { name: string; shape: number[] }[] };
    assert.deepEqual(head.outputs[0].shape, [1, 1]);
    // One BYTES element: a 4-byte little-endian length, then the bytes.
    assert.deepEqual(a.body.subarray(n), Buffer.concat([Buffer.from([5, 0, 0, 0]), Buffer.from('HELLO')]));
  });
}

/** With --model-control-mode none the API cannot load or unload: Triton's UNAVAILABLE and its text. */
export function noControlCases(get: GetCtx): void {
  test('load and unload under --model-control-mode none: UNAVAILABLE with Triton\'s text, then ours', async () => {
    const { client } = get();
    const triton = /^explicit model load \/ unload is not allowed if polling is enabled/;
    fails(await client.loadModel('mlp'), 'UNAVAILABLE', triton, /--model-control-mode none/);
    fails(await client.unloadModel('mlp'), 'UNAVAILABLE', triton, /--model-control-mode explicit/);
    assert.equal(await client.modelReady('mlp'), true, 'still served');
  });
}
