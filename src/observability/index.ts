/**
 * Observability: JSON logs (pino), Triton's statistics (VersionStats), Prometheus metrics with Triton's names,
 * OpenTelemetry traces, request ids and the access log. Other modules import it through this file.
 */
export { createLogger, type Logger } from './logger.js';
export { VersionStats, FAILURE_REASONS, type Failure, type FailureReason, type RequestRecord, type StatsListener } from './stats.js';
export { ServerMetrics, type ServedModels, type ServedVersion, type Protocol } from './metrics.js';
export { HistogramFamily, HistogramChild, SnapshotFamily } from './families.js';
export {
  isTracing, startTracing, tracingRequested, contextFromHeaders, contextFromMetadata, InferTrace,
  type InferTraceHooks, type TracingHandle, type TracingSettings, type SpanExporter, type MetadataLike,
} from './tracing.js';
export { RequestObserver, Observation, type Endpoint, type RequestStart, type RequestObserverOptions } from './request-observer.js';
export { genReqId, requestIdFrom, REQUEST_ID_PATTERN, type AccessRecord } from './request-log.js';
export { Observability, type ObservabilitySettings, type ObservabilityOptions } from './setup.js';
