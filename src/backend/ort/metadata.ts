import type { ModelMetadata, TensorSpec } from '../../core/index.js';
import { datatypeFromOrt } from '../../tensor/index.js';
import type { RawIoMetadata } from './messages.js';

/** ORT's metadata -> V2 specs: symbolic dims (strings, or ORT's -1) become -1. Throws for inputs V2 cannot carry. */
export function toModelMetadata(inputs: readonly RawIoMetadata[], outputs: readonly RawIoMetadata[]): ModelMetadata & { skippedOutputs: string[] } {
  const skippedOutputs: string[] = [];
  const spec = (m: RawIoMetadata): TensorSpec | undefined => {
    const datatype = m.isTensor ? datatypeFromOrt(m.type) : undefined;
    if (!datatype) return undefined;
    return { name: m.name, datatype, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
  };
  const ins = inputs.map((m) => {
    const s = spec(m);
    if (!s) throw new Error(`input '${m.name}' has type ${m.type}, which onnxserve cannot serve`);
    return s;
  });
  const outs: TensorSpec[] = [];
  for (const m of outputs) {
    const s = spec(m);
    // Non-tensor outputs (sklearn's ZipMap) cannot be carried by V2: the model still serves its tensor outputs.
    if (s) outs.push(s);
    else skippedOutputs.push(m.name);
  }
  return { inputs: ins, outputs: outs, skippedOutputs };
}
