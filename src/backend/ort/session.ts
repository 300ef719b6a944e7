/** Creating an ORT session and converting tensors both ways: shared by the worker thread and in-process models. */
import ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../types.js';
import type { RawIoMetadata, SessionInit } from './messages.js';
import { datatypeFromOrt, ortType, type Datatype, type Tensor } from '../../tensor/index.js';

const CUDA_HINT =
  'install the GPU build with `npm install onnxruntime-node --onnxruntime-node-install=cuda12` on a machine with CUDA 12';

export async function createSession(modelPath: string, options: SessionInit['options']): Promise<{ session: ort.InferenceSession; providers: ExecutionProvider[]; warnings: string[] }> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: options.interOpThreads,
    graphOptimizationLevel: options.graphOptimization,
    executionMode: 'sequential',
    // ORT's pool threads spin while idle by default: on a small shared box that burns the core the HTTP side
    // needs (measured: ~3x plain-fastify's CPU per request at concurrency 1 before this).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  const wanted = options.executionProviders.filter((p) => p !== 'cpu');
  const warnings: string[] = [];
  if (wanted.length > 0) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        ...base,
        executionProviders: [...wanted.map((name) => ({ name })), { name: 'cpu' }],
      });
      return { session, providers: [...wanted, 'cpu'], warnings };
    } catch (e) {
      // The CPU-only package has no CUDA/TensorRT provider: serve on CPU rather than not at all, and say how to fix.
      warnings.push(`execution provider ${wanted.join(', ')} unavailable (${shortMessage(e)}); running on CPU — ${CUDA_HINT}`);
    }
  }
  const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] });
  return { session, providers: ['cpu'], warnings };
}

export function shortMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].slice(0, 200);
}

export function toOrt(t: Tensor): ort.Tensor {
  // ort.Tensor's typing lists one overload per element type; the datatype table guarantees the pairing.
  const tensor = new ort.Tensor(ortTensorType(t.datatype), t.data, t.shape);
  // Where the runtime has Float16Array (Node 24), onnxruntime-common wraps FP16 bits in one, which the native
  // binding of onnxruntime-node 1.30 reads as 0 bytes ("not enough space: expected 8, got 0"). Hand it the raw
  // Uint16Array back: the bits are the same.
  if (t.datatype === 'FP16' && !(tensor.data instanceof Uint16Array)) (tensor as unknown as { cpuData: unknown }).cpuData = t.data;
  return tensor;
}

/** The table's ORT name, typed as ORT's own union: a name onnxruntime-node does not know fails to compile here. */
function ortTensorType(datatype: Datatype): ort.Tensor.Type {
  return ortType(datatype);
}

export function fromOrt(name: string, value: ort.OnnxValue): Tensor {
  const t = value;
  const datatype = datatypeFromOrt(t.type);
  if (!datatype) throw new Error(`output '${name}' has element type ${t.type}, which V2 cannot carry`);
  let data = t.data;
  // BOOL arrives as Uint8Array already; a plain Array only for strings.
  if (datatype === 'BOOL' && !(data instanceof Uint8Array)) data = Uint8Array.from(data as unknown as ArrayLike<number>);
  // Where Node has Float16Array, ORT returns one; we carry FP16 as its raw bits.
  if (datatype === 'FP16' && !(data instanceof Uint16Array)) {
    const v = data as unknown as ArrayBufferView;
    data = new Uint16Array(v.buffer, v.byteOffset, v.byteLength / 2);
  }
  return { name, datatype, shape: t.dims.map(Number), data };
}

/** ORT's input/output metadata as plain data (it crosses threads); symbolic dims stay strings. */
export function ioMetadata(list: readonly ort.InferenceSession.ValueMetadata[]): RawIoMetadata[] {
  return list.map((m) => ({
    name: m.name,
    isTensor: m.isTensor,
    type: m.isTensor ? m.type : 'non-tensor',
    shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : String(d))) : [],
  }));
}
