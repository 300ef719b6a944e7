// Runs a manifest's container the way the kubelet would (see container-pod.mjs for what is emulated), then
// checks what Kubernetes relies on: the startup, readiness and liveness probes pass within their budgets, the
// model answers over REST and gRPC, the process is not root, and SIGTERM ends it with exit 0 inside the grace
// period after readiness turned 503.
//
//   node scripts/container-kubelet.mjs deployment IMAGE MODELS_DIR MODEL deploy/kubernetes/deployment.yaml
//   node scripts/container-kubelet.mjs kserve IMAGE MODELS_DIR deploy/kserve/cluster-serving-runtime.yaml deploy/kserve/inferenceservice.yaml
//
// Prints one JSON line of measurements on stdout; progress on stderr. Needs CONTAINERS_CONF as the test sets it.
import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { deploymentPlan, kservePlan, podmanArgs, probes } from './container-pod.mjs';

// Node's globals, named for the linter (its config for .mjs files knows only process, console and URL).
const { fetch, AbortController } = globalThis;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SEED_ROW = [0.5, 125.5, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7, 1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3,
  -0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5];
const EXPECTED_P1 = 0.0023108720779418945;
/** How often probes and state are polled: much finer than the kubelet's periods, bounded by their budgets. */
const POLL_MS = 100;

const log = (msg) => process.stderr.write(`[kubelet:${kind}] ${msg}\n`);
const podman = (...args) => execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const [kind, image, models, ...rest] = process.argv.slice(2);
let plan;
let model;
if (kind === 'deployment') {
  model = rest[0];
  plan = deploymentPlan(rest[1], path.resolve(models));
} else if (kind === 'kserve') {
  plan = kservePlan(rest[0], rest[1], path.resolve(models));
  model = plan.modelName;
} else {
  process.stderr.write('usage: container-kubelet.mjs deployment|kserve IMAGE MODELS_DIR ...\n');
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * fetch with a deadline on a ref'd timer: AbortSignal.timeout's timer is unref'd, and a connection the port
 * forwarder holds open would otherwise leave the process with nothing to wait on, ending it mid-test.
 */
async function get(url, ms, init = {}) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    const res = await fetch(url, { ...init, signal: ac.signal });
    return { status: res.status, text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

/** One HTTP GET as the kubelet probes: success is a status in 200..399 within timeoutSeconds. */
async function probeOnce(p, hostPorts) {
  try {
    return (await get(`http://127.0.0.1:${hostPorts.get(p.port)}${p.path}`, p.timeoutSeconds * 1000)).status;
  } catch {
    return 0;
  }
}

/** Polls until `ok(status)` or the probe's budget (initial delay + failureThreshold periods) is spent. */
async function pollProbe(name, p, hostPorts, ok = (s) => s >= 200 && s < 400) {
  const budgetMs = (p.initialDelaySeconds + p.failureThreshold * p.periodSeconds) * 1000;
  const tries = Math.ceil(budgetMs / POLL_MS);
  for (let i = 0; i < tries; i++) {
    const status = await probeOnce(p, hostPorts);
    if (ok(status)) return status;
    await pause(POLL_MS);
  }
  throw new Error(`${name} ${p.path} on ${p.port} did not pass within its budget of ${budgetMs} ms`);
}

async function inferRest(port) {
  const res = await get(`http://127.0.0.1:${port}/v2/models/${model}/infer`, 10_000, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: SEED_ROW }], outputs: [{ name: 'probabilities' }] }),
  });
  const body = JSON.parse(res.text);
  const p1 = body.outputs?.find((o) => o.name === 'probabilities')?.data?.[1];
  if (res.status !== 200 || body.model_name !== model || Math.abs(p1 - EXPECTED_P1) > 1e-6) {
    throw new Error(`V2 REST infer: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}

function inferGrpc(port) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(HERE, 'container-grpc-client.mjs'), `127.0.0.1:${port}`, model], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`gRPC: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** `podman wait`, bounded: the kubelet would SIGKILL a container still running after the grace period. */
function waitExit(name, limitMs) {
  return new Promise((resolve, reject) => {
    const child = execFile('podman', ['wait', name], { timeout: limitMs, encoding: 'utf8' }, (err, stdout) => {
      if (err) reject(new Error(child.killed ? `still running ${limitMs} ms after SIGTERM: the kubelet would SIGKILL it` : err.message));
      else resolve(Number(stdout.trim()));
    });
  });
}

const containerName = `onnxserve-kubelet-${kind}-${process.pid}`;
const hostPorts = new Map();
for (const p of plan.ports) hostPorts.set(p.port, await freePort());
const byName = (n) => hostPorts.get(plan.ports.find((p) => p.name === n)?.port);
const httpPort = hostPorts.get(8080);
const grpcPort = kind === 'kserve' ? hostPorts.get(9000) : byName('grpc');
const probeSpecs = probes(plan);
const result = { kind, container: plan.container.name };

try {
  const imageUser = podman('image', 'inspect', '--format', '{{.Config.User}}', image);
  const args = podmanArgs(plan, { image, containerName, hostPorts, imageUser });
  log(`podman ${args.join(' ')}`);
  const started = performance.now();
  podman(...args);

  // The kubelet runs the startup probe alone; readiness and liveness begin once it passed.
  const first = probeSpecs.startupProbe ?? probeSpecs.readinessProbe;
  if (!first) throw new Error('no startup or readiness probe: the pod would take traffic before its models load');
  await pollProbe(probeSpecs.startupProbe ? 'startupProbe' : 'readinessProbe', first, hostPorts);
  result.coldStartMs = Math.round(performance.now() - started);
  log(`probe passed ${result.coldStartMs} ms after podman run`);
  for (const k of ['readinessProbe', 'livenessProbe']) if (probeSpecs[k]) await pollProbe(k, probeSpecs[k], hostPorts);

  await inferRest(httpPort);
  if (grpcPort) result.grpc = JSON.parse(await inferGrpc(grpcPort));
  const metricsPort = byName('metrics') ?? httpPort;
  const metrics = (await get(`http://127.0.0.1:${metricsPort}/metrics`, 10_000)).text;
  if (!metrics.includes('nv_inference_pending_request_count{')) throw new Error(`/metrics on ${metricsPort} lacks the autoscaling metric`);

  const uid = podman('exec', containerName, 'node', '-e', 'process.stdout.write(String(process.getuid()))');
  if (uid === '0') throw new Error('the server runs as root');
  result.uid = Number(uid);
  if (plan.container.securityContext?.readOnlyRootFilesystem) {
    const wrote = podman('exec', containerName, 'node', '-e', "try{require('fs').writeFileSync('/app/probe','');process.stdout.write('wrote')}catch{process.stdout.write('refused')}");
    if (wrote !== 'refused') throw new Error('readOnlyRootFilesystem is not in force');
  }

  // Termination as the kubelet does it: SIGTERM, then SIGKILL after terminationGracePeriodSeconds.
  const stopping = performance.now();
  podman('kill', '--signal', 'TERM', containerName);
  const ready = probeSpecs.readinessProbe;
  if (ready) await pollProbe('readiness after SIGTERM', { ...ready, failureThreshold: 1, periodSeconds: 5 }, hostPorts, (s) => s === 503);
  const code = await waitExit(containerName, plan.graceSeconds * 1000);
  result.stopMs = Math.round(performance.now() - stopping);
  if (code !== 0) throw new Error(`exit code ${code} after SIGTERM`);
  log(`SIGTERM: readiness 503, exit 0 after ${result.stopMs} ms (grace period ${plan.graceSeconds} s)`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (e) {
  log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
  try {
    process.stderr.write(`${podman('logs', '--tail', '30', containerName)}\n`);
  } catch {
    // no container to show
  }
  process.exitCode = 1;
} finally {
  try {
    podman('rm', '--force', '--volumes', containerName);
  } catch {
    // never started
  }
}
