/**
 * An ORT instance: one worker thread holding one InferenceSession. onnxruntime-node's run() is a synchronous
 * native call behind a promise, so running it here keeps the main event loop free (DESIGN.md §4).
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../types.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { datatypeFromOrt, type Tensor } from '../../tensor/index.js';
import { transferList } from './transfer.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

const CUDA_HINT =
  'install the GPU build with `npm install onnxruntime-node --onnxruntime-node-install=cuda12` on a machine with CUDA 12';

async function createSession(): Promise<{ session: ort.InferenceSession; providers: ExecutionProvider[]; warnings: string[] }> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: init.options.intraOpThreads,
    interOpNumThreads: init.options.interOpThreads,
    graphOptimizationLevel: init.options.graphOptimization,
    executionMode: 'sequential',
    // ORT's pool threads spin while idle by default: on a small shared box that burns the core the HTTP side
    // needs (measured: ~3x plain-fastify's CPU per request at concurrency 1 before this).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  const wanted = init.options.executionProviders.filter((p) => p !== 'cpu');
  const warnings: string[] = [];
  if (wanted.length > 0) {
    try {
      const session = await ort.InferenceSession.create(init.modelPath, {
        ...base,
        executionProviders: [...wanted.map((name) => ({ name })), { name: 'cpu' }],
      });
      return { session, providers: [...wanted, 'cpu'], warnings };
    } catch (e) {
      // The CPU-only package has no CUDA/TensorRT provider: serve on CPU rather than not at all, and say how to fix.
      warnings.push(`execution provider ${wanted.join(', ')} unavailable (${shortMessage(e)}); running on CPU — ${CUDA_HINT}`);
    }
  }
  const session = await ort.InferenceSession.create(init.modelPath, { ...base, executionProviders: ['cpu'] });
  return { session, providers: ['cpu'], warnings };
}

function shortMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].slice(0, 200);
}

function toOrt(t: Tensor): ort.Tensor {
  const info = t.datatype;
  // ort.Tensor's typing lists one overload per element type; the datatype table guarantees the pairing.
  return new ort.Tensor(ortType(info), t.data, t.shape);
}

function ortType(datatype: Tensor['datatype']): ort.Tensor.Type {
  switch (datatype) {
    case 'BOOL': return 'bool';
    case 'UINT8': return 'uint8';
    case 'UINT16': return 'uint16';
    case 'UINT32': return 'uint32';
    case 'UINT64': return 'uint64';
    case 'INT8': return 'int8';
    case 'INT16': return 'int16';
    case 'INT32': return 'int32';
    case 'INT64': return 'int64';
    case 'FP16': return 'float16';
    case 'FP32': return 'float32';
    case 'FP64': return 'float64';
    case 'BYTES': return 'string';
  }
}

function fromOrt(name: string, value: ort.OnnxValue): Tensor {
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

const ns = (from: bigint): number => Number(process.hrtime.bigint() - from);

async function main(): Promise<void> {
  let loaded: Awaited<ReturnType<typeof createSession>>;
  try {
    loaded = await createSession();
  } catch (e) {
    post({ kind: 'load-error', message: shortMessage(e) });
    return;
  }
  const { session } = loaded;
  const meta = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
    list.map((m) => ({
      name: m.name,
      isTensor: m.isTensor,
      type: m.isTensor ? m.type : 'non-tensor',
      shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : String(d))) : [],
    }));
  post({ kind: 'loaded', inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata), providers: loaded.providers, warnings: loaded.warnings });

  port.on('message', (msg: ToWorker) => {
    if (msg.kind === 'crash') throw new Error('simulated worker crash');
    if (msg.kind === 'dispose') {
      void session.release().finally(() => process.exit(0));
      return;
    }
    void run(session, msg);
  });
}

async function run(session: ort.InferenceSession, msg: Extract<ToWorker, { kind: 'run' }>): Promise<void> {
  try {
    const t0 = process.hrtime.bigint();
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of msg.inputs) feeds[t.name] = toOrt(t);
    const t1 = process.hrtime.bigint();
    const inputNs = Number(t1 - t0);
    const results = await session.run(feeds, msg.outputNames);
    const inferNs = ns(t1);
    const t2 = process.hrtime.bigint();
    const outputs = msg.outputNames.map((name) => fromOrt(name, results[name]));
    const outputNs = ns(t2);
    post({ kind: 'result', id: msg.id, outputs, timings: { inputNs, inferNs, outputNs } }, transferList(outputs));
  } catch (e) {
    post({ kind: 'run-error', id: msg.id, message: shortMessage(e) });
  }
}

void main();
