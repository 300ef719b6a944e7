import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument } from '../errors/index.js';

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The real path of a model file the client named, accepted only if it resolves (symlinks included) to an
 * existing `.onnx` file inside the repository. The message never echoes a resolved absolute path.
 */
export async function confineModelFile(repoRealRoot: string, requested: unknown, bases: readonly string[]): Promise<string> {
  if (typeof requested !== 'string' || requested.length === 0 || requested.length > 1024 || requested.includes('\0')) {
    throw invalidArgument("'path' must be a non-empty string naming a .onnx file inside the model repository");
  }
  for (const base of bases) {
    const candidate = path.resolve(base, requested);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      continue;
    }
    if (!isInside(repoRealRoot, real)) break;
    if (!real.endsWith('.onnx')) throw invalidArgument("'path' must name a .onnx file");
    const st = await stat(real);
    if (!st.isFile()) throw invalidArgument("'path' must name a .onnx file");
    return real;
  }
  throw invalidArgument(`'path' ${JSON.stringify(requested)} is not a .onnx file inside the model repository`);
}
