/**
 * Triton's JSON model configuration (what core's modelConfig() returns and the REST /config route serves:
 * snake_case field names, enums by name such as "TYPE_FP32", dims as numbers) -> the ModelConfig message of
 * proto/model_config.proto.
 *
 * An explicit allow-list rather than handing the JSON to protobufjs: only declared fields go out, values of the
 * wrong JSON type are dropped instead of making the serializer throw, and an unknown enum name is dropped
 * (the field then reads as its zero value) instead of being guessed. Field numbers are in the .proto.
 */
import { isDatatype, tritonType } from '../../tensor/index.js';

type Json = Record<string, unknown>;
type Out = Record<string, unknown>;

const DATA_TYPES = new Set([
  'TYPE_INVALID', 'TYPE_BOOL', 'TYPE_UINT8', 'TYPE_UINT16', 'TYPE_UINT32', 'TYPE_UINT64', 'TYPE_INT8', 'TYPE_INT16',
  'TYPE_INT32', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_FP64', 'TYPE_STRING', 'TYPE_BF16',
]);
const KINDS = new Set(['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL']);
const FORMATS = new Set(['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW']);
const PRIORITIES = new Set(['PRIORITY_DEFAULT', 'PRIORITY_MAX', 'PRIORITY_MIN']);
const TIMEOUT_ACTIONS = new Set(['REJECT', 'DELAY']);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/** Integers as Triton's JSON writes them: numbers, or decimal strings for 64-bit values. */
function int(v: unknown): number | string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return v;
  return undefined;
}

const ints = (v: unknown): (number | string)[] | undefined =>
  Array.isArray(v) ? v.map(int).filter((x): x is number | string => x !== undefined) : undefined;

const enumName = (v: unknown, names: ReadonlySet<string>): string | undefined =>
  typeof v === 'string' && names.has(v) ? v : undefined;

/** data_type by TYPE_* name; a V2 name ("FP32") is accepted too and spelled the Triton way. */
function dataType(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (DATA_TYPES.has(v)) return v;
  return isDatatype(v) ? tritonType(v) : undefined;
}

/** Drops undefined entries so the message carries only what the JSON had. */
function compact(o: Out): Out {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function list(v: unknown, item: (j: Json) => Out): Out[] | undefined {
  return Array.isArray(v) ? v.filter(isObj).map(item) : undefined;
}

function sub(v: unknown, item: (j: Json) => Out): Out | undefined {
  return isObj(v) ? item(v) : undefined;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

const reshape = (j: Json): Out => compact({ shape: ints(j.shape) });

const input = (j: Json): Out => compact({
  name: str(j.name), data_type: dataType(j.data_type), format: enumName(j.format, FORMATS), dims: ints(j.dims),
  reshape: sub(j.reshape, reshape), is_shape_tensor: bool(j.is_shape_tensor),
  allow_ragged_batch: bool(j.allow_ragged_batch), optional: bool(j.optional),
});

const output = (j: Json): Out => compact({
  name: str(j.name), data_type: dataType(j.data_type), dims: ints(j.dims), reshape: sub(j.reshape, reshape),
  label_filename: str(j.label_filename), is_shape_tensor: bool(j.is_shape_tensor),
});

function versionPolicy(j: Json): Out {
  if (isObj(j.latest)) return { latest: compact({ num_versions: int(j.latest.num_versions) }) };
  if (isObj(j.all)) return { all: {} };
  if (isObj(j.specific)) return { specific: compact({ versions: ints(j.specific.versions) }) };
  return {};
}

const instanceGroup = (j: Json): Out => compact({
  name: str(j.name), kind: enumName(j.kind, KINDS), count: int(j.count), gpus: ints(j.gpus),
  profile: Array.isArray(j.profile) ? j.profile.filter((p) => typeof p === 'string') : undefined,
  passive: bool(j.passive), host_policy: str(j.host_policy),
});

const queuePolicy = (j: Json): Out => compact({
  timeout_action: enumName(j.timeout_action, TIMEOUT_ACTIONS),
  default_timeout_microseconds: int(j.default_timeout_microseconds),
  allow_timeout_override: bool(j.allow_timeout_override), max_queue_size: int(j.max_queue_size),
});

function priorityQueuePolicy(v: unknown): Record<string, Out> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, Out> = Object.create(null);
  for (const [k, x] of Object.entries(v)) if (/^\d+$/.test(k) && isObj(x)) out[k] = queuePolicy(x);
  return out;
}

const dynamicBatching = (j: Json): Out => compact({
  preferred_batch_size: ints(j.preferred_batch_size), max_queue_delay_microseconds: int(j.max_queue_delay_microseconds),
  preserve_ordering: bool(j.preserve_ordering), priority_levels: int(j.priority_levels),
  default_priority_level: int(j.default_priority_level), default_queue_policy: sub(j.default_queue_policy, queuePolicy),
  priority_queue_policy: priorityQueuePolicy(j.priority_queue_policy),
});

const accelerator = (j: Json): Out => compact({ name: str(j.name), parameters: stringMap(j.parameters) });

const accelerators = (j: Json): Out => compact({
  gpu_execution_accelerator: list(j.gpu_execution_accelerator, accelerator),
  cpu_execution_accelerator: list(j.cpu_execution_accelerator, accelerator),
});

const pinned = (j: Json): Out => compact({ enable: bool(j.enable) });

const optimization = (j: Json): Out => compact({
  graph: sub(j.graph, (g) => compact({ level: int(g.level) })), priority: enumName(j.priority, PRIORITIES),
  execution_accelerators: sub(j.execution_accelerators, accelerators),
  input_pinned_memory: sub(j.input_pinned_memory, pinned), output_pinned_memory: sub(j.output_pinned_memory, pinned),
  gather_kernel_buffer_threshold: int(j.gather_kernel_buffer_threshold), eager_batching: bool(j.eager_batching),
});

function modelParameters(v: unknown): Record<string, Out> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, Out> = Object.create(null);
  for (const [k, x] of Object.entries(v)) if (isObj(x)) out[k] = compact({ string_value: str(x.string_value) });
  return out;
}

export function toWireModelConfig(json: Json): Out {
  return compact({
    name: str(json.name), platform: str(json.platform), backend: str(json.backend),
    version_policy: sub(json.version_policy, versionPolicy), max_batch_size: int(json.max_batch_size),
    input: list(json.input, input), output: list(json.output, output),
    optimization: sub(json.optimization, optimization), dynamic_batching: sub(json.dynamic_batching, dynamicBatching),
    instance_group: list(json.instance_group, instanceGroup), default_model_filename: str(json.default_model_filename),
    cc_model_filenames: stringMap(json.cc_model_filenames), metric_tags: stringMap(json.metric_tags),
    parameters: modelParameters(json.parameters),
    model_transaction_policy: sub(json.model_transaction_policy, (t) => compact({ decoupled: bool(t.decoupled) })),
    response_cache: sub(json.response_cache, (r) => compact({ enable: bool(r.enable) })),
  });
}

