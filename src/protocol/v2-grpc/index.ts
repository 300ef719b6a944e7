/** V2 gRPC adapter (KServe Open Inference Protocol + Triton extensions): the listener and its pure codec. */
export { startGrpcServer, loadPackageDefinition, protoDir } from './service.js';
export type { GrpcServerOptions, GrpcServerHandle } from './service.js';
export type { GrpcLogger } from './call.js';
export { decodeModelInferRequest, encodeModelInferResponse } from './codec.js';
export type { DecodeLimits } from './codec.js';
export { LOADER_OPTIONS } from './wire.js';
