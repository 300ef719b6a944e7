/**
 * `npm run bench`: onnxserve against its baselines, side by side in one run. Starts every server, measures cold
 * start, then for each scenario and concurrency runs the servers in turn (rotating the order each repeat) and
 * reports medians, ratios, a JSON file and an SVG chart under bench/out/. See bench/README.md.
 *
 *   npm run bench -- [--quick] [--duration 10] [--repeat 3] [--only onnxserve,plain-fastify]
 *                    [--scenarios fraud-1-v1,...] [--concurrency 1,10,64] [--client auto|own|autocannon|wrk]
 *                    [--cold-runs 3] [--no-cold]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findWrk } from '../src/bench/http-external.js';
import { buildPayload, randomInputs, type ModelMeta } from '../src/bench/payload.js';
import { preflight } from '../src/bench/run-bench.js';
import { measureStep, resolveClient, type StepMeasurement } from '../src/bench/step.js';
import { HTTP_CLIENTS, type HttpClientKind, type Payload } from '../src/bench/types.js';
import { chartSvg } from './lib/chart.js';
import { aggregate, markdownReport, type Cell } from './lib/report.js';
import { CONCURRENCY, SCENARIOS, type Scenario } from './lib/scenarios.js';
import {
  coldStart, fastapiAvailable, prepareRepo, repoRoot, SERVER_NAMES, startBenchServer, type BenchServer, type ColdStart, type ServerName,
} from './lib/servers.js';

const USAGE = 'usage: npm run bench -- [--quick] [--duration S] [--repeat N] [--only a,b] [--scenarios a,b] [--concurrency 1,10,64] [--ref DIR] ' +
  '[--client auto|own|autocannon|wrk] [--cold-runs N] [--no-cold]';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    repeat: { type: 'string' },
    only: { type: 'string' },
    scenarios: { type: 'string' },
    concurrency: { type: 'string' },
    client: { type: 'string', default: 'auto' },
    'cold-runs': { type: 'string' },
    'no-cold': { type: 'boolean', default: false },
    ref: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0)) {
    console.error(`--${name} must be a positive number\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const durationS = positive('duration', args.duration, args.quick ? 3 : 10);
const repeats = Math.round(positive('repeat', args.repeat, 3));
const coldRuns = Math.round(positive('cold-runs', args['cold-runs'], 3));
const levels = args.concurrency ? args.concurrency.split(',').map((s) => Math.round(positive('concurrency', s, 1))) : [...CONCURRENCY];
if (!HTTP_CLIENTS.includes(args.client as HttpClientKind)) {
  console.error(`--client must be one of ${HTTP_CLIENTS.join(', ')}`);
  process.exit(2);
}
const clientKind = args.client as HttpClientKind;
const only = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : undefined;
for (const n of only ?? []) {
  if (!(SERVER_NAMES as readonly string[]).includes(n)) {
    console.error(`--only: unknown server '${n}' (servers: ${SERVER_NAMES.join(', ')})`);
    process.exit(2);
  }
}
const wanted = args.scenarios ? new Set(args.scenarios.split(',').map((s) => s.trim())) : undefined;
for (const id of wanted ?? []) {
  if (!SCENARIOS.some((s) => s.id === id)) {
    console.error(`--scenarios: unknown '${id}' (scenarios: ${SCENARIOS.map((s) => s.id).join(', ')})`);
    process.exit(2);
  }
}

const root = repoRoot();
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Input metadata of the two bench models (as GET /v2/models/{m} reports it), so baselines run without onnxserve. */
const META: Record<Scenario['model'], ModelMeta> = {
  fraud_detector: { name: 'fraud_detector', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 30] }], outputs: [] },
  mlp_784: { name: 'mlp_784', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 784] }], outputs: [] },
};

function machine(): Record<string, unknown> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const ortPkg = JSON.parse(readFileSync(path.join(root, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string };
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    onnxruntimeNode: ortPkg.version,
    loadavgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const running: BenchServer[] = [];
async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.proc.stop()));
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`\n${sig}: stopping servers`);
    void stopAll().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const scenarios = SCENARIOS.filter((s) => (wanted ? wanted.has(s.id) : !args.quick || s.quick));
  const haveFastapi = (!only || only.has('fastapi')) && fastapiAvailable(root);
  const ref = args.ref === undefined ? undefined : path.resolve(args.ref);
  const include = (n: ServerName) => (!only || only.has(n)) && (n !== 'fastapi' || haveFastapi) && (n !== 'onnxserve-ref' || ref !== undefined);
  const needed = SERVER_NAMES.filter((n) => include(n) && scenarios.some((s) => s.servers.includes(n)));
  if (needed.length === 0) throw new Error('no server left to measure (check --only and --scenarios)');
  const httpClient = resolveClient(clientKind, 'v1');
  const info = machine();
  log(`bench: ${scenarios.map((s) => s.id).join(', ')} | servers ${needed.join(', ')} | c=${levels.join('/')} | ${durationS} s x ${repeats}` +
    ` | HTTP client ${httpClient}${findWrk() ? '' : ' (wrk not installed)'}${haveFastapi ? '' : ' | fastapi: skipped (not available)'}`);

  const repo = prepareRepo(root, scenarios.some((s) => s.model === 'mlp_784'));
  const coldRepo = prepareRepo(root, false);
  const cold: ColdStart[] = [];
  const cells: Cell[] = [];
  try {
    // Cold start first, on a quiet machine, with the one model every server has.
    if (!args['no-cold']) {
      for (const name of (['onnxserve', 'onnxserve-ref', 'plain-fastify'] as const).filter(include)) {
        log(`cold start: ${name} x ${coldRuns}`);
        cold.push(await coldStart(name, root, coldRepo.dir, coldRuns, ref));
      }
    }
    for (const name of needed) {
      running.push(await startBenchServer(name, root, repo.dir, ref));
      log(`started ${name} (pid ${running[running.length - 1].pid}) at ${running[running.length - 1].url}`);
    }
    const total = scenarios.reduce((n, s) => n + s.servers.filter((x) => needed.includes(x)).length, 0) * levels.length * repeats;
    let done = 0;
    for (const s of scenarios) {
      const payload: Payload = buildPayload(s.protocol, s.model, randomInputs(META[s.model], s.batch));
      const servers: BenchServer[] = [];
      for (const srv of running.filter((r) => s.servers.includes(r.name))) {
        try {
          await preflight({ url: srv.url, grpcAddress: srv.grpcAddress }, payload, 30_000);
          servers.push(srv);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          log(`  ${s.id} ${srv.name}: preflight failed, skipped: ${msg}`);
          for (const c of levels) cells.push({ scenario: s.id, server: srv.name, concurrency: c, repeat: 0, m: failed(msg) });
        }
      }
      const client = resolveClient(clientKind, s.protocol);
      for (const c of levels) {
        for (let r = 0; r < repeats; r++) {
          // Rotate who goes first so no server always runs right after the same neighbour.
          const order = servers.map((_, i) => servers[(i + r) % servers.length]);
          for (const srv of order) {
            const target = { url: srv.url, grpcAddress: srv.grpcAddress };
            const warmupMs = Math.min(1, durationS / 5) * 1000;
            // Warm-up with the in-process loop (wrk cannot run for under a second); measure with the chosen client.
            await measureStep({ target, payload, client: client === 'grpc' ? 'grpc' : 'own', concurrency: c, durationMs: warmupMs, warmupMs: 0, timeoutMs: 30_000 });
            const m = await measureStep({ target, payload, client, concurrency: c, durationMs: durationS * 1000, warmupMs: 0, timeoutMs: 30_000, serverPid: srv.pid });
            cells.push({ scenario: s.id, server: srv.name, concurrency: c, repeat: r, m });
            done++;
            log(`[${done}/${total}] ${s.id} ${srv.name} c=${c} run ${r + 1}: ${m.throughput.toFixed(0)} req/s p50 ${m.p50Ms.toFixed(2)} ms` +
              ` p99 ${m.p99Ms.toFixed(2)} ms cpu ${m.serverCpuUsPerReq?.toFixed(0) ?? '-'} µs/req${m.errors ? ` ERRORS ${m.errors}: ${m.firstError ?? ''}` : ''}`);
          }
        }
      }
    }
  } finally {
    await stopAll();
    repo.cleanup();
    coldRepo.cleanup();
  }

  info.loadavgAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const aggs = aggregate(cells);
  const report = markdownReport({ scenarios, aggs, cold, levels, durationS, repeats, client: httpClient });
  const outDir = path.join(root, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const stamp = (info.date as string).replace(/[:.]/g, '-');
  const command = `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`;
  const jsonFile = path.join(outDir, `results-${stamp}.json`);
  writeFileSync(jsonFile, `${JSON.stringify({ command, machine: info, options: { durationS, repeats, levels, client: httpClient, only: only ? [...only] : null }, cold, aggregates: aggs, cells }, null, 2)}\n`);
  const header = `# onnxserve bench ${info.date as string}\n\n` +
    `Machine: ${info.nproc as number} cores, ${info.cpuModel as string}, ${info.memGiB as number} GiB, Linux ${info.kernel as string}; Node ${info.node as string}; ` +
    `onnxruntime-node ${info.onnxruntimeNode as string}. Load average ${(info.loadavgAtStart as number[]).join(' ')} at start, ` +
    `${(info.loadavgAtEnd as number[]).join(' ')} at end. Command: \`${command}\`\n\n`;
  writeFileSync(path.join(outDir, `results-${stamp}.md`), header + report);
  const subtitle = `${info.date as string} · ${info.nproc as number} cores ${info.cpuModel as string} · Node ${info.node as string} · ${durationS} s × ${repeats}, median · client ${httpClient}`;
  writeFileSync(path.join(outDir, 'chart.svg'), chartSvg(scenarios, aggs, levels, subtitle));
  process.stdout.write(`${header}${report}\n`);
  log(`wrote ${path.relative(root, jsonFile)}, bench/out/results-${stamp}.md, bench/out/chart.svg`);
}

function failed(message: string): StepMeasurement {
  return {
    client: 'own', requests: 0, errors: 1, delayed: 0, elapsedMs: 0, throughput: NaN,
    p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, meanMs: NaN, maxMs: NaN, firstError: message,
  };
}

main().catch(async (e: unknown) => {
  log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  await stopAll();
  process.exit(1);
});
