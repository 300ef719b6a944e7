import { realpath, stat } from 'node:fs/promises';
import type { Backend, ExecutionProvider } from '../backend/index.js';
import { ServerError, notFound } from '../errors/index.js';
import { ByteBudget, Scheduler } from '../scheduler/index.js';
import { VersionStats, type StatsListener } from '../observability/index.js';
import type { RepositoryIndexEntry } from '../core/index.js';
import { ModelVersion } from './model-version.js';
import { scanModel, scanRepository, type ModelSource } from './scan.js';
// Model names become directory and file names: every name a path is built from is checked with core's one rule
// (core/names.ts), which the API has also applied to what clients send. Core imports this module too; the cycle
// is harmless because the rule is only called at run time, never while modules load.
import { checkModelName } from '../core/index.js';
import { confineModelFile } from './paths.js';
import { SafeLoader } from './safe-load.js';
import { servingView } from './config/index.js';
import { readConfig, effectiveConfig, selectVersions, sessionOptions, schedulerOptions, type ServingDefaults } from './serving-config.js';

export interface RegistryLogger {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

export interface RegistryOptions {
  /** The model repository (any path; its real path is used). */
  readonly root: string;
  /** Where a V1 `path` is resolved from besides the repository (the working directory, as the seed did). */
  readonly cwd: string;
  readonly backend: Backend;
  readonly defaults: ServingDefaults;
  readonly budget: ByteBudget;
  readonly logger: RegistryLogger;
  readonly statsListener?: StatsListener;
  /** Check new or changed model files in a child process before loading them (see SafeLoader). */
  readonly safeLoad: boolean;
  /** --model-name: the name a single-model repository is served under (see ScanOptions). */
  readonly modelName?: string;
  /** Called after each version load attempt (metrics). */
  readonly onLoad?: (e: { name: string; version: string; ok: boolean; ms: number }) => void;
}

/** A model: its serving versions, where it came from (the repository, or a file named through the V1 API). */
interface ModelRecord {
  readonly name: string;
  file?: string;
  versions: Map<number, ModelVersion>;
  /** Serializes loads and unloads of this model. */
  lock: Promise<void>;
}

/**
 * The models and their versions. A load builds new versions beside the serving ones and swaps only what became
 * READY, so a failed reload never changes what is served; replaced versions drain their requests first.
 */
export class ModelRegistry {
  private readonly models = new Map<string, ModelRecord>();
  private rootReal = '';
  private readonly safe: SafeLoader;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Poll mode: what each model looked like on disk when last loaded. */
  private readonly signatures = new Map<string, string>();
  private warnedModelName = false;

  constructor(private readonly opts: RegistryOptions) {
    this.safe = new SafeLoader(opts.safeLoad);
  }

  get root(): string {
    return this.rootReal;
  }

  async init(): Promise<void> {
    this.rootReal = await realpath(this.opts.root).catch(() => {
      throw new Error('model repository does not exist or is not readable');
    });
    if (this.opts.modelName !== undefined) checkModelName(this.opts.modelName);
  }

  /** Loads the models in the repository (all, or those named); one model failing leaves the others loading. */
  async loadAll(only?: ReadonlySet<string>): Promise<void> {
    const all = await this.scan();
    const sources = [...all.values()].filter((src) => !only || only.has(src.name));
    // One child process checks every startup file, rather than one per model.
    await this.safe.check(sources.flatMap((src) => [...src.versions.values()]));
    await Promise.all(sources.map(async (src) => {
      this.signatures.set(src.name, await signature(src));
      await this.withLock(src.name, () => this.loadSource(src)).catch(() => undefined);
    }));
  }

  /**
   * Triton's poll mode: rescan the repository periodically; load new models, reload changed ones (atomically,
   * as any reload), unload removed ones.
   */
  startPolling(intervalMs: number): void {
    const tick = async () => {
      try {
        await this.pollOnce();
      } catch (e) {
        this.opts.logger.error({ err: e }, 'repository poll failed');
      }
      this.pollTimer = setTimeout(() => void tick(), intervalMs);
      this.pollTimer.unref();
    };
    this.pollTimer = setTimeout(() => void tick(), intervalMs);
    this.pollTimer.unref();
  }

  async pollOnce(): Promise<void> {
    const sources = await this.scan();
    for (const src of sources.values()) {
      const sig = await signature(src);
      if (this.signatures.get(src.name) === sig) continue;
      this.signatures.set(src.name, sig);
      this.opts.logger.info({ model: src.name }, 'repository change: loading');
      await this.withLock(src.name, () => this.loadSource(src)).catch(() => undefined);
    }
    for (const name of [...this.signatures.keys()]) {
      if (sources.has(name) || this.models.get(name)?.file) continue;
      this.signatures.delete(name);
      this.opts.logger.info({ model: name }, 'repository change: model removed, unloading');
      await this.unload(name).catch(() => undefined);
    }
  }

  /** Loads or reloads a model from the repository (V2 repository load). */
  async load(name: string): Promise<void> {
    checkModelName(name);
    await this.withLock(name, async () => {
      const record = this.models.get(name);
      if (record?.file) return this.loadSource(fileSource(name, record.file, this.rootReal));
      const src = await scanModel(this.rootReal, name, undefined, { modelName: this.opts.modelName });
      if (!src) throw notFound(`model '${name}' is not in the model repository`);
      return this.loadSource(src);
    });
  }

  /** V1: load `path` (confined to the repository) as version 1 of `name`. */
  async loadFile(name: unknown, requestedPath: unknown): Promise<void> {
    const n = checkModelName(name);
    const file = await confineModelFile(this.rootReal, requestedPath, [this.opts.cwd, this.rootReal]);
    await this.withLock(n, () => this.loadSource(fileSource(n, file, this.rootReal)));
    this.models.get(n)!.file = file;
  }

  /** Unloads every version once its in-flight requests are done. */
  async unload(name: string): Promise<void> {
    checkModelName(name);
    const record = this.models.get(name);
    if (!record) throw notFound(`unknown model '${name}'`);
    await this.withLock(name, async () => {
      await Promise.all([...record.versions.values()].map((v) => v.retire('unloaded')));
    });
  }

  /** The version to serve: the requested one, or the latest READY (the default policy is latest). */
  resolve(name: string, version?: string): ModelVersion {
    const record = this.models.get(name);
    if (!record) throw notFound(`unknown model '${name}'`);
    if (version !== undefined && version !== '') {
      const v = /^[0-9]{1,9}$/.test(version) ? record.versions.get(Number(version)) : undefined;
      if (!v) throw notFound(`model '${name}' has no version '${version}'`);
      if (v.state !== 'READY') throw stateError(v);
      return v;
    }
    let best: ModelVersion | undefined;
    for (const v of record.versions.values()) if (v.state === 'READY' && (!best || v.version > best.version)) best = v;
    if (best) return best;
    const any = [...record.versions.values()];
    if (any.length > 0 && any.every((v) => v.reason === 'unloaded')) throw notFound(`model '${name}' is unloaded`);
    throw new ServerError('UNAVAILABLE', `model '${name}' has no ready version${any[0]?.reason ? ` (${any[0].reason})` : ''}`);
  }

  versions(name: string): ModelVersion[] {
    return [...(this.models.get(name)?.versions.values() ?? [])].sort((a, b) => a.version - b.version);
  }

  names(): string[] {
    return [...this.models.keys()].sort();
  }

  index(readyOnly: boolean): RepositoryIndexEntry[] {
    const out: RepositoryIndexEntry[] = [];
    for (const name of this.names()) {
      for (const v of this.versions(name)) {
        if (readyOnly && v.state !== 'READY') continue;
        out.push({ name, version: v.versionText, state: v.state, reason: v.reason });
      }
    }
    return out;
  }

  /** Every version ever loaded at start is READY (readiness). */
  allReady(): boolean {
    for (const r of this.models.values()) for (const v of r.versions.values()) if (v.state === 'LOADING') return false;
    return true;
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    await Promise.all([...this.models.values()].flatMap((r) => [...r.versions.values()].map((v) => v.retire('server stopped'))));
  }

  private async scan(): Promise<Map<string, ModelSource>> {
    const sources = await scanRepository(this.rootReal, { modelName: this.opts.modelName });
    const wanted = this.opts.modelName;
    // Once: poll mode rescans every few seconds.
    if (wanted !== undefined && sources.size > 0 && !sources.has(wanted) && !this.warnedModelName) {
      this.warnedModelName = true;
      this.opts.logger.warn({ modelName: wanted, models: [...sources.keys()].sort() },
        '--model-name applies to a repository of one model; this one holds several, served under their own names');
    }
    return sources;
  }

  private async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let record = this.models.get(name);
    if (!record) {
      record = { name, versions: new Map(), lock: Promise.resolve() };
      this.models.set(name, record);
    }
    const run = record.lock.then(fn);
    const held = record;
    record.lock = run.then(() => undefined, () => undefined).then(() => {
      // A load of a name the repository does not have leaves nothing behind: it stays "unknown" (404).
      if (held.versions.size === 0 && !held.file && this.models.get(name) === held) this.models.delete(name);
    });
    return run;
  }

  private async loadSource(src: ModelSource): Promise<void> {
    const record = this.models.get(src.name)!;
    const log = this.opts.logger;
    let parsed: ReturnType<typeof readConfig>;
    try {
      parsed = readConfig(src);
      for (const w of parsed.warnings) log.warn({ model: src.name }, w);
    } catch (e) {
      this.markFailed(record, [...src.versions.keys()], errorText(e));
      throw new ServerError('INVALID_ARGUMENT', `model '${src.name}': ${errorText(e)}`);
    }
    const chosen = selectVersions(parsed.config, [...src.versions.keys()]);
    if (chosen.length === 0) {
      this.markFailed(record, [], 'no version found');
      throw new ServerError('INVALID_ARGUMENT', `model '${src.name}' has no loadable version`);
    }
    const checks = await this.safe.check(chosen.map((v) => src.versions.get(v)!));
    const fresh = await Promise.all(chosen.map((v) => {
      const probe = checks.get(src.versions.get(v)!);
      return probe && !probe.ok ? Promise.resolve(this.failedVersion(src, v, probe.error ?? 'model check failed')) : this.loadVersion(src, v, parsed.config);
    }));
    const ready = fresh.filter((v) => v.state === 'READY');
    const old = record.versions;
    if (ready.length === 0) {
      // Nothing new can serve: what serves now goes on serving (promise P3); the failures are only recorded.
      const next = new Map(old);
      for (const v of fresh) if (old.get(v.version)?.state !== 'READY') next.set(v.version, v);
      record.versions = next;
      // A load that failed is not worth retrying as it is (Triton answers 400 too), unlike a busy server's 503.
      throw new ServerError('INVALID_ARGUMENT', `model '${src.name}' failed to load: ${fresh[0].reason}`);
    }
    const next = new Map<number, ModelVersion>();
    // Keep serving an old version whose reload failed; drop versions the policy no longer selects.
    for (const v of fresh) {
      const prev = old.get(v.version);
      next.set(v.version, v.state === 'READY' || !prev || prev.state !== 'READY' ? v : prev);
    }
    record.versions = next;
    const retired = [...old.values()].filter((v) => next.get(v.version) !== v);
    await Promise.all(retired.map((v) => v.retire('replaced')));
  }

  private async loadVersion(src: ModelSource, version: number, config: ReturnType<typeof readConfig>['config']): Promise<ModelVersion> {
    const file = src.versions.get(version)!;
    const stats = new VersionStats(src.name, String(version), this.opts.statsListener);
    const v = new ModelVersion(src.name, version, file, stats);
    const started = performance.now();
    const log = this.opts.logger;
    try {
      const options = sessionOptions(src.name, config, this.opts.defaults);
      v.model = await this.opts.backend.load(file, options);
      for (const w of v.model.warnings) log.warn({ model: src.name, version }, w);
      const eff = effectiveConfig(src.name, config, v.model.metadata, src.renamedFrom !== undefined);
      for (const w of eff.warnings) log.warn({ model: src.name, version }, w);
      v.config = eff.config;
      v.view = servingView(eff);
      v.scheduler = new Scheduler(v.model, schedulerOptions(eff.config, this.opts.defaults), stats, this.opts.budget);
      v.state = 'READY';
      v.loadedAt = new Date();
      v.loadMs = performance.now() - started;
      log.info({ model: src.name, version, ms: Math.round(v.loadMs), instances: v.model.instances, providers: v.model.executionProviders as ExecutionProvider[] }, 'model loaded');
    } catch (e) {
      await v.model?.dispose().catch(() => undefined);
      v.model = undefined;
      v.state = 'UNAVAILABLE';
      v.reason = errorText(e);
      v.loadMs = performance.now() - started;
      log.error({ model: src.name, version, reason: v.reason }, 'model failed to load');
    }
    this.opts.onLoad?.({ name: src.name, version: String(version), ok: v.state === 'READY', ms: v.loadMs });
    return v;
  }

  private failedVersion(src: ModelSource, version: number, reason: string): ModelVersion {
    const v = new ModelVersion(src.name, version, src.versions.get(version)!, new VersionStats(src.name, String(version)));
    v.state = 'UNAVAILABLE';
    v.reason = errorText(reason);
    this.opts.logger.error({ model: src.name, version, reason: v.reason }, 'model refused by the safe-load check');
    this.opts.onLoad?.({ name: src.name, version: String(version), ok: false, ms: 0 });
    return v;
  }

  private markFailed(record: ModelRecord, versions: number[], reason: string): void {
    for (const n of versions.length > 0 ? versions : [1]) {
      if (record.versions.get(n)?.state === 'READY') continue;
      const v = new ModelVersion(record.name, n, '', new VersionStats(record.name, String(n)));
      v.state = 'UNAVAILABLE';
      v.reason = reason;
      record.versions.set(n, v);
    }
  }
}

/** What a model looks like on disk: its versions' files (size, mtime) and its config text. */
async function signature(src: ModelSource): Promise<string> {
  const parts: string[] = [src.configText ?? ''];
  for (const [v, file] of [...src.versions.entries()].sort((a, b) => a[0] - b[0])) {
    const st = await stat(file).catch(() => undefined);
    parts.push(`${v}:${file}:${st?.size}:${st?.mtimeMs}`);
  }
  return parts.join('|');
}

function fileSource(name: string, file: string, root: string): ModelSource {
  return { name, layout: 'flat', dir: root, versions: new Map([[1, file]]) };
}

function stateError(v: ModelVersion): ServerError {
  if (v.reason === 'unloaded') return notFound(`model '${v.name}' version ${v.version} is unloaded`);
  return new ServerError('UNAVAILABLE', `model '${v.name}' version ${v.version} is ${v.state}${v.reason ? `: ${v.reason}` : ''}`);
}

/**
 * Load errors reach clients through the index: strip what ORT adds about itself (its C++ source locations and
 * function signatures) and shorten absolute paths to their last two segments.
 */
function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .replace(/\S+\.(?:cc|cpp|h):\d+\s+(?:[\w:<>~]+\([^)]*\)\s*(?:const\s*)?)?/g, '')
    .replace(/(?:\/[^\s'":]+)+/g, (p) => p.split('/').slice(-2).join('/'))
    .slice(0, 500);
}
