import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
// core/names.ts, the one model-name rule (a run-time call only: see registry.ts on the import cycle).
import { isModelName } from '../core/index.js';
import { isInside } from './paths.js';

/** A model as found on disk: Triton's `<repo>/<name>/<version>/model.onnx` or the seed's `<repo>/<name>.onnx`. */
export interface ModelSource {
  readonly name: string;
  readonly layout: 'triton' | 'flat';
  /** The model's directory (triton) or the repository (flat). */
  readonly dir: string;
  /** config.pbtxt text when present. */
  readonly configText?: string;
  /** version -> real path of the model file. */
  readonly versions: ReadonlyMap<number, string>;
  /**
   * Set when --model-name chose the name: the name the files gave the model ('' when the repository itself is
   * the model). A config.pbtxt may carry that old name; the operator's choice wins.
   */
  readonly renamedFrom?: string;
}

export interface ScanOptions {
  /**
   * --model-name: serve a single-model repository under this name, as KServe expects (it mounts the model at
   * /mnt/models and passes the InferenceService's name). Applies when the repository itself is a model's
   * directory (version folders `1/model.onnx`, optional config.pbtxt) or holds exactly one model: a single
   * `model.onnx` (or `<any>.onnx`) at its top, or Triton's `<any>/<version>/model.onnx`. A repository of several
   * models is served as it is.
   */
  readonly modelName?: string;
}

/**
 * Every model in the repository, by name. A flat file and a directory of the same name: the directory wins.
 * Entries whose names the API would refuse (core/names.ts) are skipped: no client could address them.
 */
export async function scanRepository(repoRoot: string, opts: ScanOptions = {}): Promise<Map<string, ModelSource>> {
  if (opts.modelName !== undefined) {
    const whole = await rootSource(repoRoot, opts.modelName);
    if (whole) return new Map([[whole.name, whole]]);
  }
  const out = await scanEntries(repoRoot);
  const only = out.size === 1 ? [...out.values()][0] : undefined;
  if (opts.modelName !== undefined && only && only.name !== opts.modelName) {
    return new Map([[opts.modelName, { ...only, name: opts.modelName, renamedFrom: only.name }]]);
  }
  return out;
}

async function scanEntries(repoRoot: string): Promise<Map<string, ModelSource>> {
  const out = new Map<string, ModelSource>();
  const entries = await readdir(repoRoot, { withFileTypes: true });
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.onnx')) {
      const name = e.name.slice(0, -'.onnx'.length);
      if (!isModelName(name) || out.has(name)) continue;
      const src = await flatSource(repoRoot, name);
      if (src) out.set(name, src);
    }
  }
  for (const e of entries) {
    if (e.isDirectory() && isModelName(e.name)) {
      const src = await tritonSource(repoRoot, e.name);
      if (src) out.set(e.name, src);
    }
  }
  return out;
}

/** One model by name, or undefined when the repository has no such model. */
export async function scanModel(repoRoot: string, name: string, defaultFilename?: string, opts: ScanOptions = {}): Promise<ModelSource | undefined> {
  // With --model-name, names depend on the whole repository (one model or several), so look at all of it.
  if (opts.modelName !== undefined) return (await scanRepository(repoRoot, opts)).get(name);
  return (await tritonSource(repoRoot, name, defaultFilename)) ?? (await flatSource(repoRoot, name));
}

/**
 * The repository itself as Triton's model directory for `name`: version folders holding the model file, with an
 * optional config.pbtxt (KServe mounts such a directory at /mnt/models when storageUri names it).
 */
async function rootSource(repoRoot: string, name: string): Promise<ModelSource | undefined> {
  const src = await modelDirSource(repoRoot, repoRoot, name);
  return src && src.versions.size > 0 ? { ...src, renamedFrom: '' } : undefined;
}

async function flatSource(repoRoot: string, name: string): Promise<ModelSource | undefined> {
  const file = await confinedFile(repoRoot, path.join(repoRoot, `${name}.onnx`));
  if (!file) return undefined;
  return { name, layout: 'flat', dir: repoRoot, versions: new Map([[1, file]]) };
}

async function tritonSource(repoRoot: string, name: string, defaultFilename?: string): Promise<ModelSource | undefined> {
  return modelDirSource(repoRoot, path.join(repoRoot, name), name, defaultFilename);
}

/** Triton's model directory `dir`: `<version>/<file>` folders and an optional config.pbtxt. */
async function modelDirSource(repoRoot: string, dir: string, name: string, defaultFilename?: string): Promise<ModelSource | undefined> {
  if (!(await isDir(dir))) return undefined;
  const configText = await readFile(path.join(dir, 'config.pbtxt'), 'utf8').catch(() => undefined);
  const filename = defaultFilename ?? defaultModelFilename(configText) ?? 'model.onnx';
  const versions = new Map<number, string>();
  for (const v of await readdir(dir, { withFileTypes: true })) {
    // Triton: version directories are positive integers; anything else is ignored.
    if (!/^[1-9][0-9]{0,8}$/.test(v.name)) continue;
    const file = await confinedFile(repoRoot, path.join(dir, v.name, filename));
    if (file) versions.set(Number(v.name), file);
  }
  if (versions.size === 0 && configText === undefined) return undefined;
  return { name, layout: 'triton', dir, configText, versions };
}

/** default_model_filename from the config text, without parsing the rest (the full parse happens at load). */
function defaultModelFilename(configText: string | undefined): string | undefined {
  const m = configText?.match(/^\s*default_model_filename\s*:\s*"([^"/\\]+)"/m);
  return m && m[1] !== '.' && m[1] !== '..' ? m[1] : undefined;
}

/** The real path of a regular file, only when it stays inside the repository (a symlink out is refused). */
async function confinedFile(repoRoot: string, file: string): Promise<string | undefined> {
  try {
    const real = await realpath(file);
    if (!isInside(repoRoot, real)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** What a model looks like on disk: its versions' files (size, mtime) and its config text (poll mode's change test). */
export async function signature(src: ModelSource): Promise<string> {
  const parts: string[] = [src.configText ?? ''];
  for (const [v, file] of [...src.versions.entries()].sort((a, b) => a[0] - b[0])) {
    const st = await stat(file).catch(() => undefined);
    parts.push(`${v}:${file}:${st?.size}:${st?.mtimeMs}`);
  }
  return parts.join('|');
}

/** A model file named through the V1 API, served as version 1. */
export function fileSource(name: string, file: string, root: string): ModelSource {
  return { name, layout: 'flat', dir: root, versions: new Map([[1, file]]) };
}
