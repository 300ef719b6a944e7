/**
 * `onnxserve bench`: perf_analyzer's loop for onnxserve (or any KServe V2 server). Reads the model's metadata,
 * builds one request, checks that it succeeds, then holds each load level for --duration seconds and reports
 * throughput and latency percentiles per level.
 */
import { fetchModelMetaGrpc, grpcInferOnce } from './grpc-load.js';
import { startOnnxserve, type SpawnedServer } from './local-server.js';
import { buildPayload, fetchModelMeta, inputsFromFile, randomInputs, type ModelMeta } from './payload.js';
import { measureStep, resolveClient } from './step.js';
import type { BenchOptions, BenchStepResult, Payload, ProgressFn, Target } from './types.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_GRPC_PORT = 8081;

/** Checks the request once before any load: a wrong body should fail in one line, not as 100% errors. */
export async function preflight(target: Target, payload: Payload, timeoutMs: number): Promise<void> {
  if (payload.kind === 'grpc') {
    try {
      await grpcInferOnce(target.grpcAddress ?? '', payload.request, timeoutMs);
    } catch (e) {
      throw new Error(`gRPC ModelInfer at ${target.grpcAddress} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return;
  }
  const res = await fetch(new URL(payload.path, target.url), {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(payload.headers).filter(([k]) => k !== 'content-length')),
    body: payload.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`POST ${payload.path}: HTTP ${res.status} ${Buffer.from(body).toString('utf8', 0, 300)}`);
}

function defaultGrpcAddress(url: string): string {
  return `${new URL(url).hostname}:${DEFAULT_GRPC_PORT}`;
}

/** A `\r` status line on a TTY; nothing otherwise. */
function progressLine(enabled: boolean): { update(text: string): void; done(text: string): void } {
  const tty = enabled && process.stderr.isTTY === true;
  return {
    update: (text) => { if (tty) process.stderr.write(`\r\x1b[K${text}`); },
    done: (text) => { if (tty) process.stderr.write(`\r\x1b[K${text}\n`); },
  };
}

export async function runBench(opts: BenchOptions): Promise<BenchStepResult[]> {
  if (opts.concurrency && opts.requestRate) throw new Error('give either a concurrency range or a request rate, not both');
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error('--batch-size must be a positive integer');
  if (!(opts.durationS > 0)) throw new Error('--duration must be positive');
  const levels = opts.requestRate ?? opts.concurrency ?? [1];
  const rateMode = opts.requestRate !== undefined;
  if (!rateMode && levels.some((c) => !Number.isInteger(c))) throw new Error('concurrency levels must be whole numbers');

  let local: SpawnedServer | undefined;
  try {
    let url = opts.url ?? DEFAULT_URL;
    let grpcAddress = opts.grpcUrl;
    let serverPid = opts.serverPid;
    if (opts.modelRepository) {
      local = await startOnnxserve(opts.modelRepository, opts.protocol === 'grpc' ? [] : ['--no-grpc']);
      url = local.httpUrl ?? url;
      grpcAddress = local.grpcAddress ?? grpcAddress;
      serverPid ??= local.pid;
    }
    grpcAddress ??= defaultGrpcAddress(url);
    const target: Target = { url, grpcAddress };
    const timeoutMs = opts.timeoutMs ?? 30_000;

    const meta: ModelMeta = opts.protocol === 'grpc'
      ? await fetchModelMetaGrpc(grpcAddress, opts.model, opts.modelVersion)
      : await fetchModelMeta(url, opts.model, opts.modelVersion);
    const inputs = opts.inputData ? inputsFromFile(opts.inputData) : randomInputs(meta, opts.batchSize);
    const payload = buildPayload(opts.protocol, opts.model, inputs, opts.modelVersion);
    await preflight(target, payload, timeoutMs);
    const batch = opts.inputData ? (inputs[0]?.shape[0] ?? 1) : opts.batchSize;

    const durationMs = opts.durationS * 1000;
    const warmupMs = (opts.warmupS ?? Math.min(1, opts.durationS / 5)) * 1000;
    const line = progressLine(opts.progress !== false);
    const results: BenchStepResult[] = [];
    for (const [i, level] of levels.entries()) {
      const client = resolveClient(opts.client ?? 'auto', opts.protocol, rateMode ? level : undefined);
      const label = rateMode ? `rate ${level}/s` : `concurrency ${level}`;
      const prefix = `[${i + 1}/${levels.length}] ${opts.model} ${opts.protocol} ${label}`;
      line.update(`${prefix}  warming up`);
      const onProgress: ProgressFn = (elapsed, n, errors) => {
        const rps = Number.isNaN(n) ? '' : `  ${Math.round((n * 1000) / Math.max(1, elapsed))} req/s${errors ? `  ${errors} errors` : ''}`;
        line.update(`${prefix}  ${(elapsed / 1000).toFixed(1)}/${opts.durationS} s${rps}`);
      };
      const m = await measureStep({
        target, payload, client, timeoutMs, serverPid, onProgress, durationMs, warmupMs,
        concurrency: rateMode ? (opts.maxInflight ?? 256) : level,
        rate: rateMode ? level : undefined,
      });
      const r: BenchStepResult = {
        model: opts.model, protocol: opts.protocol, client: m.client, batchSize: batch,
        ...(rateMode ? { requestRate: level } : { concurrency: level }),
        durationS: m.elapsedMs / 1000, requests: m.requests, errors: m.errors,
        ...(rateMode ? { delayed: m.delayed } : {}),
        throughput: m.throughput, inferencesPerSec: m.throughput * batch,
        p50Ms: m.p50Ms, p90Ms: m.p90Ms, p99Ms: m.p99Ms, meanMs: m.meanMs, maxMs: m.maxMs,
        clientCpuUsPerReq: m.clientCpuUsPerReq, serverCpuUsPerReq: m.serverCpuUsPerReq, serverRssMiB: m.serverRssMiB,
        firstError: m.firstError,
      };
      results.push(r);
      line.done(`${prefix}  ${r.throughput.toFixed(1)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms` +
        `${r.errors ? `  ${r.errors} errors (${r.firstError ?? ''})` : ''}`);
    }
    return results;
  } finally {
    await local?.stop();
  }
}
