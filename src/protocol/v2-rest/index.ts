export { v2RestRoutes, handleV2Infer, type V2RestOptions } from './routes.js';
export { decodeInferRequest, encodeInferResponse, type DecodeLimits } from './json-codec.js';
export { splitBody, rawRequest, parseJson, parseJsonObject, HEADER_LENGTH } from './framing.js';
