import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelMetadata } from '../../core/index.js';
import type { Tensor } from '../../tensor/index.js';
import { completeConfig } from './complete.js';
import { parseModelConfig } from './model-config.js';
import { mapShape, servingView } from './serving-view.js';

function view(text: string | undefined, meta: ModelMetadata, name = 'm') {
  return servingView(completeConfig(name, text === undefined ? undefined : parseModelConfig(text).config, meta));
}

const f32 = (name: string, shape: number[]): Tensor => ({ name, datatype: 'FP32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

void describe('servingView', () => {
  void test('the issue\'s case: dims [2,2] with reshape [4] on a [-1,4] model reports [-1,2,2] and runs [1,2,2] as [1,4]', () => {
    const meta: ModelMetadata = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }],
    };
    const v = view('max_batch_size: 8 input { name: "x" data_type: TYPE_FP32 dims: [2, 2] reshape { shape: [4] } } ' +
      'output { name: "y" data_type: TYPE_FP32 dims: [2, 2] reshape { shape: [4] } }', meta);
    assert.deepEqual(v.metadata.inputs[0].shape, [-1, 2, 2]);
    assert.deepEqual(v.metadata.outputs[0].shape, [-1, 2, 2]);
    const input = f32('x', [3, 2, 2]);
    const [toModel] = v.toModel([input]);
    assert.deepEqual(toModel.shape, [3, 4]);
    assert.equal(toModel.data, input.data, 'only the shape changes');
    assert.deepEqual(v.fromModel([f32('y', [3, 4])])[0].shape, [3, 2, 2]);
  });

  void test('densenet_onnx: max_batch_size 0, dims [3,224,224] with reshape [1,3,224,224]; output [1000] from [1,1000,1,1]', () => {
    const meta: ModelMetadata = {
      inputs: [{ name: 'data_0', datatype: 'FP32', shape: [1, 3, 224, 224] }],
      outputs: [{ name: 'fc6_1', datatype: 'FP32', shape: [1, 1000, 1, 1] }],
    };
    const v = view('max_batch_size: 0 input { name: "data_0" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [3, 224, 224] ' +
      'reshape { shape: [1, 3, 224, 224] } } output { name: "fc6_1" data_type: TYPE_FP32 dims: [1000] reshape { shape: [1, 1000, 1, 1] } }', meta);
    assert.deepEqual(v.metadata.inputs[0].shape, [3, 224, 224]);
    assert.deepEqual(v.metadata.outputs[0].shape, [1000]);
    assert.deepEqual(v.toModel([f32('data_0', [3, 224, 224])])[0].shape, [1, 3, 224, 224]);
    assert.deepEqual(v.fromModel([f32('fc6_1', [1, 1000, 1, 1])])[0].shape, [1000]);
  });

  void test('a batched scalar (dims [1], reshape []) is [-1,1] to clients and [N] to the model', () => {
    const meta: ModelMetadata = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 30] }],
      outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }, { name: 'p', datatype: 'FP32', shape: [-1, 2] }],
    };
    const v = view(undefined, meta);
    assert.deepEqual(v.metadata.outputs.map((o) => o.shape), [[-1, 1], [-1, 2]]);
    const label: Tensor = { name: 'label', datatype: 'INT64', shape: [5], data: new BigInt64Array(5) };
    const p = f32('p', [5, 2]);
    const [l2, p2] = v.fromModel([label, p]);
    assert.deepEqual(l2.shape, [5, 1]);
    assert.equal(p2, p, 'a tensor without reshape is passed through as is');
  });

  void test('variable dims carry over in order; a model without reshapes gets its arrays back unchanged', () => {
    assert.deepEqual(mapShape([7, 2, 4, 9, 6], true, { from: [2, 4, -1, 6], to: [8, -1, 1, 6] }), [7, 8, 9, 1, 6]);
    assert.deepEqual(mapShape([2, 5, 3], false, { from: [2, -1, 3], to: [-1, 6] }), [5, 6]);
    const shape = [1, 2];
    assert.equal(mapShape(shape, true, { from: [2, 2], to: [4] }), shape, 'a rank that does not match is left alone');
    const plain = view(undefined, { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] });
    const inputs = [f32('x', [2, 3])];
    assert.equal(plain.toModel(inputs), inputs);
    assert.equal(plain.fromModel(inputs), inputs);
  });

  void test('batchLimit comes from a written max_batch_size only', () => {
    const meta: ModelMetadata = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] };
    assert.equal(view(undefined, meta).batchLimit, undefined);
    assert.equal(view('max_batch_size: 4', meta).batchLimit, 4);
  });
});
