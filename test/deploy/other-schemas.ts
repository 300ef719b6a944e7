/**
 * Types for the files in deploy/ that are not Kubernetes API objects, each limited to the fields we use and
 * written from the format's own reference: kustomize's Kustomization (kustomize.config.k8s.io/v1beta1), the
 * Compose specification, Prometheus' configuration file, Grafana's provisioning files, and the
 * prometheus-adapter Helm chart's `rules` values (the adapter's config format). As in kserve-crd.ts, a field
 * missing here is one to look up first.
 */

/** kustomize.config.k8s.io/v1beta1 Kustomization. */
export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1';
  kind: 'Kustomization';
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { path?: string; patch?: string; target?: { group?: string; version?: string; kind?: string; name?: string; namespace?: string; labelSelector?: string } }[];
}

/** A Compose file (compose-spec): services with the keys we use. */
export interface ComposeFile {
  name?: string;
  services: Record<string, {
    image?: string;
    build?: { context: string; dockerfile?: string; args?: Record<string, string> };
    command?: string[];
    ports?: string[];
    volumes?: string[];
    environment?: Record<string, string>;
    depends_on?: string[];
    stop_grace_period?: string;
  }>;
}

/** Prometheus' configuration file. */
export interface PrometheusConfig {
  global?: { scrape_interval?: string; evaluation_interval?: string };
  scrape_configs: { job_name: string; metrics_path?: string; scrape_interval?: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[];
}

/** Grafana provisioning: data sources. */
export interface GrafanaDatasources {
  apiVersion: 1;
  datasources: { name: string; type: string; uid?: string; access?: 'proxy' | 'direct'; url: string; isDefault?: boolean }[];
}

/** Grafana provisioning: dashboard providers. */
export interface GrafanaDashboards {
  apiVersion: 1;
  providers: { name: string; type: 'file'; folder?: string; disableDeletion?: boolean; options: { path: string } }[];
}

/** prometheus-adapter Helm values: `rules` in the adapter's discovery-rule format. */
export interface PrometheusAdapterValues {
  rules: {
    default?: boolean;
    custom: {
      seriesQuery: string;
      resources: { overrides: Record<string, { resource: string }> };
      name: { matches: string; as: string };
      metricsQuery: string;
    }[];
  };
}
