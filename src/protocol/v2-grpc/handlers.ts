/**
 * The GRPCInferenceService implementation: each rpc maps its request onto one InferenceApi call and the result
 * back onto the response message (proto/grpc_service.proto). Rpcs without an entry here (shared memory, trace,
 * log settings) get grpc-js's default handler, which answers UNIMPLEMENTED.
 */
import type { Metadata, ServerUnaryCall, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import type { InferenceApi, ModelStatistics, StatDuration, TensorSpec } from '../../core/index.js';
import { isServerError } from '../../errors/index.js';
import type { RequestObserver } from '../../observability/index.js';
import { modelConfigMessage } from '../model-config/index.js';
import { contextFor, inferOnce, toGrpcError, type GrpcLogger } from './call.js';
import type { DecodeLimits } from './codec.js';
import { modelStreamInfer } from './stream.js';

export interface HandlerOptions {
  readonly limits: DecodeLimits;
  readonly logger: GrpcLogger;
  /**
   * The management policy (DESIGN.md §4: one policy for every listener), given the `authorization` metadata
   * value; throws a ServerError (UNAUTHENTICATED / PERMISSION_DENIED) to refuse. Absent: management is open.
   */
  readonly authorizeManagement?: (authorization: string | undefined) => void | Promise<void>;
  /** Metrics, access log and traces of each inference request. */
  readonly observer?: RequestObserver;
}

type Req = Record<string, unknown>;
type Impl = (req: Req, call: ServerUnaryCall<Req, unknown>) => unknown;

/** Runs `fn` and answers with its result, or with the status its error maps to. */
function unary(method: string, log: GrpcLogger, fn: Impl) {
  return (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>): void => {
    Promise.resolve()
      .then(() => fn(call.request, call))
      .then((res) => callback(null, res), (e: unknown) => callback(toGrpcError(e, method, log)));
  };
}

const text = (s: unknown): string => (typeof s === 'string' ? s : '');
const optional = (s: unknown): string | undefined => (typeof s === 'string' && s !== '' ? s : undefined);

const tensorMetadata = (t: TensorSpec) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] });

/** uint64 statistics from JS numbers: whole and non-negative (protobufjs would truncate silently anyway). */
const u64 = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0);
const duration = (d: StatDuration) => ({ count: u64(d.count), ns: u64(d.ns) });

function modelStatistics(s: ModelStatistics) {
  const i = s.inference_stats;
  return {
    name: s.name, version: s.version, last_inference: u64(s.last_inference),
    inference_count: u64(s.inference_count), execution_count: u64(s.execution_count),
    inference_stats: {
      success: duration(i.success), fail: duration(i.fail), queue: duration(i.queue),
      compute_input: duration(i.compute_input), compute_infer: duration(i.compute_infer),
      compute_output: duration(i.compute_output), cache_hit: duration(i.cache_hit), cache_miss: duration(i.cache_miss),
    },
    batch_stats: s.batch_stats.map((b) => ({
      batch_size: u64(b.batch_size), compute_input: duration(b.compute_input),
      compute_infer: duration(b.compute_infer), compute_output: duration(b.compute_output),
    })),
  };
}

/** ModelReady answers ready:false for an unknown model or version, never an error (inference_grpc.md). */
function modelReady(api: InferenceApi, req: Req): { ready: boolean } {
  try {
    return { ready: api.isModelReady(text(req.name), optional(req.version)) };
  } catch (e) {
    if (isServerError(e) && e.code === 'NOT_FOUND') return { ready: false };
    throw e;
  }
}

/**
 * ModelRepositoryParameter (a oneof of bool, int64, string, bytes) -> its value, keyed by name. What a load or
 * unload may carry is core's rule (core/management.ts), the same as over REST.
 */
function repositoryParameters(wire: unknown): Map<string, unknown> | undefined {
  if (typeof wire !== 'object' || wire === null) return undefined;
  const out = new Map<string, unknown>();
  for (const [key, p] of Object.entries(wire as Record<string, Record<string, unknown>>)) {
    const choice = p.parameter_choice;
    out.set(key, typeof choice === 'string' ? p[choice] : undefined);
  }
  return out;
}

async function authorize(opts: HandlerOptions, metadata: Metadata): Promise<void> {
  if (!opts.authorizeManagement) return;
  const v = metadata.get('authorization')[0];
  await opts.authorizeManagement(typeof v === 'string' ? v : undefined);
}

function repositoryHandlers(api: InferenceApi, opts: HandlerOptions): UntypedServiceImplementation {
  const log = opts.logger;
  return {
    RepositoryIndex: unary('RepositoryIndex', log, async (req, call) => {
      await authorize(opts, call.metadata);
      return { models: (await api.repositoryIndex(req.ready === true)).map((m) => ({ ...m })) };
    }),
    RepositoryModelLoad: unary('RepositoryModelLoad', log, async (req, call) => {
      await authorize(opts, call.metadata);
      await api.loadModel(text(req.model_name), repositoryParameters(req.parameters));
      return {};
    }),
    RepositoryModelUnload: unary('RepositoryModelUnload', log, async (req, call) => {
      await authorize(opts, call.metadata);
      await api.unloadModel(text(req.model_name), repositoryParameters(req.parameters));
      return {};
    }),
  };
}

export function createHandlers(api: InferenceApi, opts: HandlerOptions): UntypedServiceImplementation {
  const log = opts.logger;
  return {
    ServerLive: unary('ServerLive', log, () => ({ live: api.isLive() })),
    ServerReady: unary('ServerReady', log, () => ({ ready: api.isReady() })),
    ModelReady: unary('ModelReady', log, (req) => modelReady(api, req)),
    ServerMetadata: unary('ServerMetadata', log, () => {
      const m = api.serverMetadata();
      return { name: m.name, version: m.version, extensions: [...m.extensions] };
    }),
    ModelMetadata: unary('ModelMetadata', log, (req) => {
      const m = api.modelMetadata(text(req.name), optional(req.version));
      return {
        name: m.name, versions: [...m.versions], platform: m.platform,
        inputs: m.inputs.map(tensorMetadata), outputs: m.outputs.map(tensorMetadata),
      };
    }),
    ModelInfer: unary('ModelInfer', log, (req, call) => {
      const c = contextFor(call, opts.observer, 'ModelInfer');
      return inferOnce(api, req, c, opts.limits).finally(c.settle);
    }),
    ModelStreamInfer: modelStreamInfer(api, opts.limits, log, opts.observer),
    ModelConfig: unary('ModelConfig', log, (req) => ({ config: modelConfigMessage(api.modelConfig(text(req.name), optional(req.version))) })),
    ModelStatistics: unary('ModelStatistics', log, (req) => ({
      model_stats: api.statistics(optional(req.name), optional(req.version)).map(modelStatistics),
    })),
    ...repositoryHandlers(api, opts),
  };
}
