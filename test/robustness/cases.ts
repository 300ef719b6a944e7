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
import { OrtBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { FakeBackend, SLOW_METADATA } from '../helpers/fake-backend.js';
import { makeRepo } from '../helpers/server.js';
import { BINARY_CASES, BINARY_NOT_HERE } from './cases-binary.js';
import { INFERENCE_CASES, INFERENCE_NOT_HERE } from './cases-inference.js';
import { POLICY_CASES, POLICY_NOT_HERE } from './cases-policy.js';
import { REPOSITORY_CASES, REPOSITORY_NOT_HERE } from './cases-repository.js';
import { TRANSPORT_CASES, TRANSPORT_NOT_HERE } from './cases-transport.js';
import { calibrate, grpcClient, type Case, type Ctx, type NotHere } from './harness.js';
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

/**
 * The median answer time of an ordinary mlp request (REST JSON, 2 rows) on the 2-core machine the rows' maxMs
 * limits were set on (2.8-3.8 ms there with other test suites running beside it; 2.5 ms is taken as its quiet
 * value). Ctx.slowdown is this machine's median over it, so the limits grow on a slower or busier machine.
 */
const REFERENCE_MLP_MS = 2.5;

/**
 * A loopback listener that no load may ever contact, and a count of the connections it got. The count is read
 * after a connection of our own (it sends BARRIER first) has been accepted: connections are accepted in the order
 * they were made, so every connection begun before the read is in the count.
 */
async function outboundTrap(): Promise<{ url: string; hits: () => Promise<number>; close(): void }> {
  const BARRIER = 'onnxserve-test-barrier\n';
  const accepted: net.Socket[] = [];
  const barriers = new Set<net.Socket>();
  let onBarrier: (() => void) | undefined;
  const listener = net.createServer((s) => {
    accepted.push(s);
    s.once('data', (chunk: Buffer) => {
      if (chunk.toString('latin1').startsWith(BARRIER)) {
        barriers.add(s);
        onBarrier?.();
      }
      s.destroy();
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/model.onnx`,
    async hits() {
      const seen = new Promise<void>((r) => { onBarrier = r; });
      const own = net.connect(port, '127.0.0.1', () => own.end(BARRIER));
      own.on('error', () => undefined);
      await seen;
      return accepted.filter((s) => !barriers.has(s)).length;
    },
    close: () => listener.close(),
  };
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
  const trap = await outboundTrap();
  const repo = makeRepo(MODELS, (dir) => populate(dir, outside));
  const config = loadConfig({ modelRepository: repo, httpPort: 0, grpcPort: 0, logLevel: 'warn', ...OVERRIDES }, {});
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  // `slow` is a gated fake (the queue, timeout and cancel rows hold its run for as long as they need); every other
  // model, slow_unload included, runs on onnxruntime.
  const backend = new FakeBackend({ slow: { metadata: SLOW_METADATA } }, new OrtBackend());
  const server = await startServer(config, { logger: pino({ level: 'warn' }, sink), backend });
  const client = server.grpcPort === undefined ? undefined : grpcClient(server.grpcPort);
  const { medianMs, slowdown } = await calibrate({ port: server.httpPort }, REFERENCE_MLP_MS);
  console.error(`# calibration: an mlp request takes ${medianMs.toFixed(2)} ms here (reference ${REFERENCE_MLP_MS} ms): maxMs limits × ${slowdown.toFixed(2)}`);
  const ctx: Ctx = {
    url: `http://127.0.0.1:${server.httpPort}`, port: server.httpPort, grpcPort: server.grpcPort, repo, outside,
    config, grpcClient: client, outboundHits: trap.hits, outboundUrl: trap.url,
    slow: () => backend.model('slow'), slowdown,
  };
  return {
    ctx, server, logs,
    async close() {
      client?.close();
      trap.close();
      backend.releaseAll();
      try {
        await server.close();
      } finally {
        rmSync(repo, { recursive: true, force: true });
        rmSync(outside, { recursive: true, force: true });
      }
    },
  };
}
