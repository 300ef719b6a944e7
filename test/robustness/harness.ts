/**
 * Shared machinery of the robustness suite: the table types, three ways to talk to the server (node:http with
 * the path sent verbatim, raw node:net sockets, gRPC) that all answer with one `Answer` shape, and the invariants
 * every case ends with (reliability-anchors.md §3: "afterwards /v2/health/live is 200 and the loaded models are
 * unchanged"). node:http rather than fetch: fetch normalizes `..` and `%2e%2e` out of URLs before sending.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadPackageDefinition } from '../../src/protocol/v2-grpc/index.js';
import { mlpReference } from '../../scripts/fixtures.js';
import type { FakeModel } from '../helpers/fake-backend.js';
import { waitFor } from '../helpers/wait.js';

/** One answer, whatever the transport. For gRPC, `status` is the numeric gRPC code and `grpc` is true. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  readonly body: any;
  readonly text: string;
  readonly raw: Buffer;
  /** Wall time from the first byte written to the end of the answer. */
  readonly ms: number;
  readonly grpc?: boolean;
  /** Raw sockets: the server closed the connection after answering. */
  readonly closed?: boolean;
}

export interface Ctx {
  readonly url: string;
  readonly port: number;
  readonly grpcPort: number | undefined;
  /** The repository (a temp copy) and a directory outside it holding the files the hostile fixtures point at. */
  readonly repo: string;
  readonly outside: string;
  /** Effective settings of the running server (loadConfig with the same overrides). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly grpcClient: GrpcClient | undefined;
  /**
   * Connections made so far to a loopback listener that no load may ever contact (incident 1, ShellTorch),
   * counted once a connection of the test's own has reached the listener: every connection begun before the call
   * is then included, without sleeping for a guessed time.
   */
  readonly outboundHits: () => Promise<number>;
  readonly outboundUrl: string;
  /** The `slow` model: a gated fake whose runs last until the test releases them (test/helpers/fake-backend.ts). */
  readonly slow: () => FakeModel;
  /**
   * How much slower than the machine the `maxMs` limits were set on this one answers an ordinary request now
   * (at least 1): the limits guard against pathological work (seconds), and scale with the machine.
   */
  readonly slowdown: number;
}

export interface Expect {
  /** HTTP status (or any of several); for gRPC rows use `grpc`. */
  readonly status?: number | readonly number[];
  readonly grpc?: keyof typeof grpc.status;
  /** Must match the `error` of the JSON body (HTTP) or the status details (gRPC). */
  readonly error?: RegExp;
  /**
   * Upper bound on the answer time on the reference machine, scaled by ctx.slowdown: a guard against pathological
   * work (a parse, scan or allocation that grows with the hostile input), set some 50× above the measured time.
   */
  readonly maxMs?: number;
  /** Further assertions (side effects, headers, other requests' outcomes). */
  readonly check?: (a: Answer, ctx: Ctx) => void | Promise<void>;
}

/** One row of the table: a case of reliability-anchors.md §3 (id "19.c" = the third variant of case 19). */
export interface Case {
  readonly id: string;
  readonly title: string;
  readonly send: (ctx: Ctx) => Promise<Answer>;
  readonly expect: Expect;
}

/** A catalogue case that is not a row here, and why (a feature we do not have, or covered by another file). */
export interface NotHere {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------------------------

export interface HttpOptions {
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  readonly timeoutMs?: number;
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** One request on a fresh connection, the path sent exactly as given. Rejects if the connection drops. */
export function httpRequest(port: number, method: string, path: string, opts: HttpOptions = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text), text, raw, ms: performance.now() - started });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer to ${method} ${path.slice(0, 80)} within ${opts.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const postJson = (ctx: Ctx, path: string, value: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
  httpRequest(ctx.port, 'POST', path, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) });

export const postText = (ctx: Ctx, path: string, text: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> =>
  httpRequest(ctx.port, 'POST', path, { headers, body: text });

export const getPath = (ctx: Ctx, path: string): Promise<Answer> => httpRequest(ctx.port, 'GET', path);

// ---------------------------------------------------------------------------------------------------------------
// Raw sockets
// ---------------------------------------------------------------------------------------------------------------

export interface RawOptions {
  /** Give up (and destroy the socket) after this long: a guard; the rows end exchanges by state. */
  readonly timeoutMs?: number;
  /**
   * After a complete answer, wait for the server to close the connection (until timeoutMs) instead of
   * resolving at once: for rows that assert `closed`.
   */
  readonly awaitClose?: boolean;
}

/** Parses the first HTTP response out of the bytes a raw socket received. */
export function parseRawResponse(raw: Buffer, ms: number, closed: boolean): Answer {
  const end = raw.indexOf('\r\n\r\n');
  const head = (end === -1 ? raw : raw.subarray(0, end)).toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let bodyBytes = end === -1 ? Buffer.alloc(0) : raw.subarray(end + 4);
  const length = Number(headers['content-length']);
  if (Number.isSafeInteger(length)) bodyBytes = bodyBytes.subarray(0, length);
  const text = bodyBytes.toString('utf8');
  return { status: m ? Number(m[1]) : 0, headers, body: parseBody(text), text, raw, ms, closed };
}

/**
 * Opens a socket, lets `drive` write to it (it may keep writing, and should stop once `answered()` is true), and
 * resolves with the first response once the server closes the connection, the response is complete (and, with
 * awaitClose, the connection closed), `drive` destroys the socket, or the time runs out. Write errors after the
 * server answered (EPIPE, ECONNRESET) are expected and ignored.
 */
export function rawExchange(port: number, drive: (sock: net.Socket, answered: () => boolean) => void | Promise<void>,
  opts: RawOptions = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks), performance.now() - started, closed));
    };
    const complete = (): boolean => {
      const raw = Buffer.concat(chunks);
      const end = raw.indexOf('\r\n\r\n');
      if (end === -1) return false;
      const m = /content-length:\s*(\d+)/i.exec(raw.subarray(0, end).toString('latin1'));
      return m !== null && raw.length - end - 4 >= Number(m[1]);
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 10_000);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (complete() && !opts.awaitClose) finish(sock.readableEnded);
    });
    sock.on('error', () => undefined);
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('connect', () => {
      void Promise.resolve(drive(sock, () => chunks.length > 0 || done)).catch(() => undefined);
    });
  });
}

/** Writes `text` and waits for the answer. */
export const rawSend = (port: number, text: string | Buffer, opts?: RawOptions): Promise<Answer> =>
  rawExchange(port, (sock) => { sock.write(text); }, opts);

/**
 * Writes a large payload in pieces, honouring backpressure, stopping as soon as the server has answered or closed
 * the connection.
 */
export async function writeMany(sock: net.Socket, piece: Buffer, times: number, answered: () => boolean, trailer?: string): Promise<void> {
  for (let i = 0; i < times && !answered() && !sock.destroyed; i++) {
    if (!sock.write(piece)) {
      await new Promise<void>((r) => {
        const done = () => {
          sock.off('drain', done);
          sock.off('close', done);
          r();
        };
        sock.on('drain', done);
        sock.on('close', done);
      });
    }
  }
  if (trailer !== undefined && !answered() && !sock.destroyed) sock.write(trailer);
}

/** Pacing only (shutdown.test.ts's probe loops); no row orders events with it. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// gRPC
// ---------------------------------------------------------------------------------------------------------------

export type GrpcClient = grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>;

export function grpcClient(port: number, options: grpc.ChannelOptions = {}): GrpcClient {
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
    inference: { GRPCInferenceService: new (addr: string, creds: grpc.ChannelCredentials, o: grpc.ChannelOptions) => GrpcClient };
  };
  return new pkg.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1, ...options,
  });
}

export interface GrpcCallOptions {
  readonly metadata?: Record<string, string>;
  readonly deadlineMs?: number;
}

/** A unary call as an Answer: status = the gRPC code (0 = OK), body = the response or {error: details}. */
export function grpcCall(client: GrpcClient, method: string, request: unknown, opts: GrpcCallOptions = {}): Promise<Answer> {
  const started = performance.now();
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  const callOpts: grpc.CallOptions = { deadline: Date.now() + (opts.deadlineMs ?? 15_000) };
  return new Promise((resolve) => {
    client[method](request, md, callOpts, (err: grpc.ServiceError | null, res: unknown) => {
      const ms = performance.now() - started;
      const body = err ? { error: err.details } : res;
      const text = JSON.stringify(body) ?? '';
      resolve({ status: err ? err.code : 0, headers: {}, body, text, raw: Buffer.from(text), ms, grpc: true });
    });
  });
}

export const grpcName = (code: number): string => grpc.status[code] ?? String(code);

// ---------------------------------------------------------------------------------------------------------------
// Requests and invariants
// ---------------------------------------------------------------------------------------------------------------

export const MLP_X = [0.5, -1.25, 2, 0.75, -0.5, 1.5, -2, 0.25];

export const mlpBody = (x: readonly number[] = MLP_X) =>
  ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [x.length / 4, 4], data: [...x] }] });

/** Compares an mlp answer (REST JSON) with the reference implementation. */
export function assertMlp(a: Answer, x: readonly number[] = MLP_X, scale = 1, what = 'mlp'): void {
  assert.equal(a.status, 200, `${what} answered ${a.status}: ${a.text.slice(0, 300)}`);
  const y = a.body?.outputs?.find((o: { name: string }) => o.name === 'y');
  assert.ok(y, `mlp answer has no output y: ${a.text.slice(0, 300)}`);
  const want = mlpReference(x, x.length / 4);
  assert.equal(y.data.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(y.data[i] - scale * want[i]) < 1e-5, `y[${i}] = ${y.data[i]}, expected ${scale * want[i]}`);
  }
}

/** The invariant after every case: the process is live and a loaded model still answers correctly. */
export async function assertStillServing(ctx: Ctx, what: string): Promise<void> {
  const live = await httpRequest(ctx.port, 'GET', '/v2/health/live');
  assert.equal(live.status, 200, `after ${what}: /v2/health/live answered ${live.status}`);
  assertMlp(await postJson(ctx, '/v2/models/mlp/infer', mlpBody()));
}

/** Asserts one row's expectation against its answer. */
export async function assertExpected(c: Case, a: Answer, ctx: Ctx): Promise<void> {
  const e = c.expect;
  const label = `[${c.id}] ${c.title}`;
  if (e.grpc !== undefined) {
    assert.ok(a.grpc, `${label}: expected a gRPC answer`);
    assert.equal(grpcName(a.status), e.grpc, `${label}: gRPC ${grpcName(a.status)} ${a.text.slice(0, 300)}`);
  } else if (e.status !== undefined) {
    const allowed = typeof e.status === 'number' ? [e.status] : e.status;
    assert.ok(allowed.includes(a.status), `${label}: status ${a.status}, expected ${allowed.join(' or ')}; body ${a.text.slice(0, 300)}`);
  }
  if (e.error !== undefined) {
    const message: unknown = a.body?.error;
    assert.equal(typeof message, 'string', `${label}: expected a JSON {"error": ...} body, got ${JSON.stringify(a.text.slice(0, 200))}`);
    assert.match(message as string, e.error, label);
  }
  if (e.maxMs !== undefined) {
    const limit = e.maxMs * ctx.slowdown;
    assert.ok(a.ms <= limit, `${label}: answered in ${Math.round(a.ms)} ms, limit ${Math.round(limit)} ms (${e.maxMs} ms × slowdown ${ctx.slowdown.toFixed(2)})`);
  }
  await e.check?.(a, ctx);
}

/** Sum of the Prometheus samples of `name` whose labels include `labels` (0 when there is none). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have.set(l[1], l[2]);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) total += Number(m[3]);
  }
  return total;
}

/**
 * Waits until the number of requests for `model` inside the server's core (queued or executing, per the
 * onnxserve_inflight_requests gauge) satisfies `want`: `>= n` before queueing a request behind others, so the
 * order is known even on a busy machine; `0` before reading execution counts, so a request that was wrongly run
 * has finished and been counted. Fails if that state never comes (a hang guard, not a time limit).
 */
export async function waitForInflight(ctx: Ctx, model: string, want: number): Promise<void> {
  await waitInflight(ctx, model, (n) => (want === 0 ? n === 0 : n >= want), `${want === 0 ? 'no' : `${want} or more`} requests in flight for ${model}`);
}

/** Waits until at most `max` requests for `model` are in flight: e.g. a cancelled one has left the queue. */
export async function waitForInflightAtMost(ctx: Ctx, model: string, max: number): Promise<void> {
  await waitInflight(ctx, model, (n) => n <= max, `at most ${max} requests in flight for ${model}`);
}

async function waitInflight(ctx: Ctx, model: string, ok: (n: number) => boolean, what: string): Promise<void> {
  await waitFor(async () => {
    const m = await httpRequest(ctx.port, 'GET', '/metrics');
    return ok(metricValue(m.text, 'onnxserve_inflight_requests', { model }));
  }, what, { everyMs: 5 });
}

/**
 * The median answer time of an ordinary mlp request on this machine now, over `n` requests after a warm-up, and
 * the factor by which it exceeds `referenceMs` (at least 1).
 */
export async function calibrate(ctx: Pick<Ctx, 'port'>, referenceMs: number, n = 21): Promise<{ medianMs: number; slowdown: number }> {
  for (let i = 0; i < 10; i++) assertMlp(await postJson(ctx as Ctx, '/v2/models/mlp/infer', mlpBody()));
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = await postJson(ctx as Ctx, '/v2/models/mlp/infer', mlpBody());
    assertMlp(a);
    ms.push(a.ms);
  }
  const medianMs = ms.sort((p, q) => p - q)[Math.floor(n / 2)];
  return { medianMs, slowdown: Math.max(1, medianMs / referenceMs) };
}
