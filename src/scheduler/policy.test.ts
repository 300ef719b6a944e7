import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type BatchPolicy } from './policy.js';

const MS = 1_000_000;
const policy = (p: Partial<BatchPolicy> = {}): BatchPolicy => ({
  enabled: true, maxBatchSize: 8, preferredBatchSizes: [], maxQueueDelayNs: 2 * MS, ...p,
});

describe('batch policy (a pure function of queue and clock)', () => {
  test('empty queue waits forever', () => {
    assert.deepEqual(decide([], 0, policy()), { kind: 'wait', ns: Infinity });
  });

  test('batching off sends requests one by one', () => {
    assert.deepEqual(decide([1, 1, 1], 0, policy({ enabled: false })), { kind: 'send', count: 1 });
    assert.deepEqual(decide([1, 1, 1], 0, policy({ maxBatchSize: 1 })), { kind: 'send', count: 1 });
  });

  test('a young, small batch waits out the rest of the queue delay', () => {
    assert.deepEqual(decide([1, 1], 0, policy()), { kind: 'wait', ns: 2 * MS });
    assert.deepEqual(decide([1, 1], 0.5 * MS, policy()), { kind: 'wait', ns: 1.5 * MS });
  });

  test('once the oldest waited max_queue_delay, everything that fits goes', () => {
    assert.deepEqual(decide([1, 1, 1], 2 * MS, policy()), { kind: 'send', count: 3 });
    assert.deepEqual(decide([1], 5 * MS, policy()), { kind: 'send', count: 1 });
  });

  test('zero delay sends what is there at once', () => {
    assert.deepEqual(decide([2, 3], 0, policy({ maxQueueDelayNs: 0 })), { kind: 'send', count: 2 });
  });

  test('reaching max_batch_size sends at once', () => {
    assert.deepEqual(decide([4, 4], 0, policy()), { kind: 'send', count: 2 });
    assert.deepEqual(decide([1, 1, 1, 1, 1, 1, 1, 1, 1], 0, policy()), { kind: 'send', count: 8 });
  });

  test('a request that would overflow the batch stays for the next one', () => {
    assert.deepEqual(decide([4, 3, 2], 0, policy()), { kind: 'send', count: 2 });
  });

  test('the largest preferred size goes at once; a smaller preferred one is used when time is up', () => {
    const p = policy({ preferredBatchSizes: [2, 4], maxBatchSize: 16 });
    assert.deepEqual(decide([1, 1, 1, 1], 0, p), { kind: 'send', count: 4 });
    assert.deepEqual(decide([1, 1, 1], 0, p), { kind: 'wait', ns: 2 * MS });
    assert.deepEqual(decide([1, 1, 1], 2 * MS, p), { kind: 'send', count: 2 });
  });

  test('a single request larger than max_batch_size is sent alone (validation refuses it earlier)', () => {
    assert.deepEqual(decide([9], 0, policy()), { kind: 'send', count: 1 });
  });
});
