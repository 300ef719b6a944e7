/**
 * Model configuration: Triton's config.pbtxt (protobuf text format) parsed into a typed, frozen ModelConfig, then
 * completed from and checked against the ONNX model. The adapters render it (protocol/model-config).
 *
 *   const { config, warnings } = parseModelConfig(text, `${model}/config.pbtxt`);
 *   const done = completeConfig(model, config, metadataFromOnnx);   // or completeConfig(model, undefined, meta)
 */
export { parsePbtxt, PbtxtError } from './pbtxt.js';
export type { PbField, PbIdent, PbMessage, PbNumber, PbScalar, PbString, PbValue, Position } from './pbtxt.js';
export { parseModelConfig, maxBatchSizeGiven, ModelConfigError } from './model-config.js';
export type { ParsedModelConfig } from './model-config.js';
export { completeConfig, configMetadata, effectiveShape, modelShape } from './complete.js';
export type { CompletedModelConfig } from './complete.js';
export { DEFAULT_INSTANCE_COUNT, DEFAULT_MAX_BATCH_SIZE, ONNX_BACKEND, ONNX_PLATFORM } from './types.js';
export type {
  Accelerator, DynamicBatching, ExecutionAccelerators, InstanceGroup, InstanceKind, ModelConfig, Optimization,
  QueuePolicy, ResponseCache, TensorConfig, TensorReshape, TimeoutAction, VersionPolicy,
} from './types.js';
export { servingView, type ServingView } from './serving-view.js';
