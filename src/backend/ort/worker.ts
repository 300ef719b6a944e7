/**
 * An ORT instance: one worker thread holding one InferenceSession. onnxruntime-node's run() is a synchronous
 * native call behind a promise, so running it here keeps the main event loop free (DESIGN.md §4).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type ort from 'onnxruntime-node';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { transferList } from './transfer.js';
import { createSession, fromOrt, ioMetadata, shortMessage, toOrt } from './session.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

const ns = (from: bigint): number => Number(process.hrtime.bigint() - from);

async function main(): Promise<void> {
  let loaded: Awaited<ReturnType<typeof createSession>>;
  try {
    loaded = await createSession(init.modelPath, init.options);
  } catch (e) {
    post({ kind: 'load-error', message: shortMessage(e) });
    return;
  }
  const { session } = loaded;
  post({ kind: 'loaded', inputs: ioMetadata(session.inputMetadata), outputs: ioMetadata(session.outputMetadata), providers: loaded.providers, warnings: loaded.warnings });

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
