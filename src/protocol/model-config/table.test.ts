import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { ModelConfig, VersionPolicy } from '../../repository/index.js';
import { loadPackageDefinition } from '../v2-grpc/index.js';
import { modelConfigJson, modelConfigMessage } from './table.js';

// Decoded protobuf objects are read ad hoc in assertions; typing each message here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Decoded = any;

const configMethod = (loadPackageDefinition()['inference.GRPCInferenceService'] as Record<string, MethodDefinition<object, object>>).ModelConfig;

/** As a tritonclient would read it: serialized by the server, decoded with the same .proto. */
function overWire(config: object): Decoded {
  return (configMethod.responseDeserialize(configMethod.responseSerialize({ config })) as { config: Decoded }).config;
}

const params = (entries: Record<string, string>): Record<string, string> => Object.assign(Object.create(null) as Record<string, string>, entries);

/** The seed's fraud model as completion leaves it (no config file): batching, one CPU group, dynamic batching. */
const FRAUD: ModelConfig = {
  name: 'fraud', platform: 'onnxruntime_onnx', backend: 'onnxruntime', max_batch_size: 64,
  input: [{ name: 'features', data_type: 'FP32', dims: [30] }],
  output: [
    { name: 'probabilities', data_type: 'FP32', dims: [2] },
    { name: 'label', data_type: 'INT64', dims: [1], reshape: { shape: [] } },
  ],
  version_policy: { latest: { num_versions: 1 } },
  instance_group: [{ name: 'fraud', kind: 'KIND_CPU', count: 1 }],
  parameters: params({ k: 'v' }),
  dynamic_batching: { preferred_batch_size: [64], max_queue_delay_microseconds: 0, preserve_ordering: false },
  response_cache: { enable: true },
};

/** Every optional part set. */
const FULL: ModelConfig = {
  ...FRAUD,
  max_batch_size: 4,
  input: [{ name: 'features', data_type: 'FP32', dims: [30], optional: true, reshape: { shape: [5, 6] } }],
  version_policy: { specific: { versions: [2, 3] } },
  instance_group: [{ name: 'g', kind: 'KIND_GPU', count: 2, gpus: [0, 1] }],
  dynamic_batching: {
    preferred_batch_size: [2, 4], max_queue_delay_microseconds: 100, preserve_ordering: true,
    default_queue_policy: { max_queue_size: 10, default_timeout_microseconds: 7, allow_timeout_override: true, timeout_action: 'DELAY' },
  },
  optimization: { execution_accelerators: {
    gpu_execution_accelerator: [{ name: 'tensorrt', parameters: params({ precision_mode: 'FP16' }) }],
    cpu_execution_accelerator: [{ name: 'openvino', parameters: params({}) }],
  } },
  default_model_filename: 'other.onnx',
};

void describe("REST: Triton's JSON form (GET /v2/models/{m}/config)", () => {
  void test('a completed config: proto names in Triton\'s order, int64 as numbers, enums by name, defaults printed', () => {
    // Compared as text: the field order is part of the answer clients and snapshots see.
    assert.equal(JSON.stringify(modelConfigJson(FRAUD)), JSON.stringify({
      name: 'fraud', platform: 'onnxruntime_onnx', backend: 'onnxruntime', runtime: '',
      version_policy: { latest: { num_versions: 1 } },
      max_batch_size: 64,
      input: [{
        name: 'features', data_type: 'TYPE_FP32', dims: [30], format: 'FORMAT_NONE', is_shape_tensor: false,
        allow_ragged_batch: false, optional: false, is_non_linear_format_io: false,
      }],
      output: [
        { name: 'probabilities', data_type: 'TYPE_FP32', dims: [2], label_filename: '', is_shape_tensor: false, is_non_linear_format_io: false },
        {
          name: 'label', data_type: 'TYPE_INT64', dims: [1], reshape: { shape: [] }, label_filename: '', is_shape_tensor: false,
          is_non_linear_format_io: false,
        },
      ],
      batch_input: [],
      batch_output: [],
      optimization: {
        priority: 'PRIORITY_DEFAULT', input_pinned_memory: { enable: true }, output_pinned_memory: { enable: true },
        gather_kernel_buffer_threshold: 0, eager_batching: false,
      },
      instance_group: [{
        name: 'fraud', kind: 'KIND_CPU', count: 1, gpus: [], secondary_devices: [], profile: [], passive: false, host_policy: '',
      }],
      default_model_filename: 'model.onnx',
      cc_model_filenames: {},
      metric_tags: {},
      parameters: { k: { string_value: 'v' } },
      model_warmup: [],
      dynamic_batching: {
        preferred_batch_size: [64], max_queue_delay_microseconds: 0, preserve_ordering: false, priority_levels: 0,
        default_priority_level: 0, priority_queue_policy: {},
      },
      response_cache: { enable: true },
    }));
  });

  void test('queue policy, version policies, accelerators, model file name', () => {
    const json = JSON.parse(JSON.stringify(modelConfigJson(FULL))) as Record<string, Decoded>;
    assert.deepEqual(json.version_policy, { specific: { versions: [2, 3] } });
    assert.deepEqual(json.dynamic_batching.default_queue_policy,
      { timeout_action: 'DELAY', default_timeout_microseconds: 7, allow_timeout_override: true, max_queue_size: 10 });
    assert.deepEqual(json.optimization.execution_accelerators, {
      gpu_execution_accelerator: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16' } }],
      cpu_execution_accelerator: [{ name: 'openvino', parameters: {} }],
    });
    assert.deepEqual(json.input[0].reshape, { shape: [5, 6] });
    assert.equal(json.input[0].optional, true);
    assert.deepEqual(json.instance_group[0].gpus, [0, 1]);
    assert.equal(json.default_model_filename, 'other.onnx');
    assert.deepEqual(modelConfigJson({ ...FRAUD, version_policy: { all: {} } }).version_policy, { all: {} });
    assert.equal(modelConfigJson({ ...FRAUD, dynamic_batching: undefined, response_cache: undefined }).dynamic_batching, undefined,
      'an unset message is left out, as protobuf prints it');
  });

  void test('config-file keys stay plain data (__proto__ is a valid parameter name)', () => {
    const json = modelConfigJson({ ...FRAUD, parameters: params({ ['__proto__']: 'x' }) }) as Decoded;
    assert.equal(JSON.stringify(json.parameters), '{"__proto__":{"string_value":"x"}}');
  });

  void test('each answer is its own: changing one does not change the next', () => {
    const a = modelConfigJson(FRAUD) as Decoded;
    assert.throws(() => { a.optimization.input_pinned_memory.enable = false; }, TypeError);
    a.input.push('x');
    assert.equal((modelConfigJson(FRAUD) as Decoded).input.length, 1);
  });
});

void describe('gRPC: the ModelConfig message', () => {
  void test('a tritonclient reads the config over the wire: enums by name, 64-bit dims as decimal strings', () => {
    const c = overWire(modelConfigMessage(FULL));
    assert.equal(c.name, 'fraud');
    assert.equal(c.platform, 'onnxruntime_onnx');
    assert.equal(c.backend, 'onnxruntime');
    assert.equal(c.max_batch_size, 4);
    assert.equal(c.version_policy.policy_choice, 'specific');
    assert.deepEqual(c.version_policy.specific.versions, ['2', '3']);
    assert.equal(c.input[0].data_type, 'TYPE_FP32');
    assert.deepEqual(c.input[0].dims, ['30']);
    assert.deepEqual(c.input[0].reshape.shape, ['5', '6']);
    assert.equal(c.input[0].optional, true);
    assert.equal(c.output[1].data_type, 'TYPE_INT64');
    assert.deepEqual(c.output[1].reshape.shape, []);
    assert.equal(c.instance_group[0].kind, 'KIND_GPU');
    assert.equal(c.instance_group[0].count, 2);
    assert.deepEqual(c.instance_group[0].gpus, [0, 1]);
    assert.equal(c.scheduling_choice, 'dynamic_batching');
    assert.deepEqual(c.dynamic_batching.preferred_batch_size, [2, 4]);
    assert.equal(c.dynamic_batching.max_queue_delay_microseconds, '100');
    assert.equal(c.dynamic_batching.default_queue_policy.timeout_action, 'DELAY');
    assert.equal(c.dynamic_batching.default_queue_policy.max_queue_size, 10);
    assert.deepEqual(c.optimization.execution_accelerators.gpu_execution_accelerator[0], { name: 'tensorrt', parameters: { precision_mode: 'FP16' } });
    assert.equal(c.optimization.input_pinned_memory.enable, true);
    assert.deepEqual(c.parameters, { k: { string_value: 'v' } });
    assert.equal(c.response_cache.enable, true);
    assert.equal(c.default_model_filename, 'other.onnx');
  });

  void test('the message is the JSON form without the fields the .proto leaves out', () => {
    const jsonOnly = new Set(['runtime', 'batch_input', 'batch_output', 'model_warmup', 'input[].is_non_linear_format_io',
      'output[].is_non_linear_format_io', 'instance_group[].secondary_devices']);
    const json = paths(modelConfigJson(FULL));
    const message = paths(modelConfigMessage(FULL));
    assert.deepEqual(new Set([...json].filter((p) => !message.has(p))), jsonOnly);
    assert.deepEqual([...message].filter((p) => !json.has(p)), []);
    // And those fields are truly undeclared: sent anyway, protobuf drops them.
    const decoded = paths(overWire(modelConfigJson(FULL)));
    for (const p of jsonOnly) assert.ok(!decoded.has(p), `${p} is declared in the .proto: unmark it in the table`);
  });

  void test('every field the table prints is declared in proto/model_config.proto, and every declared field is printed', () => {
    const policies: VersionPolicy[] = [{ latest: { num_versions: 2 } }, { all: {} }, { specific: { versions: [1] } }];
    const printed = new Set<string>();
    const decoded = new Set<string>();
    for (const version_policy of policies) {
      const message = modelConfigMessage({ ...FULL, version_policy });
      const before = paths(message);
      const after = paths(overWire(message));
      const lost = [...before].filter((p) => !after.has(p));
      assert.deepEqual(lost, [], 'printed for gRPC but not in the .proto (add it there, or mark the row jsonOnly)');
      before.forEach((p) => printed.add(p));
      after.forEach((p) => decoded.add(p));
    }
    // Declared fields onnxserve has nothing to put in (decoded as unset), and the oneof names protobufjs adds.
    const neverPrinted = ['model_transaction_policy', 'optimization.graph', 'scheduling_choice', 'version_policy.policy_choice'];
    assert.deepEqual([...decoded].filter((p) => !printed.has(p)).sort(), neverPrinted,
      'declared in the .proto but never printed (add a row to the table)');
  });
});

/** Every key path in a printed or decoded value, array elements collapsed to `[]` (`input[].dims`). */
function paths(v: unknown, path = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) {
    for (const e of v) paths(e, `${path}[]`, out);
  } else if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      out.add(p);
      paths(x, p, out);
    }
  }
  return out;
}
