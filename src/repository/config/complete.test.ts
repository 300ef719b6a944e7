import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelMetadata } from '../../core/index.js';
import { completeConfig, configMetadata, effectiveShape, modelShape } from './complete.js';
import { ModelConfigError } from './fields.js';
import { parseModelConfig } from './model-config.js';
import { DEFAULT_INSTANCE_COUNT, DEFAULT_MAX_BATCH_SIZE } from './types.js';

// The seed's fraud model: a batch of 30 features in, two class probabilities and a label out.
const FRAUD: ModelMetadata = {
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ],
};

const FIXED: ModelMetadata = {
  inputs: [{ name: 'image', datatype: 'UINT8', shape: [1, 3, 224, 224] }],
  outputs: [{ name: 'logits', datatype: 'FP32', shape: [1, 1000] }],
};

function complete(text: string | undefined, meta: ModelMetadata = FRAUD, name = 'fraud') {
  return completeConfig(name, text === undefined ? undefined : parseModelConfig(text).config, meta);
}

function contradiction(text: string, meta: ModelMetadata, message: string): void {
  assert.throws(() => complete(text, meta), (e: unknown) => {
    assert.ok(e instanceof ModelConfigError, `unexpected ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    return true;
  });
}

void describe('completeConfig without a config file', () => {
  void test('a batchable model gets the default max_batch_size, dims without the batch dim, dynamic batching', () => {
    const { config, warnings } = complete(undefined);
    assert.deepEqual(warnings, []);
    assert.equal(config.name, 'fraud');
    assert.equal(config.max_batch_size, DEFAULT_MAX_BATCH_SIZE);
    assert.deepEqual(config.input, [{ name: 'features', data_type: 'FP32', dims: [30] }]);
    // A rank-1 batched output has no dims left: Triton's dims [1] with an empty reshape.
    assert.deepEqual(config.output, [
      { name: 'probabilities', data_type: 'FP32', dims: [2] },
      { name: 'label', data_type: 'INT64', dims: [1], reshape: { shape: [] } },
    ]);
    assert.deepEqual(config.dynamic_batching, {
      preferred_batch_size: [DEFAULT_MAX_BATCH_SIZE], max_queue_delay_microseconds: 0, preserve_ordering: false,
    });
    assert.deepEqual(config.instance_group, [{ name: 'fraud', kind: 'KIND_CPU', count: DEFAULT_INSTANCE_COUNT }]);
    assert.deepEqual(config.version_policy, { latest: { num_versions: 1 } });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.output[1].reshape));
  });

  void test('a model with a fixed first dim does not batch: max_batch_size 0, full shapes', () => {
    const { config } = complete(undefined, FIXED, 'resnet');
    assert.equal(config.max_batch_size, 0);
    assert.deepEqual(config.input[0].dims, [1, 3, 224, 224]);
    assert.deepEqual(config.output[0].dims, [1, 1000]);
    assert.equal(config.dynamic_batching, undefined);
  });

  void test('one non-batchable tensor turns batching off for the whole model', () => {
    const meta: ModelMetadata = { inputs: FRAUD.inputs, outputs: [{ name: 'y', datatype: 'FP32', shape: [2] }] };
    const { config } = complete(undefined, meta);
    assert.equal(config.max_batch_size, 0);
    assert.deepEqual(config.input[0].dims, [-1, 30]);
  });

  void test('a non-batching scalar gets dims [1] with an empty reshape', () => {
    const meta: ModelMetadata = { inputs: [{ name: 's', datatype: 'FP64', shape: [] }], outputs: [{ name: 'y', datatype: 'FP64', shape: [] }] };
    const { config } = complete(undefined, meta);
    assert.equal(config.max_batch_size, 0);
    assert.deepEqual(config.input, [{ name: 's', data_type: 'FP64', dims: [1], reshape: { shape: [] } }]);
  });
});

void describe('completeConfig with a config file', () => {
  void test('only a max_batch_size written in config.pbtxt limits a request: completion only sizes batches', () => {
    assert.equal(complete(undefined).batchLimit, undefined, 'no config file');
    assert.equal(complete('input [ { name: "features" data_type: TYPE_FP32 dims: [ 30 ] } ]').batchLimit, undefined, 'config without max_batch_size');
    assert.equal(complete('max_batch_size: 8').batchLimit, 8);
    assert.equal(complete('max_batch_size: 0', FIXED, 'resnet').batchLimit, undefined, 'no batching: no batch limit');
  });

  void test('format and label_filename are kept; a label file is reported with a warning (classification is not served)', () => {
    const { config, warnings } = complete('max_batch_size: 2 input [ { name: "features" data_type: TYPE_FP32 dims: [ 30 ] } ] ' +
      'output [ { name: "probabilities" data_type: TYPE_FP32 dims: [ 2 ] label_filename: "labels.txt" } ]');
    assert.equal(config.output[0].label_filename, 'labels.txt');
    assert.deepEqual(warnings, [
      "output 'label' of the model is not in config.pbtxt, so it is not served",
      'output \'probabilities\': label_filename "labels.txt" is reported in the configuration but not read: ' +
        'onnxserve does not implement the classification extension that uses it',
    ]);
  });

  void test('a partial config (no tensors, no max_batch_size) is auto-completed and says so', () => {
    const { config, warnings } = complete('instance_group [ { count: 3 kind: KIND_CPU } ]');
    assert.equal(config.max_batch_size, DEFAULT_MAX_BATCH_SIZE);
    assert.equal(config.input.length, 1);
    assert.deepEqual(config.instance_group, [{ name: 'fraud_0', kind: 'KIND_CPU', count: 3 }]);
    assert.match(warnings[0], /^max_batch_size set to 64: every input and output/);
  });

  void test('explicit max_batch_size: 0 keeps batching off and dims are the full shape', () => {
    const { config } = complete('max_batch_size: 0');
    assert.equal(config.max_batch_size, 0);
    assert.deepEqual(config.input[0].dims, [-1, 30]);
    assert.equal(config.dynamic_batching, undefined);
  });

  void test('a complete, consistent config is kept as written', () => {
    const text = `name: "fraud" max_batch_size: 16
      input [ { name: "features" data_type: TYPE_FP32 dims: [ 30 ] } ]
      output [ { name: "probabilities" data_type: TYPE_FP32 dims: [ 2 ] },
               { name: "label" data_type: TYPE_INT64 dims: [ 1 ] reshape: { shape: [ ] } } ]`;
    const { config, warnings } = complete(text);
    assert.deepEqual(warnings, []);
    assert.equal(config.max_batch_size, 16);
    // Triton only auto-enables dynamic batching while auto-completing; a full config decides for itself.
    assert.equal(config.dynamic_batching, undefined);
  });

  void test('a config listing fewer inputs than the model has is refused, as Triton does', () => {
    const meta: ModelMetadata = { inputs: [...FRAUD.inputs, { name: 'extra', datatype: 'INT32', shape: [-1, 3] }], outputs: FRAUD.outputs };
    contradiction('max_batch_size: 4 input [ { name: "features" data_type: TYPE_FP32 dims: [ 30 ] } ]', meta,
      "configuration expects 1 inputs, model provides 2: 'extra' is not in config.pbtxt " +
      '(list every input of the model, or none to take them all from the model)');
  });

  void test('a config listing no inputs takes them all from the model', () => {
    const meta: ModelMetadata = { inputs: [...FRAUD.inputs, { name: 'extra', datatype: 'INT32', shape: [-1, 3] }], outputs: FRAUD.outputs };
    const { config } = complete('max_batch_size: 4 output [ { name: "probabilities" data_type: TYPE_FP32 dims: [ 2 ] } ]', meta);
    assert.deepEqual(config.input.map((t) => [t.name, t.dims]), [['features', [30]], ['extra', [3]]]);
  });

  void test('listing some outputs serves only those, as in Triton', () => {
    const { config, warnings } = complete(
      'max_batch_size: 4 output [ { name: "label" data_type: TYPE_INT64 dims: [ 1 ] reshape { shape: [] } } ]');
    assert.deepEqual(config.output.map((t) => t.name), ['label']);
    assert.deepEqual(warnings, ["output 'probabilities' of the model is not in config.pbtxt, so it is not served"]);
  });

  void test('config -1 where the model is fixed is accepted with a warning', () => {
    const { warnings } = complete('max_batch_size: 4 input [ { name: "features" data_type: TYPE_FP32 dims: [ -1 ] } ]');
    assert.deepEqual(warnings, ["input 'features': dimension 1 is -1 in the config but the model fixes it to 30"]);
  });

  void test('a fixed config dim narrows a variable model dim', () => {
    const meta: ModelMetadata = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, -1] }] };
    const { config, warnings } = complete('max_batch_size: 2 input { name: "x" data_type: TYPE_FP32 dims: [ 7 ] }', meta);
    assert.deepEqual(config.input[0].dims, [7]);
    assert.deepEqual(warnings, []);
  });

  void test('a reshape is what is compared with the model', () => {
    const meta: ModelMetadata = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }] };
    const { config } = complete(`max_batch_size: 8
      input { name: "x" data_type: TYPE_FP32 dims: [ 4 ] reshape { shape: [ 2, 2 ] } }
      output { name: "y" data_type: TYPE_FP32 dims: [ 1 ] reshape { shape: [ ] } }`, meta);
    assert.deepEqual(effectiveShape(config.input[0], config.max_batch_size), [-1, 4]);
    assert.deepEqual(modelShape(config.input[0], config.max_batch_size), [-1, 2, 2]);
    assert.deepEqual(configMetadata(config), {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
    });
  });

  void test('an empty preferred_batch_size becomes [max_batch_size]', () => {
    const { config } = complete('max_batch_size: 8 dynamic_batching { max_queue_delay_microseconds: 50 }');
    assert.deepEqual(config.dynamic_batching?.preferred_batch_size, [8]);
    assert.equal(config.dynamic_batching?.max_queue_delay_microseconds, 50);
  });

  void test('dynamic batching on a non-batching model warns', () => {
    const { warnings } = complete('max_batch_size: 0 dynamic_batching { }');
    assert.deepEqual(warnings, ['dynamic_batching with max_batch_size 0: requests are queued but never batched']);
  });
});

void describe('completeConfig: contradictions are errors naming the tensor', () => {
  void test('datatype', () => {
    contradiction('max_batch_size: 4 input [ { name: "features" data_type: TYPE_INT32 dims: [ 30 ] } ]', FRAUD,
      "input 'features': config says TYPE_INT32 but the model has FP32");
  });

  void test('unknown tensor', () => {
    contradiction('max_batch_size: 4 output [ { name: "score" data_type: TYPE_FP32 dims: [ 1 ] } ]', FRAUD,
      "output 'score' is not an output of the model (the model has: probabilities, label)");
  });

  void test('a fixed dim that differs', () => {
    contradiction('max_batch_size: 4 input [ { name: "features" data_type: TYPE_FP32 dims: [ 31 ] } ]', FRAUD,
      "input 'features': config shape [-1, 31] does not match the model's shape [-1, 30] (dimension 1: 31 vs 30)");
  });

  void test('rank, counting the batch dim', () => {
    contradiction('max_batch_size: 0 input [ { name: "features" data_type: TYPE_FP32 dims: [ 30 ] } ]', FRAUD,
      "input 'features': config shape [30] has rank 1 but the model's shape [-1, 30] has rank 2");
  });

  void test('batching a model whose first dim is fixed', () => {
    contradiction('max_batch_size: 8', FIXED,
      "input 'image': max_batch_size 8 needs a variable first dimension, but the model's shape is [1, 3, 224, 224] " +
      '(use max_batch_size: 0 and full dims)');
  });

  void test('a reshape that does not fit the model', () => {
    contradiction('max_batch_size: 4 input { name: "features" data_type: TYPE_FP32 dims: [ 30 ] reshape { shape: [ 5, 6 ] } }', FRAUD,
      "input 'features': reshape [-1, 5, 6] has rank 3 but the model's shape [-1, 30] has rank 2");
  });

  void test('config name other than the directory', () => {
    contradiction('name: "other"', FRAUD, "config name 'other' does not match the model directory 'fraud'");
  });

  void test('preferred batch size above max_batch_size', () => {
    contradiction('max_batch_size: 4 dynamic_batching { preferred_batch_size: [ 2, 8 ] }', FRAUD,
      'dynamic_batching.preferred_batch_size 8 is larger than max_batch_size 4');
  });
});
