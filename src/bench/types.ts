/**
 * Types shared by `onnxserve bench` (src/cli/bench.ts) and the comparison harness (bench/run.ts).
 * A *step* is one load level (a concurrency or a request rate) held for a fixed duration.
 */

export type Protocol = 'v1' | 'v2-json' | 'v2-binary' | 'grpc';
export const PROTOCOLS: readonly Protocol[] = ['v1', 'v2-json', 'v2-binary', 'grpc'];

/**
 * The HTTP load generator. `own`: keep-alive loop on node:http (in-process, no dependency); `autocannon`: the
 * devDependency, driven programmatically; `wrk`: the C tool, as a child process, where installed;
 * `auto`: wrk when on PATH, else autocannon when installed, else `own` (the order of their client CPU per
 * request, measured in bench/README.md).
 */
export type HttpClientKind = 'auto' | 'own' | 'autocannon' | 'wrk';
export const HTTP_CLIENTS: readonly HttpClientKind[] = ['auto', 'own', 'autocannon', 'wrk'];

export interface BenchOptions {
  /** Base URL of the HTTP endpoint (metadata is always read from it). Default http://127.0.0.1:8080. */
  readonly url?: string;
  /** Start `onnxserve serve` on this repository first (child process, ephemeral ports), stop it after. */
  readonly modelRepository?: string;
  readonly model: string;
  /** Model version; default: the server's choice (latest). */
  readonly modelVersion?: string;
  readonly protocol: Protocol;
  /** host:port of the gRPC endpoint; default the URL's host with port 8081 (or the local server's). */
  readonly grpcUrl?: string;
  /** Closed-loop steps: this many requests in flight. Exactly one of concurrency / requestRate. */
  readonly concurrency?: readonly number[];
  /** Open-loop steps: requests started per second. */
  readonly requestRate?: readonly number[];
  /** Upper bound on requests in flight in request-rate mode (default 256); sends beyond it are counted as `delayed`. */
  readonly maxInflight?: number;
  /** Seconds measured per step. */
  readonly durationS: number;
  /** Seconds of unmeasured load before each step (default min(1, duration / 5)). */
  readonly warmupS?: number;
  /** Rows per request: replaces a -1 in dim 0. */
  readonly batchSize: number;
  /** JSON file `{"inputs": [...]}` as a V2 inference body; replaces the random inputs. */
  readonly inputData?: string;
  readonly client?: HttpClientKind;
  /** Live `\r` progress line on stderr (only when stderr is a TTY). */
  readonly progress?: boolean;
  /** Server pid for CPU-per-request and RSS (from /proc); the local server's pid is used automatically. */
  readonly serverPid?: number;
  /** Per-request timeout in ms (default 30000). */
  readonly timeoutMs?: number;
}

/** The figures of one measured step, shared by the step runner and the reported result. */
export interface StepFigures {
  /** Completed requests with a success status. */
  readonly requests: number;
  /** Failed requests: non-2xx, transport errors, timeouts. */
  readonly errors: number;
  /** Rate mode: sends postponed because maxInflight requests were already outstanding. */
  readonly delayed?: number;
  /** Successful requests per second. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Load-generator CPU per request (µs), user+system, including a wrk child. */
  readonly clientCpuUsPerReq?: number;
  /** Server CPU per request (µs), utime+stime from /proc/<pid>/stat over the step. */
  readonly serverCpuUsPerReq?: number;
  /** Server VmRSS at the end of the step, MiB. */
  readonly serverRssMiB?: number;
  readonly firstError?: string;
}

export interface BenchStepResult extends StepFigures {
  readonly model: string;
  readonly protocol: Protocol;
  /** The generator that actually ran (auto resolved). */
  readonly client: string;
  readonly batchSize: number;
  readonly concurrency?: number;
  readonly requestRate?: number;
  readonly durationS: number;
  /** throughput × batch size. */
  readonly inferencesPerSec: number;
}

/** One ready-to-send HTTP request. The same bytes are sent every time (as perf_analyzer does by default). */
export interface HttpPayload {
  readonly kind: 'http';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** One ready-to-send ModelInferRequest (proto-loader object form, keepCase). */
export interface GrpcPayload {
  readonly kind: 'grpc';
  readonly request: Record<string, unknown>;
}

export type Payload = HttpPayload | GrpcPayload;

/** Where a step sends its load. */
export interface Target {
  /** http://host:port (HTTP protocols). */
  readonly url: string;
  /** host:port (gRPC). */
  readonly grpcAddress?: string;
}

/** What one load generator run returns; latencies are successful requests only. */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly delayed: number;
  readonly elapsedMs: number;
  readonly latencyMs: Float64Array;
  /** The generator's CPU time (µs) during the run; undefined when it could not be measured. */
  readonly clientCpuUs: number | undefined;
  readonly firstError?: string;
  /** Percentiles straight from the generator (wrk) when it keeps the samples itself. */
  readonly percentiles?: { p50: number; p90: number; p99: number; mean: number; max: number };
}

/** Called about every 500 ms during a run. */
export type ProgressFn = (elapsedMs: number, requests: number, errors: number) => void;

export interface LoadSpec {
  readonly target: Target;
  readonly payload: Payload;
  /** Closed loop: workers; open loop: cap on requests in flight. */
  readonly concurrency: number;
  /** Open loop when set: requests started per second. */
  readonly rate?: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly onProgress?: ProgressFn;
}
