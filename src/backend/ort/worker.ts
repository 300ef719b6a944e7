/**
 * A pool worker: one thread holding the ORT sessions the pool placed on it (ort/pool.ts). onnxruntime-node's
 * run() is a synchronous native call behind a promise, so running it here keeps the main event loop free
 * (DESIGN.md §4); sessions of several models share the thread and its V8 isolate (~17 MB each saved).
 */
import { parentPort } from 'node:worker_threads';
import type ort from 'onnxruntime-node';
import type { FromWorker, ToWorker } from './messages.js';
import { transferList } from './transfer.js';
import { createSession, fromOrt, ioMetadata, shortMessage, toOrt } from './session.js';

const port = parentPort!;
const sessions = new Map<number, ort.InferenceSession>();
/** Sessions still being created: a run for one waits for it (a replacement gets requests before it is ready). */
const loading = new Map<number, Promise<void>>();

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

const ns = (from: bigint): number => Number(process.hrtime.bigint() - from);

port.on('message', (msg: ToWorker) => {
  switch (msg.kind) {
    case 'run': {
      const pending = loading.get(msg.sid);
      if (pending) void pending.then(() => dispatch(msg));
      else dispatch(msg);
      return;
    }
    case 'load': {
      const done = load(msg).finally(() => loading.delete(msg.sid));
      loading.set(msg.sid, done);
      return;
    }
    case 'release': {
      const session = sessions.get(msg.sid);
      sessions.delete(msg.sid);
      void (session?.release() ?? Promise.resolve()).catch(() => undefined).finally(() => post({ kind: 'released', sid: msg.sid }));
      return;
    }
    case 'exit':
      process.exit(0);
      return;
    case 'crash':
      throw new Error('simulated worker crash');
  }
});

function dispatch(msg: Extract<ToWorker, { kind: 'run' }>): void {
  const session = sessions.get(msg.sid);
  if (session) void run(session, msg);
  else post({ kind: 'run-error', id: msg.id, message: 'the model session is not loaded' });
}

async function load(msg: Extract<ToWorker, { kind: 'load' }>): Promise<void> {
  try {
    const loaded = await createSession(msg.init.modelPath, msg.init.options);
    sessions.set(msg.sid, loaded.session);
    const { session } = loaded;
    post({ kind: 'loaded', sid: msg.sid, inputs: ioMetadata(session.inputMetadata), outputs: ioMetadata(session.outputMetadata), providers: loaded.providers, warnings: loaded.warnings });
  } catch (e) {
    post({ kind: 'load-error', sid: msg.sid, message: shortMessage(e) });
  }
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
