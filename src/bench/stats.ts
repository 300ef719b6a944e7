/** Latency samples, percentiles, and the /proc readings used for server CPU and memory. */
import { readFileSync } from 'node:fs';

/** A growable array of latencies in ms (a 10 s step at 50k req/s is 500k doubles: 4 MB; no histogram needed). */
export class LatencyRecorder {
  private buf = new Float64Array(4096);
  private n = 0;

  record(ms: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  values(): Float64Array {
    return this.buf.slice(0, this.n);
  }
}

export interface Summary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** Nearest-rank percentiles (what perf_analyzer and wrk report); zeros for no samples. */
export function summarize(samples: Float64Array): Summary {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, mean: 0, max: 0 };
  const s = Float64Array.from(samples).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  let sum = 0;
  for (const v of s) sum += v;
  return { p50: at(50), p90: at(90), p99: at(99), mean: sum / s.length, max: s[s.length - 1] };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Clock ticks per second for /proc/<pid>/stat times. 100 on every Linux this runs on (USER_HZ is fixed ABI). */
const CLK_TCK = 100;

/** Fields after the `(comm)` of /proc/<pid>/stat; comm may hold spaces and parentheses, so split after the last ')'. */
function statFields(pid: number | 'self'): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of a process (all its threads), µs; undefined when /proc is not there or the process is gone. */
export function processCpuUs(pid: number): number | undefined {
  const f = statFields(pid);
  // After the comm: state is field 3, so utime (14) and stime (15) sit at indexes 11 and 12.
  if (!f) return undefined;
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

/** CPU of this process's children that have exited and been waited for (cutime + cstime), µs. */
export function reapedChildrenCpuUs(): number | undefined {
  const f = statFields('self');
  if (!f) return undefined;
  return ((Number(f[13]) + Number(f[14])) * 1e6) / CLK_TCK;
}

/** A line of /proc/<pid>/status in MiB (VmRSS, VmHWM), or undefined. */
export function processMemMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) / 1024 : undefined;
}

/** Parses `start:end:step` (step `xN` multiplies; default step 1) or a single number into the list of levels. */
export function parseRange(spec: string): number[] {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p.trim() === '')) throw new Error(`bad range '${spec}': expected start[:end[:step]]`);
  const start = Number(parts[0]);
  const end = parts.length > 1 ? Number(parts[1]) : start;
  const stepText = parts[2]?.trim() ?? '1';
  const multiply = /^x/i.test(stepText);
  const step = Number(multiply ? stepText.slice(1) : stepText);
  if (![start, end, step].every((v) => Number.isFinite(v) && v > 0) || end < start) {
    throw new Error(`bad range '${spec}': start, end and step must be positive numbers with start <= end`);
  }
  if (multiply && step <= 1) throw new Error(`bad range '${spec}': a multiplying step must be greater than 1`);
  const levels: number[] = [];
  for (let v = start; v <= end + 1e-9 && levels.length < 1000; v = multiply ? v * step : v + step) levels.push(v);
  if (levels[levels.length - 1] < end - 1e-9 && multiply) levels.push(end);
  return levels;
}
