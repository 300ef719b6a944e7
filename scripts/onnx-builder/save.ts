import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SaveResult {
  /** Absolute path of the written (or already up-to-date) model file. */
  file: string;
  /** False when the file already had exactly these bytes and was left untouched. */
  written: boolean;
}

function sameBytes(file: string, bytes: Uint8Array): boolean {
  try {
    return Buffer.from(bytes).equals(readFileSync(file));
  } catch {
    return false; // missing or unreadable: (re)write it
  }
}

/**
 * Writes `bytes` as a Triton-style repository entry: `<dir>/<name>/<version>/model.onnx`.
 *
 * Idempotent by design: an identical existing file is not rewritten, so its mtime is untouched and a
 * server polling the repository doesn't see a spurious change and reload the model. A changed file
 * is written to a temporary sibling and renamed into place, so a concurrent reader never observes a
 * half-written model.
 */
export function saveModel(dir: string, name: string, version: number | string, bytes: Uint8Array): SaveResult {
  const versionDir = path.resolve(dir, name, String(version));
  const file = path.join(versionDir, 'model.onnx');
  if (sameBytes(file, bytes)) return { file, written: false };
  mkdirSync(versionDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return { file, written: true };
}
