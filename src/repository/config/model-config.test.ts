import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { maxBatchSizeGiven, ModelConfigError, parseModelConfig } from './model-config.js';
import { PbtxtError } from './pbtxt.js';

// Every field onnxserve reads, in the mix of syntaxes real Triton repositories use.
const FULL = `# fraud detector, served by Triton or onnxserve
name: "fraud"
platform: "onnxruntime_onnx"
backend: "onnxruntime"
max_batch_size: 8
input [
  {
    name: "features"
    data_type: TYPE_FP32
    dims: [ 30 ]
  },
  {
    name: "mask"
    data_type: TYPE_BOOL
    dims: [ -1, 4 ]
    reshape: { shape: [ -1, 2, 2 ] }
    optional: true
  }
]
output {
  name: "probabilities"
  data_type: TYPE_FP32
  dims: [ 2 ]
}
output < name: 'label' data_type: TYPE_INT64 dims: 1 reshape < shape: [] > >
version_policy: { latest { num_versions: 2 } }
instance_group [ { count: 2, kind: KIND_CPU }, { name: "gpu" kind: KIND_GPU gpus: [0, 1] } ]
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 100
  preserve_ordering: true
  default_queue_policy {
    max_queue_size: 64
    default_timeout_microseconds: 5000
    allow_timeout_override: true
    timeout_action: DELAY
  }
}
optimization { execution_accelerators {
  gpu_execution_accelerator : [ { name : "tensorrt" parameters { key: "precision_mode" value: "FP16" } } ]
  cpu_execution_accelerator : [ { name : "openvino" } ]
} }
parameters { key: "intra_op_thread_count" value: { string_value: "1" } }
parameters [ { key: "inter_op_thread_count", value < string_value: "2" > } ]
response_cache { enable: true }
default_model_filename: "fraud.onnx"
`;

function configError(text: string, message: string): void {
  assert.throws(() => parseModelConfig(text), (e: unknown) => {
    assert.ok(e instanceof ModelConfigError || e instanceof PbtxtError, `unexpected ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    return true;
  });
}

void describe('parseModelConfig: a full Triton config', () => {
  const { config, warnings } = parseModelConfig(FULL);

  void test('no warnings for supported fields', () => {
    assert.deepEqual(warnings, []);
  });

  void test('top level', () => {
    assert.equal(config.name, 'fraud');
    assert.equal(config.platform, 'onnxruntime_onnx');
    assert.equal(config.backend, 'onnxruntime');
    assert.equal(config.max_batch_size, 8);
    assert.equal(maxBatchSizeGiven(config), true);
    assert.deepEqual(config.version_policy, { latest: { num_versions: 2 } });
    assert.deepEqual(config.response_cache, { enable: true });
    assert.equal(config.default_model_filename, 'fraud.onnx');
  });

  void test('inputs and outputs, list and repeated syntax, with V2 datatypes', () => {
    assert.deepEqual(config.input, [
      { name: 'features', data_type: 'FP32', dims: [30] },
      { name: 'mask', data_type: 'BOOL', dims: [-1, 4], reshape: { shape: [-1, 2, 2] }, optional: true },
    ]);
    assert.deepEqual(config.output, [
      { name: 'probabilities', data_type: 'FP32', dims: [2] },
      { name: 'label', data_type: 'INT64', dims: [1], reshape: { shape: [] } },
    ]);
  });

  void test('instance groups', () => {
    assert.deepEqual(config.instance_group, [
      { count: 2, kind: 'KIND_CPU' },
      { count: 1, kind: 'KIND_GPU', name: 'gpu', gpus: [0, 1] },
    ]);
  });

  void test('dynamic batching and queue policy', () => {
    assert.deepEqual(config.dynamic_batching, {
      preferred_batch_size: [4, 8],
      max_queue_delay_microseconds: 100,
      preserve_ordering: true,
      default_queue_policy: {
        max_queue_size: 64, default_timeout_microseconds: 5000, allow_timeout_override: true, timeout_action: 'DELAY',
      },
    });
  });

  void test('execution accelerators with map parameters', () => {
    const ea = config.optimization?.execution_accelerators;
    assert.equal(ea?.gpu_execution_accelerator[0].name, 'tensorrt');
    assert.deepEqual({ ...ea?.gpu_execution_accelerator[0].parameters }, { precision_mode: 'FP16' });
    assert.equal(ea?.cpu_execution_accelerator[0].name, 'openvino');
    assert.deepEqual({ ...ea?.cpu_execution_accelerator[0].parameters }, {});
  });

  void test('model parameters from both syntaxes', () => {
    assert.deepEqual({ ...config.parameters }, { intra_op_thread_count: '1', inter_op_thread_count: '2' });
  });

  void test('the config is deeply frozen', () => {
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.input[1].reshape?.shape));
    assert.ok(Object.isFrozen(config.parameters));
    assert.throws(() => { (config.input as unknown[]).push(1); }, TypeError);
  });
});

void describe('parseModelConfig: defaults', () => {
  void test('an empty file', () => {
    const { config, warnings } = parseModelConfig('');
    assert.deepEqual(warnings, []);
    assert.equal(config.name, '');
    assert.equal(config.max_batch_size, 0);
    assert.equal(maxBatchSizeGiven(config), false);
    assert.deepEqual(config.version_policy, { latest: { num_versions: 1 } });
    assert.deepEqual([config.input, config.output, config.instance_group], [[], [], []]);
    assert.equal(config.dynamic_batching, undefined);
  });

  void test('explicit max_batch_size: 0 is remembered as given', () => {
    assert.equal(maxBatchSizeGiven(parseModelConfig('max_batch_size: 0').config), true);
  });

  void test('message defaults follow the proto', () => {
    const { config } = parseModelConfig('instance_group { } dynamic_batching { default_queue_policy { } } response_cache { }');
    assert.deepEqual(config.instance_group, [{ count: 1, kind: 'KIND_AUTO' }]);
    assert.deepEqual(config.dynamic_batching, {
      preferred_batch_size: [], max_queue_delay_microseconds: 0, preserve_ordering: false,
      default_queue_policy: { max_queue_size: 0, default_timeout_microseconds: 0, allow_timeout_override: false, timeout_action: 'REJECT' },
    });
    assert.deepEqual(config.response_cache, { enable: false });
  });

  void test('version policies', () => {
    assert.deepEqual(parseModelConfig('version_policy: { all: {} }').config.version_policy, { all: {} });
    assert.deepEqual(parseModelConfig('version_policy { specific { versions: [1, 3] } }').config.version_policy,
      { specific: { versions: [1, 3] } });
  });

  void test('booleans in every spelling protobuf accepts', () => {
    for (const [text, want] of [['true', true], ['True', true], ['t', true], ['1', true], ['false', false], ['False', false], ['f', false], ['0', false]] as const) {
      assert.equal(parseModelConfig(`response_cache { enable: ${text} }`).config.response_cache?.enable, want, text);
    }
  });

  void test('__proto__ is an ordinary parameter key', () => {
    const { config } = parseModelConfig('parameters { key: "__proto__" value { string_value: "x" } }');
    assert.equal(Object.getPrototypeOf(config.parameters), null);
    assert.deepEqual(Object.entries(config.parameters), [['__proto__', 'x']]);
  });
});

void describe('parseModelConfig: unknown fields are warnings', () => {
  void test('at every level, with path and position, in file order', () => {
    const { config, warnings } = parseModelConfig([
      'name: "m"',
      'model_warmup [ { name: "w" } ]',
      'input {',
      '  name: "x" data_type: TYPE_FP32 dims: [1]',
      '  is_shape_tensor: false',
      '}',
      'instance_group [ { kind: KIND_CPU host_policy: "p" } ]',
      'dynamic_batching { priority_levels: 2 default_queue_policy { foo: 1 } }',
      'optimization { graph { level: 1 } }',
    ].join('\n'));
    assert.equal(config.input[0].name, 'x');
    assert.deepEqual(warnings, [
      "unknown field 'model_warmup' at 2:1 (ignored)",
      "unknown field 'input[0].is_shape_tensor' at 5:3 (ignored)",
      "unknown field 'instance_group[0].host_policy' at 7:35 (ignored)",
      "unknown field 'dynamic_batching.priority_levels' at 8:20 (ignored)",
      "unknown field 'dynamic_batching.default_queue_policy.foo' at 8:62 (ignored)",
      "unknown field 'optimization.graph' at 9:16 (ignored)",
    ]);
  });

  void test('a repeated parameter key warns and the last one wins', () => {
    const { config, warnings } = parseModelConfig(
      'parameters { key: "a" value { string_value: "1" } }\nparameters { key: "a" value { string_value: "2" } }');
    assert.equal(config.parameters.a, '2');
    assert.deepEqual(warnings, ["parameters[1]: key 'a' at 2:12 repeats an earlier entry (the last one wins)"]);
  });
});

void describe('parseModelConfig: errors name the line and column', () => {
  void test('syntax errors pass through', () => {
    configError('name: "m"\ninput {', "config.pbtxt:2:8: unexpected end of input: '{' of field 'input' opened at 2:7 is never closed");
  });

  void test('wrong scalar types', () => {
    configError('name: "m"\nmax_batch_size: "8"', 'config.pbtxt:2:17: max_batch_size: expected an integer, found string "8"');
    configError('max_batch_size: 1.5', 'config.pbtxt:1:17: max_batch_size: expected an integer, found 1.5');
    configError('max_batch_size: -1', 'config.pbtxt:1:17: max_batch_size: -1 is out of range (0 to 2147483647)');
    configError('name: 3', 'config.pbtxt:1:7: name: expected a string, found 3');
    configError('response_cache { enable: yes }', 'config.pbtxt:1:26: response_cache.enable: expected true or false, found yes');
    configError('instance_group { kind: KIND_MODEL }',
      'config.pbtxt:1:24: instance_group[0].kind: expected one of KIND_AUTO, KIND_GPU, KIND_CPU, found KIND_MODEL');
    configError('dynamic_batching { max_queue_delay_microseconds: 99999999999999999 }',
      'config.pbtxt:1:50: dynamic_batching.max_queue_delay_microseconds: 99999999999999999 is out of range (0 to 9007199254740991)');
  });

  void test('message where a scalar belongs, and the reverse', () => {
    configError('max_batch_size { }', 'config.pbtxt:1:16: max_batch_size: expected an integer, found a message');
    configError('response_cache: true', "config.pbtxt:1:17: response_cache: expected a message '{ … }', found true");
  });

  void test('singular fields given twice or as a list', () => {
    configError('max_batch_size: 1\nmax_batch_size: 2', "config.pbtxt:2:1: field 'max_batch_size' is given more than once");
    configError('max_batch_size: [1]', "config.pbtxt:1:1: field 'max_batch_size' is not a list");
  });

  void test('tensor datatypes', () => {
    configError('input { name: "x" data_type: TYPE_FOO dims: [1] }',
      "config.pbtxt:1:30: input 'x': unknown data_type TYPE_FOO (expected one of TYPE_BOOL, TYPE_UINT8, TYPE_UINT16, " +
      'TYPE_UINT32, TYPE_UINT64, TYPE_INT8, TYPE_INT16, TYPE_INT32, TYPE_INT64, TYPE_FP16, TYPE_FP32, TYPE_FP64, TYPE_STRING)');
    configError('output { name: "y" data_type: TYPE_BF16 dims: [1] }',
      "config.pbtxt:1:31: output 'y': data_type TYPE_BF16 is not supported by onnxserve");
    configError('input { name: "x" dims: [1] }', "config.pbtxt:1:7: input 'x': 'data_type' is required");
  });

  void test('tensor dims', () => {
    configError('input {\n  name: "x"\n  data_type: TYPE_FP32\n  dims: [ 3, -2 ]\n}',
      "config.pbtxt:4:14: input 'x': dims[1] is -2: a dimension is an integer >= 1, or -1 for a variable size");
    configError('input { name: "x" data_type: TYPE_FP32 dims: [0] }',
      "config.pbtxt:1:47: input 'x': dims[0] is 0: a dimension is an integer >= 1, or -1 for a variable size");
    configError('input { name: "x" data_type: TYPE_FP32 }', "config.pbtxt:1:7: input 'x': 'dims' is required (use [ -1 ] for a variable dimension)");
    configError('input { name: "x" data_type: TYPE_FP32 dims: [] }',
      "config.pbtxt:1:40: input 'x': 'dims' must not be empty (a scalar is dims [ 1 ] with reshape { shape: [ ] })");
    configError('input { name: "x" data_type: TYPE_FP32 dims: [2, 3] reshape { shape: [5] } }',
      "config.pbtxt:1:53: input 'x': reshape [5] does not hold the same elements as dims [2, 3]");
    configError('input { data_type: TYPE_FP32 dims: [1] }', "config.pbtxt:1:7: input[0]: 'name' is required");
    configError('input { name: "x" data_type: TYPE_FP32 dims: [1] }\ninput { name: "x" data_type: TYPE_FP32 dims: [1] }',
      "config.pbtxt:2:7: input 'x' is listed twice (first at 1:7)");
  });

  void test('reshape element counts compare across variable dims', () => {
    const { config } = parseModelConfig('input { name: "x" data_type: TYPE_FP32 dims: [2, 4, -1, 6] reshape { shape: [8, -1, 1, 6] } }');
    assert.deepEqual(config.input[0].reshape, { shape: [8, -1, 1, 6] });
  });

  void test('platform and backend other than ONNX Runtime', () => {
    const only = 'onnxserve serves ONNX models only (platform "onnxruntime_onnx" or backend "onnxruntime")';
    configError('platform: "tensorrt_plan"', `config.pbtxt:1:11: platform "tensorrt_plan" is not supported: ${only}`);
    configError('name: "m"\nbackend: "python"', `config.pbtxt:2:10: backend "python" is not supported: ${only}`);
  });

  void test('sequence batching is refused, not ignored', () => {
    configError('sequence_batching { }', 'config.pbtxt:1:1: sequence_batching is not supported by onnxserve');
  });

  void test('version policy must be exactly one, with sensible values', () => {
    configError('version_policy { }', 'config.pbtxt:1:16: version_policy: give exactly one of latest, all, specific (found 0)');
    configError('version_policy { latest { } all { } }', 'config.pbtxt:1:16: version_policy: give exactly one of latest, all, specific (found 2)');
    configError('version_policy { latest { } }', 'config.pbtxt:1:25: version_policy.latest.num_versions must be at least 1');
    configError('version_policy { specific { } }', 'config.pbtxt:1:27: version_policy.specific.versions must list at least one version');
  });

  void test('instance groups', () => {
    configError('instance_group { kind: KIND_CPU gpus: [0] }', "config.pbtxt:1:33: instance_group[0]: 'gpus' cannot be given for KIND_CPU");
    configError('instance_group { count: -1 }', 'config.pbtxt:1:25: instance_group[0].count: -1 is out of range (0 to 2147483647)');
  });

  void test('default_model_filename cannot leave the version directory', () => {
    configError('default_model_filename: "../x.onnx"', 'config.pbtxt:1:1: default_model_filename must be a plain file name, found "../x.onnx"');
  });

  void test('input format and output label_filename', () => {
    const { config, warnings } = parseModelConfig('input { name: "x" data_type: TYPE_FP32 dims: [3, 224, 224] format: FORMAT_NCHW }\n' +
      'output { name: "y" data_type: TYPE_FP32 dims: [1000] label_filename: "densenet_labels.txt" }\n' +
      'output { name: "z" data_type: TYPE_FP32 dims: [1] label_filename: "" }');
    assert.deepEqual(warnings, []);
    assert.equal(config.input[0].format, 'FORMAT_NCHW');
    assert.equal(config.output[0].label_filename, 'densenet_labels.txt');
    assert.equal(config.output[1].label_filename, undefined, 'an empty label_filename is proto3 for unset');
    configError('input { name: "x" data_type: TYPE_FP32 dims: [224, 224] format: FORMAT_NHWC }',
      "config.pbtxt:1:57: input 'x': format FORMAT_NHWC needs 3 dims (without the batch dim), found [224, 224]");
    configError('input { name: "x" data_type: TYPE_FP32 dims: [1] format: NCHW }',
      'config.pbtxt:1:58: input[0].format: expected one of FORMAT_NONE, FORMAT_NHWC, FORMAT_NCHW, found NCHW');
    configError('output { name: "y" data_type: TYPE_FP32 dims: [1] label_filename: "../labels.txt" }',
      "config.pbtxt:1:51: output 'y': label_filename must be a plain file name, found \"../labels.txt\"");
  });

  void test('the file name given is the one reported', () => {
    assert.throws(() => parseModelConfig('max_batch_size: "x"', 'fraud/config.pbtxt'),
      { message: 'fraud/config.pbtxt:1:17: max_batch_size: expected an integer, found string "x"' });
  });
});
