export type * from './types.js';
export { OrtBackend, type OrtBackendEvents } from './ort/backend.js';
