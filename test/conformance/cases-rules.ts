/**
 * What a request may contain, one row per rule (issue 10: the rules live in core, so every transport gives the
 * same answer): request parameters with their types, sequence parameters, requested outputs and their parameters,
 * classification, shared memory, the model-name and version rule, rank and element limits, load/unload
 * parameters, and the failure counters every refused request of a served model lands in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpReference } from '../../scripts/fixtures.js';
import type { InferInput, InferRequest, InferResponse, Params, Result } from './clients.js';
import { fails, near, ok, output, type GetCtx } from './assertions.js';
import { names } from './cases-errors.js';
import { failureCounters, type FailureCounters } from './metrics.js';

const DATA = [1, 2, 3, 4];
const x = (over: Partial<InferInput> = {}): InferInput => ({ name: 'x', datatype: 'FP32', shape: [1, 4], data: DATA, ...over });

/** The answer is mlp's, correct: the request's extra parameters changed nothing. */
function answersMlp(r: Result<InferResponse>, what: string): void {
  near(output(ok(r, what), 'y').data, mlpReference(DATA, 1), 1e-5, `${what}: y`);
}

/** Request parameters Triton gives a type (extension_parameters.md's reserved keys), with values it refuses. */
const PARAMETER_TYPE_ERRORS: readonly (readonly [Params, RegExp])[] = [
  [{ priority: -1 }, /parameter 'priority' must be a non-negative integer/],
  [{ priority: 'high' }, /parameter 'priority' must be a non-negative integer/],
  [{ priority: 1.5 }, /parameter 'priority' must be a non-negative integer/],
  [{ priority: true }, /parameter 'priority' must be a non-negative integer/],
  [{ timeout: -5 }, /parameter 'timeout' must be a non-negative integer number of microseconds/],
  [{ timeout: 'soon' }, /parameter 'timeout' must be a non-negative integer/],
  [{ timeout: 0.5 }, /parameter 'timeout' must be a non-negative integer/],
  [{ binary_data_output: 5 }, /parameter 'binary_data_output' must be true or false/],
  [{ binary_data_output: 'yes' }, /parameter 'binary_data_output' must be true or false/],
  [{ sequence_id: true }, /parameter 'sequence_id' must be a non-negative integer or a string/],
  [{ sequence_id: 1.5 }, /parameter 'sequence_id' must be a non-negative integer or a string/],
  [{ sequence_start: 1 }, /parameter 'sequence_start' must be true or false/],
  [{ sequence_end: 'yes' }, /parameter 'sequence_end' must be true or false/],
  [{ triton_enable_empty_final_response: 'yes' }, /parameter 'triton_enable_empty_final_response' must be true or false/],
  [{ triton_something: true }, /keys starting with 'triton_' are reserved/],
];

/** Parameters a request may carry: valid values of the reserved keys, sequence keys at their neutral values, custom keys. */
const PARAMETERS_ACCEPTED: readonly Params[] = [
  // 2^53 - 1: the largest priority every encoding carries exactly (JSON numbers here are doubles; gRPC takes up to
  // 2^64 - 1 as uint64_param, core's unit test covers it).
  { priority: 0 }, { priority: 5 }, { priority: Number.MAX_SAFE_INTEGER },
  { timeout: 60_000_000 }, { timeout: 0 },
  { binary_data_output: false },
  { sequence_id: 0, sequence_start: false, sequence_end: false }, { sequence_id: '' },
  { triton_enable_empty_final_response: true },
  { headers: 'x-trace: 1' }, { my_custom_parameter: 42, other: 'text', flag: true, ratio: 0.25 },
];

/** Joining a sequence: refused, sequence batching is not implemented (neutral values above are accepted). */
const SEQUENCE_REQUESTS: readonly Params[] = [
  { sequence_id: 42 }, { sequence_id: 'e333c95a-07fc-42d2-ab16-033b1a566ed5' }, { sequence_id: 7, sequence_start: true },
  { sequence_start: true }, { sequence_end: true },
];

const SHARED_MEMORY: readonly Params[] = [
  { shared_memory_region: 'region0', shared_memory_byte_size: 16 }, { shared_memory_offset: 0 }, { shared_memory_byte_size: 16 },
];

/** Names the one rule refuses, wherever a model is named (URL, model_name, V1 path). */
const BAD_NAMES = ['bad name', '-leading-dash', 'a..b', 'n'.repeat(129), 'a/b', 'semi;colon'];

export function ruleCases(get: GetCtx): void {
  const infer = (req: Partial<InferRequest>, model = 'mlp', version?: string) =>
    get().client.infer(model, version, { inputs: [x()], ...req });

  test('request parameters of the wrong type: INVALID_ARGUMENT naming the parameter', async () => {
    for (const [parameters, message] of PARAMETER_TYPE_ERRORS) fails(await infer({ parameters }), 'INVALID_ARGUMENT', message);
  });

  test('request parameters accepted: valid reserved values, neutral sequence values, custom keys', async () => {
    for (const parameters of PARAMETERS_ACCEPTED) answersMlp(await infer({ parameters }), JSON.stringify(parameters, bigints));
  });

  test('sequence parameters: INVALID_ARGUMENT, sequence batching is not supported by this server', async () => {
    for (const parameters of SEQUENCE_REQUESTS) {
      fails(await infer({ parameters }), 'INVALID_ARGUMENT', /sequence batching .*is not supported by this server/, /sequence_(id|start|end)/);
    }
  });

  test('requested outputs: binary_data must be a boolean; unknown output parameters are ignored', async () => {
    fails(await infer({ outputs: [{ name: 'y', parameters: { binary_data: 5 } }] }), 'INVALID_ARGUMENT', names('y'), /parameter 'binary_data' must be true or false/);
    answersMlp(await infer({ outputs: [{ name: 'y', parameters: { my_output_option: 3 } }] }), 'unknown output parameter');
  });

  test('classification: INVALID_ARGUMENT naming the output, the extension is not supported', async () => {
    for (const classification of [3, 1]) {
      fails(await infer({ outputs: [{ name: 'y', parameters: { classification } }] }), 'INVALID_ARGUMENT',
        names('y'), /the classification extension is not supported by this server/);
    }
  });

  test('shared memory on an input or an output: INVALID_ARGUMENT naming the tensor, one message', async () => {
    for (const parameters of SHARED_MEMORY) {
      fails(await infer({ inputs: [x({ parameters })] }), 'INVALID_ARGUMENT', names('x'), /shared memory is not supported by this server/);
      fails(await infer({ outputs: [{ name: 'y', parameters }] }), 'INVALID_ARGUMENT', names('y'), /shared memory is not supported by this server/);
    }
    answersMlp(await infer({ inputs: [x({ parameters: { my_input_option: 'x' } })] }), 'unknown input parameter');
  });

  test('rank above 64: INVALID_ARGUMENT naming the input, before the data is read', async () => {
    fails(await infer({ inputs: [x({ shape: [1, ...Array<number>(64).fill(1), 4] })] }), 'INVALID_ARGUMENT', names('x'), /66 dims, more than the limit of 64/);
  });

  test('elements above the limit: INVALID_ARGUMENT naming the input, before anything is allocated', async () => {
    fails(await infer({ inputs: [x({ shape: [100_000_000, 4] })] }), 'INVALID_ARGUMENT', names('x'), /has more than \d+ elements, the limit for one tensor/);
  });

  test('model names: one rule for infer, metadata, config, statistics, load and unload', async () => {
    const { client } = get();
    const rule = /invalid model name .*: use 1-128 letters, digits/;
    for (const name of BAD_NAMES) {
      fails(await infer({}, name), 'INVALID_ARGUMENT', rule);
      fails(await client.modelMetadata(name), 'INVALID_ARGUMENT', rule);
      fails(await client.modelConfig(name), 'INVALID_ARGUMENT', rule);
      fails(await client.modelStatistics(name), 'INVALID_ARGUMENT', rule);
      fails(await client.loadModel(name), 'INVALID_ARGUMENT', rule);
      fails(await client.unloadModel(name), 'INVALID_ARGUMENT', rule);
      assert.equal(await client.modelReady(name), false, `${name} is not ready`);
    }
  });

  test('model versions: a positive integer (or none for the latest)', async () => {
    for (const version of ['latest', '-1', '1.0']) {
      fails(await infer({}, 'mlp', version), 'INVALID_ARGUMENT', /^failed to get model version from specified version string '.*': a version is a positive integer/);
      fails(await get().client.modelMetadata('mlp', version), 'INVALID_ARGUMENT', /^failed to get model version from specified version string/);
    }
    answersMlp(await infer({}, 'mlp', '1'), 'version 1');
  });

  test('load and unload parameters: file and config overrides and unknown keys refused, unload_dependents accepted', async () => {
    const { client } = get();
    fails(await client.loadModel('mlp', { config: '{"max_batch_size": 1}' }), 'INVALID_ARGUMENT', /'config' is refused: file and config overrides from the wire are not accepted/);
    fails(await client.loadModel('mlp', { 'file:1/model.onnx': Buffer.from('not a model') }), 'INVALID_ARGUMENT', /file and config overrides from the wire are not accepted/);
    fails(await client.loadModel('mlp', { url: 'http://example.invalid/m.onnx' }), 'INVALID_ARGUMENT', /load request: unknown parameter 'url'/);
    fails(await client.unloadModel('mlp', { force: true }), 'INVALID_ARGUMENT', /unload request: unknown parameter 'force'/);
    fails(await client.unloadModel('mlp', { unload_dependents: 'yes' }), 'INVALID_ARGUMENT', /'unload_dependents' must be true or false/);
    // Accepted parameters reach the repository, which then answers for the (unknown) model.
    fails(await client.unloadModel('no_such_model', { unload_dependents: true }), 'NOT_FOUND', /no_such_model/);
    assert.equal(await client.modelReady('mlp'), true, 'the refused requests changed nothing');
  });

  test('failures of a served model are counted whatever refused them (decoding, a parameter), with Triton\'s reason', async () => {
    const { client, server } = get();
    const [statsBefore] = ok(await client.modelStatistics('mlp', '1'));
    const before = await failureCounters(server.url, 'mlp', '1');
    // The data does not fill the shape: refused while decoding (JSON data, binary_data_size, raw contents).
    fails(await infer({ inputs: [x({ data: [1, 2, 3] })] }), 'INVALID_ARGUMENT', names('x'));
    fails(await infer({ parameters: { priority: -1 } }), 'INVALID_ARGUMENT', /priority/);
    fails(await infer({ parameters: { sequence_start: true } }), 'INVALID_ARGUMENT', /sequence/);
    answersMlp(await infer({}), 'one good request');
    // An unknown model is no model's failure, and gets no series.
    fails(await infer({}, 'no_such_model'), 'NOT_FOUND');
    const after = await failureCounters(server.url, 'mlp', '1');
    assertFailureDelta(before, after, { OTHER: 3, REJECTED: 0, CANCELED: 0, BACKEND: 0 }, { 'OTHER/INVALID_ARGUMENT': 3 });
    assert.equal(after.success - before.success, 1);
    assert.equal(after.unknownModelSeries, false, 'no series names no_such_model');
    const [statsAfter] = ok(await client.modelStatistics('mlp', '1'));
    assert.equal(statsAfter.inference_stats.fail.count - statsBefore.inference_stats.fail.count, 3, 'the statistics extension agrees');
  });
}

/** The V1 API shares the name rule and the failure counting (REST JSON only: V1 has no other encoding). */
export function v1RuleCases(get: GetCtx): void {
  const v1 = (method: string, path: string, body?: unknown) => fetch(`${get().server.url}${path}`, {
    method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });

  test('V1: the same model-name rule on infer, describe and delete', async () => {
    for (const name of BAD_NAMES) {
      const path = `/v1/models/${encodeURIComponent(name)}`;
      for (const res of [await v1('POST', `${path}/infer`, { inputs: [DATA] }), await v1('GET', path), await v1('DELETE', path)]) {
        assert.equal(res.status, 400, `${res.url}`);
        assert.match(((await res.json()) as { error: string }).error, /invalid model name/);
      }
    }
    const load = await v1('POST', '/v1/models', { name: '../etc', path: 'mlp/1/model.onnx' });
    assert.equal(load.status, 400);
    assert.match(((await load.json()) as { error: string }).error, /invalid model name/);
  });

  test('V1: a request refused while decoding counts as a failure of its model', async () => {
    const before = await failureCounters(get().server.url, 'mlp', '1');
    const res = await v1('POST', '/v1/models/mlp/infer', { inputs: [[1, 2, 3]] });
    assert.equal(res.status, 400);
    const after = await failureCounters(get().server.url, 'mlp', '1');
    assertFailureDelta(before, after, { OTHER: 1, REJECTED: 0, CANCELED: 0, BACKEND: 0 }, { 'OTHER/INVALID_ARGUMENT': 1 });
  });
}

function assertFailureDelta(before: FailureCounters, after: FailureCounters, byReason: Record<string, number>, byCode: Record<string, number>): void {
  for (const [reason, n] of Object.entries(byReason)) {
    assert.equal((after.byReason.get(reason) ?? NaN) - (before.byReason.get(reason) ?? NaN), n, `nv_inference_request_failure{reason="${reason}"}`);
  }
  for (const [key, n] of Object.entries(byCode)) {
    assert.equal((after.byCode.get(key) ?? 0) - (before.byCode.get(key) ?? 0), n, `onnxserve_inference_failures_total ${key}`);
  }
  assert.deepEqual([...after.byReason.keys()].sort(), ['BACKEND', 'CANCELED', 'OTHER', 'REJECTED'], 'Triton\'s four reasons, always present');
}

const bigints = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
