export { SETTINGS, envName, type ServerConfig, type SettingSpec } from './schema.js';
export { loadConfig, ConfigError } from './load.js';
export { packageVersion } from './package.js';
