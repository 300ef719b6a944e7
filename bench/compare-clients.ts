/**
 * Which HTTP load generator loads a server hardest for the least client CPU on this machine? Runs the own
 * node:http loop, autocannon and wrk (where installed) in turn against raw-http (the ceiling, where the client
 * is the bottleneck) and onnxserve (fraud_detector, 1 row, V1), at each concurrency, medians over repeats.
 *
 *   npm run build && node dist/bench/compare-clients.js [--duration 3] [--repeat 3] [--concurrency 1,10,64]
 */
import { parseArgs } from 'node:util';
import { findWrk } from '../src/bench/http-external.js';
import { alignedTable, fixed } from '../src/bench/format.js';
import { buildPayload, randomInputs } from '../src/bench/payload.js';
import { measureStep, type ResolvedClient, type StepMeasurement } from '../src/bench/step.js';
import { median } from '../src/bench/stats.js';
import { prepareRepo, repoRoot, startBenchServer, type BenchServer } from './lib/servers.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,10,64' },
  },
});
const durationMs = Number(args.duration) * 1000;
const repeats = Number(args.repeat);
const levels = args.concurrency.split(',').map(Number);
const clients: ResolvedClient[] = ['own', 'autocannon', ...(findWrk() ? (['wrk'] as const) : [])];

async function main(): Promise<void> {
  const root = repoRoot();
  const repo = prepareRepo(root, false);
  const servers: BenchServer[] = [];
  try {
    servers.push(await startBenchServer('raw-http', root, repo.dir));
    servers.push(await startBenchServer('onnxserve', root, repo.dir));
    const payload = buildPayload('v1', 'fraud_detector', randomInputs({
      name: 'fraud_detector', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 30] }], outputs: [],
    }, 1));
    const results = new Map<string, StepMeasurement[]>();
    for (const srv of servers) {
      for (const c of levels) {
        for (let r = 0; r < repeats; r++) {
          for (const [i] of clients.entries()) {
            const client = clients[(i + r) % clients.length];
            const m = await measureStep({
              target: { url: srv.url }, payload, client, concurrency: c, durationMs, warmupMs: 500, timeoutMs: 30_000, serverPid: srv.pid,
            });
            const key = `${srv.name}|${c}|${client}`;
            results.set(key, [...(results.get(key) ?? []), m]);
            process.stderr.write(`${key} run ${r + 1}: ${m.throughput.toFixed(0)} req/s, client ${m.clientCpuUsPerReq?.toFixed(0)} µs/req, ` +
              `server ${m.serverCpuUsPerReq?.toFixed(0)} µs/req, p50 ${m.p50Ms.toFixed(2)} ms${m.errors ? `, ${m.errors} errors` : ''}\n`);
          }
        }
      }
    }
    const rows: string[][] = [];
    for (const [key, ms] of results) {
      const [server, c, client] = key.split('|');
      const med = (f: (m: StepMeasurement) => number | undefined) => median(ms.map(f).filter((v): v is number => v !== undefined));
      rows.push([server, c, client, fixed(med((m) => m.throughput), 0), fixed(med((m) => m.clientCpuUsPerReq), 0),
        fixed(med((m) => m.serverCpuUsPerReq), 0), fixed(med((m) => m.p50Ms), 2), fixed(med((m) => m.p99Ms), 2)]);
    }
    process.stdout.write(`Load generators, median of ${repeats} × ${durationMs / 1000} s, fraud_detector 1 row V1 body\n\n` +
      `${alignedTable(['server', 'conc', 'client', 'req/s', 'client CPU µs/req', 'server CPU µs/req', 'p50 ms', 'p99 ms'], rows)}\n`);
  } finally {
    await Promise.all(servers.map((s) => s.proc.stop()));
    repo.cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`compare-clients failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
