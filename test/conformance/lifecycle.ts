/** Server options and shutdown for the conformance suites. */
import type { TestServer } from '../helpers/server.js';

/** The defaults: the suites exercise the server as it ships. */
export const SERVER_OVERRIDES = {};

export async function stopServer(server: TestServer | undefined): Promise<void> {
  if (!server) return;
  const started = performance.now();
  await server.stop();
  const ms = performance.now() - started;
  if (ms > 2000) console.error(`# server.stop() took ${Math.round(ms)} ms`);
}
