import { OrtBackend, type Backend } from '../backend/index.js';
import { packageVersion, type ServerConfig } from '../config/index.js';
import { InferenceService } from '../core/index.js';
import { createLogger, Observability, type Logger, type ObservabilityOptions } from '../observability/index.js';
import { ModelRegistry } from '../repository/index.js';
import { ByteBudget } from '../scheduler/index.js';
import type { HttpApp } from './http-app.js';
import { ManagementPolicy, type ModelControlMode } from './management-policy.js';

export interface RunningServer {
  readonly httpPort: number;
  readonly grpcPort: number | undefined;
  /** --metrics-port's actual port, when /metrics is served on a port of its own. */
  readonly metricsPort?: number;
  readonly service: InferenceService;
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  /** Stops accepting, finishes what was accepted, releases the models. */
  close(opts?: ShutdownOptions): Promise<void>;
}

/** The V2 extensions this server really implements (GET /v2, ServerMetadata). */
export const EXTENSIONS = ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics', 'parameters'] as const;

export interface StartOptions extends ObservabilityOptions {
  readonly logger?: Logger;
  /** Runs the models (tests: a gated fake); default onnxruntime in worker threads. */
  readonly backend?: Backend;
  /**
   * Aborted (SIGTERM during start-up): stop waiting for the startup models; the caller then close()s, which
   * drains and lets the loads finish before releasing them.
   */
  readonly signal?: AbortSignal;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const obs = await Observability.start(config, logger, packageVersion(), options);
  const started = performance.now();
  const backend = options.backend ?? new OrtBackend({
    workerThreads: config.workerThreads,
    onWorkerExit: (e) => {
      logger.error({ code: e.code, replaced: e.replaced }, 'model worker exited unexpectedly');
      obs.onWorkerExit(e);
    },
  });
  const registry = new ModelRegistry({
    root: config.modelRepository,
    modelName: config.modelName,
    cwd: process.cwd(),
    backend,
    budget: new ByteBudget(config.maxInflightBytes),
    logger,
    safeLoad: config.safeLoad,
    statsListener: obs.statsListener,
    onLoad: obs.onLoad,
    defaults: {
      instances: config.instances,
      intraOpThreads: config.intraOpThreads,
      interOpThreads: config.interOpThreads,
      executionProvider: config.executionProvider as 'cpu' | 'cuda' | 'tensorrt',
      maxQueueSize: config.maxQueueSize,
      defaultTimeoutUs: config.requestTimeoutMs * 1000,
      retryAfterSeconds: 1,
      inProcessModels: (config.inProcessModels ?? '').split(',').map((n) => n.trim()).filter(Boolean),
    },
  });
  const only = config.loadModel.trim() === '*' ? undefined : new Set(config.loadModel.split(',').map((n) => n.trim()).filter(Boolean));
  let sources: Awaited<ReturnType<ModelRegistry['startupSources']>>;
  try {
    // A repository that is not there, or --load-model naming a model it lacks, fails the start: not a ready server
    // without the models it was asked for.
    await registry.init();
    sources = await registry.startupSources(only);
  } catch (e) {
    await obs.close();
    throw e;
  }
  // Models load (check child, worker threads, sessions: other processes and threads) while this thread imports
  // and starts the listeners: cold start is the longer of the two, not their sum.
  const loading = registry.loadAll(sources).catch((e: unknown) => logger.error({ err: e }, 'model repository scan failed'));
  obs.attach(registry);
  const policy = new ManagementPolicy(config.adminToken, config.modelControlMode as ModelControlMode);
  const service = new InferenceService(registry, {
    name: 'onnxserve', version: packageVersion(), extensions: EXTENSIONS, limits: { maxElements: config.maxElements }, policy,
    strictReadiness: config.strictReadiness,
  });

  const { createHttpApp } = await import('./http-app.js');
  const app = createHttpApp({
    api: service, logError: (o, msg) => logger.error(o, msg), authorize: (a) => policy.authorize(a), observer: obs.observer,
    metrics: obs.metrics, maxBodyBytes: config.maxBodyBytes, maxJsonBodyBytes: config.maxJsonBodyBytes, maxElements: config.maxElements,
  });
  // Listen first so liveness answers while models load; readiness waits for them.
  const httpPort = await app.listen(config.host, config.httpPort);
  logger.info({ address: `http://${config.host}:${httpPort}` }, 'HTTP listening');

  let grpc: { port: number; close(graceMs?: number): Promise<void> } | undefined;
  if (config.grpc) {
    const { startGrpcServer } = await import('../protocol/v2-grpc/index.js');
    grpc = await startGrpcServer(service, {
      host: config.host, port: config.grpcPort, maxMessageBytes: config.grpcMaxMessageBytes, maxElements: config.maxElements, logger,
      authorizeManagement: (authorization) => policy.authorize(authorization),
      observer: obs.observer,
    });
    logger.info({ address: `${config.host}:${grpc.port}` }, 'gRPC listening');
  }

  const metricsPort = await obs.listen();

  const stopped = options.signal && new Promise<void>((resolve) => {
    if (options.signal!.aborted) resolve();
    options.signal!.addEventListener('abort', () => resolve(), { once: true });
  });
  await (stopped ? Promise.race([loading, stopped]) : loading);
  const failed = options.signal?.aborted ? [] : registry.failures();
  if (failed.length > 0) logger.error({ failed, exitOnError: config.exitOnError }, `${failed.length} model version(s) failed to load at start`);
  const becameReady = !options.signal?.aborted && !(config.exitOnError && failed.length > 0);
  if (becameReady) {
    if (config.modelControlMode === 'poll') registry.startPolling(config.pollIntervalMs);
    service.markStarted();
    logger.info({ ms: Math.round(performance.now() - started), models: registry.readyCount(), ready: service.isReady() }, 'server ready');
  }

  let closing: Promise<void> | undefined;
  const close = (opts: ShutdownOptions = { drainDelayMs: 0, exitTimeoutMs: config.exitTimeoutMs }): Promise<void> => {
    // Never ready: no load balancer sends here, so there is nothing to wait for.
    const delay = becameReady ? opts.drainDelayMs : 0;
    closing ??= shutdown({ app, grpc, registry, service, logger, loading }, { ...opts, drainDelayMs: delay }).finally(() => obs.close());
    return closing;
  };
  if (config.exitOnError && failed.length > 0) {
    // Triton's --exit-on-error: a failed start-up model stops the server instead of serving without it.
    await close();
    throw new Error(`${failed.map((f) => `'${f.name}' version ${f.version}`).join(', ')} failed to load at start ` +
      `(${failed[0].reason}); --exit-on-error is set`);
  }
  return { httpPort, grpcPort: grpc?.port, metricsPort, service, registry, logger, close };
}

export interface ShutdownOptions {
  /** How long readiness reports 503 before the listeners close. */
  readonly drainDelayMs: number;
  /** Longest wait for accepted work; past it the listeners are torn down regardless. */
  readonly exitTimeoutMs: number;
}

interface Parts {
  readonly app: HttpApp;
  readonly grpc: { close(graceMs?: number): Promise<void> } | undefined;
  readonly registry: ModelRegistry;
  readonly service: InferenceService;
  readonly logger: Logger;
  /** The startup loads: a shutdown during start-up lets them finish before the models are released. */
  readonly loading: Promise<unknown>;
}

/**
 * Graceful shutdown (Kubernetes' order): readiness 503 at once, a drain delay while load balancers notice,
 * then stop accepting and finish every accepted request (queued ones included), then free the sessions.
 * Rejects if accepted work did not finish within exitTimeoutMs.
 */
async function shutdown(p: Parts, opts: ShutdownOptions): Promise<void> {
  p.service.beginDrain();
  p.app.drain();
  if (opts.drainDelayMs > 0) await new Promise((r) => setTimeout(r, opts.drainDelayMs));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), opts.exitTimeoutMs);
  });
  // app.close() stops listening, closes idle keep-alive sockets and resolves once in-flight requests are answered.
  const finished = Promise.all([p.app.close(), p.grpc?.close(opts.exitTimeoutMs)]).then(() => 'done' as const);
  const outcome = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    p.app.server.closeAllConnections();
    p.logger.error({ exitTimeoutMs: opts.exitTimeoutMs }, 'in-flight requests did not finish before the exit timeout');
    throw new Error('exit timeout');
  }
  await p.loading;
  await p.registry.close();
}
