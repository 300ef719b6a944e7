import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerError } from '../errors/index.js';
import { checkShape, MAX_RANK } from './shape.js';

const refused = (shape: number[], max: number, message: RegExp): void => {
  assert.throws(() => checkShape(shape, "input 'x'", max), (e: unknown) => e instanceof ServerError && e.code === 'INVALID_ARGUMENT' && message.test(e.message));
};

void test('element counts', () => {
  assert.equal(checkShape([], 'x', 10), 1, 'a scalar has one element');
  assert.equal(checkShape([2, 3], 'x', 6), 6, 'the limit itself is allowed');
  assert.equal(checkShape([0, 2 ** 52, 2 ** 52], 'x', 10), 0, 'a zero dim makes any shape empty');
  assert.equal(checkShape(Array<number>(MAX_RANK).fill(1), 'x', 10), 1, 'rank 64 is allowed');
});

void test('limits: rank, elements (never forming an unsafe product)', () => {
  refused(Array<number>(MAX_RANK + 1).fill(1), 10, /^input 'x': shape has 65 dims, more than the limit of 64$/);
  refused([2, 4], 7, /^input 'x': shape \[2,4\] has more than 7 elements, the limit for one tensor$/);
  refused([2 ** 40, 2 ** 40, 2 ** 40], 2 ** 50, /has more than 1125899906842624 elements/);
});

void test('dims: safe non-negative integers', () => {
  refused([1, -1], 10, /^input 'x': shape dim 1 is -1; dims must be non-negative integers$/);
  refused([1.5], 10, /shape dim 0 is 1.5/);
  refused([2 ** 53], 2 ** 60, /shape dim 0 is 9007199254740992/);
  refused([NaN], 10, /shape dim 0 is NaN/);
});
