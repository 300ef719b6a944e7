/**
 * The in-process HTTP load generator: node:http with a keep-alive Agent, one socket per worker. Closed loop
 * (N workers, each sends as soon as its previous answer arrived) or open loop (a fixed rate, capped in flight).
 * Every run is bounded by its duration; a request still outstanding at the end is waited for at most timeoutMs.
 */
import http from 'node:http';
import { LatencyRecorder } from './stats.js';
import type { HttpPayload, LoadResult, LoadSpec, ProgressFn } from './types.js';

interface Outcome {
  ok: boolean;
  error?: string;
}

function send(agent: http.Agent, url: URL, payload: HttpPayload, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request({
      agent,
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: payload.path,
      headers: payload.headers,
      timeout: timeoutMs,
    }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.resume();
        res.on('end', () => resolve({ ok: true }));
      } else {
        // Keep the start of an error body: it is what the report shows as firstError.
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { if (text.length < 300) text += c; });
        res.on('end', () => resolve({ ok: false, error: `HTTP ${status} ${text.slice(0, 300)}` }));
      }
      res.on('error', (e) => resolve({ ok: false, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ ok: false, error: e.message }));
    req.end(payload.body);
  });
}

/** One bounded run against spec.target.url. */
export async function runOwnHttp(spec: LoadSpec): Promise<LoadResult> {
  if (spec.payload.kind !== 'http') throw new Error('runOwnHttp needs an HTTP payload');
  const payload = spec.payload;
  const url = new URL(spec.target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency, maxFreeSockets: spec.concurrency });
  const latencies = new LatencyRecorder();
  let errors = 0;
  let delayed: number;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + spec.durationMs;

  const one = async (): Promise<boolean> => {
    const start = performance.now();
    const out = await send(agent, url, payload, spec.timeoutMs);
    if (out.ok) latencies.record(performance.now() - start);
    else {
      errors++;
      firstError ??= out.error;
    }
    return out.ok;
  };

  try {
    delayed = await drive(spec, deadline, t0, one, () => [latencies.count, errors]);
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { requests: latencies.count, errors, delayed, elapsedMs, latencyMs: latencies.values(), clientCpuUs: cpu.user + cpu.system, firstError };
}

/**
 * Starts requests on a fixed schedule (rate per second). A send that is due while `cap` are in flight is
 * postponed and counted in the returned `delayed`: the server is not keeping up with the offered rate.
 */
export async function openLoop(rate: number, cap: number, deadline: number, t0: number, one: () => Promise<unknown>): Promise<number> {
  const inflight = new Set<Promise<void>>();
  let started = 0;
  let delayed = 0;
  while (performance.now() < deadline) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) + 1;
    while (started < due && performance.now() < deadline) {
      if (inflight.size >= cap) {
        delayed++;
        await Promise.race(inflight);
        continue;
      }
      started++;
      const p: Promise<void> = one().then(() => undefined).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    const nextAt = t0 + (started / rate) * 1000;
    await sleep(Math.max(0, Math.min(nextAt, deadline) - performance.now()));
  }
  await Promise.all(inflight);
  return delayed;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Closed loop (`concurrency` callers, each sending as soon as it has an answer; after a failure — refused,
 * reset, 503 — it backs off 1 ms instead of spinning) or open loop at `rate`, reporting progress every 500 ms
 * from `counts` ([done, errors]). Returns the open loop's count of sends that started late.
 */
export async function drive(spec: { rate?: number; concurrency: number; onProgress?: ProgressFn }, deadline: number,
  t0: number, one: () => Promise<boolean>, counts: () => [number, number]): Promise<number> {
  const progress = spec.onProgress
    ? setInterval(() => spec.onProgress?.(performance.now() - t0, ...counts()), 500)
    : undefined;
  try {
    if (spec.rate !== undefined) return await openLoop(spec.rate, spec.concurrency, deadline, t0, one);
    const worker = async () => {
      while (performance.now() < deadline) if (!(await one())) await sleep(1);
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    return 0;
  } finally {
    if (progress) clearInterval(progress);
  }
}
