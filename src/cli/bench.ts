/**
 * `onnxserve bench`: a load generator in the manner of Triton's perf_analyzer. Wire it with
 * `registerBenchCommand(program)`; the heavy modules load only when the command runs.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BenchOptions, BenchStepResult, HttpClientKind, Protocol } from '../bench/types.js';

export type { BenchOptions, BenchStepResult } from '../bench/types.js';

/** Runs the bench programmatically (same as the command, without printing). */
export async function runBench(opts: BenchOptions): Promise<BenchStepResult[]> {
  const mod = await import('../bench/run-bench.js');
  return mod.runBench(opts);
}

function nonNegative(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0');
  return n;
}

interface RawOptions {
  url?: string;
  modelRepository?: string;
  model: string;
  modelVersion?: string;
  protocol: Protocol;
  grpcUrl?: string;
  concurrencyRange?: string;
  requestRate?: string;
  maxInflight?: number;
  duration: number;
  warmup?: number;
  batchSize: number;
  inputData?: string;
  client: HttpClientKind;
  serverPid?: number;
  timeoutMs?: number;
  json?: string;
  csv?: string;
  progress: boolean;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

async function rangeArg(v: string): Promise<number[]> {
  const { parseRange } = await import('../bench/stats.js');
  return parseRange(v);
}

/** Adds `bench` to the program. Exit codes: 0 ok, 1 a step had errors or no successful request, 2 bad usage. */
export function registerBenchCommand(program: Command): Command {
  const cmd = program
    .command('bench')
    .description('measure a running server (or one started on --model-repository): throughput and p50/p90/p99 latency per concurrency or request rate, like Triton\'s perf_analyzer')
    .requiredOption('-m, --model <name>', 'model to load-test')
    .option('-u, --url <url>', 'HTTP base URL of the server (metadata is read from GET /v2/models/{model})', 'http://127.0.0.1:8080')
    .option('--model-repository <dir>', 'start `onnxserve serve` on this repository (child process, ephemeral ports) and bench it')
    .option('-x, --model-version <v>', 'model version (default: the server\'s latest)')
    .addOption(new Option('-i, --protocol <p>', 'wire protocol').choices(['v1', 'v2-json', 'v2-binary', 'grpc']).default('v2-json'))
    .option('--grpc-url <host:port>', 'gRPC endpoint (default: the URL\'s host, port 8081)')
    .option('--concurrency-range <start:end:step>', 'closed-loop levels; step xN multiplies (1:64:x2 = 1,2,4,...,64); default 1')
    .option('--request-rate <start[:end:step]>', 'open-loop levels in requests per second instead of concurrency')
    .option('--max-inflight <n>', 'request-rate mode: most requests outstanding (default 256)', positiveInt)
    .option('-d, --duration <s>', 'seconds measured per step', positiveNumber, 10)
    .option('--warmup <s>', 'seconds of unmeasured load before each step (default min(1, duration/5))', nonNegative)
    .option('-b, --batch-size <n>', 'rows per request: replaces -1 in dim 0 of each input', positiveInt, 1)
    .option('--input-data <file>', 'JSON V2 body {"inputs": [{name, shape, datatype, data}]} to send instead of random data')
    .addOption(new Option('--client <kind>', 'HTTP load generator: auto = wrk if installed, else autocannon if installed, else own (node:http loop, most client CPU)').choices(['auto', 'own', 'autocannon', 'wrk']).default('auto'))
    .option('--server-pid <pid>', 'server process id, for server CPU µs/request and RSS from /proc', positiveInt)
    .option('--timeout-ms <ms>', 'per-request timeout', positiveInt)
    .option('--json <file>', 'write the results as JSON (- for stdout instead of the table)')
    .option('--csv <file>', 'write the results as CSV (- for stdout instead of the table)')
    .option('--no-progress', 'no live progress line on stderr (it is shown only on a TTY anyway)');
  cmd.action(async (raw: Record<string, unknown>) => {
    const o = raw as unknown as RawOptions;
    let opts: BenchOptions;
    try {
      opts = {
        url: o.url,
        modelRepository: o.modelRepository,
        model: o.model,
        modelVersion: o.modelVersion,
        protocol: o.protocol,
        grpcUrl: o.grpcUrl,
        concurrency: o.concurrencyRange !== undefined ? await rangeArg(o.concurrencyRange) : undefined,
        requestRate: o.requestRate !== undefined ? await rangeArg(o.requestRate) : undefined,
        maxInflight: o.maxInflight,
        durationS: o.duration,
        warmupS: o.warmup,
        batchSize: o.batchSize,
        inputData: o.inputData,
        client: o.client,
        serverPid: o.serverPid,
        timeoutMs: o.timeoutMs,
        progress: o.progress,
      };
      if (opts.concurrency && opts.requestRate) throw new Error('give --concurrency-range or --request-rate, not both');
    } catch (e) {
      process.stderr.write(`onnxserve bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    }
    const { formatResultsTable, toCsv, toJson } = await import('../bench/format.js');
    let results: BenchStepResult[];
    try {
      results = await runBench(opts);
    } catch (e) {
      process.stderr.write(`onnxserve bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    }
    const toStdout = o.json === '-' || o.csv === '-';
    const emit = (file: string | undefined, text: string) => {
      if (file === '-') process.stdout.write(text);
      else if (file) writeFileSync(file, text);
    };
    emit(o.json, toJson(results));
    emit(o.csv, toCsv(results));
    if (!toStdout) process.stdout.write(formatResultsTable(results));
    if (results.some((r) => r.errors > 0 || r.requests === 0)) process.exitCode = 1;
  });
  return cmd;
}
