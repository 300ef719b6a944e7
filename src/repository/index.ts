export { ModelRegistry, type RegistryOptions, type RegistryLogger } from './registry.js';
export { ModelVersion } from './model-version.js';
export type { ServingDefaults } from './serving-config.js';
export { checkModelName } from './paths.js';
export { configToJson, type ModelConfig } from './config/index.js';
