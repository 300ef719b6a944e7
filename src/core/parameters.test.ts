/** Core's parameter rules, one row per case; the transports' agreement is test/conformance/cases-rules.ts. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerError } from '../errors/index.js';
import { checkInputParameters, checkOutputParameters, checkRequestParameters } from './parameters.js';
import type { ParameterValue } from './types.js';

const params = (o: Record<string, ParameterValue>): Map<string, ParameterValue> => new Map(Object.entries(o));

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ServerError, String(e));
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(e.message, message);
    return true;
  });
}

void describe('request parameters', () => {
  const accepted: [string, Record<string, ParameterValue>][] = [
    ['priority 0', { priority: 0 }],
    ['priority as uint64 beyond 2^53', { priority: 2n ** 64n - 1n }],
    ['timeout in microseconds', { timeout: 5_000_000 }],
    ['binary_data_output', { binary_data_output: true }],
    ['sequence parameters at their neutral values', { sequence_id: 0, sequence_start: false, sequence_end: false }],
    ['an empty string sequence_id', { sequence_id: '' }],
    ['a bigint zero sequence_id (gRPC int64)', { sequence_id: 0n }],
    ['headers: a custom parameter, as in Triton', { headers: 'x' }],
    ['custom parameters of any scalar type', { my_param: 1.5, other: 'x', flag: true }],
    ['triton_enable_empty_final_response (no decoupled models here)', { triton_enable_empty_final_response: true }],
  ];
  for (const [name, p] of accepted) void test(`accepted: ${name}`, () => {
    checkRequestParameters(params(p));
  });

  const typeErrors: [Record<string, ParameterValue>, RegExp][] = [
    [{ priority: -1 }, /^request: parameter 'priority' must be a non-negative integer \(uint64\), got -1$/],
    [{ priority: 'high' }, /'priority' must be a non-negative integer \(uint64\), got "high"/],
    [{ priority: 1.5 }, /'priority' .* got 1.5/],
    [{ priority: true }, /'priority' .* got true/],
    [{ priority: 2n ** 64n }, /'priority' .* got 18446744073709551616$/],
    [{ priority: 2 ** 64 }, /'priority' .* got 18446744073709552000 \(a JSON number beyond 2\^53 cannot be read exactly\)$/],
    [{ timeout: -5 }, /'timeout' must be a non-negative integer number of microseconds, got -5/],
    [{ timeout: 'soon' }, /'timeout' .* got "soon"/],
    [{ timeout: 0.5 }, /'timeout' .* got 0.5/],
    [{ binary_data_output: 5 }, /'binary_data_output' must be true or false, got 5/],
    [{ binary_data_output: 'true' }, /'binary_data_output' must be true or false, got "true"/],
    [{ sequence_id: true }, /'sequence_id' must be a non-negative integer or a string, got true/],
    [{ sequence_id: -3 }, /'sequence_id' must be a non-negative integer or a string, got -3/],
    [{ sequence_id: 1.5 }, /'sequence_id' .* got 1.5/],
    [{ sequence_start: 1 }, /'sequence_start' must be true or false, got 1/],
    [{ sequence_end: 'yes' }, /'sequence_end' must be true or false, got "yes"/],
    [{ triton_enable_empty_final_response: 1 }, /'triton_enable_empty_final_response' must be true or false/],
  ];
  for (const [p, message] of typeErrors) void test(`type error: ${JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`, () => refused(() => checkRequestParameters(params(p)), message));

  const sequence: [Record<string, ParameterValue>, RegExp][] = [
    [{ sequence_id: 42 }, /parameter 'sequence_id' is 42, but sequence batching .* is not supported by this server/],
    [{ sequence_id: 'e333c95a' }, /parameter 'sequence_id' is "e333c95a", but sequence batching/],
    [{ sequence_id: 2n ** 63n }, /'sequence_id' is 9223372036854775808, but sequence batching/],
    [{ sequence_start: true }, /parameter 'sequence_start' is true, but sequence batching/],
    [{ sequence_end: true }, /parameter 'sequence_end' is true, but sequence batching/],
  ];
  for (const [p, message] of sequence) void test(`sequence refused: ${Object.keys(p)[0]}`, () => refused(() => checkRequestParameters(params(p)), message));

  void test('other triton_ keys are reserved', () => {
    refused(() => checkRequestParameters(params({ triton_final_response: true })), /'triton_final_response': keys starting with 'triton_' are reserved/);
  });

  void test('the settings core acts on: timeout in microseconds, 0 meaning none', () => {
    assert.deepEqual(checkRequestParameters(undefined), { timeoutUs: undefined });
    assert.deepEqual(checkRequestParameters(params({ timeout: 250 })), { timeoutUs: 250 });
    assert.deepEqual(checkRequestParameters(params({ timeout: 0 })), { timeoutUs: undefined });
    assert.deepEqual(checkRequestParameters(params({ timeout: 2n ** 60n })), { timeoutUs: 2 ** 60 });
  });
});

void describe('tensor parameters', () => {
  for (const key of ['shared_memory_region', 'shared_memory_offset', 'shared_memory_byte_size']) {
    const value = key === 'shared_memory_region' ? 'r0' : 0;
    void test(`${key}: refused on inputs and on outputs, by one message`, () => {
      const shm = /^(input|output) 'x': parameter 'shared_memory_\w+': shared memory is not supported by this server; send the tensor data in the request$/;
      refused(() => checkInputParameters(params({ [key]: value }), "input 'x'"), shm);
      refused(() => checkOutputParameters(params({ [key]: value }), "output 'x'"), shm);
    });
  }
  void test('inputs: anything else is accepted (binary_data_size is REST framing, read by its decoder)', () => {
    checkInputParameters(undefined, "input 'x'");
    checkInputParameters(params({ binary_data_size: 16, custom: 'x', shared_memory_other: 1 }), "input 'x'");
  });
  void test('outputs: binary_data is a boolean', () => {
    checkOutputParameters(params({ binary_data: false }), "output 'y'");
    refused(() => checkOutputParameters(params({ binary_data: 1 }), "output 'y'"), /^output 'y': parameter 'binary_data' must be true or false, got 1$/);
  });
  void test('outputs: classification is refused whatever its value (the extension is not implemented)', () => {
    for (const v of [3, 0, 'x', true]) {
      refused(() => checkOutputParameters(params({ classification: v }), "output 'y'"), /^output 'y': parameter 'classification': the classification extension is not supported by this server/);
    }
  });
  void test('outputs: unknown parameters are accepted and ignored, as Triton does', () => {
    checkOutputParameters(params({ custom: 'x', top_k: 3 }), "output 'y'");
  });
});
