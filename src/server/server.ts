import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { OrtBackend } from '../backend/index.js';
import type { ServerConfig } from '../config/index.js';
import { InferenceService } from '../core/index.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { ModelRegistry } from '../repository/index.js';
import { ByteBudget } from '../scheduler/index.js';
import { createHttpApp } from './http-app.js';

export interface RunningServer {
  readonly httpPort: number;
  readonly grpcPort: number | undefined;
  readonly service: InferenceService;
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  /** Stops accepting, finishes what was accepted, releases the models. */
  close(): Promise<void>;
}

/** The V2 extensions this server really implements (GET /v2, ServerMetadata). */
export const EXTENSIONS = ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics', 'parameters'] as const;

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function startServer(config: ServerConfig, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const started = performance.now();
  const backend = new OrtBackend({
    onWorkerExit: (e) => logger.error({ code: e.code, replaced: e.replaced }, 'model worker exited unexpectedly'),
  });
  const registry = new ModelRegistry({
    root: config.modelRepository,
    cwd: process.cwd(),
    backend,
    budget: new ByteBudget(config.maxInflightBytes),
    logger,
    defaults: {
      instances: config.instances,
      intraOpThreads: config.intraOpThreads,
      interOpThreads: config.interOpThreads,
      executionProvider: config.executionProvider as 'cpu' | 'cuda' | 'tensorrt',
      maxQueueSize: config.maxQueueSize,
      defaultTimeoutUs: config.requestTimeoutMs * 1000,
      retryAfterSeconds: 1,
    },
  });
  await registry.init();
  const service = new InferenceService(registry, {
    name: 'onnxserve', version: packageVersion(), extensions: EXTENSIONS, limits: { maxElements: config.maxElements },
  });

  const app = await createHttpApp({ api: service, logger, maxBodyBytes: config.maxBodyBytes, maxElements: config.maxElements });
  // Listen first so liveness answers while models load; readiness waits for them.
  await app.listen({ host: config.host, port: config.httpPort });
  const httpPort = (app.server.address() as AddressInfo).port;
  logger.info({ address: `http://${config.host}:${httpPort}` }, 'HTTP listening');

  let grpc: { port: number; close(graceMs?: number): Promise<void> } | undefined;
  if (config.grpc) {
    const { startGrpcServer } = await import('../protocol/v2-grpc/index.js');
    grpc = await startGrpcServer(service, { host: config.host, port: config.grpcPort, maxMessageBytes: config.grpcMaxMessageBytes, logger });
    logger.info({ address: `${config.host}:${grpc.port}` }, 'gRPC listening');
  }

  await registry.loadAll().catch((e: unknown) => logger.error({ err: e }, 'model repository scan failed'));
  service.markStarted();
  logger.info({ ms: Math.round(performance.now() - started), models: registry.index(true).length }, 'server ready');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutdown(app, grpc, registry, service);
    return closing;
  };
  return { httpPort, grpcPort: grpc?.port, service, registry, logger, close };
}

async function shutdown(app: FastifyInstance, grpc: { close(graceMs?: number): Promise<void> } | undefined,
  registry: ModelRegistry, service: InferenceService): Promise<void> {
  service.beginDrain();
  await Promise.all([app.close(), grpc?.close(30_000)]);
  await registry.close();
}
