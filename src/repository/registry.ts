import { realpath, stat } from 'node:fs/promises';
import type { Backend, ExecutionProvider } from '../backend/index.js';
import { ServerError, notFound } from '../errors/index.js';
import { ByteBudget, Scheduler } from '../scheduler/index.js';
import { VersionStats, type StatsListener } from '../observability/index.js';
import type { RepositoryIndexEntry } from '../core/index.js';
import { ModelVersion } from './model-version.js';
import { fileSource, scanModel, scanRepository, signature, type ModelSource } from './scan.js';
import { configPosition, errorText } from './load-errors.js';
// Model names become directory and file names: every name a path is built from is checked with core's one rule
// (core/names.ts), which the API has also applied to what clients send. Core imports this module too; the cycle
// is harmless because the rule is only called at run time, never while modules load.
import { checkModelName } from '../core/index.js';
import { confineModelFile } from './paths.js';
import { SafeLoader, type ProbeResult } from './safe-load.js';
import { noAvailableVersion, unknownModel, unknownVersion, versionNotReady } from './unknown-model.js';
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

  /**
   * Resolves the repository. A repository that is missing or is not a directory is a mistake in the server's
   * configuration: start-up fails naming it rather than serving zero models (README "Configuration").
   */
  async init(): Promise<void> {
    const given = this.opts.root;
    this.rootReal = await realpath(given).catch(() => {
      throw new Error(`--model-repository ${given} does not exist or is not readable`);
    });
    if (!(await stat(this.rootReal)).isDirectory()) {
      throw new Error(`--model-repository ${given} is not a directory (it holds <model>/<version>/model.onnx or <model>.onnx)`);
    }
    if (this.opts.modelName !== undefined) checkModelName(this.opts.modelName);
  }

  /**
   * The models to load at start: all of the repository's, or those named (--load-model), every one of which
   * must exist: a name the repository lacks is a start-up error, as in Triton, not a server without the model.
   */
  async startupSources(only?: ReadonlySet<string>): Promise<ModelSource[]> {
    const all = await this.scan();
    const missing = [...(only ?? [])].filter((n) => !all.has(n));
    if (missing.length > 0) {
      throw new Error(`--load-model names ${missing.map((n) => `'${n}'`).join(', ')}, not in the model repository ` +
        `(it has: ${[...all.keys()].sort().join(', ') || 'no models'})`);
    }
    return [...all.values()].filter((src) => !only || only.has(src.name));
  }

  /**
   * Loads models at start; one model failing leaves the others loading. Each is listed as LOADING as soon as the
   * call begins, while one child process checks every file (rather than one per model).
   */
  async loadAll(sources: readonly ModelSource[]): Promise<void> {
    const checked = this.safe.check(sources.flatMap((src) => [...src.versions.values()]));
    await Promise.all(sources.map(async (src) => {
      const sig = signature(src);
      await this.withLock(src.name, () => this.loadSource(src, checked)).catch(() => undefined);
      this.signatures.set(src.name, await sig);
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
      // Triton's texts (model_repository_manager.cc), which its QA tests match on; then ours.
      if (!src) throw notFound(`failed to load '${name}', failed to poll from model repository: '${name}' is not in the model repository`);
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
    if (!record) throw notFound(`failed to unload '${name}': it is not a model this server holds`);
    await this.withLock(name, async () => {
      await Promise.all([...record.versions.values()].map((v) => v.retire('unloaded')));
    });
  }

  /** The version to serve: the requested one, or the latest READY (the default policy is latest). */
  resolve(name: string, version?: string): ModelVersion {
    const record = this.models.get(name);
    if (!record) throw unknownModel(name);
    if (version !== undefined && version !== '') {
      // Callers pass versions checked by core's rule (core/names.ts checkModelVersion).
      const v = record.versions.get(Number(version));
      if (!v) throw unknownVersion(name, version, this.versions(name));
      if (v.state !== 'READY') throw versionNotReady(v);
      return v;
    }
    let best: ModelVersion | undefined;
    for (const v of record.versions.values()) if (v.state === 'READY' && (!best || v.version > best.version)) best = v;
    if (best) return best;
    throw noAvailableVersion(name, this.versions(name));
  }

  versions(name: string): ModelVersion[] {
    return [...(this.models.get(name)?.versions.values() ?? [])].sort((a, b) => a.version - b.version);
  }

  names(): string[] {
    return [...this.models.keys()].sort();
  }

  /**
   * Triton's repository index: every model of the repository (scanned now, as Triton does), loaded or not, plus
   * models served from elsewhere (V1 files); a version per entry with its state and reason. A model never loaded
   * has no version: Triton lists its name only; onnxserve adds state UNAVAILABLE and reason "not loaded", which
   * says the same to a reader. `readyOnly`: READY versions only.
   */
  async index(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    const onDisk = await this.scan().catch(() => new Map<string, ModelSource>());
    const names = [...new Set([...onDisk.keys(), ...this.models.keys()])].sort();
    const out: RepositoryIndexEntry[] = [];
    for (const name of names) {
      const versions = this.versions(name);
      if (versions.length === 0 && !readyOnly) out.push({ name, version: '', state: 'UNAVAILABLE', reason: NOT_LOADED });
      for (const v of versions) {
        if (readyOnly && v.state !== 'READY') continue;
        out.push({ name, version: v.versionText, state: v.state, reason: v.reason });
      }
    }
    return out;
  }

  /** Models with a READY version. */
  readyCount(): number {
    let n = 0;
    for (const r of this.models.values()) if ([...r.versions.values()].some((v) => v.state === 'READY')) n++;
    return n;
  }

  /**
   * Strict readiness (Triton's --strict-readiness, the default): every model the server holds serves (has a READY
   * version) or was unloaded on request; one that is loading with nothing to serve yet, or failed, makes the server
   * not ready. A model that serves stays ready through a reload and beside a version that failed to load (reloads
   * are atomic and never change what is served, README "Operations"); Triton would report those not ready too.
   */
  allServing(): boolean {
    for (const r of this.models.values()) {
      const versions = [...r.versions.values()];
      if (versions.some((v) => v.state === 'READY')) continue;
      if (versions.some((v) => v.reason !== 'unloaded')) return false;
    }
    return true;
  }

  /** Start-up failures, for --exit-on-error: every version that is not READY, with its reason. */
  failures(): { name: string; version: string; reason: string }[] {
    return this.names().flatMap((name) => this.versions(name).filter((v) => v.state !== 'READY')
      .map((v) => ({ name, version: v.versionText, reason: v.reason })));
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

  /** `checked`: the start-up check of every file, already running (loadAll); otherwise the chosen files are checked. */
  private async loadSource(src: ModelSource, checked?: Promise<Map<string, ProbeResult>>): Promise<void> {
    const record = this.models.get(src.name)!;
    const log = this.opts.logger;
    let parsed: ReturnType<typeof readConfig>;
    try {
      parsed = readConfig(src);
      for (const w of parsed.warnings) log.warn({ model: src.name }, w);
    } catch (e) {
      this.markFailed(record, [...src.versions.keys()], errorText(e));
      // Where it is wrong, at error level: an operator reads the log, not only the index.
      log.error({ model: src.name, ...configPosition(e), reason: errorText(e) }, 'model configuration is invalid');
      throw new ServerError('INVALID_ARGUMENT', `load failed for model '${src.name}': ${errorText(e)}`);
    }
    const chosen = selectVersions(parsed.config, [...src.versions.keys()]);
    if (chosen.length === 0) {
      this.markFailed(record, [], 'no version found');
      log.error({ model: src.name, reason: 'no version found' }, 'model has no loadable version');
      throw new ServerError('INVALID_ARGUMENT', `failed to load '${src.name}', no version is available ` +
        '(no version directory holds a model file the version_policy selects)');
    }
    const old = record.versions;
    // Listed as LOADING from now on (index, V1 list) beside what serves: resolve() only ever picks READY versions.
    const fresh = chosen.map((n) => new ModelVersion(src.name, n, src.versions.get(n)!, new VersionStats(src.name, String(n), this.opts.statsListener)));
    const during = new Map(old);
    for (const v of fresh) if (old.get(v.version)?.state !== 'READY') during.set(v.version, v);
    record.versions = during;
    const checks = await (checked ?? this.safe.check(fresh.map((v) => v.file)));
    await Promise.all(fresh.map((v) => {
      const probe = checks.get(v.file);
      return probe && !probe.ok ? this.failVersion(v, probe.error ?? 'model check failed') : this.loadVersion(src, v, parsed.config);
    }));
    const ready = fresh.filter((v) => v.state === 'READY');
    if (ready.length === 0) {
      // Nothing new can serve: what serves now goes on serving (promise P3); the failures are only recorded.
      const next = new Map(old);
      for (const v of fresh) if (old.get(v.version)?.state !== 'READY') next.set(v.version, v);
      record.versions = next;
      // A load that failed is not worth retrying as it is (Triton answers 400 too), unlike a busy server's 503.
      throw new ServerError('INVALID_ARGUMENT', `load failed for model '${src.name}': version ${fresh[0].version}: ${fresh[0].reason}`);
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

  private async loadVersion(src: ModelSource, v: ModelVersion, config: ReturnType<typeof readConfig>['config']): Promise<void> {
    const { file, version, stats } = v;
    const started = performance.now();
    const log = this.opts.logger;
    try {
      const options = sessionOptions(src.name, config, this.opts.defaults);
      v.model = await this.opts.backend.load(file, options);
      // Listed while it loaded, so a shutdown may have retired it meanwhile: then it must not come to life.
      if (v.state !== 'LOADING') throw new Error('the server stopped while the model was loading');
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
  }

  private failVersion(v: ModelVersion, reason: string): Promise<void> {
    v.state = 'UNAVAILABLE';
    v.reason = errorText(reason);
    this.opts.logger.error({ model: v.name, version: v.version, reason: v.reason }, 'model refused by the safe-load check');
    this.opts.onLoad?.({ name: v.name, version: v.versionText, ok: false, ms: 0 });
    return Promise.resolve();
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

/** The reason the index gives a model of the repository that was never loaded (explicit mode, --load-model). */
const NOT_LOADED = 'not loaded';
