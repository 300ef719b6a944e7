/**
 * A short-lived child process that opens model files before the server does: if a file crashes the native
 * runtime, only this process dies. Also refuses models whose external data lies outside their directory.
 * Protocol: the parent sends {files: string[]} over IPC; the child answers {file, ok, error?} per file, then exits.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

interface ProbeReply {
  readonly file: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** Every external-data location must be a relative path that stays inside the model's directory. */
function checkExternalData(file: string, bytes: Uint8Array): void {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const dir = path.dirname(file);
  const tensors = [...(model.graph?.initializer ?? [])];
  for (const node of model.graph?.node ?? []) for (const a of node.attribute ?? []) if (a.t) tensors.push(a.t);
  for (const t of tensors) {
    for (const entry of t.externalData ?? []) {
      if (entry.key !== 'location') continue;
      const loc = entry.value ?? '';
      const resolved = path.resolve(dir, loc);
      const rel = path.relative(dir, resolved);
      if (path.isAbsolute(loc) || rel.startsWith('..') || path.isAbsolute(rel) || loc.includes('\0')) {
        throw new Error(`external data '${loc}' of tensor '${t.name}' lies outside the model's directory`);
      }
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

process.once('message', (msg: { files: string[] }) => {
  void (async () => {
    for (const file of msg.files) {
      // Announce first: if the runtime crashes on this file, the parent knows which one did it.
      process.send!({ file, starting: true });
      process.send!(await probe(file));
    }
    process.disconnect();
  })();
});
