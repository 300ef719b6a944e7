/**
 * Triton's auto-complete and consistency check, for ONNX models: what a config leaves out is taken from the model
 * (names, datatypes, shapes, whether it batches), and what a config says must agree with the model, so a wrong
 * config fails at load with a message naming the tensor instead of failing every request later.
 *
 * Follows Triton's onnxruntime backend (AutoCompleteConfig, AutoCompleteMaxBatch, AutoCompleteIO) and core
 * (NormalizeModelConfig, NormalizeInstanceGroup); differences are noted where they are made.
 */
import type { ModelMetadata, TensorSpec } from '../../core/index.js';
import { tritonType } from '../../tensor/index.js';
import { ModelConfigError } from './fields.js';
import { maxBatchSizeGiven } from './model-config.js';
import {
  DEFAULT_INSTANCE_COUNT, DEFAULT_MAX_BATCH_SIZE, ONNX_BACKEND, ONNX_PLATFORM, deepFreeze,
  type DynamicBatching, type InstanceGroup, type ModelConfig, type TensorConfig,
} from './types.js';

export interface CompletedModelConfig {
  readonly config: ModelConfig;
  readonly warnings: string[];
  /**
   * The largest batch a request may carry, when the config file set max_batch_size; undefined when completion
   * chose it. Triton enforces whatever the config holds; onnxserve enforces only a limit someone wrote down, so
   * a model served without a config (the seed's flat layout cannot carry one) takes any number of rows, as the
   * seed's server did: the auto-completed value only sizes the batcher's batches.
   */
  readonly batchLimit: number | undefined;
}

type Kind = 'input' | 'output';

/**
 * The config to serve `name` with: `partial` (from config.pbtxt, or undefined when there is none) completed from
 * and checked against `meta`, the ONNX model's own inputs and outputs (-1 for symbolic dims). Throws
 * ModelConfigError when the config contradicts the model.
 */
export function completeConfig(name: string, partial: ModelConfig | undefined, meta: ModelMetadata): CompletedModelConfig {
  const warnings: string[] = [];
  if (partial && partial.name !== '' && partial.name !== name) {
    throw new ModelConfigError(`config name '${partial.name}' does not match the model directory '${name}'`);
  }
  const given = partial ?? emptyConfig();
  // Triton's backend auto-completes only when the config lacks inputs or outputs (AutoCompleteConfig).
  const autoComplete = given.input.length === 0 || given.output.length === 0;
  const batchable = [...meta.inputs, ...meta.outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1);
  const maxBatchSize = resolveMaxBatchSize(partial, autoComplete, batchable, warnings);

  if (given.input.length > 0) checkEveryInputListed(given.input, meta.inputs);
  const input = completeTensors('input', given.input, meta.inputs, maxBatchSize, true, warnings);
  const output = completeTensors('output', given.output, meta.outputs, maxBatchSize, given.output.length === 0, warnings);
  const config: ModelConfig = {
    ...given,
    name,
    max_batch_size: maxBatchSize,
    input,
    output,
    instance_group: completeInstanceGroups(name, given.instance_group),
  };
  // Triton enables the dynamic batcher only when auto-complete chose max_batch_size; a config that sets it and
  // leaves out dynamic_batching asked for requests to run one by one.
  const autoBatch = autoComplete && batchable && !(partial && maxBatchSizeGiven(partial));
  const batching = completeDynamicBatching(given.dynamic_batching, maxBatchSize, autoBatch, warnings);
  for (const t of output) {
    if (t.label_filename !== undefined) {
      warnings.push(`output '${t.name}': label_filename "${t.label_filename}" is reported in the configuration but not read: ` +
        'onnxserve does not implement the classification extension that uses it');
    }
  }
  const batchLimit = partial && maxBatchSizeGiven(partial) && maxBatchSize > 0 ? maxBatchSize : undefined;
  return { config: deepFreeze(batching ? { ...config, dynamic_batching: batching } : config), warnings, batchLimit };
}

/**
 * A config that lists inputs must list every input the model needs: Triton's onnxruntime backend completes
 * inputs only when the config lists none, and otherwise refuses the model (ValidateInputs: "configuration
 * expects N inputs, model provides M"). Completing the rest silently would serve a config nobody wrote.
 */
function checkEveryInputListed(configured: readonly TensorConfig[], model: readonly TensorSpec[]): void {
  const listed = new Set(configured.map((t) => t.name));
  const missing = model.filter((m) => !listed.has(m.name));
  if (missing.length === 0) return;
  const expected = configured.filter((t) => t.optional !== true).length;
  throw new ModelConfigError(`configuration expects ${expected} inputs, model provides ${model.length}: ` +
    `${missing.map((m) => `'${m.name}'`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in config.pbtxt ` +
    '(list every input of the model, or none to take them all from the model)');
}

function emptyConfig(): ModelConfig {
  return {
    name: '', platform: ONNX_PLATFORM, backend: ONNX_BACKEND, max_batch_size: 0, input: [], output: [],
    version_policy: { latest: { num_versions: 1 } }, instance_group: [], parameters: Object.create(null),
  };
}

/**
 * Triton sets a default max_batch_size when auto-completing a batchable model whose config says 0. proto3 cannot
 * tell "0" from "absent"; we can, so an explicit `max_batch_size: 0` keeps batching off as written.
 */
function resolveMaxBatchSize(partial: ModelConfig | undefined, autoComplete: boolean, batchable: boolean,
  warnings: string[]): number {
  if (partial && maxBatchSizeGiven(partial)) return partial.max_batch_size;
  if (!autoComplete || !batchable) return 0;
  if (partial) {
    warnings.push(`max_batch_size set to ${DEFAULT_MAX_BATCH_SIZE}: every input and output of the model has a ` +
      'variable first dimension (set max_batch_size in config.pbtxt to choose)');
  }
  return DEFAULT_MAX_BATCH_SIZE;
}

/**
 * Configured tensors are checked against the model; model tensors the config leaves out are added when `addMissing`.
 * Inputs are completed when the config lists none (a config listing some must list all: checkEveryInputListed).
 * Outputs are completed only when the config lists none: as in Triton, listing some outputs serves only those.
 */
function completeTensors(kind: Kind, configured: readonly TensorConfig[], model: readonly TensorSpec[],
  maxBatchSize: number, addMissing: boolean, warnings: string[]): TensorConfig[] {
  const byName = new Map(model.map((t) => [t.name, t]));
  const out = configured.map((t) => {
    const spec = byName.get(t.name);
    if (!spec) {
      throw new ModelConfigError(`${kind} '${t.name}' is not ${kind === 'input' ? 'an input' : 'an output'} of the ` +
        `model (the model has: ${model.map((m) => m.name).join(', ') || 'none'})`);
    }
    checkTensor(kind, t, spec, maxBatchSize, warnings);
    return t;
  });
  const listed = new Set(configured.map((t) => t.name));
  for (const spec of model) {
    if (listed.has(spec.name)) continue;
    if (!addMissing) {
      warnings.push(`${kind} '${spec.name}' of the model is not in config.pbtxt, so it is not served`);
      continue;
    }
    out.push(tensorFromModel(kind, spec, maxBatchSize));
  }
  return out;
}

/** Triton's AutoCompleteIO: dims without the batch dim; a scalar becomes dims [1] with an empty reshape. */
function tensorFromModel(kind: Kind, spec: TensorSpec, maxBatchSize: number): TensorConfig {
  if (maxBatchSize > 0) checkBatchDim(kind, spec.name, spec.shape, maxBatchSize);
  const dims = maxBatchSize > 0 ? spec.shape.slice(1) : [...spec.shape];
  // Triton adds the empty reshape only for batching models; a non-batching scalar needs it just as much to reach
  // onnxruntime with rank 0, so onnxserve adds it for both.
  if (dims.length === 0) return { name: spec.name, data_type: spec.datatype, dims: [1], reshape: { shape: [] } };
  return { name: spec.name, data_type: spec.datatype, dims };
}

function checkTensor(kind: Kind, t: TensorConfig, spec: TensorSpec, maxBatchSize: number, warnings: string[]): void {
  const label = `${kind} '${t.name}'`;
  if (t.data_type !== spec.datatype) {
    throw new ModelConfigError(`${label}: config says ${tritonType(t.data_type)} but the model has ${spec.datatype}`);
  }
  const wanted = modelShape(t, maxBatchSize);
  if (maxBatchSize > 0) checkBatchDim(kind, t.name, spec.shape, maxBatchSize);
  const what = t.reshape ? 'reshape' : 'config shape';
  if (wanted.length !== spec.shape.length) {
    throw new ModelConfigError(`${label}: ${what} ${fmt(wanted)} has rank ${wanted.length} but the model's shape ` +
      `${fmt(spec.shape)} has rank ${spec.shape.length}`);
  }
  wanted.forEach((d, i) => {
    const m = spec.shape[i];
    if (m === -1 || d === m) return;
    if (d === -1) {
      // Accepted (a config may leave a dim open), but requests must still match the model: say so at load.
      warnings.push(`${label}: dimension ${i} is -1 in the config but the model fixes it to ${m}`);
      return;
    }
    throw new ModelConfigError(`${label}: ${what} ${fmt(wanted)} does not match the model's shape ${fmt(spec.shape)} ` +
      `(dimension ${i}: ${d} vs ${m})`);
  });
}

/** Batching stacks requests along dim 0, so the model must leave it free (Triton's CompareDimsSupported). */
function checkBatchDim(kind: Kind, name: string, shape: readonly number[], maxBatchSize: number): void {
  if (shape.length > 0 && shape[0] === -1) return;
  throw new ModelConfigError(`${kind} '${name}': max_batch_size ${maxBatchSize} needs a variable first dimension, ` +
    `but the model's shape is ${fmt(shape)} (use max_batch_size: 0 and full dims)`);
}

/** Triton's NormalizeInstanceGroup, CPU only: one default group; unnamed groups become `<model>_<index>`. */
function completeInstanceGroups(name: string, groups: readonly InstanceGroup[]): InstanceGroup[] {
  if (groups.length === 0) return [{ name, kind: 'KIND_CPU', count: DEFAULT_INSTANCE_COUNT }];
  return groups.map((g, i) => (g.name ? g : { ...g, name: `${name}_${i}` }));
}

/**
 * Triton turns on dynamic batching (delay 0) for auto-completed batchable models with max_batch_size > 1, and
 * normalises an empty preferred_batch_size to [max_batch_size].
 */
function completeDynamicBatching(given: DynamicBatching | undefined, maxBatchSize: number, autoBatchable: boolean,
  warnings: string[]): DynamicBatching | undefined {
  let batching = given;
  if (!batching && autoBatchable && maxBatchSize > 1) {
    batching = { preferred_batch_size: [], max_queue_delay_microseconds: 0, preserve_ordering: false };
  }
  if (!batching) return undefined;
  if (maxBatchSize === 0) {
    warnings.push('dynamic_batching with max_batch_size 0: requests are queued but never batched');
    return batching;
  }
  const tooBig = batching.preferred_batch_size.find((n) => n > maxBatchSize);
  if (tooBig !== undefined) {
    throw new ModelConfigError(`dynamic_batching.preferred_batch_size ${tooBig} is larger than max_batch_size ${maxBatchSize}`);
  }
  if (batching.preferred_batch_size.length === 0) batching = { ...batching, preferred_batch_size: [maxBatchSize] };
  return batching;
}

/** The shape clients send and receive: [-1, ...dims] when the model batches, else dims. */
export function effectiveShape(t: TensorConfig, maxBatchSize: number): number[] {
  return maxBatchSize > 0 ? [-1, ...t.dims] : [...t.dims];
}

/** The shape onnxruntime takes or gives: the reshape when there is one, with the batch dim when batching. */
export function modelShape(t: TensorConfig, maxBatchSize: number): number[] {
  const shape = t.reshape ? t.reshape.shape : t.dims;
  return maxBatchSize > 0 ? [-1, ...shape] : [...shape];
}

/** V2 model metadata as the config describes it (what /v2/models/{m} reports). */
export function configMetadata(config: ModelConfig): ModelMetadata {
  const spec = (t: TensorConfig): TensorSpec => ({
    name: t.name, datatype: t.data_type, shape: effectiveShape(t, config.max_batch_size),
  });
  return { inputs: config.input.map(spec), outputs: config.output.map(spec) };
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
