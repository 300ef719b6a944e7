/**
 * The two external HTTP load generators: autocannon (a devDependency, loaded lazily so the installed package
 * works without it) and wrk (a C program, used where it is on PATH). Both run one bounded step.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LatencyRecorder, reapedChildrenCpuUs } from './stats.js';
import type { HttpPayload, LoadResult, LoadSpec } from './types.js';

/** The few autocannon options and results used here (the package ships no types). */
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'tick', fn: (counter: { counter: number }) => void): void;
  stop(): void;
}
/** A variable specifier: autocannon is a devDependency without types, resolved only when this client is chosen. */
const AUTOCANNON: string = 'autocannon';

type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, res: AutocannonResult) => void) => AutocannonInstance;

/** Headers minus content-length, which autocannon and wrk compute themselves (a second copy would be a duplicate). */
function headersWithoutLength(p: HttpPayload): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.headers)) if (k !== 'content-length') h[k] = v;
  return h;
}

export async function autocannonAvailable(): Promise<boolean> {
  try {
    await import(AUTOCANNON);
    return true;
  } catch {
    return false;
  }
}

export async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  if (spec.payload.kind !== 'http') throw new Error('autocannon needs an HTTP payload');
  const mod = (await import(AUTOCANNON)) as { default: Autocannon };
  const payload = spec.payload;
  const latencies = new LatencyRecorder();
  let completed = 0;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const inst = mod.default({
      url: new URL(payload.path, spec.target.url).href,
      method: 'POST',
      headers: headersWithoutLength(payload),
      body: payload.body,
      connections: spec.concurrency,
      pipelining: 1,
      duration: spec.durationMs / 1000,
      timeout: Math.ceil(spec.timeoutMs / 1000),
      ...(spec.rate !== undefined ? { overallRate: spec.rate } : {}),
    }, (err, res) => (err ? reject(err) : resolve(res)));
    // Its own histogram keeps whole milliseconds; the event carries the float duration, so record that.
    inst.on('response', (_c, status, _b, ms) => {
      completed++;
      if (status >= 200 && status < 300) latencies.record(ms);
      else firstError ??= `HTTP ${status}`;
    });
    if (spec.onProgress) inst.on('tick', () => spec.onProgress?.(performance.now() - t0, latencies.count, completed - latencies.count));
  });
  const cpu = process.cpuUsage(cpu0);
  const errors = result.errors + result.non2xx;
  if (result.errors > 0) firstError ??= `${result.errors} transport errors (${result.timeouts} timeouts)`;
  return {
    requests: latencies.count, errors, delayed: 0, elapsedMs: performance.now() - t0,
    latencyMs: latencies.values(), clientCpuUs: cpu.user + cpu.system, firstError,
  };
}

let wrkPath: string | null | undefined;

/** Absolute path of wrk when installed (`apt-get install -y wrk`), else null. */
export function findWrk(): string | null {
  if (wrkPath !== undefined) return wrkPath;
  const r = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' });
  wrkPath = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  return wrkPath;
}

/** Lua for wrk: POST the body file with our headers; print the summary as one JSON line on stderr at the end. */
function wrkScript(bodyFile: string, headers: Record<string, string>): string {
  const lua = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal for ASCII
  const lines = [
    'wrk.method = "POST"',
    `local f = assert(io.open(${lua(bodyFile)}, "rb"))`,
    'wrk.body = f:read("*a")',
    'f:close()',
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`),
    'done = function(s, lat, req)',
    '  local e = s.errors',
    '  io.stderr:write(string.format(\'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' +
      '"p50":%d,"p90":%d,"p99":%d,"mean":%f,"max":%d}\\n\', s.requests, s.duration, e.connect, e.read, e.write, e.status, e.timeout,' +
      ' lat:percentile(50), lat:percentile(90), lat:percentile(99), lat.mean, lat.max))',
    'end',
  ];
  return `${lines.join('\n')}\n`;
}

interface WrkSummary {
  requests: number; duration_us: number; connect: number; read: number; write: number; status: number; timeout: number;
  p50: number; p90: number; p99: number; mean: number; max: number;
}

/**
 * One wrk run: 1 thread (on 2 cores the other belongs to the server), `concurrency` connections, whole seconds
 * (wrk's -d takes no fractions). Its latencies are its own HdrHistogram's, in µs.
 */
export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  if (spec.payload.kind !== 'http') throw new Error('wrk needs an HTTP payload');
  if (spec.rate !== undefined) throw new Error('wrk has no fixed-rate mode; use --client own');
  const wrk = findWrk();
  if (!wrk) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const dir = mkdtempSync(path.join(tmpdir(), 'onnxserve-wrk-'));
  try {
    writeFileSync(path.join(dir, 'body.bin'), spec.payload.body);
    writeFileSync(path.join(dir, 'post.lua'), wrkScript(path.join(dir, 'body.bin'), headersWithoutLength(spec.payload)));
    const seconds = Math.max(1, Math.round(spec.durationMs / 1000));
    const args = ['-t', '1', '-c', String(spec.concurrency), '-d', `${seconds}s`, '--timeout', `${Math.ceil(spec.timeoutMs / 1000)}s`,
      '-s', path.join(dir, 'post.lua'), new URL(spec.payload.path, spec.target.url).href];
    const cpu0 = reapedChildrenCpuUs();
    const t0 = performance.now();
    const child = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    const progress = spec.onProgress ? setInterval(() => spec.onProgress?.(performance.now() - t0, NaN, NaN), 500) : undefined;
    // wrk stops itself after -d; the kill is a backstop so a hung wrk cannot hold the run.
    const backstop = setTimeout(() => child.kill('SIGKILL'), seconds * 1000 + spec.timeoutMs + 10_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(backstop);
    if (progress) clearInterval(progress);
    const cpu1 = reapedChildrenCpuUs();
    const line = /WRKJSON (\{.*\})/.exec(stderr);
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${(stderr || stdout).slice(0, 500)}`);
    const s = JSON.parse(line[1]) as WrkSummary;
    const errors = s.connect + s.read + s.write + s.status + s.timeout;
    return {
      requests: Math.max(0, s.requests - s.status), errors, delayed: 0, elapsedMs: s.duration_us / 1000,
      latencyMs: new Float64Array(0),
      clientCpuUs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
      firstError: errors > 0 ? `wrk: ${s.status} non-2xx, ${s.connect} connect, ${s.read} read, ${s.write} write, ${s.timeout} timeout errors` : undefined,
      percentiles: { p50: s.p50 / 1000, p90: s.p90 / 1000, p99: s.p99 / 1000, mean: s.mean / 1000, max: s.max / 1000 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
