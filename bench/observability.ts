/**
 * What observability costs: throughput of the fraud model (models/fraud_detector.onnx, V1 REST, one row per
 * request) at 64 connections over loopback, with metrics off (--no-metrics), metrics on (the default), metrics
 * plus tracing of every request exported over OTLP/HTTP to a sink this script runs on loopback, and the same with
 * one request in ten sampled (OTEL_TRACES_SAMPLER=parentbased_traceidratio, as production setups do). The three run one after another,
 * the order rotating each round, and the report gives the median of the rounds. Besides req/s it reports the
 * server's CPU time per request (from /proc, user + system), which is the less noisy measure of overhead when the
 * load generator shares the machine's cores with the server.
 *
 *   npm run build && node dist/bench/observability.js [--duration 10] [--rounds 3] [--connections 64] [--warmup 2]
 *                                                     [--variants off,on,trace,sampled]
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnServer, type SpawnedServer } from '../src/bench/local-server.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    variants: { type: 'string' },
  },
});
const DURATION_S = Number(args.duration);
const ROUNDS = Number(args.rounds);
const CONNECTIONS = Number(args.connections);
const WARMUP_S = Number(args.warmup);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'index.js');

type Variant = 'metrics off' | 'metrics on' | 'metrics + tracing' | 'tracing, 10% sampled';
const VARIANTS: readonly Variant[] = ['metrics off', 'metrics on', 'metrics + tracing', 'tracing, 10% sampled'];
const TRACING: ReadonlySet<Variant> = new Set(['metrics + tracing', 'tracing, 10% sampled']);
/** --variants off,on,trace,sampled: a subset, for a quicker A/B. */
const SHORT: Record<string, Variant> = { off: 'metrics off', on: 'metrics on', trace: 'metrics + tracing', sampled: 'tracing, 10% sampled' };
const CHOSEN: readonly Variant[] = args.variants ? args.variants.split(',').map((v) => SHORT[v.trim()] ?? (() => { throw new Error(`unknown variant ${v}`); })()) : VARIANTS;

interface Run {
  readonly variant: Variant;
  readonly round: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Server process CPU (user + system) per completed request, microseconds. */
  readonly cpuUsPerReq: number;
}

/** autocannon's result, the fields used here (the package ships no types). */
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, res: AutocannonResult) => void) => unknown;
const AUTOCANNON: string = 'autocannon';

const ROW = [0.5, 125.5, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7, 1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3,
  -0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5];
const BODY = JSON.stringify({ inputs: [ROW] });

/** An OTLP/HTTP traces endpoint that accepts and counts what it is sent. */
async function startSink(): Promise<{ server: Server; url: string; stats: { requests: number; bytes: number } }> {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (stats.bytes += c.length));
    req.on('end', () => {
      stats.requests++;
      // An empty ExportTraceServiceResponse: zero bytes of protobuf.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, stats };
}

/** utime + stime of a process, in microseconds (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function load(url: string, seconds: number): Promise<AutocannonResult> {
  const autocannon = ((await import(AUTOCANNON)) as { default: Autocannon }).default;
  return new Promise((resolve, reject) => {
    autocannon({
      url: `${url}/v1/models/fraud_detector/infer`, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY,
      connections: CONNECTIONS, pipelining: 1, duration: seconds,
    }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function start(variant: Variant, sinkUrl: string): Promise<SpawnedServer> {
  const argv = [cli, 'serve', '--model-repository', path.join(root, 'models'), '--http-port', '0', '--no-grpc', '--drain-delay-ms', '0', '--log-level', 'info'];
  if (variant === 'metrics off') argv.push('--no-metrics');
  if (TRACING.has(variant)) argv.push('--trace');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sinkUrl,
    // Big enough a queue and short enough a delay that every span is exported rather than dropped.
    OTEL_BSP_MAX_QUEUE_SIZE: '200000', OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
  };
  if (variant === 'tracing, 10% sampled') Object.assign(env, { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' });
  if (!TRACING.has(variant)) {
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete env.OTEL_TRACES_EXPORTER;
  }
  const server = await spawnServer(process.execPath, argv, { cwd: root, env, isReady: (_l, json) => json?.msg === 'server ready' });
  if (!server.httpUrl) throw new Error('the server did not print its HTTP address');
  return server;
}

async function measure(variant: Variant, round: number, sinkUrl: string): Promise<Run> {
  const server = await start(variant, sinkUrl);
  try {
    await load(server.httpUrl!, WARMUP_S);
    const cpu0 = cpuUs(server.pid);
    const res = await load(server.httpUrl!, DURATION_S);
    const cpu1 = cpuUs(server.pid);
    return {
      variant, round, rps: res.requests.total / DURATION_S, p50: res.latency.p50, p99: res.latency.p99,
      non2xx: res.non2xx, errors: res.errors, cpuUsPerReq: (cpu1 - cpu0) / Math.max(1, res.requests.total),
    };
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const sink = await startSink();
  const runs: Run[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no variant always runs first (warmer CPU caches, page cache, turbo budget).
      const order = CHOSEN.map((_, i) => CHOSEN[(i + round) % CHOSEN.length]);
      for (const variant of order) {
        const r = await measure(variant, round, sink.url);
        runs.push(r);
        process.stderr.write(`round ${round + 1} ${variant.padEnd(21)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ` +
          `server CPU ${r.cpuUsPerReq.toFixed(1)} µs/req  non-2xx ${r.non2xx}  errors ${r.errors}\n`);
      }
    }
  } finally {
    sink.server.close();
  }

  const base = median(runs.filter((r) => r.variant === CHOSEN[0]).map((r) => r.rps));
  const baseCpu = median(runs.filter((r) => r.variant === CHOSEN[0]).map((r) => r.cpuUsPerReq));
  const lines = [
    `Observability overhead: fraud_detector, V1 REST, 1 row, ${CONNECTIONS} connections, ${DURATION_S} s per run (after ${WARMUP_S} s warm-up), ` +
    `median of ${ROUNDS} rounds, order rotated. ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}.`,
    '',
    `| variant | req/s (median) | vs ${CHOSEN[0]} | runs (req/s) | p50 ms | p99 ms | server CPU µs/req | vs ${CHOSEN[0]} |`,
    '|---|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const v of CHOSEN) {
    const rs = runs.filter((r) => r.variant === v);
    const rps = median(rs.map((r) => r.rps));
    const cpu = median(rs.map((r) => r.cpuUsPerReq));
    const pct = (x: number, b: number) => `${x >= b ? '+' : ''}${(((x - b) / b) * 100).toFixed(1)}%`;
    lines.push(`| ${v} | ${rps.toFixed(0)} | ${pct(rps, base)} | ${rs.map((r) => r.rps.toFixed(0)).join(', ')} | ${median(rs.map((r) => r.p50))} | ` +
      `${median(rs.map((r) => r.p99))} | ${cpu.toFixed(1)} | ${pct(cpu, baseCpu)} |`);
  }
  lines.push('', `OTLP sink received ${sink.stats.requests} export requests, ${(sink.stats.bytes / 1e6).toFixed(1)} MB of protobuf.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
