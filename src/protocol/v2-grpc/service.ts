/**
 * The V2 gRPC listener: loads proto/grpc_service.proto, serves inference.GRPCInferenceService over InferenceApi,
 * and shuts down gracefully. Everything protocol-specific lives in handlers/codec; this file is lifecycle only.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { InferenceApi } from '../../core/index.js';
import type { RequestObserver } from '../../observability/index.js';
import { silentLogger, type GrpcLogger } from './call.js';
import { createHandlers } from './handlers.js';
import { LOADER_OPTIONS } from './wire.js';

export interface GrpcServerOptions {
  readonly host: string;
  /** 0 picks a free port; the chosen one is returned. */
  readonly port: number;
  /** Largest message accepted and sent. */
  readonly maxMessageBytes: number;
  /**
   * Most elements one input may declare. Default: maxMessageBytes — no element is smaller than one byte on the
   * wire, so a request declaring more could not carry its data anyway.
   */
  readonly maxElements?: number;
  readonly logger?: GrpcLogger;
  /** See HandlerOptions.authorizeManagement: guards RepositoryIndex / RepositoryModelLoad / RepositoryModelUnload. */
  readonly authorizeManagement?: (authorization: string | undefined) => void | Promise<void>;
  /** Metrics and access log of each inference request (observability/grpc.ts). */
  readonly observer?: RequestObserver;
}

export interface GrpcServerHandle {
  readonly port: number;
  /** Stops accepting calls, lets running ones finish for up to graceMs, then cancels the rest. */
  close(graceMs?: number): Promise<void>;
}

const PROTO_FILE = 'grpc_service.proto';
const DEFAULT_GRACE_MS = 5000;

/**
 * The package's proto/ directory. Found by walking up from this module rather than by a fixed relative path,
 * so it resolves the same from src/ (ts runners), dist/src/ (the build) and an installed package ("files"
 * ships proto/).
 */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'proto', PROTO_FILE))) return join(dir, 'proto');
    const up = dirname(dir);
    if (up === dir) throw new Error(`proto/${PROTO_FILE} not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The loaded package definition; exported so tests and tools build clients from the very same .proto. */
export function loadPackageDefinition(): protoLoader.PackageDefinition {
  // includeDirs lets grpc_service.proto's `import "model_config.proto"` resolve.
  return protoLoader.loadSync(PROTO_FILE, { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
}

function serviceDefinition(): grpc.ServiceDefinition {
  return loadPackageDefinition()['inference.GRPCInferenceService'] as grpc.ServiceDefinition;
}

/** host:port, bracketing a bare IPv6 literal as gRPC target syntax requires. */
function address(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function bind(server: grpc.Server, addr: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

function shutdown(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    // forceShutdown cancels the remaining calls; their 'cancelled' events abort the work they queued.
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function startGrpcServer(api: InferenceApi, opts: GrpcServerOptions): Promise<GrpcServerHandle> {
  const logger = opts.logger ?? silentLogger;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    'grpc.max_send_message_length': opts.maxMessageBytes,
  });
  server.addService(serviceDefinition(), createHandlers(api, {
    limits: { maxElements: opts.maxElements ?? opts.maxMessageBytes },
    logger,
    observer: opts.observer,
    ...(opts.authorizeManagement ? { authorizeManagement: opts.authorizeManagement } : {}),
  }));
  const port = await bind(server, address(opts.host, opts.port));
  logger.info({ host: opts.host, port }, 'gRPC listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    close: (graceMs = DEFAULT_GRACE_MS) => (closing ??= shutdown(server, graceMs)),
  };
}
