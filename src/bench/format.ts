/** Text table, CSV and JSON renderings of bench results. */
import type { BenchStepResult } from './types.js';

/** A plain aligned table (also valid Markdown). Columns are right-aligned except the first. */
export function alignedTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [fmt(header), rule, ...rows.map(fmt)].join('\n');
}

export const fixed = (v: number | undefined, digits: number): string =>
  v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

/** perf_analyzer-style summary: one row per step. */
export function formatResultsTable(results: readonly BenchStepResult[]): string {
  const rateMode = results.some((r) => r.requestRate !== undefined);
  const header = [rateMode ? 'rate/s' : 'concurrency', 'req/s', 'infer/s', 'p50 ms', 'p90 ms', 'p99 ms', 'ok', 'errors',
    ...(rateMode ? ['delayed'] : []), 'client µs/req', 'server µs/req', 'server RSS MiB'];
  const rows = results.map((r) => [
    String(rateMode ? r.requestRate : r.concurrency),
    fixed(r.throughput, 1), fixed(r.inferencesPerSec, 1),
    fixed(r.p50Ms, 2), fixed(r.p90Ms, 2), fixed(r.p99Ms, 2),
    String(r.requests), String(r.errors), ...(rateMode ? [String(r.delayed ?? 0)] : []),
    fixed(r.clientCpuUsPerReq, 0), fixed(r.serverCpuUsPerReq, 0), fixed(r.serverRssMiB, 0),
  ]);
  const first = results[0];
  const title = first
    ? `model ${first.model}, protocol ${first.protocol}, batch ${first.batchSize}, client ${first.client}, ${fixed(first.durationS, 1)} s per step`
    : 'no steps';
  const errors = results.filter((r) => r.firstError).map((r) => `  ${rateMode ? `rate ${r.requestRate}` : `concurrency ${r.concurrency}`}: ${r.firstError}`);
  return `${title}\n\n${alignedTable(header, rows)}\n${errors.length ? `\nfirst error per step:\n${errors.join('\n')}\n` : ''}`;
}

const CSV_COLUMNS = [
  'model', 'protocol', 'client', 'batch_size', 'concurrency', 'request_rate', 'duration_s', 'requests', 'errors', 'delayed',
  'throughput_rps', 'inferences_per_s', 'p50_ms', 'p90_ms', 'p99_ms', 'mean_ms', 'max_ms',
  'client_cpu_us_per_req', 'server_cpu_us_per_req', 'server_rss_mib',
] as const;

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(results: readonly BenchStepResult[]): string {
  const rows = results.map((r) => [
    r.model, r.protocol, r.client, r.batchSize, r.concurrency, r.requestRate, r.durationS, r.requests, r.errors, r.delayed,
    r.throughput, r.inferencesPerSec, r.p50Ms, r.p90Ms, r.p99Ms, r.meanMs, r.maxMs,
    r.clientCpuUsPerReq, r.serverCpuUsPerReq, r.serverRssMiB,
  ].map(csvCell).join(','));
  return `${CSV_COLUMNS.join(',')}\n${rows.join('\n')}\n`;
}

export function toJson(results: readonly BenchStepResult[]): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
