/**
 * Issue #10 "a drain that ends": kept-alive clients sending back to back do not hold a drain open. On SIGTERM the
 * server keeps serving through the drain delay, then every answer carries `Connection: close`, a request arriving
 * on an old socket gets 503 + `Connection: close`, and the process exits 0 as soon as accepted work is answered —
 * not at the exit timeout. A SIGTERM during start-up drains and exits 0 too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { rmSync } from 'node:fs';
import { makeRepo } from '../helpers/server.js';
import { spawnServer, type Exit } from '../helpers/spawn-server.js';
import { mlpBody } from './harness.js';

const DRAIN_MS = 1000;
/** Far past the drain: a drain that waited for it (the bug this guards against) fails the exit bound below. */
const EXIT_TIMEOUT_MS = 30_000;
/** Issue #10's bound: exit within the drain delay + 2 s. */
const EXIT_BOUND_MS = DRAIN_MS + 2000;
const CLIENTS = 20;

interface Outcome {
  readonly id: string;
  readonly sentAt: number;
  readonly status?: number;
  readonly connection?: string;
  readonly echoedId?: string;
  readonly error?: string;
}

function send(agent: Agent, port: number, id: string, body: string): Promise<Outcome> {
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v2/models/mlp/infer', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': id } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ id, sentAt, status: res.statusCode, connection: res.headers.connection, echoedId: res.headers['x-request-id'] as string }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ id, sentAt, error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ id, sentAt, error: e.code ?? e.message }));
    req.end(body);
  });
}

test('SIGTERM with 20 kept-alive clients sending back to back: exit 0 within the drain delay + 2 s, every request answered once', { timeout: 90_000 }, async () => {
  const repo = makeRepo(['mlp']);
  const server = await spawnServer(['--model-repository', repo, '--intra-op-threads', '1', '--no-grpc',
    '--drain-delay-ms', String(DRAIN_MS), '--exit-timeout-ms', String(EXIT_TIMEOUT_MS)]);
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    let exit: Exit | undefined;
    void server.exited.then((e) => { exit = e; });
    const body = JSON.stringify(mlpBody());
    const outcomes: Outcome[] = [];
    let served = 0;
    let warm: () => void = () => undefined;
    const warmed = new Promise<void>((r) => { warm = r; });
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; exit === undefined; i++) {
        const o = await send(agent, server.httpPort, `c${c}-${i}`, body);
        outcomes.push(o);
        if (o.status === 200 && ++served === CLIENTS * 10) warm();
        // Refused: the listener is gone; nothing more can be accepted.
        if (o.error === 'ECONNREFUSED') return;
      }
    });
    // SIGTERM once every client has kept-alive sockets and traffic flows (an observed count, not a sleep).
    await warmed;
    const sigtermAt = performance.now();
    server.child.kill('SIGTERM');
    // The server has begun draining once readiness answers 503 (observed on connections of its own).
    let drainingFrom = Infinity;
    for (;;) {
      const r = await new Promise<number | string>((resolve) => {
        request({ host: '127.0.0.1', port: server.httpPort, path: '/v2/health/ready', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error')).end();
      });
      if (r === 503) {
        drainingFrom = performance.now();
        break;
      }
      if (typeof r === 'string') break;
    }
    const e = await server.exited;
    await Promise.all(clients);

    assert.equal(e.signal, null, `killed by ${e.signal}`);
    assert.equal(e.code, 0, `exit code ${e.code}:\n${server.logs.slice(-10).join('\n')}`);
    const exitMs = e.at - sigtermAt;
    assert.ok(exitMs < EXIT_BOUND_MS, `exited ${Math.round(exitMs)} ms after SIGTERM; the bound is the drain delay + 2 s (${EXIT_BOUND_MS} ms)`);
    assert.ok(exitMs >= DRAIN_MS, `exited ${Math.round(exitMs)} ms after SIGTERM, before the drain delay of ${DRAIN_MS} ms was over`);

    // Exactly one answer per request, its own: HTTP/1.1 pairs them, and the echoed id proves which.
    for (const o of outcomes) if (o.status !== undefined) assert.equal(o.echoedId, o.id, 'each answer carries its own request id');
    assert.equal(new Set(outcomes.map((o) => o.id)).size, outcomes.length);
    // During the drain delay the server serves; afterwards answers are 200 or 503, and each closes its connection.
    const early = outcomes.filter((o) => o.sentAt < sigtermAt + DRAIN_MS / 2);
    assert.deepEqual(early.filter((o) => o.status !== 200), [], 'served while accepting');
    const answeredLate = outcomes.filter((o) => o.status !== undefined && o.status !== 200);
    for (const o of answeredLate) {
      assert.equal(o.status, 503, `late answer ${JSON.stringify(o)}`);
      assert.equal(o.connection, 'close', '503 while closing carries Connection: close');
    }
    // No answer may be lost: a request either got one, or failed at the socket before any (never accepted).
    for (const o of outcomes) {
      if (o.status === undefined) assert.ok(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'socket hang up'].includes(o.error ?? ''), `request ${o.id}: ${o.error}`);
    }
    // Once draining, every answer tells its client to reconnect (through its load balancer, elsewhere).
    const whileDraining = outcomes.filter((o) => o.sentAt > drainingFrom && o.status !== undefined);
    assert.ok(whileDraining.length > 0, 'requests were answered while draining');
    for (const o of whileDraining) assert.equal(o.connection, 'close', `answer while draining: ${JSON.stringify(o)}`);
    console.error(`# drain: ${outcomes.length} requests, ${whileDraining.length} answered while draining (all Connection: close), ` +
      `${answeredLate.length} × 503, ${outcomes.filter((o) => o.error).length} socket errors; exit ${Math.round(exitMs)} ms after SIGTERM`);
  } finally {
    agent.destroy();
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(repo, { recursive: true, force: true });
  }
});

test('SIGTERM during start-up (models still loading): drains and exits 0, never reports ready', { timeout: 90_000 }, async () => {
  const repo = makeRepo(['mlp', 'slow', 'classifier']);
  // "starting" is logged once the signal handlers are installed and before any model is read.
  const server = await spawnServer(['--model-repository', repo, '--drain-delay-ms', String(DRAIN_MS), '--exit-timeout-ms', String(EXIT_TIMEOUT_MS)], 'starting');
  try {
    server.child.kill('SIGTERM');
    const e = await server.exited;
    assert.equal(e.signal, null, `killed by ${e.signal}:\n${server.logs.join('\n')}`);
    assert.equal(e.code, 0, `exit code ${e.code}:\n${server.logs.slice(-10).join('\n')}`);
    assert.ok(!server.messages.includes('server ready'), `never ready: ${server.messages.join(' | ')}`);
    assert.ok(server.messages.includes('stopped'), `a clean stop is logged: ${server.messages.join(' | ')}`);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(repo, { recursive: true, force: true });
  }
});
