/**
 * Every YAML document under deploy/, each matched to the schema it is checked against: Kubernetes kinds to
 * kubernetes-models (types for the field check, classes for the runtime validators), KServe's kinds to
 * kserve-crd.ts, files of other formats (by path) to other-schemas.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Container } from 'kubernetes-models/v1/Container';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are arbitrary YAML until checked
export type Doc = any;

export interface Schema {
  readonly typeModule: string;
  readonly typeName: string;
  /** Runtime checks the types cannot express (kubernetes-models' validators: formats, patterns, enums). */
  readonly validate?: (doc: Doc) => void;
}

export interface Manifest {
  readonly file: string;
  readonly index: number;
  readonly id: string;
  readonly doc: Doc;
  readonly schema: Schema | undefined;
}

const KSERVE = './test/deploy/kserve-crd.js';
const OTHER = './test/deploy/other-schemas.js';

/** KServe's CRDs embed core/v1 Containers: validated as such. priority is int32, minimum 1, in the CRD. */
function validateRuntime(doc: Doc): void {
  for (const c of doc.spec.containers as Doc[]) new Container(c).validate();
  for (const f of (doc.spec.supportedModelFormats ?? []) as Doc[]) {
    if (f.priority !== undefined && !(Number.isInteger(f.priority) && f.priority >= 1 && f.priority <= 2 ** 31 - 1)) {
      throw new Error(`supportedModelFormats ${f.name}: priority must be an int32 >= 1`);
    }
  }
}

function validateInferenceService(doc: Doc): void {
  const p = doc.spec.predictor;
  for (const k of ['minReplicas', 'maxReplicas', 'scaleTarget', 'terminationGracePeriodSeconds']) {
    if (p[k] !== undefined && !(Number.isInteger(p[k]) && p[k] >= 0 && p[k] <= 2 ** 31 - 1)) throw new Error(`predictor.${k} must be an int32`);
  }
  if (p.model) new Container({ name: 'kserve-container', ...p.model, modelFormat: undefined, runtime: undefined, protocolVersion: undefined, storageUri: undefined }).validate();
}

export const KINDS: Readonly<Record<string, Schema>> = {
  'apps/v1/Deployment': { typeModule: 'kubernetes-models/apps/v1/Deployment', typeName: 'IDeployment', validate: (d) => new Deployment(d).validate() },
  'v1/Service': { typeModule: 'kubernetes-models/v1/Service', typeName: 'IService', validate: (d) => new Service(d).validate() },
  'v1/PersistentVolumeClaim': { typeModule: 'kubernetes-models/v1/PersistentVolumeClaim', typeName: 'IPersistentVolumeClaim', validate: (d) => new PersistentVolumeClaim(d).validate() },
  'autoscaling/v2/HorizontalPodAutoscaler': { typeModule: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', typeName: 'IHorizontalPodAutoscaler', validate: (d) => new HorizontalPodAutoscaler(d).validate() },
  'policy/v1/PodDisruptionBudget': { typeModule: 'kubernetes-models/policy/v1/PodDisruptionBudget', typeName: 'IPodDisruptionBudget', validate: (d) => new PodDisruptionBudget(d).validate() },
  'monitoring.coreos.com/v1/ServiceMonitor': { typeModule: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor', typeName: 'IServiceMonitor', validate: (d) => new ServiceMonitor(d).validate() },
  'keda.sh/v1alpha1/ScaledObject': { typeModule: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', typeName: 'IScaledObject', validate: (d) => new ScaledObject(d).validate() },
  'serving.kserve.io/v1alpha1/ClusterServingRuntime': { typeModule: KSERVE, typeName: 'ClusterServingRuntime', validate: validateRuntime },
  'serving.kserve.io/v1beta1/InferenceService': { typeModule: KSERVE, typeName: 'InferenceService', validate: validateInferenceService },
  'kustomize.config.k8s.io/v1beta1/Kustomization': { typeModule: OTHER, typeName: 'Kustomization' },
};

/** Files that are not Kubernetes objects, by path from the repository root. */
export const BY_PATH: Readonly<Record<string, Schema>> = {
  'deploy/compose/compose.yaml': { typeModule: OTHER, typeName: 'ComposeFile' },
  'deploy/compose/prometheus.yml': { typeModule: OTHER, typeName: 'PrometheusConfig' },
  'deploy/compose/grafana/provisioning/datasources/prometheus.yaml': { typeModule: OTHER, typeName: 'GrafanaDatasources' },
  'deploy/compose/grafana/provisioning/dashboards/onnxserve.yaml': { typeModule: OTHER, typeName: 'GrafanaDashboards' },
  'deploy/kubernetes/prometheus-adapter-values.yaml': { typeModule: OTHER, typeName: 'PrometheusAdapterValues' },
};

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

/** Every document of every YAML file under `deployDir` (paths relative to the repository root `root`). */
export function loadManifests(root: string, deployDir = 'deploy'): Manifest[] {
  const out: Manifest[] = [];
  for (const abs of yamlFiles(path.join(root, deployDir))) {
    const file = path.relative(root, abs).split(path.sep).join('/');
    parseAllDocuments(readFileSync(abs, 'utf8')).forEach((d, index) => {
      if (d.errors.length > 0) throw new Error(`${file}#${index}: ${d.errors[0].message}`);
      const doc: Doc = d.toJS();
      if (doc === null) return;
      const schema = BY_PATH[file] ?? KINDS[`${doc.apiVersion}/${doc.kind}`];
      out.push({ file, index, id: `${file}#${index}`, doc, schema });
    });
  }
  return out;
}

/** The one document of `kind` in `file`. */
export function only(manifests: readonly Manifest[], file: string, kind?: string): Doc {
  const found = manifests.filter((m) => m.file === file && (kind === undefined || m.doc.kind === kind));
  if (found.length !== 1) throw new Error(`${file}: expected one ${kind ?? 'document'}, found ${found.length}`);
  return found[0].doc;
}
