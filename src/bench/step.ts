/** One measured step: warm up, sample the server's CPU, run the chosen generator, summarize. */
import { createRequire } from 'node:module';
import { runAutocannon, runWrk, findWrk } from './http-external.js';
import { runOwnHttp } from './http-own.js';
import { runGrpc } from './grpc-load.js';
import { processCpuUs, processMemMiB, summarize } from './stats.js';
import type { HttpClientKind, LoadResult, Payload, ProgressFn, Protocol, StepFigures, Target } from './types.js';

export type ResolvedClient = 'own' | 'autocannon' | 'wrk' | 'grpc';

let hasAutocannon: boolean | undefined;

/** autocannon is a devDependency: present in a checkout, absent from an installed package. */
export function autocannonInstalled(): boolean {
  if (hasAutocannon === undefined) {
    try {
      createRequire(import.meta.url).resolve('autocannon');
      hasAutocannon = true;
    } catch {
      hasAutocannon = false;
    }
  }
  return hasAutocannon;
}

/**
 * The generator for a protocol. gRPC always uses the grpc-js loop. For HTTP, `auto` takes the cheapest client
 * there is, as measured on 2 cores (bench/README.md, "Load generators"): wrk (~20 µs of client CPU per request)
 * for closed-loop steps, else autocannon (~50 µs), else the own node:http loop (~130-200 µs, so it saturates
 * sooner). Request-rate steps always take the own loop.
 */
export function resolveClient(kind: HttpClientKind, protocol: Protocol, rate?: number): ResolvedClient {
  if (protocol === 'grpc') return 'grpc';
  if (kind === 'auto') {
    // Fixed rate: only the own loop spreads sends evenly (autocannon's overallRate sends each second's quota
    // in a burst, which shows up as queueing latency that the server did not cause).
    if (rate !== undefined) return 'own';
    if (findWrk()) return 'wrk';
    return autocannonInstalled() ? 'autocannon' : 'own';
  }
  if (kind === 'wrk' && rate !== undefined) throw new Error('wrk cannot hold a request rate; use --client own or autocannon');
  return kind;
}

export interface StepInput {
  readonly target: Target;
  readonly payload: Payload;
  readonly client: ResolvedClient;
  readonly concurrency: number;
  readonly rate?: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly timeoutMs: number;
  readonly serverPid?: number;
  readonly onProgress?: ProgressFn;
}

export interface StepMeasurement extends StepFigures {
  readonly client: ResolvedClient;
  readonly delayed: number;
  readonly elapsedMs: number;
}

export function runLoad(client: ResolvedClient, spec: Parameters<typeof runOwnHttp>[0]): Promise<LoadResult> {
  switch (client) {
    case 'own': return runOwnHttp(spec);
    case 'autocannon': return runAutocannon(spec);
    case 'wrk': return runWrk(spec);
    case 'grpc': return runGrpc(spec);
  }
}

export async function measureStep(input: StepInput): Promise<StepMeasurement> {
  const base = {
    target: input.target, payload: input.payload, concurrency: input.concurrency, rate: input.rate, timeoutMs: input.timeoutMs,
  };
  if (input.warmupMs > 0) await runLoad(input.client, { ...base, durationMs: input.warmupMs });
  const cpu0 = input.serverPid !== undefined ? processCpuUs(input.serverPid) : undefined;
  const r = await runLoad(input.client, { ...base, durationMs: input.durationMs, onProgress: input.onProgress });
  const cpu1 = input.serverPid !== undefined ? processCpuUs(input.serverPid) : undefined;
  const s = r.percentiles ?? summarize(r.latencyMs);
  const perReq = (us: number | undefined) => (us !== undefined && r.requests > 0 ? us / r.requests : undefined);
  return {
    client: input.client,
    requests: r.requests,
    errors: r.errors,
    delayed: r.delayed,
    elapsedMs: r.elapsedMs,
    throughput: r.elapsedMs > 0 ? (r.requests * 1000) / r.elapsedMs : 0,
    p50Ms: s.p50,
    p90Ms: s.p90,
    p99Ms: s.p99,
    meanMs: s.mean,
    maxMs: s.max,
    clientCpuUsPerReq: perReq(r.clientCpuUs),
    serverCpuUsPerReq: perReq(cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined),
    serverRssMiB: input.serverPid !== undefined ? processMemMiB(input.serverPid) : undefined,
    firstError: r.firstError,
  };
}
