/**
 * Servers as child processes: spawn, read their stdout line by line until a readiness line, stop them.
 * Used by `onnxserve bench --model-repository` and by bench/run.ts for onnxserve and the baselines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SpawnedServer {
  readonly pid: number;
  readonly child: ChildProcess;
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  /** performance.now() when the readiness line was read. */
  readonly readyAt: number;
  /** From onnxserve's "HTTP listening" / "gRPC listening" lines, when it printed them. */
  readonly httpUrl?: string;
  readonly grpcAddress?: string;
  /** The last lines of stdout and stderr (kept for error messages). */
  readonly logs: string[];
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** True for the line of stdout or stderr (parsed as JSON when it is) that says the server is ready. */
  readonly isReady: (line: string, json: Record<string, unknown> | undefined) => boolean;
  /** Alternatively: polled every 20 ms until it resolves true (e.g. GET /health). */
  readonly probe?: () => Promise<boolean>;
  readonly timeoutMs?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called for every stdout line, with its arrival time. */
  readonly onLine?: (line: string, json: Record<string, unknown> | undefined, at: number) => void;
}

const KEEP_LINES = 200;

export function spawnServer(cmd: string, args: readonly string[], opts: SpawnOptions): Promise<SpawnedServer> {
  const logs: string[] = [];
  const keep = (l: string) => {
    logs.push(l);
    if (logs.length > KEEP_LINES) logs.shift();
  };
  const spawnedAt = performance.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let httpUrl: string | undefined;
  let grpcAddress: string | undefined;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.on('exit', () => { exited = true; resolve(); }));

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exitPromise;
    clearTimeout(timer);
  };

  return new Promise<SpawnedServer>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      void stop(1000);
      reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${logs.slice(-20).join('\n')}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${opts.timeoutMs ?? 60_000} ms`), opts.timeoutMs ?? 60_000);
    const ready = (at: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ pid: child.pid ?? -1, child, spawnedAt, readyAt: at, httpUrl, grpcAddress, logs, stop });
    };
    const onLine = (line: string, at: number) => {
      keep(line);
      let json: Record<string, unknown> | undefined;
      try {
        const v: unknown = JSON.parse(line);
        if (typeof v === 'object' && v !== null) json = v as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      if (json?.msg === 'HTTP listening' && typeof json.address === 'string') httpUrl = json.address;
      if (json?.msg === 'gRPC listening' && typeof json.address === 'string') grpcAddress = json.address;
      opts.onLine?.(line, json, at);
      if (opts.isReady(line, json)) ready(at);
    };
    // Both pipes are read for the whole life of the child: an unread pipe would fill and block the server's logger.
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        const at = performance.now();
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          onLine(line, at);
        }
      });
    }
    if (opts.probe) {
      const probe = opts.probe;
      const poll = async () => {
        while (!settled && !exited) {
          if (await probe().catch(() => false)) return ready(performance.now());
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      void poll();
    }
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fail(`exited (${signal ?? code}) before it was ready`);
    });
  });
}

/** dist/src/cli/index.js of this build (this module is dist/src/bench/local-server.js). */
export function onnxserveCli(): string {
  const cli = fileURLToPath(new URL('../cli/index.js', import.meta.url));
  if (!existsSync(cli)) throw new Error(`${cli} not found: build first (npm run build)`);
  return cli;
}

/** `onnxserve serve` on ephemeral loopback ports; resolves at "server ready" with the chosen ports. */
export function startOnnxserve(repo: string, extraArgs: readonly string[] = [], opts: Partial<SpawnOptions> = {}): Promise<SpawnedServer> {
  const args = [onnxserveCli(), 'serve', '--model-repository', repo, '--host', '127.0.0.1', '--http-port', '0', '--grpc-port', '0',
    '--log-level', 'info', ...extraArgs];
  return spawnServer(process.execPath, args, {
    timeoutMs: 120_000,
    ...opts,
    isReady: (_l, json) => json?.msg === 'server ready',
  });
}
