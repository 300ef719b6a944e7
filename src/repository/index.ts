export { ModelRegistry, type RegistryOptions, type RegistryLogger } from './registry.js';
export { ModelVersion } from './model-version.js';
export type { ServingDefaults } from './serving-config.js';
export type {
  Accelerator, DynamicBatching, ExecutionAccelerators, InstanceGroup, ModelConfig, Optimization, QueuePolicy,
  TensorConfig, TensorReshape, VersionPolicy,
} from './config/index.js';
