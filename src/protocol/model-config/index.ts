/** Rendering the typed model configuration for the wire: Triton's JSON (REST) and the ModelConfig message (gRPC). */
export { modelConfigJson, modelConfigMessage, type Printed, type PrintedObject } from './table.js';
