import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MethodDefinition } from '@grpc/proto-loader';
import { toWireModelConfig } from './model-config.js';
import { loadPackageDefinition } from './service.js';

// Decoded protobuf objects are read ad hoc in assertions; typing each message here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Decoded = any;

const configMethod = (loadPackageDefinition()['inference.GRPCInferenceService'] as Record<string, MethodDefinition<object, object>>).ModelConfig;

/** As a tritonclient would read it: serialized by the server, decoded with the same .proto. */
function overWire(config: object): Decoded {
  const res = configMethod.responseDeserialize(configMethod.responseSerialize({ config })) as { config: Decoded };
  return res.config;
}

const TRITON_JSON = {
  name: 'fraud', platform: 'onnxruntime_onnx', backend: 'onnxruntime', max_batch_size: 8,
  version_policy: { latest: { num_versions: 1 } },
  input: [{ name: 'x', data_type: 'TYPE_FP32', format: 'FORMAT_NONE', dims: [30], reshape: { shape: [30] } }],
  output: [{ name: 'p', data_type: 'FP32', dims: [-1, 2], label_filename: 'labels.txt' }],
  instance_group: [{ name: 'g', kind: 'KIND_CPU', count: 2, gpus: [] }],
  dynamic_batching: {
    preferred_batch_size: [4, 8], max_queue_delay_microseconds: 100,
    default_queue_policy: { max_queue_size: 64, default_timeout_microseconds: '0', timeout_action: 'REJECT' },
  },
  optimization: { execution_accelerators: { gpu_execution_accelerator: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16' } }] } },
  parameters: { intra_op_thread_count: { string_value: '1' } },
  response_cache: { enable: true },
  model_warmup: [{ name: 'not declared' }],
};

void test('Triton JSON config maps onto the ModelConfig message, enums by name', () => {
  const c = overWire(toWireModelConfig(TRITON_JSON));
  assert.equal(c.name, 'fraud');
  assert.equal(c.platform, 'onnxruntime_onnx');
  assert.equal(c.backend, 'onnxruntime');
  assert.equal(c.max_batch_size, 8);
  assert.deepEqual(c.version_policy.latest, { num_versions: 1 });
  assert.equal(c.version_policy.policy_choice, 'latest');
  assert.equal(c.input[0].data_type, 'TYPE_FP32');
  assert.deepEqual(c.input[0].dims, ['30']);
  assert.deepEqual(c.input[0].reshape.shape, ['30']);
  assert.equal(c.output[0].data_type, 'TYPE_FP32', 'a V2 datatype name is spelled the Triton way');
  assert.deepEqual(c.output[0].dims, ['-1', '2']);
  assert.equal(c.instance_group[0].kind, 'KIND_CPU');
  assert.equal(c.instance_group[0].count, 2);
  assert.deepEqual(c.dynamic_batching.preferred_batch_size, [4, 8]);
  assert.equal(c.dynamic_batching.max_queue_delay_microseconds, '100');
  assert.equal(c.dynamic_batching.default_queue_policy.max_queue_size, 64);
  assert.equal(c.scheduling_choice, 'dynamic_batching');
  assert.deepEqual(c.optimization.execution_accelerators.gpu_execution_accelerator[0], { name: 'tensorrt', parameters: { precision_mode: 'FP16' } });
  assert.deepEqual(c.parameters, { intra_op_thread_count: { string_value: '1' } });
  assert.equal(c.response_cache.enable, true);
});

void test('fields of the wrong type and unknown enum names are dropped, not sent', () => {
  const w = toWireModelConfig({ name: 3, max_batch_size: 'lots', input: [{ name: 'x', data_type: 'TYPE_NOPE', dims: [1, 'a'] }], output: 'no' });
  assert.deepEqual(w, { input: [{ name: 'x', dims: [1] }] });
  const c = overWire(w);
  assert.equal(c.input[0].data_type, 'TYPE_INVALID');
});
