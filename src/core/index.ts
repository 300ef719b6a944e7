export * from './types.js';
export * from './api.js';
export { InferenceService, type ServiceOptions } from './service.js';
export { validateInputs, resolveOutputs, shapeText, type ValidationLimits } from './validate.js';
