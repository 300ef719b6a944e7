/**
 * Request errors every transport must report alike: the same code, and a message naming what is wrong (the
 * model, version, input or output). Ends by checking the server still answers correctly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpReference } from '../../scripts/fixtures.js';
import type { InferInput } from './clients.js';
import { fails, near, ok, output, type GetCtx } from './assertions.js';

/** The message names `name` in quotes, as in "input 'x': ...". */
export const names = (name: string): RegExp => new RegExp(`['"\`]${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`);

const x = (shape: number[], data: number[], datatype: InferInput['datatype'] = 'FP32'): InferInput => ({ name: 'x', datatype, shape, data });
const ab = (extra: InferInput[] = []): InferInput[] => [
  { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }, { name: 'b', datatype: 'FP32', shape: [1, 3], data: [4, 5, 6] }, ...extra,
];

export function errorCases(get: GetCtx): void {
  const infer = (model: string, inputs: InferInput[], extra: { version?: string; outputs?: { name: string }[] } = {}) =>
    get().client.infer(model, extra.version, { inputs, ...(extra.outputs ? { outputs: extra.outputs } : {}) });

  test('unknown model: NOT_FOUND naming the model', async () => {
    fails(await infer('no_such_model', [x([1, 4], [1, 2, 3, 4])]), 'NOT_FOUND', /no_such_model/);
  });

  test('unknown version: NOT_FOUND naming the version', async () => {
    fails(await infer('mlp', [x([1, 4], [1, 2, 3, 4])], { version: '7' }), 'NOT_FOUND', /\b7\b/);
  });

  test('wrong datatype: INVALID_ARGUMENT naming the input and the expected datatype', async () => {
    fails(await infer('mlp', [x([1, 4], [1, 2, 3, 4], 'INT32')]), 'INVALID_ARGUMENT', names('x'), /FP32/);
    fails(await infer('mlp', [x([1, 4], [1, 2, 3, 4], 'FP64')]), 'INVALID_ARGUMENT', names('x'), /FP32/);
  });

  test('wrong rank: INVALID_ARGUMENT naming the input', async () => {
    fails(await infer('mlp', [x([4], [1, 2, 3, 4])]), 'INVALID_ARGUMENT', names('x'));
    fails(await infer('mlp', [x([1, 1, 4], [1, 2, 3, 4])]), 'INVALID_ARGUMENT', names('x'));
  });

  test('wrong fixed dim: INVALID_ARGUMENT naming the input', async () => {
    fails(await infer('mlp', [x([1, 5], [1, 2, 3, 4, 5])]), 'INVALID_ARGUMENT', names('x'));
    fails(await infer('fixed_shape', [x([3, 2], [1, 2, 3, 4, 5, 6])]), 'INVALID_ARGUMENT', names('x'));
    fails(await infer('fixed_shape', [x([1, 3], [1, 2, 3])]), 'INVALID_ARGUMENT', names('x'));
  });

  test('data length does not match the shape: INVALID_ARGUMENT naming the input', async () => {
    fails(await infer('mlp', [x([2, 4], [1, 2, 3, 4, 5, 6, 7])]), 'INVALID_ARGUMENT', names('x'));
    fails(await infer('mlp', [x([1, 4], [1, 2, 3, 4, 5])]), 'INVALID_ARGUMENT', names('x'));
    fails(await infer('string_upper', [{ name: 'text', datatype: 'BYTES', shape: [3], data: ['a', 'b'] }]), 'INVALID_ARGUMENT', names('text'));
  });

  test('missing input: INVALID_ARGUMENT naming it', async () => {
    fails(await infer('multi_io', ab().slice(0, 1)), 'INVALID_ARGUMENT', names('b'));
    fails(await infer('mlp', []), 'INVALID_ARGUMENT', names('x'));
  });

  test('unknown input: INVALID_ARGUMENT naming it', async () => {
    fails(await infer('multi_io', ab([{ name: 'c', datatype: 'FP32', shape: [1, 3], data: [0, 0, 0] }])), 'INVALID_ARGUMENT', names('c'));
  });

  test('duplicate input: INVALID_ARGUMENT naming it', async () => {
    fails(await infer('multi_io', ab([{ name: 'a', datatype: 'FP32', shape: [1, 3], data: [0, 0, 0] }])), 'INVALID_ARGUMENT', names('a'));
  });

  test('unknown requested output: INVALID_ARGUMENT naming it', async () => {
    fails(await infer('mlp', [x([1, 4], [1, 2, 3, 4])], { outputs: [{ name: 'nope' }] }), 'INVALID_ARGUMENT', names('nope'));
    fails(await infer('multi_io', ab(), { outputs: [{ name: 'sum' }, { name: 'ghost' }] }), 'INVALID_ARGUMENT', names('ghost'));
  });

  test('an unknown model is not reported as a bad request, whatever the body', async () => {
    // Model resolution comes first: a client must learn that the model is missing, not that its tensors are odd.
    fails(await infer('no_such_model', []), 'NOT_FOUND', /no_such_model/);
  });

  test('after the errors the server is unharmed: live, ready, and mlp answers correctly', async () => {
    const { client } = get();
    assert.equal(await client.serverLive(), true);
    assert.equal(await client.serverReady(), true);
    const data = [0.5, -1, 2, 0.25, 1, 1, 1, 1];
    const res = ok(await infer('mlp', [x([2, 4], data)]));
    near(output(res, 'y').data, mlpReference(data, 2), 1e-5, 'y');
    const multi = ok(await infer('multi_io', ab()));
    assert.deepEqual(Array.from(output(multi, 'sum').data as Float32Array), [5, 7, 9]);
  });
}
