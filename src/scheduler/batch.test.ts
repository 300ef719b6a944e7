import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DATATYPES, datatypeInfo, type Datatype, type Tensor, type TensorData } from '../tensor/index.js';
import { batchKey, mergeInputs, splitOutputs } from './batch.js';

/** Two rows of width 2 per request, values distinct per request. */
function sample(datatype: Datatype, base: number, rows: number): Tensor {
  const n = rows * 2;
  const info = datatypeInfo(datatype);
  let data: TensorData;
  if (datatype === 'BYTES') data = Array.from({ length: n }, (_, i) => `s${base + i}é`);
  else if (datatype === 'BOOL') data = Uint8Array.from({ length: n }, (_, i) => (base + i) % 2);
  else {
    const arr = new info.array!(n) as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < n; i++) arr[i] = info.bigint ? BigInt(base + i) * 2n ** 40n : base + i;
    data = arr as unknown as TensorData;
  }
  return { name: 'x', datatype, shape: [rows, 2], data };
}

describe('merge and split along dim 0', () => {
  for (const dt of DATATYPES) {
    test(`${dt}: merge then split gives back each request exactly`, () => {
      const reqs = [[sample(dt, 0, 1)], [sample(dt, 10, 2)], [sample(dt, 20, 3)]];
      const merged = mergeInputs(reqs);
      assert.equal(merged.length, 1);
      assert.deepEqual(merged[0].shape, [6, 2]);
      assert.equal(merged[0].data.length, 12);
      const parts = splitOutputs(merged, [1, 2, 3]);
      assert.ok(parts);
      parts.forEach((p, i) => {
        assert.deepEqual(p[0].shape, reqs[i][0].shape);
        assert.deepEqual(Array.from(p[0].data as ArrayLike<unknown>), Array.from(reqs[i][0].data as ArrayLike<unknown>));
      });
    });
  }

  test('several inputs merge independently', () => {
    const a = (v: number): Tensor => ({ name: 'a', datatype: 'FP32', shape: [1, 3], data: Float32Array.of(v, v, v) });
    const b = (v: number): Tensor => ({ name: 'b', datatype: 'INT32', shape: [1], data: Int32Array.of(v) });
    const merged = mergeInputs([[a(1), b(1)], [a(2), b(2)]]);
    assert.deepEqual(Array.from(merged[0].data as Float32Array), [1, 1, 1, 2, 2, 2]);
    assert.deepEqual(Array.from(merged[1].data as Int32Array), [1, 2]);
  });

  test('an output whose dim 0 is not the batch cannot be split', () => {
    const out: Tensor = { name: 'y', datatype: 'FP32', shape: [1], data: Float32Array.of(1) };
    assert.equal(splitOutputs([out], [1, 1]), undefined);
  });

  test('requests differing past dim 0 or in outputs get different batch keys', () => {
    const t = (shape: number[]): Tensor => ({ name: 'x', datatype: 'FP32', shape, data: new Float32Array(shape[0] * shape[1]) });
    assert.equal(batchKey([t([1, 4])], ['y']), batchKey([t([7, 4])], ['y']));
    assert.notEqual(batchKey([t([1, 4])], ['y']), batchKey([t([1, 5])], ['y']));
    assert.notEqual(batchKey([t([1, 4])], ['y']), batchKey([t([1, 4])], ['y', 'z']));
  });
});
