export { v1RestRoutes, handleV1Infer, type V1RoutesOptions } from './routes.js';
export { decodeV1Request, encodeV1Response } from './codec.js';
