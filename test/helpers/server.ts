import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig, type ServerConfig } from '../../src/config/index.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/index.js';

export const TEST_MODELS = path.resolve('test-models');

/** A fresh repository holding copies of the named generated models (copies: symlinks out of a repo are refused). */
export function makeRepo(models: readonly string[], extra: (dir: string) => void = () => undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'onnxserve-test-'));
  for (const m of models) cpSync(path.join(TEST_MODELS, m), path.join(dir, m), { recursive: true });
  extra(dir);
  return dir;
}

export interface TestServer extends RunningServer {
  readonly url: string;
  readonly repo: string;
  stop(): Promise<void>;
}

/**
 * Starts the real server on ephemeral loopback ports with the named models; `options.backend` replaces
 * onnxruntime (e.g. a FakeBackend from ./fake-backend.ts whose runs wait for the test).
 */
export async function startTestServer(models: readonly string[], overrides: Partial<Record<keyof ServerConfig, unknown>> = {},
  extra?: (dir: string) => void, options: StartOptions = {}): Promise<TestServer> {
  const repo = makeRepo(models, extra);
  const config = loadConfig({ modelRepository: repo, httpPort: 0, grpcPort: 0, grpc: false, logLevel: 'silent', ...overrides }, {});
  const server = await startServer(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...options });
  return {
    ...server,
    url: `http://127.0.0.1:${server.httpPort}`,
    repo,
    async stop() {
      await server.close();
      rmSync(repo, { recursive: true, force: true });
    },
  };
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  readonly body: any;
  readonly text: string;
}

export async function request(url: string, init: RequestInit & { json?: unknown } = {}): Promise<JsonResponse> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { ...init, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const post = (url: string, json: unknown): Promise<JsonResponse> => request(url, { method: 'POST', json });
export const get = (url: string): Promise<JsonResponse> => request(url);
