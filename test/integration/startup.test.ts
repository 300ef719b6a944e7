/**
 * Start-up as Triton users expect it (issue 12): the default configuration scores the seed's 1,000-row request,
 * readiness is strict (--strict-readiness), --exit-on-error stops a server whose models failed, a repository that
 * is not there or --load-model naming a missing model fail the start, and a config.pbtxt error is logged at error
 * level with its file, line and column.
 */
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig, type ServerConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { get, makeRepo, post } from '../helpers/server.js';
import { spawnServer } from '../helpers/spawn-server.js';

const SEED_ROW = [0.5, 125.50, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7, 1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3,
  -0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5];

interface LogLine { level: number; msg: string; [key: string]: unknown }

/** A pino logger whose lines the test reads back. */
function capture(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const ERROR = 50;

async function start(overrides: Partial<Record<keyof ServerConfig, unknown>>, logger = pino({ level: 'silent' })): Promise<RunningServer & { url: string }> {
  const config = loadConfig({ httpPort: 0, grpcPort: 0, grpc: false, ...overrides }, {});
  const s = await startServer(config, { logger });
  return { ...s, url: `http://127.0.0.1:${s.httpPort}` };
}

/** A repository with a good model and one whose config.pbtxt does not parse. */
function repoWithBrokenConfig(): string {
  return makeRepo(['mlp'], (dir) => {
    mkdirSync(path.join(dir, 'bad_config', '1'), { recursive: true });
    writeFileSync(path.join(dir, 'bad_config', '1', 'model.onnx'), 'unused');
    writeFileSync(path.join(dir, 'bad_config', 'config.pbtxt'), 'name: "bad_config"\nmax_batch_size: 4\ninput [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] }\n');
  });
}

describe('start-up', () => {
  test('the default configuration (./models) scores a 1,000-row seed request over V1 and V2', async () => {
    const s = await start({});
    try {
      const rows = Array.from({ length: 1000 }, (_, i) => SEED_ROW.map((v, j) => (j === 1 ? v + i : v)));
      const v1 = await post(`${s.url}/v1/models/fraud_detector/infer`, { inputs: rows });
      assert.equal(v1.status, 200, v1.text.slice(0, 300));
      assert.equal(v1.body.predictions.length, 1000);
      assert.equal(typeof v1.body.outputs.label[0], 'number', "V1 speaks the model file's shapes: label is [N]");
      const v2 = await post(`${s.url}/v2/models/fraud_detector/infer`, {
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1000, 30], data: rows.flat() }],
      });
      assert.equal(v2.status, 200, v2.text.slice(0, 300));
      const label = (v2.body.outputs as { name: string; shape: number[] }[]).find((o) => o.name === 'label');
      assert.deepEqual(label?.shape, [1000, 1], 'V2 speaks the configuration: dims [1] with an empty reshape, as Triton');
    } finally {
      await s.close();
    }
  });

  test('strict readiness: a model that failed at start keeps the server not ready; --strict-readiness false does not', async () => {
    const repo = repoWithBrokenConfig();
    try {
      const strict = await start({ modelRepository: repo });
      try {
        assert.equal((await get(`${strict.url}/v2/health/ready`)).status, 503);
        assert.equal((await get(`${strict.url}/v2/health/live`)).status, 200);
        assert.equal((await post(`${strict.url}/v2/models/mlp/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] })).status, 200);
        // Unloading the failed model on request makes the server ready again (Triton: unloaded versions do not count).
        assert.equal((await post(`${strict.url}/v2/repository/models/bad_config/unload`, {})).status, 200);
        assert.equal((await get(`${strict.url}/v2/health/ready`)).status, 200);
      } finally {
        await strict.close();
      }
      const lax = await start({ modelRepository: repo, strictReadiness: false });
      try {
        assert.equal((await get(`${lax.url}/v2/health/ready`)).status, 200);
      } finally {
        await lax.close();
      }
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('a config.pbtxt error is logged at error level with file, line and column; so is the failed start', async () => {
    const repo = repoWithBrokenConfig();
    const { logger, lines } = capture();
    try {
      const s = await start({ modelRepository: repo }, logger);
      await s.close();
      const invalid = lines.find((l) => l.msg === 'model configuration is invalid');
      assert.ok(invalid, JSON.stringify(lines.map((l) => l.msg)));
      assert.equal(invalid.level, ERROR);
      assert.deepEqual([invalid.model, invalid.file, invalid.line, invalid.column], ['bad_config', 'bad_config/config.pbtxt', 4, 1]);
      assert.match(String(invalid.reason), /bad_config\/config\.pbtxt:4:1: .*never closed/);
      const summary = lines.find((l) => /failed to load at start/.test(l.msg));
      assert.equal(summary?.level, ERROR);
      assert.deepEqual((summary?.failed as { name: string }[]).map((f) => f.name), ['bad_config']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('--exit-on-error: a model that fails at start stops the server with the reason', async () => {
    const repo = repoWithBrokenConfig();
    try {
      await assert.rejects(start({ modelRepository: repo, exitOnError: true }),
        /'bad_config' version 1 failed to load at start \(.*config\.pbtxt:4:1.*\); --exit-on-error is set/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('a --model-repository that is missing or is a file fails the start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onnxserve-start-'));
    try {
      await assert.rejects(start({ modelRepository: path.join(dir, 'nothing') }), /--model-repository .*nothing does not exist/);
      writeFileSync(path.join(dir, 'file'), 'x');
      await assert.rejects(start({ modelRepository: path.join(dir, 'file') }), /--model-repository .*file is not a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the command line takes Triton's spelling: --strict-readiness=false, --exit-on-error=true", async () => {
    const repo = repoWithBrokenConfig();
    try {
      const lax = await spawnServer(['--model-repository', repo, '--no-grpc', '--strict-readiness=false']);
      try {
        assert.equal((await get(`http://127.0.0.1:${lax.httpPort}/v2/health/ready`)).status, 200);
      } finally {
        lax.child.kill('SIGTERM');
        await lax.exited;
      }
      // Read to the end of its output ('close', not 'exit', which may come before the last lines are read).
      const child = spawn(process.execPath, ['dist/src/cli/index.js', 'serve', '--model-repository', repo, '--no-grpc', '--http-port', '0',
        '--exit-on-error=true'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.equal(code, 1, output);
      assert.match(output, /'bad_config' version 1 failed to load at start .*--exit-on-error is set/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('--load-model naming a model the repository lacks fails the start, listing what it has', async () => {
    const repo = makeRepo(['mlp']);
    try {
      await assert.rejects(start({ modelRepository: repo, modelControlMode: 'explicit', loadModel: 'mlp,no_such' }),
        /--load-model names 'no_such', not in the model repository \(it has: mlp\)/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
