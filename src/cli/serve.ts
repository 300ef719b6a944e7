import type { ServerConfig } from '../config/index.js';
import { createLogger } from '../observability/index.js';
import { startServer, type RunningServer } from '../server/server.js';

/**
 * `onnxserve serve`: start; on SIGTERM/SIGINT drain and exit 0 once every accepted request was answered. The
 * signal handlers are installed before start-up, so a SIGTERM while models still load drains too. A second
 * SIGTERM/SIGINT exits at once (Ctrl-C twice). Ctrl-C from a terminal skips the drain delay: nobody's load
 * balancer is waiting on a developer's shell.
 * Crash hygiene: an unhandled rejection is logged and counted (the process stays up: one bad promise is not a
 * reason to drop every request in flight); an uncaught exception leaves the process in an unknown state, so it
 * drains what it can and exits non-zero for the orchestrator to restart it.
 */
export async function runServe(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  const startup = new AbortController();
  // Set once start-up is over; until then a signal is remembered and start-up is cut short.
  const started: { server?: RunningServer } = {};
  let stopping = false;
  let pending: [string, number, number] | undefined;
  let signals = 0;
  let unhandledRejections = 0;

  const onSignal = (name: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal: name }, 'second signal: exiting now');
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    const drainDelayMs = name === 'SIGINT' && process.stdin.isTTY ? 0 : config.drainDelayMs;
    if (started.server) stop(name, 0, drainDelayMs);
    else {
      pending = [name, 0, drainDelayMs];
      startup.abort();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (reason) => {
    unhandledRejections++;
    log.error({ err: reason, count: unhandledRejections }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception: draining and exiting');
    if (started.server) stop('uncaughtException', 1, 0);
    else process.exit(1);
  });

  log.info({ pid: process.pid, modelRepository: config.modelRepository }, 'starting');

  const stop = (reason: string, code: number, drainDelayMs: number): void => {
    const server = started.server;
    if (stopping || !server) return;
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
  started.server = await startServer(config, { logger: log, signal: startup.signal });
  if (pending) stop(...pending);
}
