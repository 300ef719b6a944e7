// What the kubelet would run for a manifest's container, as podman arguments: the pod plan of the container tests
// (scripts/container-kubelet.mjs). Pure: reads manifests, returns data; nothing here starts a container.
//
// Covered, as the kubelet and the container runtime apply them: command/args over the image's ENTRYPOINT/CMD, env
// values, ports, the pod's and the container's securityContext (runAsUser/Group, runAsNonRoot against the image's
// user, readOnlyRootFilesystem, capabilities, allowPrivilegeEscalation), resource limits, volume mounts (the model
// volume from the host, emptyDir as tmpfs), probes, terminationGracePeriodSeconds. KServe's controller adds what
// it adds: the InferenceService's name in {{.Name}}, its storage at /mnt/models (read-only), its resources/ports.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** Every document of a YAML file, as plain objects. */
export function readManifests(file) {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
    return d.toJS();
  }).filter((d) => d !== null);
}

function findKind(docs, kind, file) {
  const doc = docs.find((d) => d.kind === kind);
  if (!doc) throw new Error(`${file}: no ${kind}`);
  return doc;
}

/** A Deployment's first container, with its pod's settings. `models` is the host directory behind its PVC. */
export function deploymentPlan(file, models) {
  const dep = findKind(readManifests(file), 'Deployment', file);
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const mounts = (c.volumeMounts ?? []).map((m) => {
    const v = volumes.get(m.name);
    if (!v) throw new Error(`${file}: volumeMount ${m.name} has no volume`);
    if (v.persistentVolumeClaim) return { kind: 'host', source: models, target: m.mountPath, readOnly: Boolean(m.readOnly || v.persistentVolumeClaim.readOnly) };
    if (v.emptyDir) return { kind: 'tmpfs', target: m.mountPath, sizeLimit: v.emptyDir.sizeLimit };
    throw new Error(`${file}: volume ${m.name}: only persistentVolumeClaim and emptyDir are emulated`);
  });
  return {
    name: dep.metadata.name,
    container: c,
    podSecurity: pod.securityContext ?? {},
    mounts,
    graceSeconds: pod.terminationGracePeriodSeconds ?? 30,
    args: c.args,
    command: c.command,
    ports: (c.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort })),
  };
}

/**
 * KServe's predictor container: the runtime's `kserve-container`, with the InferenceService's name substituted,
 * the InferenceService's resources and ports when it sets them, and the storage initializer's /mnt/models.
 */
export function kservePlan(runtimeFile, isvcFile, models) {
  const runtime = findKind(readManifests(runtimeFile), 'ClusterServingRuntime', runtimeFile);
  const isvc = findKind(readManifests(isvcFile), 'InferenceService', isvcFile);
  const base = runtime.spec.containers.find((c) => c.name === 'kserve-container');
  if (!base) throw new Error(`${runtimeFile}: no kserve-container`);
  const model = isvc.spec.predictor.model ?? {};
  const name = isvc.metadata.name;
  // KServe's template fields; only {{.Name}} is used by our runtime.
  const fill = (s) => s.replaceAll('{{.Name}}', name).replaceAll('{{.Namespace}}', 'default');
  const c = { ...base, args: (base.args ?? []).map(fill), resources: model.resources ?? base.resources, ports: model.ports ?? base.ports };
  // Without declared ports KServe routes HTTP to 8080; gRPC is on the port the args name.
  const ports = (c.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort }));
  if (!ports.some((p) => p.port === 8080)) ports.push({ name: 'http', port: 8080 });
  const grpcArg = c.args.find((a) => a.startsWith('--grpc-port='));
  if (grpcArg && !ports.some((p) => p.port === Number(grpcArg.split('=')[1]))) ports.push({ name: 'grpc', port: Number(grpcArg.split('=')[1]) });
  return {
    name,
    modelName: name,
    container: c,
    podSecurity: {},
    mounts: [{ kind: 'host', source: models, target: '/mnt/models', readOnly: true }],
    graceSeconds: isvc.spec.predictor.terminationGracePeriodSeconds ?? 30,
    args: c.args,
    command: c.command,
    ports,
  };
}

const QUANTITY = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
function bytes(q) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`unsupported quantity ${q}`);
  return Math.round(Number(m[1]) * (m[2] ? QUANTITY[m[2]] : 1));
}
function cpus(q) {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

/**
 * The kubelet's runAsNonRoot check: the effective user must be a non-zero uid; with no runAsUser, the image's
 * USER must be numeric (a name cannot be verified, and the kubelet refuses to start the container).
 */
export function checkNonRoot(security, imageUser) {
  if (!security.runAsNonRoot) return;
  if (security.runAsUser !== undefined) {
    if (security.runAsUser === 0) throw new Error('runAsNonRoot with runAsUser 0');
    return;
  }
  const uid = (imageUser || '0').split(':')[0];
  if (!/^\d+$/.test(uid)) throw new Error(`runAsNonRoot: the image's user "${imageUser}" is not numeric; the kubelet cannot verify it`);
  if (uid === '0') throw new Error('runAsNonRoot: the image runs as root');
}

/** podman run arguments for the plan; `hostPorts` maps container ports to free loopback ports. */
export function podmanArgs(plan, { image, containerName, hostPorts, imageUser }) {
  const c = plan.container;
  const security = { ...plan.podSecurity, ...(c.securityContext ?? {}) };
  checkNonRoot(security, imageUser);
  const out = ['run', '--detach', '--name', containerName, '--network', 'slirp4netns',
    // Kubernetes ignores the image's VOLUME and HEALTHCHECK; probes are the kubelet's.
    '--image-volume', 'ignore', '--no-healthcheck', '--stop-timeout', String(plan.graceSeconds)];
  for (const p of plan.ports) out.push('--publish', `127.0.0.1:${hostPorts.get(p.port)}:${p.port}`);
  for (const e of c.env ?? []) {
    if (e.value === undefined) throw new Error(`env ${e.name}: only literal values are emulated`);
    out.push('--env', `${e.name}=${e.value}`);
  }
  if (security.runAsUser !== undefined) out.push('--user', `${security.runAsUser}${security.runAsGroup !== undefined ? `:${security.runAsGroup}` : ''}`);
  // Kubernetes mounts nothing writable on a read-only root; podman's --read-only would add tmpfs /tmp and /run.
  if (security.readOnlyRootFilesystem) out.push('--read-only', '--read-only-tmpfs=false');
  for (const cap of security.capabilities?.drop ?? []) out.push('--cap-drop', cap.toLowerCase());
  for (const cap of security.capabilities?.add ?? []) out.push('--cap-add', cap.toLowerCase());
  if (security.allowPrivilegeEscalation === false) out.push('--security-opt', 'no-new-privileges');
  if (security.privileged) out.push('--privileged');
  const limits = c.resources?.limits ?? {};
  if (limits.memory) out.push('--memory', String(bytes(limits.memory)));
  if (limits.cpu) out.push('--cpus', String(cpus(limits.cpu)));
  for (const m of plan.mounts) {
    if (m.kind === 'host') out.push('--volume', `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`);
    else out.push('--tmpfs', `${m.target}:rw,mode=1777${m.sizeLimit ? `,size=${bytes(m.sizeLimit)}` : ''}`);
  }
  // command replaces the image's ENTRYPOINT, args its CMD (Kubernetes' rule).
  if (plan.command) out.push('--entrypoint', JSON.stringify(plan.command));
  out.push(image, ...(plan.args ?? []));
  return out;
}

/** The container's probes, with ports resolved to numbers (a named port refers to a containerPort). */
export function probes(plan) {
  const c = plan.container;
  const resolve = (port) => (typeof port === 'number' ? port : plan.ports.find((p) => p.name === port)?.port);
  const out = {};
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const p = c[kind];
    if (!p) continue;
    if (!p.httpGet) throw new Error(`${kind}: only httpGet probes are emulated`);
    const port = resolve(p.httpGet.port);
    if (port === undefined) throw new Error(`${kind}: port ${p.httpGet.port} is not a container port`);
    out[kind] = {
      path: p.httpGet.path, port,
      initialDelaySeconds: p.initialDelaySeconds ?? 0, periodSeconds: p.periodSeconds ?? 10,
      timeoutSeconds: p.timeoutSeconds ?? 1, failureThreshold: p.failureThreshold ?? 3,
    };
  }
  return out;
}
