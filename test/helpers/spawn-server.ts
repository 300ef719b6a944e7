/**
 * `onnxserve serve` as a child process, as an orchestrator runs it: ports and progress read from its JSON log
 * lines ("starting", "HTTP listening", "gRPC listening", "server ready"), exit code and signal observed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** performance.now() when it exited. */
  readonly at: number;
}

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly exited: Promise<Exit>;
  /** Every line it printed so far (stdout JSON lines and stderr). */
  readonly logs: string[];
  /** The log messages (`msg`) in order. */
  readonly messages: string[];
}

/** Spawns the CLI and resolves once it logged `until` (default "server ready"). */
export async function spawnServer(args: readonly string[], until = 'server ready'): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ['dist/src/cli/index.js', 'serve', '--http-port', '0', '--grpc-port', '0', '--log-level', 'info', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const messages: string[] = [];
  child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  let httpPort = 0;
  let grpcPort = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${until}" within 60 s:\n${logs.join('\n')}`)), 60_000);
    void exited.then(({ code }) => reject(new Error(`server exited with ${code} before "${until}":\n${logs.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line);
      let o: { msg?: string; address?: string; port?: number };
      try {
        o = JSON.parse(line) as typeof o;
      } catch {
        return;
      }
      if (o.msg !== undefined) messages.push(o.msg);
      if (o.msg === 'HTTP listening' && o.address) httpPort = Number(new URL(o.address).port);
      if (o.msg === 'gRPC listening') grpcPort = o.port ?? Number(o.address?.split(':').pop());
      if (o.msg === until) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  if (until === 'server ready') assert.ok(httpPort > 0, 'HTTP port from the log');
  return { child, get httpPort() { return httpPort; }, get grpcPort() { return grpcPort; }, exited, logs, messages };
}
