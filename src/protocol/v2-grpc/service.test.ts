import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  checkLoadParameters, checkUnloadParameters, type InferCall, type InferContext, type InferResponse, type InferenceApi,
  type ManagementParameters, type ModelStatistics,
} from '../../core/index.js';
import { ServerError } from '../../errors/index.js';
import type { ModelConfig } from '../../repository/index.js';
import { loadPackageDefinition, startGrpcServer, type GrpcServerHandle } from './service.js';
import { MAX_IN_FLIGHT_PER_STREAM } from './stream.js';

// Decoded protobuf objects are read ad hoc in assertions; typing each message here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Decoded = any;

const zero = { count: 0, ns: 0 };
const STATS: ModelStatistics = {
  name: 'echo', version: '1', last_inference: 1700000000000, inference_count: 3, execution_count: 2,
  inference_stats: {
    success: { count: 3, ns: 1500 }, fail: zero, queue: zero, compute_input: zero, compute_infer: zero,
    compute_output: zero, cache_hit: zero, cache_miss: zero,
  },
  batch_stats: [{ batch_size: 1, compute_input: zero, compute_infer: { count: 2, ns: 900 }, compute_output: zero }],
};

/**
 * A stand-in for core: "echo" returns its inputs as outputs; "gated" does too, once the test opens its gate
 * (until then requests wait, and the most waiting at once is recorded); "boom" fails unexpectedly; "slow" waits
 * for its signal; any other name is NOT_FOUND. Like core, it resolves the name before decoding, and applies
 * core's own load/unload parameter rules.
 */
class FakeApi implements InferenceApi {
  readonly contexts: InferContext[] = [];
  readonly loaded: string[] = [];
  /** The most "gated" requests waiting at the same time. */
  gatedPeak = 0;
  private gated: (() => void)[] = [];
  private gateOpen = false;
  private readonly waiters: { readonly done: () => boolean; readonly resolve: () => void }[] = [];
  private readonly aborted = new Set<string>();

  private known(name: string): void {
    if (!['echo', 'boom', 'slow', 'gated'].includes(name)) throw new ServerError('NOT_FOUND', `unknown model '${name}'`);
  }
  async infer(call: InferCall, ctx: InferContext): Promise<InferResponse> {
    this.known(call.modelName);
    const req = call.decode();
    this.contexts.push(ctx);
    if (req.modelName === 'boom') throw new Error('/secret/path/libonnxruntime.so crashed');
    if (req.modelName === 'slow') {
      await new Promise<void>((resolve) => ctx.signal?.addEventListener('abort', () => resolve(), { once: true }));
      if (req.id) this.aborted.add(req.id);
      this.changed();
      throw new ServerError('CANCELLED', 'cancelled');
    }
    if (req.modelName === 'gated' && !this.gateOpen) {
      await new Promise<void>((resolve) => {
        this.gated.push(resolve);
        this.gatedPeak = Math.max(this.gatedPeak, this.gated.length);
        this.changed();
      });
    }
    return { modelName: req.modelName, modelVersion: '1', id: req.id, outputs: req.inputs };
  }
  /** Resolves once `n` gated requests wait at the same time. */
  whenGated(n: number): Promise<void> {
    return this.until(() => this.gated.length >= n);
  }
  get waiting(): number {
    return this.gated.length;
  }
  /** Answers the waiting gated requests, and every later one at once. */
  openGate(): void {
    this.gateOpen = true;
    for (const r of this.gated.splice(0)) r();
  }
  /** Resolves once the "slow" request with this id has seen its signal abort. */
  whenAborted(id: string): Promise<void> {
    return this.until(() => this.aborted.has(id));
  }
  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }
  private changed(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i].done()) this.waiters.splice(i, 1)[0].resolve();
  }
  serverMetadata() { return { name: 'onnxserve', version: '0.1.0', extensions: ['model_repository'] }; }
  isLive() { return true; }
  isReady() { return true; }
  isModelReady(name: string) { return name === 'echo'; }
  modelMetadata(name: string) {
    this.known(name);
    return { name, versions: ['1'], platform: 'onnxruntime_onnx', inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 4] }], outputs: [] };
  }
  modelConfig(name: string): ModelConfig {
    this.known(name);
    return {
      name, platform: 'onnxruntime_onnx', backend: 'onnxruntime', max_batch_size: 8,
      input: [{ name: 'x', data_type: 'FP32', dims: [4] }], output: [], version_policy: { latest: { num_versions: 1 } },
      instance_group: [{ name: `${name}_0`, kind: 'KIND_CPU', count: 1 }], parameters: {},
    };
  }
  async repositoryIndex() { return [{ name: 'echo', version: '1', state: 'READY' as const, reason: '' }]; }
  async loadModel(name: string, parameters?: ManagementParameters) {
    checkLoadParameters(parameters);
    this.loaded.push(name);
  }
  async unloadModel(name: string, parameters?: ManagementParameters) {
    checkUnloadParameters(parameters);
    this.known(name);
  }
  statistics() { return [STATS]; }
}

const api = new FakeApi();
let server: GrpcServerHandle;
let client: Decoded;

before(async () => {
  server = await startGrpcServer(api, { host: '127.0.0.1', port: 0, maxMessageBytes: 1 << 20 });
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as Decoded;
  client = new pkg.inference.GRPCInferenceService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});

after(async () => {
  client.close();
  await server.close(1000);
});

function call(method: string, req: object, options: grpc.CallOptions = {}): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    client[method](req, new grpc.Metadata(), options, (err: grpc.ServiceError | null, res: Decoded) => (err ? reject(err) : resolve(res)));
  });
}

async function rejectsWith(p: Promise<unknown>, code: grpc.status, details?: RegExp): Promise<void> {
  await assert.rejects(p, (e: grpc.ServiceError) => {
    assert.equal(e.code, code, `${grpc.status[e.code]}: ${e.details}`);
    if (details) assert.match(e.details, details);
    return true;
  });
}

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);

void test('port 0 binds a real port', () => {
  assert.ok(server.port > 0);
});

void test('ServerLive, ServerReady, ServerMetadata', async () => {
  assert.deepEqual(await call('ServerLive', {}), { live: true });
  assert.deepEqual(await call('ServerReady', {}), { ready: true });
  assert.deepEqual(await call('ServerMetadata', {}), { name: 'onnxserve', version: '0.1.0', extensions: ['model_repository'] });
});

void test('ModelReady: unknown model is ready:false, not an error', async () => {
  assert.deepEqual(await call('ModelReady', { name: 'echo' }), { ready: true });
  assert.deepEqual(await call('ModelReady', { name: 'nope' }), { ready: false });
});

void test('ModelMetadata, and NOT_FOUND for an unknown model', async () => {
  const m = await call('ModelMetadata', { name: 'echo' });
  assert.deepEqual(m.inputs, [{ name: 'x', datatype: 'FP32', shape: ['-1', '4'] }]);
  assert.equal(m.platform, 'onnxruntime_onnx');
  await rejectsWith(call('ModelMetadata', { name: 'nope' }), grpc.status.NOT_FOUND, /unknown model 'nope'/);
});

void test('ModelInfer with raw contents: outputs come back raw, id echoed, deadline and signal passed', async () => {
  const big = 2n ** 60n + 3n;
  const res = await call('ModelInfer', {
    model_name: 'echo', id: 'req-1',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2] }, { name: 'n', datatype: 'INT64', shape: [1] }, { name: 's', datatype: 'BYTES', shape: [1] }],
    raw_input_contents: [f32([1, 2, 3, 4]), Buffer.from(new BigInt64Array([big]).buffer), Buffer.from([2, 0, 0, 0, 0x68, 0x69])],
  }, { deadline: Date.now() + 10_000 });
  assert.equal(res.id, 'req-1');
  assert.equal(res.model_name, 'echo');
  assert.deepEqual(res.outputs.map((o: Decoded) => [o.name, o.datatype, o.shape]), [['x', 'FP32', ['2', '2']], ['n', 'INT64', ['1']], ['s', 'BYTES', ['1']]]);
  assert.deepEqual(res.raw_output_contents[0], f32([1, 2, 3, 4]));
  assert.equal(new BigInt64Array(new Uint8Array(res.raw_output_contents[1]).buffer)[0], big);
  assert.deepEqual(res.raw_output_contents[2], Buffer.from([2, 0, 0, 0, 0x68, 0x69]));
  const ctx = api.contexts.at(-1)!;
  assert.ok(ctx.deadline && ctx.deadline > Date.now(), 'deadline carried into the context');
  assert.ok(ctx.signal && !ctx.signal.aborted);
});

void test('ModelInfer: decode errors are INVALID_ARGUMENT, unknown model NOT_FOUND, other failures INTERNAL without detail', async () => {
  await rejectsWith(call('ModelInfer', { model_name: 'echo', inputs: [{ name: 'x', datatype: 'FP32', shape: [2] }], raw_input_contents: [f32([1])] }),
    grpc.status.INVALID_ARGUMENT, /raw_input_contents is 4 bytes, but shape \[2\] of FP32 needs 8/);
  await rejectsWith(call('ModelInfer', { model_name: 'nope', inputs: [] }), grpc.status.NOT_FOUND);
  await rejectsWith(call('ModelInfer', { model_name: 'boom', inputs: [] }), grpc.status.INTERNAL, /^internal error$/);
});

// "slow" never answers by itself, so its deadline passes on any machine; the timeout only guards against a hang.
void test('ModelInfer: the client deadline aborts the request signal', { timeout: 60_000 }, async () => {
  await rejectsWith(call('ModelInfer', { model_name: 'slow', id: 'deadline-1', inputs: [] }, { deadline: Date.now() + 150 }), grpc.status.DEADLINE_EXCEEDED);
  await api.whenAborted('deadline-1');
});

void test('messages above maxMessageBytes are refused', async () => {
  const huge = Buffer.alloc((1 << 20) + 16);
  await rejectsWith(call('ModelInfer', { model_name: 'echo', inputs: [{ name: 'x', datatype: 'UINT8', shape: [huge.length] }], raw_input_contents: [huge] }),
    grpc.status.RESOURCE_EXHAUSTED);
});

void test('ModelStreamInfer: each request answered, a failing one as error_message, the stream goes on', async () => {
  const stream = client.ModelStreamInfer();
  const responses: Decoded[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (r: Decoded) => responses.push(r));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const req = (model: string, id: string) => ({ model_name: model, id, inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }], raw_input_contents: [f32([Number(id)])] });
  stream.write(req('echo', '1'));
  stream.write(req('nope', '2'));
  stream.write(req('echo', '3'));
  stream.end();
  await done;
  assert.equal(responses.length, 3);
  const byId = new Map(responses.map((r) => [r.infer_response.id, r]));
  assert.equal(byId.get('1').error_message, '');
  assert.deepEqual(byId.get('1').infer_response.raw_output_contents, [f32([1])]);
  assert.match(byId.get('2').error_message, /unknown model 'nope'/);
  assert.equal(byId.get('3').error_message, '');
  assert.deepEqual(byId.get('3').infer_response.raw_output_contents, [f32([3])]);
});

void test('ModelStreamInfer: more requests than the per-stream in-flight cap are all answered', async () => {
  const stream = client.ModelStreamInfer();
  const ids: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (r: Decoded) => ids.push(r.infer_response.id));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (let i = 0; i < 150; i++) stream.write({ model_name: 'gated', id: String(i), inputs: [] });
  stream.end();
  // The first 64 wait at the gate and the stream is paused: a unary call answered on the same channel after them
  // shows no 65th was taken meanwhile.
  await api.whenGated(MAX_IN_FLIGHT_PER_STREAM);
  assert.deepEqual(await call('ServerLive', {}), { live: true });
  assert.equal(api.waiting, MAX_IN_FLIGHT_PER_STREAM);
  api.openGate();
  await done;
  assert.deepEqual(ids.map(Number).sort((a, b) => a - b), Array.from({ length: 150 }, (_, i) => i));
  assert.equal(api.gatedPeak, MAX_IN_FLIGHT_PER_STREAM, 'never more in flight on one stream than the cap');
});

void test('ModelConfig renders the typed configuration, enums by name', async () => {
  const { config } = await call('ModelConfig', { name: 'echo' });
  assert.equal(config.name, 'echo');
  assert.equal(config.max_batch_size, 8);
  assert.equal(config.input[0].data_type, 'TYPE_FP32');
  assert.deepEqual(config.input[0].dims, ['4']);
  await rejectsWith(call('ModelConfig', { name: 'nope' }), grpc.status.NOT_FOUND);
});

void test('ModelStatistics', async () => {
  const { model_stats: [s] } = await call('ModelStatistics', {});
  assert.equal(s.name, 'echo');
  assert.equal(s.last_inference, '1700000000000');
  assert.deepEqual(s.inference_stats.success, { count: '3', ns: '1500' });
  assert.deepEqual(s.batch_stats[0].compute_infer, { count: '2', ns: '900' });
});

void test('repository: index, load, unload; config or files from the wire are refused', async () => {
  assert.deepEqual((await call('RepositoryIndex', { ready: true })).models, [{ name: 'echo', version: '1', state: 'READY', reason: '' }]);
  assert.deepEqual(await call('RepositoryModelLoad', { model_name: 'echo' }), {});
  assert.deepEqual(api.loaded, ['echo']);
  await rejectsWith(call('RepositoryModelLoad', { model_name: 'echo', parameters: { config: { string_param: '{}' } } }), grpc.status.INVALID_ARGUMENT, /'config' is refused: file and config overrides/);
  await rejectsWith(call('RepositoryModelLoad', { model_name: 'echo', parameters: { 'file:1/model.onnx': { bytes_param: Buffer.from('x') } } }), grpc.status.INVALID_ARGUMENT);
  assert.deepEqual(api.loaded, ['echo'], 'refused loads never reach core');
  assert.deepEqual(await call('RepositoryModelUnload', { model_name: 'echo' }), {});
  assert.deepEqual(await call('RepositoryModelUnload', { model_name: 'echo', parameters: { unload_dependents: { bool_param: true } } }), {});
  await rejectsWith(call('RepositoryModelUnload', { model_name: 'echo', parameters: { unload_dependents: { string_param: 'yes' } } }),
    grpc.status.INVALID_ARGUMENT, /'unload_dependents' must be true or false, got "yes"/);
  await rejectsWith(call('RepositoryModelUnload', { model_name: 'nope' }), grpc.status.NOT_FOUND);
});

void test('declared but unimplemented rpcs answer UNIMPLEMENTED', async () => {
  await rejectsWith(call('SystemSharedMemoryStatus', {}), grpc.status.UNIMPLEMENTED);
  await rejectsWith(call('CudaSharedMemoryRegister', { name: 'r' }), grpc.status.UNIMPLEMENTED);
  await rejectsWith(call('TraceSetting', {}), grpc.status.UNIMPLEMENTED);
  await rejectsWith(call('LogSettings', {}), grpc.status.UNIMPLEMENTED);
});

void test('management guard gets the authorization metadata; unexpected errors are logged with their cause', async () => {
  const seen: (string | undefined)[] = [];
  const logged: object[] = [];
  const logger = { info() {}, warn() {}, error: (o: object) => { logged.push(o); } };
  const guarded = await startGrpcServer(api, {
    host: '127.0.0.1', port: 0, maxMessageBytes: 1 << 20, logger,
    authorizeManagement: (auth) => {
      seen.push(auth);
      if (auth !== 'Bearer t0k') throw new ServerError('UNAUTHENTICATED', 'admin token required');
    },
  });
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as Decoded;
  const c = new pkg.inference.GRPCInferenceService(`127.0.0.1:${guarded.port}`, grpc.credentials.createInsecure());
  const unload = (md: grpc.Metadata) => new Promise((resolve, reject) => {
    c.RepositoryModelUnload({ model_name: 'echo' }, md, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r)));
  });
  try {
    await rejectsWith(unload(new grpc.Metadata()), grpc.status.UNAUTHENTICATED);
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer t0k');
    assert.deepEqual(await unload(md), {});
    assert.deepEqual(seen, [undefined, 'Bearer t0k']);
    await rejectsWith(new Promise((resolve, reject) => {
      c.ModelInfer({ model_name: 'boom' }, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r)));
    }), grpc.status.INTERNAL, /^internal error$/);
    assert.match(String((logged[0] as { err: Error }).err.message), /libonnxruntime\.so crashed/);
  } finally {
    c.close();
    await guarded.close(500);
  }
});
