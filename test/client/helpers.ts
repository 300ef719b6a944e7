/** What the client's integration tests share: one real server, a client per transport, state-ordered waits. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, InferenceClient, type ErrorCode } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export type Transport = 'rest-json' | 'rest-binary' | 'grpc';
export const TRANSPORTS: readonly Transport[] = ['rest-json', 'rest-binary', 'grpc'];

/** The real server with gRPC on; the safe-load check child is skipped (these tests are about the client). */
export function startServer(models: readonly string[], overrides: Record<string, unknown> = {}, extra?: (dir: string) => void): Promise<TestServer> {
  return startTestServer(models, { grpc: true, safeLoad: false, ...overrides }, extra);
}

export function clientFor(transport: Transport, server: TestServer, options: ConstructorParameters<typeof InferenceClient>[1] = {}): InferenceClient {
  if (transport === 'grpc') return new InferenceClient(`grpc://127.0.0.1:${server.grpcPort}`, options);
  return new InferenceClient(server.url, { ...options, encoding: transport === 'rest-json' ? 'json' : 'binary' });
}

/** The promise rejects with a ClientError of `code` whose message matches every pattern; returns the error. */
export async function rejects(p: Promise<unknown>, code: ErrorCode, ...patterns: RegExp[]): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ClientError, `expected a ClientError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    for (const re of patterns) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected ${code}, the call succeeded`);
}

/**
 * Waits until `cond` holds, checking every few milliseconds: the order of events comes from the server's
 * observable state, not from how long anything takes. The bound only turns a hang into a failure.
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

/** Element-wise Object.is over two array-likes (NaN equals NaN, -0 is not 0, bigints exact). */
export function same(actual: ArrayLike<unknown>, expected: ArrayLike<unknown>, what: string): void {
  const a = Array.from(actual);
  const e = Array.from(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} elements, expected ${e.length}`);
  a.forEach((v, i) => assert.ok(Object.is(v, e[i]), `${what}[${i}]: ${String(v)}, expected ${String(e[i])}`));
}
