import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inject, type InjectOptions } from 'light-my-request';
import {
  checkLoadParameters, checkRequestParameters, checkUnloadParameters, type InferCall, type InferContext, type InferRequest,
  type InferResponse, type InferenceApi, type ManagementParameters, type ModelMetadataResponse, type ModelStatistics,
} from '../../core/index.js';
import { notFound } from '../../errors/index.js';
import type { ModelConfig } from '../../repository/index.js';
import { createPipeline } from '../http/index.js';
import { v2RestRoutes } from './routes.js';

const META: ModelMetadataResponse = {
  name: 'double', versions: ['1'], platform: 'onnxruntime_onnx',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
};

const CONFIG: ModelConfig = {
  name: 'double', platform: 'onnxruntime_onnx', backend: 'onnxruntime', max_batch_size: 8,
  input: [{ name: 'x', data_type: 'FP32', dims: [2] }], output: [{ name: 'y', data_type: 'FP32', dims: [2] }],
  version_policy: { latest: { num_versions: 1 } }, instance_group: [{ name: 'double_0', kind: 'KIND_CPU', count: 1 }],
  parameters: {},
};

/**
 * A fake core: model 'double' doubles its FP32 input; everything it was called with is recorded. Like core, it
 * resolves the name before decoding and applies core's own parameter rules.
 */
class FakeApi implements InferenceApi {
  ready = true;
  calls: { req: InferRequest; ctx: InferContext }[] = [];
  loads: string[] = [];
  async infer(call: InferCall, ctx: InferContext): Promise<InferResponse> {
    if (call.modelName !== 'double') throw notFound(`model '${call.modelName}' not found`);
    const req = call.decode();
    this.calls.push({ req, ctx });
    checkRequestParameters(req.parameters);
    const x = req.inputs[0];
    const data = Float32Array.from(x.data as Float32Array, (v) => v * 2);
    return { modelName: 'double', modelVersion: '1', id: req.id, outputs: [{ name: 'y', datatype: 'FP32', shape: x.shape, data }] };
  }
  serverMetadata() { return { name: 'onnxserve', version: '0.1.0', extensions: ['binary_tensor_data'] }; }
  isLive() { return true; }
  isReady() { return this.ready; }
  isModelReady(name: string) { return name === 'double'; }
  modelMetadata(name: string): ModelMetadataResponse {
    if (name !== 'double') throw notFound(`model '${name}' not found`);
    return META;
  }
  modelConfig(): ModelConfig { return CONFIG; }
  async repositoryIndex(readyOnly: boolean) { return [{ name: 'double', version: '1', state: 'READY' as const, reason: readyOnly ? 'r' : '' }]; }
  async loadModel(name: string, parameters?: ManagementParameters) {
    checkLoadParameters(parameters);
    this.loads.push(`load ${name}`);
  }
  async unloadModel(name: string, parameters?: ManagementParameters) {
    checkUnloadParameters(parameters);
    this.loads.push(`unload ${name}`);
  }
  statistics(name?: string): ModelStatistics[] { return name === undefined ? [] : []; }
}

const api = new FakeApi();
// The routes on the one HTTP pipeline, driven in-process (light-my-request: fastify's inject, for any handler).
const pipeline = createPipeline({ routes: v2RestRoutes({ api, maxBodyBytes: 4096, maxElements: 1000 }), authorize: () => undefined, logError: () => undefined });
const app = { inject: (o: InjectOptions | string) => inject(pipeline.handle, o) };

const f32 = (...v: number[]): Buffer => Buffer.from(new Float32Array(v).buffer);

void describe('infer', () => {
  void test('JSON in, JSON out, with and without a version in the path', async () => {
    for (const url of ['/v2/models/double/infer', '/v2/models/double/versions/1/infer']) {
      const res = await app.inject({ method: 'POST', url, payload: { id: 'a', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] } });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-type'] as string, /application\/json/);
      assert.deepEqual(res.json(), { model_name: 'double', model_version: '1', id: 'a', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 2], data: [2, 4] }] });
    }
    assert.equal(api.calls.at(-1)!.req.modelVersion, '1');
    assert.ok(api.calls.at(-1)!.ctx.signal, 'a cancel signal reaches the core');
  });
  void test('binary in and out, with no Content-Type at all (as tritonclient sends it)', async () => {
    const header = Buffer.from(JSON.stringify({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }],
      outputs: [{ name: 'y', parameters: { binary_data: true } }],
    }));
    const res = await app.inject({
      method: 'POST', url: '/v2/models/double/infer', payload: Buffer.concat([header, f32(1.5, -3)]),
      headers: { 'inference-header-content-length': String(header.length), 'content-type': undefined },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    const n = Number(res.headers['inference-header-content-length']);
    const json = JSON.parse(res.rawPayload.subarray(0, n).toString()) as { outputs: { parameters: { binary_data_size: number } }[] };
    assert.equal(json.outputs[0].parameters.binary_data_size, 8);
    const tail = res.rawPayload.subarray(n);
    assert.deepEqual(Array.from(new Float32Array(tail.buffer.slice(tail.byteOffset, tail.byteOffset + 8))), [3, -6]);
  });
  void test('raw binary body (Inference-Header-Content-Length: 0)', async () => {
    const res = await app.inject({
      method: 'POST', url: '/v2/models/double/infer', payload: f32(1, 2),
      headers: { 'inference-header-content-length': '0', 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(api.calls.at(-1)!.req.inputs[0].shape, [1, 2]);
    assert.ok(res.headers['inference-header-content-length']);
  });
  void test('the timeout parameter (µs) reaches the core, which applies it under the model\'s queue policy', async () => {
    await app.inject({ method: 'POST', url: '/v2/models/double/infer', payload: { parameters: { timeout: 2_000_000 }, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] } });
    assert.equal(api.calls.at(-1)!.req.parameters?.get('timeout'), 2_000_000);
    const bad = await app.inject({ method: 'POST', url: '/v2/models/double/infer', payload: { parameters: { timeout: -5 }, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] } });
    assert.equal(bad.statusCode, 400);
  });
  void test('bad requests are 400 {"error"}, unknown models 404, oversize 413, compressed 415', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v2/models/double/infer', payload: '{"inputs":[{"name":' , headers: { 'content-type': 'application/json' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ error: string }>().error, /could not parse request body as JSON/);
    const miss = await app.inject({ method: 'POST', url: '/v2/models/nope/infer', payload: { inputs: [] } });
    assert.equal(miss.statusCode, 404);
    const big = await app.inject({ method: 'POST', url: '/v2/models/double/infer', payload: Buffer.alloc(5000), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(big.statusCode, 413);
    // Compressed bodies are refused app-wide (server/chunk-limit.ts refuseEncodedBodies; robustness cases 12.x).
    const text = await app.inject({ method: 'POST', url: '/v2/models/double/infer', payload: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.statusCode, 415);
    const hostile = await app.inject({ method: 'GET', url: '/v2/models/..%2f..%2fetc/ready' });
    assert.equal(hostile.statusCode, 400);
  });
});

void describe('health, metadata, management', () => {
  void test('health: 200 with a body, 503 when not ready; model ready 200 / 400', async () => {
    assert.deepEqual((await app.inject('/v2/health/live')).json(), { live: true });
    assert.equal((await app.inject('/v2/health/ready')).statusCode, 200);
    api.ready = false;
    assert.equal((await app.inject('/v2/health/ready')).statusCode, 503);
    api.ready = true;
    assert.equal((await app.inject('/v2/models/double/ready')).statusCode, 200);
    assert.equal((await app.inject('/v2/models/other/versions/2/ready')).statusCode, 400);
  });
  void test('server and model metadata, config, stats', async () => {
    assert.deepEqual((await app.inject('/v2')).json(), { name: 'onnxserve', version: '0.1.0', extensions: ['binary_tensor_data'] });
    assert.deepEqual((await app.inject('/v2/models/double')).json(), META);
    assert.equal((await app.inject('/v2/models/nope')).statusCode, 404);
    const config = (await app.inject('/v2/models/double/config')).json<Record<string, unknown>>();
    assert.equal(config.name, 'double');
    assert.equal(config.max_batch_size, 8);
    assert.deepEqual(config.version_policy, { latest: { num_versions: 1 } }, "Triton's JSON form (protocol/model-config)");
    assert.deepEqual((await app.inject('/v2/models/stats')).json(), { model_stats: [] });
    assert.deepEqual((await app.inject('/v2/models/double/versions/1/stats')).json(), { model_stats: [] });
  });
  void test('repository index, load and unload; file/config overrides refused', async () => {
    const index = await app.inject({ method: 'POST', url: '/v2/repository/index', payload: { ready: true } });
    assert.deepEqual(index.json(), [{ name: 'double', version: '1', state: 'READY', reason: 'r' }]);
    assert.equal((await app.inject({ method: 'POST', url: '/v2/repository/index' })).statusCode, 200);
    assert.deepEqual((await app.inject({ method: 'POST', url: '/v2/repository/models/double/load' })).json(), {});
    const unload = await app.inject({ method: 'POST', url: '/v2/repository/models/double/unload', payload: { parameters: { unload_dependents: true } } });
    assert.equal(unload.statusCode, 200);
    assert.deepEqual(api.loads, ['load double', 'unload double']);
    for (const parameters of [{ config: '{}' }, { 'file:1/model.onnx': 'AAAA' }]) {
      const res = await app.inject({ method: 'POST', url: '/v2/repository/models/double/load', payload: { parameters } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json<{ error: string }>().error, /file and config overrides from the wire are not accepted/);
    }
    const url = await app.inject({ method: 'POST', url: '/v2/repository/models/double/load', payload: { url: 'http://x' } });
    assert.match(url.json<{ error: string }>().error, /unknown field 'url'/);
    assert.equal(api.loads.length, 2);
  });
});
