/**
 * The gRPC load generator: unary inference.GRPCInferenceService/ModelInfer calls over one @grpc/grpc-js channel
 * (HTTP/2 multiplexes the concurrent calls, as Triton's clients do), closed or open loop, bounded in time.
 */
import * as grpc from '@grpc/grpc-js';
import { loadPackageDefinition } from '../protocol/v2-grpc/index.js';
import { drive } from './http-own.js';
import type { ModelMeta } from './payload.js';
import { LatencyRecorder } from './stats.js';
import type { LoadResult, LoadSpec } from './types.js';

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
interface InferenceClient extends grpc.Client {
  ModelInfer: Unary;
  ModelMetadata: Unary;
}

const MAX_MESSAGE = 256 * 1024 * 1024;

export function grpcClient(address: string): InferenceClient {
  const proto = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
    inference: { GRPCInferenceService: new (addr: string, creds: grpc.ChannelCredentials, opts: grpc.ChannelOptions) => InferenceClient };
  };
  return new proto.inference.GRPCInferenceService(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
}

function call(client: InferenceClient, method: 'ModelInfer' | 'ModelMetadata', req: unknown, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client[method](req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** ModelMetadata over gRPC, in the REST metadata's shape (shapes as numbers). */
export async function fetchModelMetaGrpc(address: string, model: string, version?: string): Promise<ModelMeta> {
  const client = grpcClient(address);
  try {
    const res = (await call(client, 'ModelMetadata', { name: model, version: version ?? '' }, 10_000)) as {
      name: string; versions: string[];
      inputs: { name: string; datatype: string; shape: string[] }[]; outputs: { name: string; datatype: string; shape: string[] }[];
    };
    const t = (x: { name: string; datatype: string; shape: string[] }) => ({ name: x.name, datatype: x.datatype, shape: x.shape.map(Number) });
    return { name: res.name, versions: res.versions, inputs: res.inputs.map(t), outputs: res.outputs.map(t) };
  } finally {
    client.close();
  }
}

/** One ModelInfer; rejects with the gRPC status on failure. */
export async function grpcInferOnce(address: string, request: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
  const client = grpcClient(address);
  try {
    return await call(client, 'ModelInfer', request, timeoutMs);
  } finally {
    client.close();
  }
}

export async function runGrpc(spec: LoadSpec): Promise<LoadResult> {
  if (spec.payload.kind !== 'grpc') throw new Error('runGrpc needs a gRPC payload');
  const address = spec.target.grpcAddress;
  if (!address) throw new Error('no gRPC address (--grpc-url host:port)');
  const request = spec.payload.request;
  const client = grpcClient(address);
  const latencies = new LatencyRecorder();
  let errors = 0;
  let firstError: string | undefined;
  let delayed: number;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + spec.durationMs;

  const one = async (): Promise<boolean> => {
    const start = performance.now();
    try {
      await call(client, 'ModelInfer', request, spec.timeoutMs);
      latencies.record(performance.now() - start);
      return true;
    } catch (e) {
      errors++;
      firstError ??= e instanceof Error ? e.message : String(e);
      return false;
    }
  };
  try {
    delayed = await drive(spec, deadline, t0, one, () => [latencies.count, errors]);
  } finally {
    client.close();
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    requests: latencies.count, errors, delayed, elapsedMs: performance.now() - t0,
    latencyMs: latencies.values(), clientCpuUs: cpu.user + cpu.system, firstError,
  };
}
