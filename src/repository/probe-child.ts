/**
 * A short-lived child process that opens model files before the server does: if a file crashes the native
 * runtime, only this process dies. Also refuses models whose external data lies outside their directory.
 * Protocol: the parent sends {files: string[]} over IPC; the child answers {file, ok, error?} per file, then exits.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { externalDataLocations } from './external-data.js';

interface ProbeReply {
  readonly file: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** Every external-data location must be a relative path that stays inside the model's directory. */
function checkExternalData(file: string, bytes: Uint8Array): void {
  const dir = path.dirname(file);
  for (const loc of externalDataLocations(bytes)) {
    const rel = path.relative(dir, path.resolve(dir, loc));
    if (path.isAbsolute(loc) || rel.startsWith('..') || path.isAbsolute(rel) || loc.includes('\0')) {
      throw new Error(`external data '${loc.slice(0, 200)}' lies outside the model's directory`);
    }
  }
}

async function probe(file: string): Promise<ProbeReply> {
  try {
    const bytes = await readFile(file);
    checkExternalData(file, bytes);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
    await session.release();
    return { file, ok: true };
  } catch (e) {
    return { file, ok: false, error: (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300) };
  }
}

/** Resolves once the message is handed to the IPC channel, so exiting right after loses nothing. */
const send = (msg: object): Promise<void> => new Promise((resolve) => process.send!(msg, () => resolve()));

process.once('message', (msg: { files: string[] }) => {
  void (async () => {
    for (const file of msg.files) {
      // Announce first: if the runtime crashes on this file, the parent knows which one did it.
      await send({ file, starting: true });
      await send(await probe(file));
    }
    // Exit at once: letting ORT's thread pools wind down on their own costs ~200 ms of every load.
    process.exit(0);
  })();
});
