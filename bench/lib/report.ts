/** Aggregation over repeats (medians) and the Markdown report: per-scenario tables, ratios, cold start. */
import { alignedTable, fixed } from '../../src/bench/format.js';
import type { StepMeasurement } from '../../src/bench/step.js';
import { median } from '../../src/bench/stats.js';
import type { Scenario } from './scenarios.js';
import type { ColdStart, ServerName } from './servers.js';

export interface Cell {
  readonly scenario: string;
  readonly server: ServerName;
  readonly concurrency: number;
  readonly repeat: number;
  readonly m: StepMeasurement;
}

export interface Aggregate {
  readonly scenario: string;
  readonly server: ServerName;
  readonly concurrency: number;
  readonly runs: number;
  readonly client: string;
  /** Medians over the repeats. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuUsPerReq: number;
  readonly clientCpuUsPerReq: number;
  /** Largest VmRSS seen at the end of a run, MiB. */
  readonly serverRssMiB: number;
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
}

const med = (xs: readonly (number | undefined)[]) => median(xs.filter((x): x is number => x !== undefined && Number.isFinite(x)));

export function aggregate(cells: readonly Cell[]): Aggregate[] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const k = `${c.scenario}\u0000${c.server}\u0000${c.concurrency}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  return [...groups.values()].map((g) => ({
    scenario: g[0].scenario,
    server: g[0].server,
    concurrency: g[0].concurrency,
    runs: g.length,
    client: g[0].m.client,
    throughput: med(g.map((c) => c.m.throughput)),
    p50Ms: med(g.map((c) => c.m.p50Ms)),
    p99Ms: med(g.map((c) => c.m.p99Ms)),
    serverCpuUsPerReq: med(g.map((c) => c.m.serverCpuUsPerReq)),
    clientCpuUsPerReq: med(g.map((c) => c.m.clientCpuUsPerReq)),
    serverRssMiB: Math.max(...g.map((c) => c.m.serverRssMiB ?? NaN).filter(Number.isFinite)),
    requests: g.reduce((a, c) => a + c.m.requests, 0),
    errors: g.reduce((a, c) => a + c.m.errors, 0),
    firstError: g.find((c) => c.m.firstError)?.m.firstError,
  }));
}

export function find(aggs: readonly Aggregate[], scenario: string, server: ServerName, c: number): Aggregate | undefined {
  return aggs.find((a) => a.scenario === scenario && a.server === server && a.concurrency === c);
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '-' : `${(a / b).toFixed(2)}×`;

function scenarioTable(s: Scenario, aggs: readonly Aggregate[], levels: readonly number[]): string {
  const rows: string[][] = [];
  for (const server of s.servers) {
    for (const c of levels) {
      const a = find(aggs, s.id, server, c);
      if (!a) continue;
      rows.push([server, String(c), fixed(a.throughput, 0), fixed(a.p50Ms, 2), fixed(a.p99Ms, 2), fixed(a.serverCpuUsPerReq, 0),
        fixed(a.clientCpuUsPerReq, 0), fixed(a.serverRssMiB, 0), `${a.errors}/${a.requests + a.errors}`]);
    }
  }
  if (rows.length === 0) return '';
  const header = ['server', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'client CPU µs/req', 'RSS MiB', 'errors/total'];
  return `### ${s.id}: ${s.title}\n\n${alignedTable(header, rows)}\n`;
}

/** onnxserve against each baseline, per scenario and concurrency: req/s ratios (> 1: onnxserve faster), p99 and CPU ratios (< 1: onnxserve better). */
function ratioTable(scenarios: readonly Scenario[], aggs: readonly Aggregate[], levels: readonly number[]): string {
  const rows: string[][] = [];
  for (const s of scenarios) {
    for (const c of levels) {
      const o = find(aggs, s.id, 'onnxserve', c);
      if (!o) continue;
      const pf = find(aggs, s.id, 'plain-fastify', c);
      const raw = find(aggs, s.id, 'raw-http', c);
      const fa = find(aggs, s.id, 'fastapi', c);
      rows.push([s.id, String(c), fixed(o.throughput, 0),
        ratio(o.throughput, pf?.throughput), ratio(o.throughput, raw?.throughput), ratio(o.throughput, fa?.throughput),
        ratio(o.p99Ms, pf?.p99Ms), ratio(o.serverCpuUsPerReq, pf?.serverCpuUsPerReq)]);
    }
  }
  const header = ['scenario', 'conc', 'onnxserve req/s', 'req/s ÷ plain-fastify', 'req/s ÷ raw-http', 'req/s ÷ fastapi',
    'p99 ÷ plain-fastify', 'CPU/req ÷ plain-fastify'];
  return alignedTable(header, rows);
}

function coldTable(cold: readonly ColdStart[]): string {
  const rows = cold.map((c) => [c.server, String(c.runs), fixed(c.readyMs, 0), fixed(c.firstInferMs, 0), fixed(c.idleRssMiB, 0)]);
  return alignedTable(['server', 'runs', 'spawn → ready ms', 'spawn → first infer ms', 'idle RSS MiB'], rows);
}

export interface ReportInput {
  readonly scenarios: readonly Scenario[];
  readonly aggs: readonly Aggregate[];
  readonly cold: readonly ColdStart[];
  readonly levels: readonly number[];
  readonly durationS: number;
  readonly repeats: number;
  readonly client: string;
}

export function markdownReport(r: ReportInput): string {
  const parts = [
    `Each cell: ${r.durationS} s measured after a warm-up, median of ${r.repeats} run(s); servers interleaved per cell.`,
    `HTTP load generator: ${r.client}; gRPC: own @grpc/grpc-js loop. CPU µs/req from /proc/<pid>/stat (utime+stime) over the measured window.`,
    '',
    '## onnxserve ÷ baselines',
    '',
    'req/s ratios above 1× mean onnxserve is faster; p99 and CPU ratios below 1× mean onnxserve is better.',
    '',
    ratioTable(r.scenarios, r.aggs, r.levels),
    '',
    '## Cold start (fraud_detector only)',
    '',
    r.cold.length ? coldTable(r.cold) : '(not measured)',
    '',
    '## Per scenario',
    '',
    ...r.scenarios.map((s) => scenarioTable(s, r.aggs, r.levels)).filter(Boolean),
  ];
  const failures = r.aggs.filter((a) => a.errors > 0);
  if (failures.length) {
    parts.push('## Errors', '', ...failures.map((a) => `- ${a.scenario} ${a.server} c=${a.concurrency}: ${a.errors} failed; first: ${a.firstError ?? '?'}`), '');
  }
  return parts.join('\n');
}
