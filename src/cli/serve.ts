import type { ServerConfig } from '../config/index.js';
import { startServer } from '../server/server.js';

/**
 * `onnxserve serve`: start; on SIGTERM/SIGINT drain and exit 0 once every accepted request was answered.
 * Crash hygiene: an unhandled rejection is logged and counted (the process stays up: one bad promise is not a
 * reason to drop every request in flight); an uncaught exception leaves the process in an unknown state, so it
 * drains what it can and exits non-zero for the orchestrator to restart it.
 */
export async function runServe(config: ServerConfig): Promise<void> {
  const server = await startServer(config);
  const log = server.logger;
  let stopping = false;
  let unhandledRejections = 0;

  const stop = (reason: string, code: number, drainDelayMs: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason, drainDelayMs, exitTimeoutMs: config.exitTimeoutMs }, 'shutting down');
    server.close({ drainDelayMs, exitTimeoutMs: config.exitTimeoutMs }).then(
      () => {
        log.info({ code }, 'stopped');
        process.exit(code);
      },
      (e: unknown) => {
        log.error({ err: e }, 'shutdown did not complete cleanly');
        process.exit(code || 1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM', 0, config.drainDelayMs));
  process.on('SIGINT', () => stop('SIGINT', 0, config.drainDelayMs));
  process.on('unhandledRejection', (reason) => {
    unhandledRejections++;
    log.error({ err: reason, count: unhandledRejections }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception: draining and exiting');
    stop('uncaughtException', 1, 0);
  });
}
