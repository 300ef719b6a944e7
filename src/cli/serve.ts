import type { ServerConfig } from '../config/index.js';
import { startServer } from '../server/server.js';

/** `onnxserve serve`: start, and stop cleanly on SIGTERM/SIGINT (every accepted request is answered). */
export async function runServe(config: ServerConfig): Promise<void> {
  const server = await startServer(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => {
        server.logger.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        server.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) => server.logger.error({ err: reason }, 'unhandled rejection'));
}
