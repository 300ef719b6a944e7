/**
 * The field table of Triton's ModelConfig as onnxserve prints it: one row per field of each message, in the order
 * Triton's JSON lists them, saying how the typed config (repository ModelConfig) fills it. Both renderers at the end
 * walk this table — REST's JSON (what GET /v2/models/{m}/config answers) and gRPC's ModelConfig message — so a field
 * is added here once, plus in proto/model_config.proto when gRPC should carry it (table.test.ts checks the table
 * against the .proto).
 *
 * What is printed follows Triton (core ModelConfigToJson): the ModelConfig protobuf with proto field names, enums
 * by name, every int64 as a JSON number, the default of every scalar, repeated and map field printed
 * (always_print_primitive_fields), and unset message fields left out. Fields onnxserve does not model print their
 * Triton default, as Triton's normalised config has them.
 */
import { tritonType } from '../../tensor/index.js';
import type {
  Accelerator, DynamicBatching, ExecutionAccelerators, InstanceGroup, ModelConfig, Optimization, QueuePolicy,
  TensorConfig, TensorReshape, VersionPolicy,
} from '../../repository/index.js';

export type Printed = string | number | boolean | readonly Printed[] | { readonly [key: string]: Printed };
export type PrintedObject = { [key: string]: Printed };

/** Which printed form: Triton's JSON, or the message our .proto declares (JSON minus the `jsonOnly` rows). */
type Form = 'json' | 'proto';

interface Field<T> {
  readonly name: string;
  /** Triton prints it, proto/model_config.proto leaves it out (see the .proto's header): never sent over gRPC. */
  readonly jsonOnly: boolean;
  /** The printed value; undefined leaves the field out (an unset message field). */
  print(value: T, form: Form): Printed | undefined;
}

/** The rows of one message. */
type MessageTable<T> = readonly Field<T>[];

function render<T>(table: MessageTable<T>, value: T, form: Form): PrintedObject {
  const out: PrintedObject = {};
  for (const field of table) {
    if (form === 'proto' && field.jsonOnly) continue;
    const v = field.print(value, form);
    if (v !== undefined) out[field.name] = v;
  }
  return out;
}

// Row builders. `value` rows read the typed config; `fixed` rows are Triton fields onnxserve does not model.
const value = <T>(name: string, get: (v: T) => Printed): Field<T> => ({ name, jsonOnly: false, print: get });
/** The value is shared by every render, so it is frozen: a caller changing its answer cannot change the next one. */
const fixed = <T>(name: string, v: Printed, opts: { jsonOnly?: boolean } = {}): Field<T> => {
  const frozen = deepFreeze(v);
  return { name, jsonOnly: opts.jsonOnly ?? false, print: () => frozen };
};
const message = <T, U>(name: string, table: MessageTable<U>, get: (v: T) => U | undefined): Field<T> => ({
  name, jsonOnly: false,
  print: (v, form) => {
    const sub = get(v);
    return sub === undefined ? undefined : render(table, sub, form);
  },
});
const messages = <T, U>(name: string, table: MessageTable<U>, get: (v: T) => readonly U[]): Field<T> =>
  ({ name, jsonOnly: false, print: (v, form) => get(v).map((sub) => render(table, sub, form)) });

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** A map field prints as an object keyed by the map's keys; null prototype, as the keys come from config files. */
function mapOf(entries: Readonly<Record<string, string>>, item: (v: string) => Printed): PrintedObject {
  const out = Object.create(null) as PrintedObject;
  for (const [k, v] of Object.entries(entries)) out[k] = item(v);
  return out;
}

/** Triton's file name for ONNX models when the config does not name one. */
const ONNX_MODEL_FILENAME = 'model.onnx';

const RESHAPE: MessageTable<TensorReshape> = [value('shape', (r) => [...r.shape])];

const INPUT: MessageTable<TensorConfig> = [
  value('name', (t) => t.name),
  value('data_type', (t) => tritonType(t.data_type)),
  value('dims', (t) => [...t.dims]),
  message('reshape', RESHAPE, (t) => t.reshape),
  value('format', (t) => t.format ?? 'FORMAT_NONE'),
  fixed('is_shape_tensor', false),
  fixed('allow_ragged_batch', false),
  value('optional', (t) => t.optional ?? false),
  fixed('is_non_linear_format_io', false, { jsonOnly: true }),
];

const OUTPUT: MessageTable<TensorConfig> = [
  value('name', (t) => t.name),
  value('data_type', (t) => tritonType(t.data_type)),
  value('dims', (t) => [...t.dims]),
  message('reshape', RESHAPE, (t) => t.reshape),
  value('label_filename', (t) => t.label_filename ?? ''),
  fixed('is_shape_tensor', false),
  fixed('is_non_linear_format_io', false, { jsonOnly: true }),
];

/** A oneof: exactly one member is set, the others are unset messages and left out. */
const VERSION_POLICY: MessageTable<VersionPolicy> = [
  message('latest', [value('num_versions', (l: { num_versions: number }) => l.num_versions)],
    (p) => ('latest' in p ? p.latest : undefined)),
  message('all', [], (p) => ('all' in p ? p.all : undefined)),
  message('specific', [value('versions', (s: { versions: readonly number[] }) => [...s.versions])],
    (p) => ('specific' in p ? p.specific : undefined)),
];

const ACCELERATOR: MessageTable<Accelerator> = [
  value('name', (a) => a.name),
  value('parameters', (a) => mapOf(a.parameters, (v) => v)),
];

const ACCELERATORS: MessageTable<ExecutionAccelerators> = [
  messages('gpu_execution_accelerator', ACCELERATOR, (e) => e.gpu_execution_accelerator),
  messages('cpu_execution_accelerator', ACCELERATOR, (e) => e.cpu_execution_accelerator),
];

/** Triton's NormalizeModelConfig always sets the pinned-memory buffers, so `optimization` is always present. */
const OPTIMIZATION: MessageTable<Optimization> = [
  fixed('priority', 'PRIORITY_DEFAULT'),
  fixed('input_pinned_memory', { enable: true }),
  fixed('output_pinned_memory', { enable: true }),
  fixed('gather_kernel_buffer_threshold', 0),
  fixed('eager_batching', false),
  message('execution_accelerators', ACCELERATORS, (o) => o.execution_accelerators),
];

/** Completion names every group `<model>_<index>` (repository config/complete.ts), so a name is always there. */
const INSTANCE_GROUP: MessageTable<InstanceGroup> = [
  value('name', (g) => g.name ?? ''),
  value('kind', (g) => g.kind),
  value('count', (g) => g.count),
  value('gpus', (g) => [...(g.gpus ?? [])]),
  fixed('secondary_devices', [], { jsonOnly: true }),
  fixed('profile', []),
  fixed('passive', false),
  fixed('host_policy', ''),
];

const QUEUE_POLICY: MessageTable<QueuePolicy> = [
  value('timeout_action', (p) => p.timeout_action),
  value('default_timeout_microseconds', (p) => p.default_timeout_microseconds),
  value('allow_timeout_override', (p) => p.allow_timeout_override),
  value('max_queue_size', (p) => p.max_queue_size),
];

const DYNAMIC_BATCHING: MessageTable<DynamicBatching> = [
  value('preferred_batch_size', (b) => [...b.preferred_batch_size]),
  value('max_queue_delay_microseconds', (b) => b.max_queue_delay_microseconds),
  value('preserve_ordering', (b) => b.preserve_ordering),
  fixed('priority_levels', 0),
  fixed('default_priority_level', 0),
  fixed('priority_queue_policy', {}),
  message('default_queue_policy', QUEUE_POLICY, (b) => b.default_queue_policy),
];

export const MODEL_CONFIG: MessageTable<ModelConfig> = [
  value('name', (c) => c.name),
  value('platform', (c) => c.platform),
  value('backend', (c) => c.backend),
  fixed('runtime', '', { jsonOnly: true }),
  message('version_policy', VERSION_POLICY, (c) => c.version_policy),
  value('max_batch_size', (c) => c.max_batch_size),
  messages('input', INPUT, (c) => c.input),
  messages('output', OUTPUT, (c) => c.output),
  fixed('batch_input', [], { jsonOnly: true }),
  fixed('batch_output', [], { jsonOnly: true }),
  message('optimization', OPTIMIZATION, (c) => c.optimization ?? {}),
  messages('instance_group', INSTANCE_GROUP, (c) => c.instance_group),
  value('default_model_filename', (c) => c.default_model_filename ?? ONNX_MODEL_FILENAME),
  fixed('cc_model_filenames', {}),
  fixed('metric_tags', {}),
  value('parameters', (c) => mapOf(c.parameters, (v) => ({ string_value: v }))),
  fixed('model_warmup', [], { jsonOnly: true }),
  message('dynamic_batching', DYNAMIC_BATCHING, (c) => c.dynamic_batching),
  message('response_cache', [value('enable', (r: { enable: boolean }) => r.enable)], (c) => c.response_cache),
];

/** Triton's JSON form of a served model's configuration (the REST model_configuration extension). */
export function modelConfigJson(config: ModelConfig): PrintedObject {
  return render(MODEL_CONFIG, config, 'json');
}

/**
 * The ModelConfig message of proto/model_config.proto, in @grpc/proto-loader's object form (LOADER_OPTIONS: proto
 * field names, enums by name; int64 fields accept numbers).
 */
export function modelConfigMessage(config: ModelConfig): PrintedObject {
  return render(MODEL_CONFIG, config, 'proto');
}
