import { invalidArgument } from '../errors/index.js';
import { datatypeInfo, isStringData, type Tensor } from '../tensor/index.js';
import { checkOutputParameters } from './parameters.js';
import { checkShape } from './shape.js';
import type { InferRequest, ModelMetadata, RequestedOutput, TensorSpec } from './types.js';

export interface ValidationLimits {
  /** Most elements in one input tensor. */
  readonly maxElements: number;
}

/**
 * Checks a decoded request against the model's metadata before anything is allocated for or sent to ORT:
 * every input present and known, datatype, rank and element limits (core/shape.ts), the model's rank and fixed
 * dims, element count = product(shape). Codecs already refused shapes over the limits and counts that do not
 * match their own data; this guards every adapter the same way.
 */
export function validateInputs(request: InferRequest, meta: ModelMetadata, limits: ValidationLimits,
  modelShapes?: ReadonlyMap<string, TensorSpec>): void {
  const seen = new Set<string>();
  for (const t of request.inputs) {
    const spec = meta.inputs.find((s) => s.name === t.name);
    if (!spec) throw invalidArgument(`unknown input '${t.name}'; the model's inputs are ${names(meta.inputs)}`);
    if (seen.has(t.name)) throw invalidArgument(`input '${t.name}' is given more than once`);
    seen.add(t.name);
    validateTensor(t, acceptedSpec(t, spec, modelShapes?.get(t.name)), limits);
  }
  for (const spec of meta.inputs) {
    if (!seen.has(spec.name)) throw invalidArgument(`missing input '${spec.name}' (${spec.datatype} ${shapeText(spec.shape)})`);
  }
}

/**
 * An input the config reshapes is checked against the config's shape (what metadata reports, and what Triton
 * takes), or against the model's own shape when the request has that rank instead: a request written for the
 * ONNX model (a scalar per row sent as [N] rather than [N,1]) keeps working, and goes to the model unchanged
 * (repository ServingView.toModel maps only the config's rank). Triton refuses the model's shape; accepting it
 * loses nothing, since it is exactly what the model runs on.
 */
function acceptedSpec(t: Tensor, spec: TensorSpec, own: TensorSpec | undefined): TensorSpec {
  return own && t.shape.length !== spec.shape.length && t.shape.length === own.shape.length ? own : spec;
}

function validateTensor(t: Tensor, spec: TensorSpec, limits: ValidationLimits): void {
  const where = `input '${t.name}'`;
  const count = checkShape(t.shape, where, limits.maxElements);
  if (t.datatype !== spec.datatype) {
    throw invalidArgument(`input '${t.name}': expected datatype ${spec.datatype}, got ${t.datatype}`);
  }
  if (t.shape.length !== spec.shape.length) {
    throw invalidArgument(`input '${t.name}': expected shape ${shapeText(spec.shape)} (rank ${spec.shape.length}), got ${shapeText(t.shape)}`);
  }
  for (let i = 0; i < t.shape.length; i++) {
    if (spec.shape[i] >= 0 && spec.shape[i] !== t.shape[i]) {
      throw invalidArgument(`${where}: expected shape ${shapeText(spec.shape)}, got ${shapeText(t.shape)} (dim ${i} must be ${spec.shape[i]})`);
    }
  }
  const have = isStringData(t.data) ? t.data.length : t.data.length;
  if (have !== count) {
    throw invalidArgument(`input '${t.name}': shape ${shapeText(t.shape)} needs ${count} elements, got ${have}`);
  }
  if (isStringData(t.data)) {
    // onnxruntime-node cuts a string at its first NUL: refuse rather than run on silently truncated data.
    for (let i = 0; i < t.data.length; i++) {
      if (t.data[i].includes('\0')) throw invalidArgument(`input '${t.name}': BYTES element ${i} contains a NUL byte, which onnxruntime cannot carry`);
    }
  }
  const info = datatypeInfo(t.datatype);
  if (info.array && !(t.data instanceof info.array)) {
    throw invalidArgument(`input '${t.name}': data does not match datatype ${t.datatype}`);
  }
}

/** The output names to compute: those requested, each known and with parameters allowed, or all of the model's. */
export function resolveOutputs(requested: readonly RequestedOutput[] | undefined, meta: ModelMetadata): string[] {
  if (!requested || requested.length === 0) return meta.outputs.map((o) => o.name);
  const out: string[] = [];
  for (const r of requested) {
    if (!meta.outputs.some((o) => o.name === r.name)) {
      throw invalidArgument(`unknown output '${r.name}'; the model's outputs are ${names(meta.outputs)}`);
    }
    checkOutputParameters(r.parameters, `output '${r.name}'`);
    if (!out.includes(r.name)) out.push(r.name);
  }
  return out;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

function names(specs: readonly TensorSpec[]): string {
  return specs.map((s) => `'${s.name}'`).join(', ') || '(none)';
}
