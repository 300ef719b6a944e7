/**
 * The 70 bad-input and fault cases of ../shared/research/reliability-anchors.md §3 as one table, and the server
 * they run against: one repository holding the fixtures every row needs (hostile ones included), with small
 * limits so boundary rows stay cheap.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { makeRepo } from '../helpers/server.js';
import { BINARY_CASES, BINARY_NOT_HERE } from './cases-binary.js';
import { INFERENCE_CASES, INFERENCE_NOT_HERE } from './cases-inference.js';
import { POLICY_CASES, POLICY_NOT_HERE } from './cases-policy.js';
import { REPOSITORY_CASES, REPOSITORY_NOT_HERE } from './cases-repository.js';
import { TRANSPORT_CASES, TRANSPORT_NOT_HERE } from './cases-transport.js';
import { grpcClient, type Case, type Ctx, type NotHere } from './harness.js';
import { addEscapingModels, copyModel, makeOutside, mlpModel } from './models.js';

export const CASES: readonly Case[] = [...TRANSPORT_CASES, ...INFERENCE_CASES, ...BINARY_CASES, ...REPOSITORY_CASES, ...POLICY_CASES];
export const NOT_HERE: readonly NotHere[] = [
  ...TRANSPORT_NOT_HERE, ...INFERENCE_NOT_HERE, ...BINARY_NOT_HERE, ...REPOSITORY_NOT_HERE, ...POLICY_NOT_HERE,
];

/** Small limits: boundary rows send bodies of these sizes. Keys the server does not know are ignored by loadConfig. */
export const OVERRIDES = {
  grpc: true,
  maxBodyBytes: 2 * 1024 * 1024,
  maxJsonBodyBytes: 1024 * 1024,
  grpcMaxMessageBytes: 1024 * 1024,
  intraOpThreads: 1,
} as const;

const MODELS = ['mlp', 'multi_io', 'identity_fp32', 'identity_uint8', 'identity_int32', 'identity_int64', 'identity_bool',
  'identity_bytes', 'identity_fp16', 'slow'];

function populate(repo: string, outside: string): void {
  copyModel(repo, 'slow', 'slow_unload');
  writeFileSync(path.join(repo, 'slow', 'config.pbtxt'), 'max_batch_size: 0\ndynamic_batching { default_queue_policy { max_queue_size: 2 allow_timeout_override: true } }\n');
  copyModel(repo, 'identity_fp32', 'identity_nobatch');
  writeFileSync(path.join(repo, 'identity_nobatch', 'config.pbtxt'), 'max_batch_size: 0\n');
  for (const m of ['swap', 'storm', 'par_a', 'par_b']) copyModel(repo, 'mlp', m);
  writeFileSync(path.join(repo, 'broken.onnx'), 'not an onnx model');
  mkdirSync(path.join(repo, 'extra'));
  copyFileSync(path.join(repo, 'mlp', '1', 'model.onnx'), path.join(repo, 'extra', 'copy.onnx'));
  execFileSync('mkfifo', [path.join(repo, 'fifo.onnx')]);
  addEscapingModels(repo, outside);
  // The files outside answer twice the reference, so any load that reached them would show.
  writeFileSync(path.join(outside, 'mlp.onnx'), mlpModel({ scale: 2 }));
  writeFileSync(path.join(outside, 'model_dir', '1', 'model.onnx'), mlpModel({ scale: 2 }));
}

export interface Fixture {
  readonly ctx: Ctx;
  readonly server: RunningServer;
  /** The server's log lines at warn level and above (JSON), for the P1 checks (double replies, unexpected 500s). */
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const outside = makeOutside();
  let hits = 0;
  const listener = net.createServer((s) => {
    hits++;
    s.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const repo = makeRepo(MODELS, (dir) => populate(dir, outside));
  const config = loadConfig({ modelRepository: repo, httpPort: 0, grpcPort: 0, logLevel: 'warn', ...OVERRIDES }, {});
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const server = await startServer(config, { logger: pino({ level: 'warn' }, sink) });
  const client = server.grpcPort === undefined ? undefined : grpcClient(server.grpcPort);
  const ctx: Ctx = {
    url: `http://127.0.0.1:${server.httpPort}`, port: server.httpPort, grpcPort: server.grpcPort, repo, outside,
    config, grpcClient: client,
    outboundHits: () => hits, outboundUrl: `http://127.0.0.1:${(listener.address() as net.AddressInfo).port}/model.onnx`,
  };
  return {
    ctx, server, logs,
    async close() {
      client?.close();
      listener.close();
      try {
        await server.close();
      } finally {
        rmSync(repo, { recursive: true, force: true });
        rmSync(outside, { recursive: true, force: true });
      }
    },
  };
}
