import { fork } from 'node:child_process';
import { stat } from 'node:fs/promises';

const CHILD = new URL('./probe-child.js', import.meta.url);

export interface ProbeResult {
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Opens new or changed model files in a child process before the server loads them in its own threads, so a
 * file that crashes onnxruntime (a malformed or hostile model) fails its load instead of the whole server.
 * Files already checked at the same size and mtime are not checked again.
 */
export class SafeLoader {
  private readonly verified = new Map<string, string>();

  constructor(private readonly enabled: boolean) {}

  async check(files: readonly string[]): Promise<Map<string, ProbeResult>> {
    const results = new Map<string, ProbeResult>();
    const todo: string[] = [];
    const stamps = new Map<string, string>();
    for (const f of new Set(files)) {
      const stamp = await fingerprint(f);
      stamps.set(f, stamp);
      if (!this.enabled || this.verified.get(f) === stamp) results.set(f, { ok: true });
      else todo.push(f);
    }
    while (todo.length > 0) {
      const batch = await runChild(todo);
      for (const [file, r] of batch) {
        results.set(file, r);
        todo.splice(todo.indexOf(file), 1);
        if (r.ok) this.verified.set(file, stamps.get(file)!);
      }
    }
    return results;
  }
}

async function fingerprint(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** One child for the list; if it dies on a file, that file fails and the caller goes on with the rest. */
function runChild(files: readonly string[]): Promise<Map<string, ProbeResult>> {
  return new Promise((resolve) => {
    const results = new Map<string, ProbeResult>();
    let current: string | undefined;
    const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
    child.on('message', (m: { file: string; starting?: boolean; ok?: boolean; error?: string }) => {
      if (m.starting) current = m.file;
      else {
        results.set(m.file, { ok: m.ok === true, error: m.error });
        current = undefined;
      }
    });
    child.on('exit', (code, signal) => {
      if (current !== undefined) {
        results.set(current, { ok: false, error: `loading the model crashed the runtime (${signal ?? `exit code ${code}`}); the server was not affected` });
      } else if (results.size === 0) {
        // The child failed before it could say anything (e.g. it could not start): fail the first file so the
        // caller's loop always progresses, and say why.
        results.set(files[0], { ok: false, error: `model check process failed to start (${signal ?? `exit code ${code}`})` });
      }
      resolve(results);
    });
    child.send({ files });
  });
}
