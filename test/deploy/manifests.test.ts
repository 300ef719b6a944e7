import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { envName, SETTINGS, type SettingSpec } from '../../src/config/index.js';
import { STORAGE_URI_PREFIXES } from './kserve-crd.js';
import { loadManifests, only, type Doc, type Manifest } from './manifests.js';
import { typeCheck, type TypedManifest } from './typecheck.js';

// Tests run from the repository root (as every suite here does: test-models/, models/).
const ROOT = path.resolve('.');
const manifests = loadManifests(ROOT);
const specs = SETTINGS as readonly SettingSpec[];
const setting = (key: string) => specs.find((s) => s.key === key)!;

/** Manifests the checker must refuse, each for one reason kubectl apply would give. */
const MUST_FAIL: readonly TypedManifest[] = (() => {
  const dep = structuredClone(only(manifests, 'deploy/kubernetes/deployment.yaml'));
  dep.spec.template.spec.containers[0].imagePullPolice = 'Always';
  const hpa = structuredClone(only(manifests, 'deploy/kubernetes/hpa.yaml'));
  hpa.spec.minReplicas = '2';
  const csr = structuredClone(only(manifests, 'deploy/kserve/cluster-serving-runtime.yaml'));
  csr.spec.supportedModelFormat = csr.spec.supportedModelFormats;
  const isvc = structuredClone(only(manifests, 'deploy/kserve/inferenceservice.yaml'));
  delete isvc.spec.predictor;
  const csrProtocol = structuredClone(csr);
  delete csrProtocol.spec.supportedModelFormat;
  csrProtocol.spec.protocolVersions = ['v3'];
  return [
    { id: 'unknown field in a container', typeModule: 'kubernetes-models/apps/v1/Deployment', typeName: 'IDeployment', value: dep },
    { id: 'string for an integer', typeModule: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', typeName: 'IHorizontalPodAutoscaler', value: hpa },
    { id: 'misspelt KServe field', typeModule: './test/deploy/kserve-crd.js', typeName: 'ClusterServingRuntime', value: csr },
    { id: 'missing required predictor', typeModule: './test/deploy/kserve-crd.js', typeName: 'InferenceService', value: isvc },
    { id: 'unknown protocol version', typeModule: './test/deploy/kserve-crd.js', typeName: 'ClusterServingRuntime', value: csrProtocol },
  ];
})();

describe('deploy/ manifests', () => {
  let problems: Map<string, string[]>;
  before(() => {
    // One compilation for every manifest and every counter-example (a few seconds, however many there are).
    const typed = manifests.filter((m) => m.schema).map((m): TypedManifest => ({ id: m.id, typeModule: m.schema!.typeModule, typeName: m.schema!.typeName, value: m.doc }));
    problems = typeCheck(ROOT, [...typed, ...MUST_FAIL]);
  });

  test('every YAML document under deploy/ has a schema to be checked against', () => {
    assert.ok(manifests.length >= 15, `only ${manifests.length} documents found`);
    const unmatched = manifests.filter((m) => !m.schema).map((m) => `${m.id} (${m.doc.apiVersion}/${m.doc.kind})`);
    assert.deepEqual(unmatched, []);
  });

  test('no unknown field at any depth, every field of its type, required fields present', () => {
    assert.deepEqual(problems.get('(setup)'), undefined, 'the type check itself failed');
    const failed = manifests.filter((m) => problems.has(m.id)).map((m) => `${m.id}:\n  ${problems.get(m.id)!.join('\n  ')}`);
    assert.equal(failed.length, 0, failed.join('\n'));
  });

  test('the check refuses what kubectl apply refuses', () => {
    for (const m of MUST_FAIL) assert.ok(problems.has(m.id), `not refused: ${m.id}`);
  });

  test('Kubernetes objects pass kubernetes-models\' validators; KServe containers pass as core/v1 Containers', () => {
    for (const m of manifests) {
      assert.doesNotThrow(() => m.schema?.validate?.(m.doc), `${m.id}`);
    }
  });
});

/** The value a container gives a setting: its ONNXSERVE_* env var, its --flag=value arg, else the default. */
function settingValue(container: Doc, key: string): number {
  const spec = setting(key);
  const env = (container.env ?? []).find((e: Doc) => e.name === envName(spec));
  const arg = (container.args ?? []).find((a: string) => a.startsWith(`--${spec.flag}=`));
  return Number(arg?.split('=')[1] ?? env?.value ?? spec.default);
}

function checkSettingsNamed(container: Doc, where: string): void {
  const envs = new Set(specs.map(envName));
  const flags = new Set(specs.flatMap((s) => (s.type === 'bool' ? [`--${s.flag}`, `--no-${s.flag}`] : [`--${s.flag}`])));
  for (const e of container.env ?? []) {
    if (e.name.startsWith('ONNXSERVE_')) assert.ok(envs.has(e.name), `${where}: ${e.name} is no setting`);
  }
  for (const a of container.args ?? []) {
    if (a.startsWith('--')) assert.ok(flags.has(a.split('=')[0]), `${where}: ${a} is no flag`);
  }
}

describe('Kubernetes: the pieces fit together', () => {
  const dep = only(manifests, 'deploy/kubernetes/deployment.yaml');
  const pod = dep.spec.template.spec;
  const container = pod.containers[0];
  const labels = dep.spec.template.metadata.labels;
  const svc = only(manifests, 'deploy/kubernetes/service.yaml');
  const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

  test('the grace period outlasts the drain delay plus the exit timeout', () => {
    const budgetMs = settingValue(container, 'drainDelayMs') + settingValue(container, 'exitTimeoutMs');
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > budgetMs, `${pod.terminationGracePeriodSeconds} s <= ${budgetMs} ms`);
    // Explicit, not the server's defaults: those are being reworked and must not silently outgrow 30 s here.
    for (const key of ['drainDelayMs', 'exitTimeoutMs']) {
      assert.ok(container.env.some((e: Doc) => e.name === envName(setting(key))), `${key} is not set explicitly`);
    }
  });

  test('env names real settings; probes use the health routes on declared ports', () => {
    checkSettingsNamed(container, 'deployment.yaml');
    const ports = new Set(container.ports.map((p: Doc) => p.name));
    assert.equal(container.startupProbe.httpGet.path, '/v2/health/ready');
    assert.equal(container.readinessProbe.httpGet.path, '/v2/health/ready');
    assert.equal(container.livenessProbe.httpGet.path, '/v2/health/live');
    for (const p of [container.startupProbe, container.readinessProbe, container.livenessProbe]) assert.ok(ports.has(p.httpGet.port));
    assert.equal(container.ports.find((p: Doc) => p.name === 'metrics').containerPort, settingValue(container, 'metricsPort'));
    assert.equal(container.ports.find((p: Doc) => p.name === 'http').containerPort, setting('httpPort').default);
    assert.equal(container.ports.find((p: Doc) => p.name === 'grpc').containerPort, setting('grpcPort').default);
    assert.ok(pod.securityContext.runAsNonRoot && pod.securityContext.runAsUser > 0);
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
  });

  test('Service, PodDisruptionBudget, ServiceMonitor and autoscalers point at the Deployment\'s pods and ports', () => {
    assert.ok(matches(svc.spec.selector));
    const containerPorts = new Set(container.ports.map((p: Doc) => p.name));
    for (const p of svc.spec.ports) assert.ok(containerPorts.has(p.targetPort), `Service port ${p.name}`);
    assert.ok(matches(only(manifests, 'deploy/kubernetes/pdb.yaml').spec.selector.matchLabels));
    const sm = only(manifests, 'deploy/kubernetes/servicemonitor.yaml');
    assert.ok(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v));
    assert.ok(sm.spec.endpoints.every((e: Doc) => svc.spec.ports.some((p: Doc) => p.name === e.port)));
    const hpa = only(manifests, 'deploy/kubernetes/hpa.yaml');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name });
    assert.equal(only(manifests, 'deploy/kubernetes/keda/scaledobject.yaml').spec.scaleTargetRef.name, dep.metadata.name);
  });

  test('the autoscaling metric is one the server exports, under the name the HPA asks for', () => {
    const metricsSource = readFileSync(path.join(ROOT, 'src/observability/metrics.ts'), 'utf8');
    const rule = only(manifests, 'deploy/kubernetes/prometheus-adapter-values.yaml').rules.custom[0];
    const series = /^(\w+)\{/.exec(rule.seriesQuery)![1];
    assert.ok(metricsSource.includes(`'${series}'`), `${series} is not a metric of src/observability/metrics.ts`);
    assert.ok(new RegExp(rule.name.matches).test(series));
    const pods = only(manifests, 'deploy/kubernetes/hpa.yaml').spec.metrics.find((m: Doc) => m.type === 'Pods');
    assert.equal(pods.pods.metric.name, rule.name.as);
    const keda = only(manifests, 'deploy/kubernetes/keda/scaledobject.yaml').spec.triggers.find((t: Doc) => t.type === 'prometheus');
    assert.ok(keda.metadata.query.includes(`${series}{`));
  });

  test('the kustomizations list what exists, and KEDA\'s replaces the HPA rather than adding a second autoscaler', () => {
    const base = only(manifests, 'deploy/kubernetes/kustomization.yaml');
    for (const r of base.resources) assert.ok(existsSync(path.join(ROOT, 'deploy/kubernetes', r)), r);
    const objects = manifests.filter((m: Manifest) => /^deploy\/kubernetes\/[^/]+$/.test(m.file) && m.doc.kind && m.doc.kind !== 'Kustomization');
    for (const m of objects) assert.ok(base.resources.includes(path.basename(m.file)), `${m.file} is not in the kustomization`);
    const keda = only(manifests, 'deploy/kubernetes/keda/kustomization.yaml');
    assert.deepEqual(keda.resources, ['..', 'scaledobject.yaml']);
    const patch = keda.patches[0];
    assert.equal(patch.target.kind, 'HorizontalPodAutoscaler');
    assert.equal(patch.target.name, only(manifests, 'deploy/kubernetes/hpa.yaml').metadata.name);
    assert.match(patch.patch, /\$patch: delete/);
  });
});

describe('KServe: runtime and InferenceServices', () => {
  const runtime = only(manifests, 'deploy/kserve/cluster-serving-runtime.yaml');
  const container = runtime.spec.containers.find((c: Doc) => c.name === 'kserve-container');
  const isvcs = manifests.filter((m) => m.doc.kind === 'InferenceService').map((m) => m.doc);

  test('the container KServe expects: kserve-container, /mnt/models, the InferenceService\'s name, its ports', () => {
    assert.ok(container, 'no container named kserve-container');
    checkSettingsNamed(container, 'cluster-serving-runtime.yaml');
    assert.ok(container.args.includes('--model-repository=/mnt/models'));
    assert.ok(container.args.includes('--model-name={{.Name}}'));
    assert.equal(settingValue(container, 'httpPort'), 8080);
    assert.equal(runtime.spec.annotations['prometheus.kserve.io/port'], '8080');
    assert.equal(container.readinessProbe.httpGet.path, '/v2/health/ready');
    assert.equal(container.livenessProbe.httpGet.path, '/v2/health/live');
    assert.ok(container.securityContext.runAsNonRoot);
    assert.ok(30_000 > settingValue(container, 'drainDelayMs') + settingValue(container, 'exitTimeoutMs'), 'does not fit the default 30 s grace period');
  });

  test('serves ONNX over v2 and grpc-v2', () => {
    assert.ok(runtime.spec.supportedModelFormats.some((f: Doc) => f.name === 'onnx'));
    assert.deepEqual([...runtime.spec.protocolVersions].sort(), ['grpc-v2', 'v2']);
  });

  test('the InferenceServices name this runtime, ONNX, a protocol it speaks and a storage URI KServe accepts', () => {
    assert.ok(isvcs.length >= 2);
    for (const isvc of isvcs) {
      const model = isvc.spec.predictor.model;
      assert.equal(model.runtime, runtime.metadata.name);
      assert.equal(model.modelFormat.name, 'onnx');
      assert.ok(runtime.spec.protocolVersions.includes(model.protocolVersion));
      assert.ok(STORAGE_URI_PREFIXES.some((p) => model.storageUri.startsWith(p)), model.storageUri);
      // KServe names the predictor's objects after the InferenceService: a DNS-1035 label.
      assert.match(isvc.metadata.name, /^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$/);
      if (model.protocolVersion === 'grpc-v2') {
        const h2c = model.ports.find((p: Doc) => p.name === 'h2c');
        assert.equal(h2c.containerPort, settingValue(container, 'grpcPort'), 'the h2c port is not the server\'s gRPC port');
      }
    }
  });
});

describe('Compose: onnxserve, Prometheus, Grafana', () => {
  const dir = path.join(ROOT, 'deploy/compose');
  const compose = only(manifests, 'deploy/compose/compose.yaml');

  test('builds this repository, mounts paths that exist, pins every image', () => {
    assert.ok(existsSync(path.join(dir, compose.services.onnxserve.build.context, 'Dockerfile')));
    for (const [name, s] of Object.entries<Doc>(compose.services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        assert.ok(existsSync(path.join(dir, source)), `${name}: ${source}`);
      }
      if (s.image && !s.build) assert.match(s.image, /:[^:]+$/, `${name}: unpinned image`);
      if (s.image) assert.doesNotMatch(s.image, /:latest$/, `${name}: latest`);
    }
  });

  test('Prometheus scrapes onnxserve; Grafana gets the data source and the existing dashboard', () => {
    const prom = only(manifests, 'deploy/compose/prometheus.yml');
    assert.deepEqual(prom.scrape_configs[0].static_configs[0].targets, [`onnxserve:${setting('httpPort').default}`]);
    const ds = only(manifests, 'deploy/compose/grafana/provisioning/datasources/prometheus.yaml');
    assert.equal(ds.datasources[0].type, 'prometheus');
    assert.ok(ds.datasources[0].isDefault, 'the dashboard\'s data source variable takes the default');
    const provider = only(manifests, 'deploy/compose/grafana/provisioning/dashboards/onnxserve.yaml').providers[0];
    const mount = compose.services.grafana.volumes.map((v: string) => v.split(':')).find((v: string[]) => v[1] === provider.options.path);
    assert.ok(mount, `nothing is mounted at ${provider.options.path}`);
    assert.ok(existsSync(path.join(dir, mount[0], 'onnxserve.json')));
  });
});
