/**
 * onnxserve/client: a TypeScript client for the KServe V2 / Open Inference Protocol and Triton's extensions, over
 * REST (JSON or Triton's binary tensor extension) and gRPC. It talks to onnxserve and to NVIDIA Triton alike, and
 * depends on nothing of the server but the pure datatype table (src/tensor).
 */
export { InferenceClient, type ClientOptions, type Encoding, type Protocol } from './client.js';
export { ClientError, ERROR_CODES, type ClientErrorOptions, type ErrorCode } from './errors.js';
export { InferResult } from './result.js';
export { DATATYPES } from './datatypes.js';
export { bf16ToNumber, fp16ToNumber, numberToBf16, numberToFp16 } from './half.js';
export type {
  BatchStatistics, CallOptions, DataOf, Datatype, InferInput, InferOptions, InferRequestOptions, InferStatistics,
  InputData, ModelConfig, ModelMetadata, ModelOptions, ModelStatistics, ModelTensorConfig, NumericArray, OutputData,
  OutputTensor, ParameterValue, Parameters, RepositoryModel, RepositoryOptions, RepositoryParameters, RequestedOutput,
  ServerMetadata, StatisticDuration, StreamRequest, StreamResponse, TensorMetadata,
} from './types.js';
