/**
 * onnxserve as a library (package.json `exports["."]`): start the server inside another Node program, or drive
 * its inference service directly. A deliberately small surface: what a program needs to configure, start, call
 * and stop the server, and the types those calls take and return. Everything else is internal and may change;
 * the command line (`onnxserve serve`, the package's bin) is the other public entry.
 */
export { startServer, EXTENSIONS, type RunningServer, type StartOptions, type ShutdownOptions } from './server/index.js';
export { loadConfig, ConfigError, SETTINGS, type ServerConfig, type SettingSpec } from './config/index.js';
export {
  InferenceService,
  type InferenceApi, type V1Api, type ServiceOptions,
  type InferRequest, type InferResponse, type InferContext, type CancelSignal, type RequestedOutput,
  type Parameters, type ParameterValue, type ModelMetadata, type TensorSpec,
  type ServerMetadata, type ModelMetadataResponse, type RepositoryIndexEntry, type ModelInfo, type VersionState,
  type ModelStatistics, type InferStatistics, type BatchStatistics, type StatDuration,
} from './core/index.js';
export { ServerError, ERROR_CODES, type ErrorCode } from './errors/index.js';
export { DATATYPES, type Datatype, type Tensor, type TensorData, type NumericArray } from './tensor/index.js';
// A Backend runs the models (StartOptions.backend); the default is onnxruntime-node in worker threads.
export type { Backend, LoadedModel, SessionOptions, RunResult, RunTimings, ExecutionProvider } from './backend/index.js';
export type { Logger } from './observability/index.js';
