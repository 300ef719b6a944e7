/** The one HTTP stack: a route table and the pipeline that serves it (node:http + find-my-way). */
export { createPipeline, type Pipeline, type PipelineOptions } from './pipeline.js';
export { checkContentEncoding, checkMediaType, MAX_CHUNKS } from './body.js';
export type { BodySpec, BodyMediaRule, HttpAnswer, HttpMethod, HttpRequest, HttpRoute } from './types.js';
export { answerClientError } from './client-error.js';
