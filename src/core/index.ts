export * from './types.js';
export * from './api.js';
export { InferenceService, type ServiceOptions } from './service.js';
export { validateInputs, resolveOutputs, shapeText, type ValidationLimits } from './validate.js';
// The request rules every adapter shares (issue 10): one place each.
export { checkModelName, checkModelVersion, isModelName, MODEL_NAME_MAX } from './names.js';
export { checkShape, MAX_RANK } from './shape.js';
export { checkRequestParameters, checkInputParameters, checkOutputParameters, type RequestSettings } from './parameters.js';
export { checkLoadParameters, checkUnloadParameters, type ManagementParameters } from './management.js';
export { failureOf, type FailureStage } from './failures.js';
export { clip, describe } from './text.js';
