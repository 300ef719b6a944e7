/**
 * The JSON form of a model configuration, as Triton's GET /v2/models/{m}/config returns it (and so what
 * tritonclient.http's `get_model_config()` gives). Triton (core ModelConfigToJson) prints the ModelConfig protobuf with
 * preserve_proto_field_names and always_print_primitive_fields, then rewrites every int64/uint64 field from
 * protobuf's JSON strings back to numbers ("we want the json representation of the config to be reasonable
 * json"). So: proto field names, enums by name, every dim and microsecond count a JSON number, and the default
 * value of every scalar, repeated and map field printed. Unset message fields are left out, as protobuf does.
 */
import { tritonType } from '../../tensor/index.js';
import type {
  Accelerator, DynamicBatching, InstanceGroup, ModelConfig, Optimization, QueuePolicy, TensorConfig, VersionPolicy,
} from './types.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** Triton's file name for ONNX models when the config does not name one. */
const ONNX_MODEL_FILENAME = 'model.onnx';

export function configToJson(config: ModelConfig): JsonObject {
  const json: JsonObject = {
    name: config.name,
    platform: config.platform,
    backend: config.backend,
    runtime: '',
    version_policy: versionPolicyJson(config.version_policy),
    max_batch_size: config.max_batch_size,
    input: config.input.map(inputJson),
    output: config.output.map(outputJson),
    batch_input: [],
    batch_output: [],
    optimization: optimizationJson(config.optimization),
    instance_group: config.instance_group.map((g, i) => instanceGroupJson(g, i, config.name)),
    default_model_filename: config.default_model_filename ?? ONNX_MODEL_FILENAME,
    cc_model_filenames: {},
    metric_tags: {},
    parameters: parametersJson(config.parameters),
    model_warmup: [],
  };
  if (config.dynamic_batching) json.dynamic_batching = dynamicBatchingJson(config.dynamic_batching);
  if (config.response_cache) json.response_cache = { enable: config.response_cache.enable };
  return json;
}

function versionPolicyJson(policy: VersionPolicy): JsonObject {
  if ('latest' in policy) return { latest: { num_versions: policy.latest.num_versions } };
  if ('specific' in policy) return { specific: { versions: [...policy.specific.versions] } };
  return { all: {} };
}

function tensorCommon(t: TensorConfig): JsonObject {
  const json: JsonObject = { name: t.name, data_type: tritonType(t.data_type), dims: [...t.dims] };
  if (t.reshape) json.reshape = { shape: [...t.reshape.shape] };
  return json;
}

function inputJson(t: TensorConfig): JsonObject {
  return {
    ...tensorCommon(t),
    format: 'FORMAT_NONE',
    is_shape_tensor: false,
    allow_ragged_batch: false,
    optional: t.optional ?? false,
    is_non_linear_format_io: false,
  };
}

function outputJson(t: TensorConfig): JsonObject {
  return { ...tensorCommon(t), label_filename: '', is_shape_tensor: false, is_non_linear_format_io: false };
}

/** Triton's NormalizeModelConfig always sets the pinned-memory buffers, so `optimization` is always present. */
function optimizationJson(o: Optimization | undefined): JsonObject {
  const json: JsonObject = {
    priority: 'PRIORITY_DEFAULT',
    input_pinned_memory: { enable: true },
    output_pinned_memory: { enable: true },
    gather_kernel_buffer_threshold: 0,
    eager_batching: false,
  };
  const ea = o?.execution_accelerators;
  if (ea) {
    json.execution_accelerators = {
      gpu_execution_accelerator: ea.gpu_execution_accelerator.map(acceleratorJson),
      cpu_execution_accelerator: ea.cpu_execution_accelerator.map(acceleratorJson),
    };
  }
  return json;
}

function acceleratorJson(a: Accelerator): JsonObject {
  return { name: a.name, parameters: { ...a.parameters } };
}

function instanceGroupJson(g: InstanceGroup, index: number, model: string): JsonObject {
  return {
    name: g.name ?? `${model}_${index}`,
    kind: g.kind,
    count: g.count,
    gpus: [...(g.gpus ?? [])],
    secondary_devices: [],
    profile: [],
    passive: false,
    host_policy: '',
  };
}

function dynamicBatchingJson(b: DynamicBatching): JsonObject {
  const json: JsonObject = {
    preferred_batch_size: [...b.preferred_batch_size],
    max_queue_delay_microseconds: b.max_queue_delay_microseconds,
    preserve_ordering: b.preserve_ordering,
    priority_levels: 0,
    default_priority_level: 0,
    priority_queue_policy: {},
  };
  if (b.default_queue_policy) json.default_queue_policy = queuePolicyJson(b.default_queue_policy);
  return json;
}

function queuePolicyJson(p: QueuePolicy): JsonObject {
  return {
    timeout_action: p.timeout_action,
    default_timeout_microseconds: p.default_timeout_microseconds,
    allow_timeout_override: p.allow_timeout_override,
    max_queue_size: p.max_queue_size,
  };
}

/** map<string, ModelParameter> prints as {"key": {"string_value": "…"}}. Null prototype: keys are the file's. */
function parametersJson(params: Readonly<Record<string, string>>): JsonObject {
  const json = Object.create(null) as JsonObject;
  for (const [k, v] of Object.entries(params)) json[k] = { string_value: v };
  return json;
}
