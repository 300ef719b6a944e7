/**
 * Case 69 / promise P7 (reliability-anchors.md §4.2): SIGTERM to the real CLI under load. Readiness turns 503 at
 * once; during the drain delay the server keeps serving; then it stops accepting, answers everything it had
 * accepted (queued work on `slow`, gRPC calls, a model load), and exits 0. A request may be refused or reset
 * only once the listener is closing; none may hang or get an error status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SETTINGS, type SettingSpec } from '../../src/config/index.js';
import { makeRepo } from '../helpers/server.js';
import { grpcCall, grpcClient, httpRequest, mlpBody, sleep, type Answer } from './harness.js';

// Long enough that a test process starved by a busy machine still sees readiness 503 before the listener closes.
const DRAIN_MS = 3000;
/** Requests sent this long into the drain delay must still be served (the rest of the delay is slack for a busy machine). */
const SURELY_ACCEPTING_MS = DRAIN_MS / 2;
const EXIT_TIMEOUT_MS = 15_000;
const LOOPS = 32;

/** Passes a flag only if the server has that setting (the suite is written ahead of some features). */
function flag(name: string, value?: string): string[] {
  if (!(SETTINGS as readonly SettingSpec[]).some((s) => s.flag === name)) return [];
  return value === undefined ? [`--${name}`] : [`--${name}`, value];
}

interface Started {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  readonly logs: string[];
}

/** Spawns `onnxserve serve` and waits for its "server ready" log line; ports come from the "listening" lines. */
async function spawnServer(repo: string): Promise<Started> {
  const args = ['dist/src/cli/index.js', 'serve', '--model-repository', repo, '--http-port', '0', '--grpc-port', '0',
    '--log-level', 'info', '--intra-op-threads', '1', ...flag('drain-delay-ms', String(DRAIN_MS)), ...flag('exit-timeout-ms', String(EXIT_TIMEOUT_MS))];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  let httpPort = 0;
  let grpcPort = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready within 30 s:\n${logs.join('')}`)), 30_000);
    void exited.then(({ code }) => reject(new Error(`server exited with ${code} during start:\n${logs.join('')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line);
      let o: { msg?: string; address?: string; port?: number };
      try {
        o = JSON.parse(line) as typeof o;
      } catch {
        return;
      }
      if (o.msg === 'HTTP listening' && o.address) httpPort = Number(new URL(o.address).port);
      if (o.msg === 'gRPC listening') grpcPort = o.port ?? Number(o.address?.split(':').pop());
      if (o.msg === 'server ready') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  assert.ok(httpPort > 0, 'HTTP port from the log');
  return { child, httpPort, grpcPort, exited, logs };
}

interface Outcome {
  readonly sentAt: number;
  readonly status?: number;
  readonly error?: string;
}

const errorCode = (e: unknown): string => (e as { code?: string }).code ?? (e as Error).message;

test('SIGTERM under load: readiness 503 at once, every accepted request answered, exit 0', { timeout: 60_000 }, async () => {
  const repo = makeRepo(['mlp', 'slow']);
  const server = await spawnServer(repo);
  const client = server.grpcPort > 0 ? grpcClient(server.grpcPort) : undefined;
  try {
    const port = server.httpPort;
    let sigtermAt = Infinity;
    let exitedAt = Infinity;
    void server.exited.then((e) => { exitedAt = e.at; });

    // Readiness, polled on fresh connections.
    const readiness: { at: number; doneAt: number; status: number | string }[] = [];
    const poller = (async () => {
      while (performance.now() < exitedAt) {
        const at = performance.now();
        const r = await httpRequest(port, 'GET', '/v2/health/ready', { timeoutMs: 5000 }).then((a) => a.status, errorCode);
        readiness.push({ at, doneAt: performance.now(), status: r });
        if (r === 'ECONNREFUSED') break;
        await sleep(20);
      }
    })();

    // Load: LOOPS clients on mlp, each request on a fresh connection, until the server is gone.
    const outcomes: Outcome[] = [];
    const loops = Array.from({ length: LOOPS }, async () => {
      while (performance.now() < exitedAt) {
        const sentAt = performance.now();
        try {
          const a = await httpRequest(port, 'POST', '/v2/models/mlp/infer', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(mlpBody()) });
          outcomes.push({ sentAt, status: a.status });
          if (a.status === 200) assert.equal(a.body.outputs[0].data.length, 6);
        } catch (e) {
          outcomes.push({ sentAt, error: errorCode(e) });
          if (errorCode(e) === 'ECONNREFUSED') return;
        }
      }
    });
    await sleep(700);

    // Work that is in flight at SIGTERM: queued slow inferences (REST and gRPC) and a model load.
    const slowBody = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [0.5] }] });
    const inflight: Promise<Answer>[] = Array.from({ length: 3 }, () =>
      httpRequest(port, 'POST', '/v2/models/slow/infer', { headers: { 'content-type': 'application/json' }, body: slowBody, timeoutMs: 20_000 }));
    const inflightGrpc = client ? [grpcCall(client, 'ModelInfer', {
      model_name: 'slow', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [0.5] } }],
    }, { deadlineMs: 20_000 })] : [];
    const loading = httpRequest(port, 'POST', '/v2/repository/models/mlp/load', { timeoutMs: 20_000 });
    await sleep(50);
    sigtermAt = performance.now();
    server.child.kill('SIGTERM');

    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([server.exited, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), DRAIN_MS + EXIT_TIMEOUT_MS + 5000); })]);
    clearTimeout(timer);
    assert.ok(exit, `the server did not exit:\n${server.logs.slice(-20).join('\n')}`);
    await Promise.all([poller, ...loops]);

    assert.equal(exit.signal, null, `killed by ${exit.signal}`);
    assert.equal(exit.code, 0, `exit code ${exit.code}:\n${server.logs.slice(-20).join('\n')}`);
    for (const a of await Promise.all(inflight)) assert.equal(a.status, 200, `slow request in flight at SIGTERM: ${a.status} ${a.text}`);
    for (const a of await Promise.all(inflightGrpc)) assert.equal(a.status, 0, `gRPC call in flight at SIGTERM: ${a.text}`);
    assert.equal((await loading).status, 200, 'the model load in progress at SIGTERM');

    const before = readiness.filter((r) => r.doneAt < sigtermAt);
    const after = readiness.filter((r) => r.at > sigtermAt + 5 && typeof r.status === 'number');
    assert.ok(before.length > 0 && before.every((r) => r.status === 200), `ready before SIGTERM: ${JSON.stringify(before.slice(-3))}`);
    assert.ok(after.length > 0 && after.every((r) => r.status === 503), `readiness after SIGTERM: ${JSON.stringify(after.map((r) => r.status))}`);

    // Sent before SIGTERM or early in the drain delay: the server was accepting, so each must be served.
    const accepting = outcomes.filter((o) => o.sentAt < sigtermAt + SURELY_ACCEPTING_MS);
    const notServed = accepting.filter((o) => o.status !== 200);
    const rel = (os: Outcome[]) => JSON.stringify(os.slice(0, 5).map((o) => ({ ...o, sentAt: `SIGTERM${o.sentAt < sigtermAt ? '' : '+'}${Math.round(o.sentAt - sigtermAt)}ms` })));
    assert.equal(notServed.length, 0, `${notServed.length} of ${accepting.length} requests sent while accepting were not served: ${rel(notServed)}`);
    // Later ones: served, 503 (closing), or refused/reset before any answer; never another status, never a hang.
    const late = outcomes.filter((o) => o.sentAt >= sigtermAt + SURELY_ACCEPTING_MS);
    const bad = late.filter((o) => !(o.status === 200 || o.status === 503 || ['ECONNREFUSED', 'ECONNRESET'].includes(o.error ?? '')));
    assert.equal(bad.length, 0, `late requests with an unexpected outcome: ${rel(bad)}`);
    const count = (f: (o: Outcome) => boolean): number => late.filter(f).length;
    console.error(`# shutdown: ${accepting.length} served while accepting; late in the drain delay or after it: ${count((o) => o.status === 200)} served, ` +
      `${count((o) => o.status === 503)} × 503, ${count((o) => o.error === 'ECONNREFUSED')} refused, ${count((o) => o.error === 'ECONNRESET')} reset; ` +
      `exit ${Math.round(exitedAt - sigtermAt)} ms after SIGTERM`);
    assert.ok(accepting.length > LOOPS, `load was applied (${accepting.length} requests)`);
  } finally {
    client?.close();
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(repo, { recursive: true, force: true });
  }
});
