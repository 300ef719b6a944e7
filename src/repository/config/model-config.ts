/**
 * The schema layer: a parsed config.pbtxt tree to a typed, frozen ModelConfig. Field names, types and defaults
 * follow Triton's model_config.proto and model_configuration.md. Fields onnxserve does not use are warnings, so
 * a Triton repository loads unchanged; values of the wrong type are errors pointing at their line and column.
 */
import { datatypeFromTriton, DATATYPES, tritonType, type Datatype } from '../../tensor/index.js';
import { parsePbtxt, type Position } from './pbtxt.js';
import { Fields, INT32, INT64, ReadContext, UINT32, UINT64, asString, show } from './fields.js';
import {
  DEFAULT_INSTANCE_COUNT, ONNX_BACKEND, ONNX_PLATFORM, deepFreeze,
  type Accelerator, type DynamicBatching, type ExecutionAccelerators, type InstanceGroup, type ModelConfig,
  type Optimization, type QueuePolicy, type TensorConfig, type TensorReshape, type VersionPolicy,
} from './types.js';

export { ModelConfigError } from './fields.js';

export interface ParsedModelConfig {
  readonly config: ModelConfig;
  /** `unknown field 'x' at 7:3 (ignored)` and similar, in file order. */
  readonly warnings: string[];
}

/**
 * Configs whose file left max_batch_size out. Triton cannot tell "absent" from "0" (proto3) and auto-fills
 * both; onnxserve can, so an explicit `max_batch_size: 0` is honoured as "no batching" (see complete.ts).
 */
const MAX_BATCH_SIZE_UNSET = new WeakSet<ModelConfig>();

/** False when the config came from a file without max_batch_size. Configs built in code count as given. */
export function maxBatchSizeGiven(config: ModelConfig): boolean {
  return !MAX_BATCH_SIZE_UNSET.has(config);
}

/** Parses config.pbtxt text. `file` appears in messages: pass a repository-relative name, never a path. */
export function parseModelConfig(text: string, file = 'config.pbtxt'): ParsedModelConfig {
  const ctx = new ReadContext(file);
  const root = new Fields(parsePbtxt(text, file), '', ctx);
  const config = readModelConfig(root);
  root.finish();
  const frozen = deepFreeze(config);
  if (!root.has('max_batch_size')) MAX_BATCH_SIZE_UNSET.add(frozen);
  return { config: frozen, warnings: ctx.sortedWarnings() };
}

function readModelConfig(f: Fields): ModelConfig {
  checkPlatform(f);
  rejectUnsupportedSchedulers(f);
  const config: Mutable<ModelConfig> = {
    name: f.string('name') ?? '',
    platform: ONNX_PLATFORM,
    backend: ONNX_BACKEND,
    max_batch_size: f.int('max_batch_size', { min: 0, max: INT32.max }) ?? 0,
    input: readTensors(f, 'input'),
    output: readTensors(f, 'output'),
    version_policy: f.message('version_policy', readVersionPolicy) ?? { latest: { num_versions: 1 } },
    instance_group: f.messages('instance_group', readInstanceGroup),
    parameters: readModelParameters(f),
  };
  const dynamicBatching = f.message('dynamic_batching', readDynamicBatching);
  if (dynamicBatching) config.dynamic_batching = dynamicBatching;
  const optimization = f.message('optimization', readOptimization);
  if (optimization) config.optimization = optimization;
  const cache = f.message('response_cache', (c) => done(c, { enable: c.bool('enable') ?? false }));
  if (cache) config.response_cache = cache;
  const filename = readModelFilename(f);
  if (filename !== undefined) config.default_model_filename = filename;
  return config;
}

function checkPlatform(f: Fields): void {
  const onlyOnnx = `onnxserve serves ONNX models only (platform "${ONNX_PLATFORM}" or backend "${ONNX_BACKEND}")`;
  for (const [field, wanted] of [['platform', ONNX_PLATFORM], ['backend', ONNX_BACKEND]] as const) {
    const v = f.one(field);
    if (v === undefined) continue;
    const value = asString(v, field, f.ctx);
    if (value !== wanted) f.ctx.fail(v.pos, `${field} "${value}" is not supported: ${onlyOnnx}`);
  }
}

/**
 * Sequence batching routes requests by correlation id to stateful models and feeds them control tensors;
 * serving such a model statelessly would answer wrongly, so it is refused rather than warned about.
 */
function rejectUnsupportedSchedulers(f: Fields): void {
  for (const field of ['sequence_batching', 'ensemble_scheduling']) {
    if (f.has(field)) f.ctx.fail(f.pos(field), `${field} is not supported by onnxserve`);
  }
}

function readTensors(f: Fields, field: 'input' | 'output'): TensorConfig[] {
  const seen = new Map<string, Position>();
  return f.messages(field, (t) => {
    const tensor = readTensor(t, field);
    const earlier = seen.get(tensor.name);
    if (earlier) t.ctx.fail(t.msg.pos, `${field} '${tensor.name}' is listed twice (first at ${earlier.line}:${earlier.column})`);
    seen.set(tensor.name, t.msg.pos);
    return tensor;
  });
}

function readTensor(t: Fields, field: 'input' | 'output'): TensorConfig {
  const name = t.string('name');
  if (!name) t.ctx.fail(t.msg.pos, `${t.path}: 'name' is required`);
  const label = `${field} '${name}'`;
  const dataType = readDatatype(t, label);
  if (!t.has('dims')) t.ctx.fail(t.msg.pos, `${label}: 'dims' is required (use [ -1 ] for a variable dimension)`);
  const dims = readDims(t, 'dims', `${label}:`);
  if (dims.length === 0) t.ctx.fail(t.pos('dims'), `${label}: 'dims' must not be empty (a scalar is dims [ 1 ] with reshape { shape: [ ] })`);
  const tensor: Mutable<TensorConfig> = { name, data_type: dataType, dims };
  const reshape = t.message('reshape', (r) => done(r, { shape: readDims(r, 'shape', `${label}: reshape`) }));
  if (reshape) {
    checkReshape(t, label, dims, reshape);
    tensor.reshape = reshape;
  }
  if (field === 'input') {
    const optional = t.bool('optional');
    if (optional !== undefined) tensor.optional = optional;
    const format = t.enumOf('format', INPUT_FORMATS);
    // Triton's ValidateModelInput: an image layout names three dims (C, H, W in some order), batch excluded.
    if (format !== undefined && format !== 'FORMAT_NONE' && dims.length !== 3) {
      t.ctx.fail(t.pos('format'), `${label}: format ${format} needs 3 dims (without the batch dim), found [${dims.join(', ')}]`);
    }
    if (format !== undefined) tensor.format = format;
  } else {
    const labels = plainFileName(t, 'label_filename', `${label}: label_filename`);
    if (labels !== undefined) tensor.label_filename = labels;
  }
  return done(t, tensor);
}

const INPUT_FORMATS = ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'] as const;

const TRITON_TYPES = DATATYPES.map(tritonType);

function readDatatype(t: Fields, label: string): Datatype {
  const v = t.one('data_type');
  if (v === undefined) t.ctx.fail(t.msg.pos, `${label}: 'data_type' is required`);
  const dt = v.kind === 'ident' ? datatypeFromTriton(v.value) : undefined;
  if (dt) return dt;
  if (v.kind === 'ident' && v.value === 'TYPE_BF16') t.ctx.fail(v.pos, `${label}: data_type TYPE_BF16 is not supported by onnxserve`);
  return t.ctx.fail(v.pos, `${label}: unknown data_type ${show(v)} (expected one of ${TRITON_TYPES.join(', ')})`);
}

/** Triton's rule (ValidateIOShape): every dim is >= 1, or -1 for "any size". */
function readDims(f: Fields, field: string, label: string): number[] {
  const values = f.all(field);
  const dims = f.ints(field, INT64);
  dims.forEach((d, i) => {
    if (d < 1 && d !== -1) {
      f.ctx.fail(values[i].pos, `${label} ${field}[${i}] is ${d}: a dimension is an integer >= 1, or -1 for a variable size`);
    }
  });
  return dims;
}

/**
 * dims and reshape must hold the same number of elements (Triton's ValidateIOShape): equal products when all
 * fixed, else equal products between each pair of variable dims. Empty reshape with dims [1] is a scalar.
 */
function checkReshape(t: Fields, label: string, dims: readonly number[], reshape: TensorReshape): void {
  if (reshape.shape.length === 0 && dims.length === 1 && dims[0] === 1) return;
  const chunks = (shape: readonly number[]): number[] => shape.reduce<number[]>((acc, d) => {
    if (d === -1) acc.push(1);
    else acc[acc.length - 1] *= d;
    return acc;
  }, [1]);
  const a = chunks(dims);
  const b = chunks(reshape.shape);
  if (a.length !== b.length || a.some((n, i) => n !== b[i])) {
    t.ctx.fail(t.pos('reshape'), `${label}: reshape [${reshape.shape.join(', ')}] does not hold the same elements as dims [${dims.join(', ')}]`);
  }
}

function readVersionPolicy(f: Fields): VersionPolicy {
  const chosen = ['latest', 'all', 'specific'].filter((k) => f.has(k));
  if (chosen.length !== 1) f.ctx.fail(f.msg.pos, `version_policy: give exactly one of latest, all, specific (found ${chosen.length})`);
  const policy: VersionPolicy | undefined =
    f.message('latest', (l) => {
      const n = l.int('num_versions', UINT32) ?? 0;
      if (n < 1) f.ctx.fail(l.msg.pos, 'version_policy.latest.num_versions must be at least 1');
      return done(l, { latest: { num_versions: n } });
    }) ??
    f.message('all', (a) => done(a, { all: {} })) ??
    f.message('specific', (s) => {
      const versions = s.ints('versions', { min: 0, max: INT64.max });
      if (versions.length === 0) f.ctx.fail(s.msg.pos, 'version_policy.specific.versions must list at least one version');
      return done(s, { specific: { versions } });
    });
  return done(f, policy!);
}

function readInstanceGroup(g: Fields): InstanceGroup {
  const kind = g.enumOf('kind', ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU'] as const) ?? 'KIND_AUTO';
  // proto3 cannot tell count 0 from absent: Triton treats count < 1 as "use the default", and so do we.
  const count = g.int('count', { min: 0, max: INT32.max }) || DEFAULT_INSTANCE_COUNT;
  const group: Mutable<InstanceGroup> = { count, kind };
  const name = g.string('name');
  if (name) group.name = name;
  if (g.has('gpus')) {
    if (kind === 'KIND_CPU') g.ctx.fail(g.pos('gpus'), `${g.path}: 'gpus' cannot be given for KIND_CPU`);
    group.gpus = g.ints('gpus', { min: 0, max: INT32.max });
  }
  return done(g, group);
}

function readDynamicBatching(f: Fields): DynamicBatching {
  const batching: Mutable<DynamicBatching> = {
    preferred_batch_size: f.ints('preferred_batch_size', { min: 1, max: INT32.max }),
    max_queue_delay_microseconds: f.int('max_queue_delay_microseconds', UINT64) ?? 0,
    preserve_ordering: f.bool('preserve_ordering') ?? false,
  };
  const policy = f.message('default_queue_policy', readQueuePolicy);
  if (policy) batching.default_queue_policy = policy;
  return done(f, batching);
}

function readQueuePolicy(f: Fields): QueuePolicy {
  return done(f, {
    max_queue_size: f.int('max_queue_size', UINT32) ?? 0,
    default_timeout_microseconds: f.int('default_timeout_microseconds', UINT64) ?? 0,
    allow_timeout_override: f.bool('allow_timeout_override') ?? false,
    timeout_action: f.enumOf('timeout_action', ['REJECT', 'DELAY'] as const) ?? 'REJECT',
  });
}

function readOptimization(f: Fields): Optimization {
  const accelerators = f.message('execution_accelerators', (e): ExecutionAccelerators => done(e, {
    gpu_execution_accelerator: e.messages('gpu_execution_accelerator', readAccelerator),
    cpu_execution_accelerator: e.messages('cpu_execution_accelerator', readAccelerator),
  }));
  return done(f, accelerators ? { execution_accelerators: accelerators } : {});
}

function readAccelerator(f: Fields): Accelerator {
  const name = f.string('name');
  if (!name) f.ctx.fail(f.msg.pos, `${f.path}: 'name' is required`);
  // map<string, string>: each entry is `parameters { key: "k" value: "v" }`.
  const parameters = readMap(f, 'parameters', (entry) => {
    const v = entry.one('value');
    return v === undefined ? '' : asString(v, entry.name('value'), entry.ctx);
  });
  return done(f, { name, parameters });
}

/** map<string, ModelParameter>: `parameters { key: "k" value { string_value: "v" } }`. */
function readModelParameters(f: Fields): Record<string, string> {
  return readMap(f, 'parameters', (entry) =>
    entry.message('value', (v) => done(v, v.string('string_value') ?? '')) ?? '');
}

/** A text-format map field: repeated entries with `key` and `value`; a repeated key keeps the last value. */
function readMap(f: Fields, field: string, readValue: (entry: Fields) => string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  f.messages(field, (entry) => {
    const key = entry.string('key') ?? '';
    const p = entry.msg.pos;
    if (Object.hasOwn(out, key)) f.ctx.warn(p, `${entry.path}: key '${key}' at ${p.line}:${p.column} repeats an earlier entry (the last one wins)`);
    out[key] = readValue(entry);
    entry.finish();
  });
  return out;
}

/** The model file is opened inside the version directory, so the name must not be able to leave it. */
function readModelFilename(f: Fields): string | undefined {
  return plainFileName(f, 'default_model_filename', 'default_model_filename');
}

/**
 * A file the config names inside the model's directories (the model file, a label file): a plain name, so it
 * cannot leave them. An empty label_filename is proto3's "not set".
 */
function plainFileName(f: Fields, field: string, label: string): string | undefined {
  const name = f.string(field);
  if (name === undefined || (name === '' && field === 'label_filename')) return undefined;
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    f.ctx.fail(f.pos(field), `${label} must be a plain file name, found ${JSON.stringify(name)}`);
  }
  return name;
}

/** Ends a message reader: its unasked-for fields become warnings. */
function done<T>(f: Fields, value: T): T {
  f.finish();
  return value;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
