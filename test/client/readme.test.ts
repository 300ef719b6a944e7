/**
 * The README's "TypeScript client" example, run as written against the real server with the fraud_detector
 * example model: only the import (the package's exports map the built module) and the ports are swapped in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { TestServer } from '../helpers/server.js';
import { startServer } from './helpers.js';

const run = promisify(execFile);

/** The first ```ts block after the section heading. */
function example(readme: string, heading: string): string {
  const section = readme.slice(readme.indexOf(heading));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m || !readme.includes(heading)) throw new Error(`README has no ts example under '${heading}'`);
  return m[1];
}

let server: TestServer;
let dir: string;
before(async () => {
  server = await startServer([], {}, (repo) => copyFileSync(path.resolve('models', 'fraud_detector.onnx'), path.join(repo, 'fraud_detector.onnx')));
  dir = mkdtempSync(path.join(tmpdir(), 'onnxserve-readme-'));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
});

test('the README client example runs and agrees over REST binary and gRPC', async () => {
  const code = example(readFileSync('README.md', 'utf8'), '## TypeScript client');
  assert.match(code, /from 'onnxserve\/client'/);
  const runnable = code
    .replace(`'onnxserve/client'`, JSON.stringify(pathToFileURL(path.resolve('dist/src/client/index.js')).href))
    .replace('http://localhost:8080', `http://127.0.0.1:${server.httpPort}`)
    .replace('grpc://localhost:8081', `grpc://127.0.0.1:${server.grpcPort}`);
  const file = path.join(dir, 'example.mjs');
  writeFileSync(file, runnable);
  const { stdout } = await run(process.execPath, [file], { timeout: 60_000 });
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 2, stdout);
  const [rest, grpc] = lines.map((l) => l.split(' '));
  assert.deepEqual([rest[0], grpc[0]], ['rest-binary', 'grpc']);
  const p = Number(rest[1]);
  assert.ok(p >= 0 && p < 0.5, `P(fraud) ${rest[1]} for the README's legitimate transaction`);
  assert.deepEqual(grpc.slice(1), rest.slice(1), 'both transports answer the same, to the bit');
  assert.equal(rest[2], '0n');
});
