/**
 * The protocol's documents (metadata, configuration, statistics, repository index) as the client hands them out,
 * read from either wire: REST's JSON or the gRPC messages @grpc/proto-loader decodes (64-bit integers as decimal
 * strings, absent fields as defaults). Both read into the same shape, so callers never see which one it was.
 */
import { badResponse } from './errors.js';
import type {
  BatchStatistics, InferStatistics, ModelConfig, ModelMetadata, ModelStatistics, ModelTensorConfig, RepositoryModel,
  ServerMetadata, StatisticDuration, TensorMetadata,
} from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire documents are read field by field
type Any = any;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, what: string): Any {
  if (!isObject(v)) throw badResponse(`${what} is not an object`);
  return v;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const texts = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** A count from JSON (number, or bigint beyond 2^53) or from gRPC (decimal string); absent is 0. */
function count(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v))) return Number(v);
  return 0;
}

const dims = (v: unknown): number[] => (Array.isArray(v) ? v.map(count) : []);

export function toServerMetadata(v: unknown): ServerMetadata {
  const m = object(v, 'server metadata');
  return { name: text(m.name), version: text(m.version), extensions: texts(m.extensions) };
}

const tensorMetadata = (t: Any): TensorMetadata => ({ name: text(t?.name), datatype: text(t?.datatype), shape: dims(t?.shape) });

export function toModelMetadata(v: unknown): ModelMetadata {
  const m = object(v, 'model metadata');
  const list = (x: unknown): TensorMetadata[] => (Array.isArray(x) ? x.map(tensorMetadata) : []);
  return { name: text(m.name), versions: texts(m.versions), platform: text(m.platform), inputs: list(m.inputs), outputs: list(m.outputs) };
}

const tensorConfig = (t: Any): ModelTensorConfig => ({ ...object(t, 'model config tensor'), name: text(t.name), data_type: text(t.data_type), dims: dims(t.dims) });

/** Every field the server sent is kept; the ones every model has are given their types and defaults. */
export function toModelConfig(v: unknown): ModelConfig {
  const c = object(v, 'model config');
  const list = (x: unknown): ModelTensorConfig[] => (Array.isArray(x) ? x.map(tensorConfig) : []);
  return { ...c, name: text(c.name), max_batch_size: count(c.max_batch_size), input: list(c.input), output: list(c.output) };
}

const duration = (d: Any): StatisticDuration => ({ count: count(d?.count), ns: count(d?.ns) });

function inferStats(s: Any): InferStatistics {
  return {
    success: duration(s?.success), fail: duration(s?.fail), queue: duration(s?.queue),
    compute_input: duration(s?.compute_input), compute_infer: duration(s?.compute_infer),
    compute_output: duration(s?.compute_output), cache_hit: duration(s?.cache_hit), cache_miss: duration(s?.cache_miss),
  };
}

const batchStats = (b: Any): BatchStatistics => ({
  batch_size: count(b?.batch_size), compute_input: duration(b?.compute_input),
  compute_infer: duration(b?.compute_infer), compute_output: duration(b?.compute_output),
});

/** `{model_stats: [...]}`, the statistics extension's answer on both wires. */
export function toStatistics(v: unknown): ModelStatistics[] {
  const list = object(v, 'statistics').model_stats;
  if (!Array.isArray(list)) throw badResponse('statistics: model_stats is not an array');
  return list.map((m: Any) => ({
    name: text(m?.name), version: text(m?.version), last_inference: count(m?.last_inference),
    inference_count: count(m?.inference_count), execution_count: count(m?.execution_count),
    inference_stats: inferStats(m?.inference_stats), batch_stats: Array.isArray(m?.batch_stats) ? m.batch_stats.map(batchStats) : [],
  }));
}

export function toRepositoryIndex(v: unknown): RepositoryModel[] {
  if (!Array.isArray(v)) throw badResponse('repository index is not an array');
  return v.map((e: Any) => ({ name: text(e?.name), version: text(e?.version), state: text(e?.state), reason: text(e?.reason) }));
}
