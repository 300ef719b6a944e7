/**
 * What a served version looks like to clients, from its completed configuration: the inputs and outputs V2
 * metadata reports (config dims, with the batch dim when the model batches), the batch limit a request must
 * respect, and the reshape between the client's shapes and the model's (Triton's ModelTensorReshape).
 *
 * Triton applies a reshape in core, never in the backend: an input's shape is checked against `dims`, then its
 * `-1` dims are carried in order into `reshape.shape` (InferenceRequest::Normalize); an output comes back in the
 * model's shape and is mapped the other way (InferenceResponse::Output::Reshape). Only the shape changes: the
 * data is the same row-major elements, so no bytes are copied.
 */
import type { ModelMetadata, TensorSpec } from '../../core/index.js';
import type { Tensor } from '../../tensor/index.js';
import { configMetadata, modelShape, type CompletedModelConfig } from './complete.js';
import type { ModelConfig } from './types.js';

export interface ServingView {
  /** Inputs and outputs as clients see them (V2 model metadata). */
  readonly metadata: ModelMetadata;
  /** Most rows a request may carry (an explicit max_batch_size); undefined: any (see CompletedModelConfig). */
  readonly batchLimit: number | undefined;
  /**
   * The model's own shape of each input the config reshapes: a request may send that instead (core validate.ts
   * acceptedSpec), and toModel passes it on unchanged.
   */
  readonly reshapedInputs: ReadonlyMap<string, TensorSpec>;
  /** Request tensors (checked against `metadata`) in the shapes the model takes. Same array when nothing reshapes. */
  toModel(inputs: readonly Tensor[]): readonly Tensor[];
  /** The model's output tensors in the shapes clients are told about. Same array when nothing reshapes. */
  fromModel(outputs: readonly Tensor[]): readonly Tensor[];
}

interface Reshape {
  readonly from: readonly number[];
  readonly to: readonly number[];
}

export function servingView(completed: CompletedModelConfig): ServingView {
  const { config, batchLimit } = completed;
  const batched = config.max_batch_size > 0;
  const metadata = configMetadata(config);
  const inputs = reshapes(config, 'input');
  const outputs = reshapes(config, 'output');
  const reshapedInputs = new Map<string, TensorSpec>(config.input.filter((t) => t.reshape)
    .map((t) => [t.name, { name: t.name, datatype: t.data_type, shape: modelShape(t, config.max_batch_size) }]));
  return {
    metadata,
    batchLimit,
    reshapedInputs,
    toModel: (tensors) => (inputs.size === 0 ? tensors : tensors.map((t) => apply(t, inputs.get(t.name), batched))),
    fromModel: (tensors) => (outputs.size === 0 ? tensors : tensors.map((t) => apply(t, outputs.get(t.name), batched))),
  };
}

/** Inputs map dims -> reshape; outputs reshape -> dims. */
function reshapes(config: ModelConfig, kind: 'input' | 'output'): ReadonlyMap<string, Reshape> {
  const out = new Map<string, Reshape>();
  for (const t of kind === 'input' ? config.input : config.output) {
    if (!t.reshape) continue;
    out.set(t.name, kind === 'input' ? { from: t.dims, to: t.reshape.shape } : { from: t.reshape.shape, to: t.dims });
  }
  return out;
}

function apply(t: Tensor, r: Reshape | undefined, batched: boolean): Tensor {
  if (!r) return t;
  const shape = mapShape(t.shape, batched, r);
  return shape === t.shape ? t : { ...t, shape };
}

/**
 * The shape `shape` takes under reshape `r`: the batch dim (when batching) stays first, the `-1` dims of `from`
 * fill the `-1` dims of `to` in order (the config check made their counts and chunk sizes agree). A shape that
 * does not have `from`'s rank is returned unchanged: an input was already refused by validation, and an output
 * the model shaped differently is better passed on as it came than invented.
 */
export function mapShape(shape: readonly number[], batched: boolean, r: Reshape): readonly number[] {
  const offset = batched ? 1 : 0;
  if (shape.length !== offset + r.from.length) return shape;
  const free: number[] = [];
  r.from.forEach((d, i) => {
    if (d === -1) free.push(shape[offset + i]);
  });
  const out = batched ? [shape[0]] : [];
  let k = 0;
  for (const d of r.to) out.push(d === -1 ? free[k++] : d);
  return out;
}
