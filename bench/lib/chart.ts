/**
 * A hand-written SVG: one row of panels per scenario, throughput (left) and p99 latency (right) against
 * concurrency, both axes log scale, one line per server. No dependencies; opens in any browser.
 */
import type { Scenario } from './scenarios.js';
import { find, type Aggregate } from './report.js';
import type { ServerName } from './servers.js';

const COLORS: Record<ServerName, string> = {
  onnxserve: '#d62728',
  'onnxserve-ref': '#ff9896',
  'plain-fastify': '#1f77b4',
  fastapi: '#2ca02c',
  'raw-http': '#7f7f7f',
};

const PANEL_W = 360;
const PANEL_H = 210;
const PAD = { left: 58, right: 14, top: 28, bottom: 34 };
const HEADER = 64;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Log-scale y range and ticks (1, 2, 5 × 10^k) covering [min, max]: raw-http is often 20× the others. */
function logTicks(min: number, max: number): { lo: number; hi: number; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { lo: 1, hi: 10, ticks: [1, 10] };
  const lo = 10 ** Math.floor(Math.log10(min > 0 ? min : 1));
  const hi = 10 ** Math.ceil(Math.log10(max > lo ? max : lo * 10));
  const out: number[] = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    for (const m of hi / lo > 1000 ? [1] : [1, 2, 5]) if (d * m <= hi * 1.0001) out.push(d * m);
  }
  return { lo, hi, ticks: out };
}

const label = (v: number) => (v >= 10_000 ? `${v / 1000}k` : v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : String(Number(v.toPrecision(2))));

function panel(x0: number, y0: number, title: string, metric: 'throughput' | 'p99Ms', s: Scenario,
  aggs: readonly Aggregate[], levels: readonly number[]): string {
  const w = PANEL_W - PAD.left - PAD.right;
  const h = PANEL_H - PAD.top - PAD.bottom;
  const series = s.servers.map((server) => ({
    server,
    points: levels.map((c) => ({ c, v: find(aggs, s.id, server, c)?.[metric] })).filter((p): p is { c: number; v: number } =>
      p.v !== undefined && Number.isFinite(p.v)),
  })).filter((ser) => ser.points.length > 0);
  const values = series.flatMap((ser) => ser.points.map((p) => p.v)).filter((v) => v > 0);
  const { lo: yLo, hi: yHi, ticks: yt } = logTicks(Math.min(...values), Math.max(...values));
  const lo = Math.log(Math.min(...levels));
  const hi = Math.log(Math.max(...levels));
  const px = (c: number) => x0 + PAD.left + (hi > lo ? ((Math.log(c) - lo) / (hi - lo)) * w : w / 2);
  const py = (v: number) => y0 + PAD.top + h - ((Math.log(Math.max(v, yLo)) - Math.log(yLo)) / (Math.log(yHi) - Math.log(yLo))) * h;
  const out: string[] = [];
  out.push(`<text x="${x0 + PAD.left}" y="${y0 + 18}" class="t">${esc(title)}</text>`);
  for (const t of yt) {
    out.push(`<line x1="${x0 + PAD.left}" x2="${x0 + PAD.left + w}" y1="${py(t)}" y2="${py(t)}" class="g"/>`);
    out.push(`<text x="${x0 + PAD.left - 6}" y="${py(t) + 4}" class="yl">${label(t)}</text>`);
  }
  for (const c of levels) out.push(`<text x="${px(c)}" y="${y0 + PAD.top + h + 16}" class="xl">${c}</text>`);
  out.push(`<text x="${x0 + PAD.left + w / 2}" y="${y0 + PANEL_H - 4}" class="xl">concurrency</text>`);
  out.push(`<rect x="${x0 + PAD.left}" y="${y0 + PAD.top}" width="${w}" height="${h}" class="f"/>`);
  for (const ser of series) {
    const color = COLORS[ser.server];
    const d = ser.points.map((p, i) => `${i ? 'L' : 'M'}${px(p.c).toFixed(1)},${py(p.v).toFixed(1)}`).join(' ');
    // raw-http is a ceiling, not a competitor: dashed.
    out.push(`<path d="${d}" stroke="${color}" fill="none" stroke-width="2"${ser.server === 'raw-http' ? ' stroke-dasharray="5,4"' : ''}/>`);
    for (const p of ser.points) {
      out.push(`<circle cx="${px(p.c).toFixed(1)}" cy="${py(p.v).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${ser.server} c=${p.c}: ${p.v.toFixed(2)}`)}</title></circle>`);
    }
  }
  return out.join('\n');
}

export function chartSvg(scenarios: readonly Scenario[], aggs: readonly Aggregate[], levels: readonly number[], subtitle: string): string {
  const shown = scenarios.filter((s) => aggs.some((a) => a.scenario === s.id));
  const width = PANEL_W * 2 + 20;
  const height = HEADER + shown.length * PANEL_H + 10;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`);
  parts.push('<style>.t{font-size:12px;font-weight:bold}.yl{font-size:10px;text-anchor:end;fill:#444}.xl{font-size:10px;text-anchor:middle;fill:#444}' +
    '.g{stroke:#e4e4e4;stroke-width:1}.f{fill:none;stroke:#999;stroke-width:1}.lg{font-size:11px}</style>');
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="10" y="20" font-size="15" font-weight="bold">onnxserve bench: throughput and p99 vs concurrency (log scales)</text>`);
  parts.push(`<text x="10" y="36" font-size="11" fill="#555">${esc(subtitle)}</text>`);
  const names = [...new Set(shown.flatMap((s) => s.servers))];
  names.forEach((n, i) => {
    const x = 10 + i * 130;
    parts.push(`<rect x="${x}" y="46" width="12" height="4" fill="${COLORS[n]}"/><text x="${x + 16}" y="52" class="lg">${esc(n)}</text>`);
  });
  shown.forEach((s, row) => {
    const y0 = HEADER + row * PANEL_H;
    parts.push(panel(10, y0, `${s.id}: req/s`, 'throughput', s, aggs, levels));
    parts.push(panel(10 + PANEL_W, y0, `${s.id}: p99 ms`, 'p99Ms', s, aggs, levels));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
