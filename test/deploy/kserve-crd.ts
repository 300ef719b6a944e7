/**
 * The part of KServe's CRDs that deploy/kserve/ uses, as types, written from KServe's published CRDs
 * (config/crd/full/serving.kserve.io_clusterservingruntimes.yaml and serving.kserve.io_inferenceservices.yaml
 * in kserve/kserve): field names, types and required fields as their openAPIV3Schema gives them. Where the CRD
 * embeds a Kubernetes type (a Container, ResourceRequirements, ContainerPort) it is kubernetes-models' type, so an
 * unknown field inside it is refused too.
 *
 * Fields we do not use are left out on purpose: using a new one means reading its schema in the CRD and adding it
 * here, rather than a typo passing as an unknown field the API server would reject (or prune).
 */
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';

/**
 * The CRD types protocolVersions and protocolVersion as plain strings; these are the values KServe's controller
 * knows (pkg/constants InferenceServiceProtocol). Anything else selects no runtime.
 */
export type InferenceProtocol = 'v1' | 'v2' | 'grpc-v1' | 'grpc-v2';
export const INFERENCE_PROTOCOLS: readonly InferenceProtocol[] = ['v1', 'v2', 'grpc-v1', 'grpc-v2'];

/** Storage URI schemes the controller accepts (SupportedStorageURIPrefixList in its inferenceservice utils). */
export const STORAGE_URI_PREFIXES = ['gs://', 's3://', 'pvc://', 'file://', 'https://', 'http://', 'hdfs://', 'webhdfs://', 'oci://', 'oci+native://', 'oci+fetch://', 'hf://'] as const;

/** spec.supportedModelFormats[]: name required; priority is int32 with minimum 1. */
export interface SupportedModelFormat {
  name: string;
  version?: string;
  autoSelect?: boolean;
  priority?: number;
}

/** ClusterServingRuntime (serving.kserve.io/v1alpha1): spec.containers is the one required field. */
export interface ClusterServingRuntime {
  apiVersion: 'serving.kserve.io/v1alpha1';
  kind: 'ClusterServingRuntime';
  metadata: ObjectMeta;
  spec: {
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    supportedModelFormats?: SupportedModelFormat[];
    protocolVersions?: InferenceProtocol[];
    multiModel?: boolean;
    disabled?: boolean;
    containers: IContainer[];
  };
}

/** spec.predictor.model: a Container plus KServe's model fields; modelFormat.name is required. */
export interface PredictorModel {
  modelFormat: { name: string; version?: string };
  runtime?: string;
  runtimeVersion?: string;
  protocolVersion?: InferenceProtocol;
  storageUri?: string;
  resources?: IResourceRequirements;
  ports?: IContainerPort[];
  args?: string[];
  env?: IContainer['env'];
}

/** InferenceService (serving.kserve.io/v1beta1): spec.predictor is required. */
export interface InferenceService {
  apiVersion: 'serving.kserve.io/v1beta1';
  kind: 'InferenceService';
  metadata: ObjectMeta;
  spec: {
    predictor: {
      minReplicas?: number;
      maxReplicas?: number;
      scaleMetric?: 'cpu' | 'memory' | 'concurrency' | 'rps';
      scaleTarget?: number;
      terminationGracePeriodSeconds?: number;
      model?: PredictorModel;
    };
  };
}
