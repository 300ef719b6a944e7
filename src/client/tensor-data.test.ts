import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DATATYPES, type Datatype } from './datatypes.js';
import { ClientError } from './errors.js';
import { fromRawBytes, prepareInput, rawBytes } from './tensor-data.js';
import type { InputData } from './types.js';

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ClientError, `expected a ClientError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * One row per datatype: the caller's data, the exact little-endian bytes on the wire, and what comes back.
 * Values sit at the ends of each range, and either side of 2^53 for the 64-bit types.
 */
const ROWS: readonly { dt: Datatype; data: InputData; bytes: string; back: unknown[] }[] = [
  { dt: 'BOOL', data: [true, false, true], bytes: '010001', back: [1, 0, 1] },
  { dt: 'BOOL', data: Uint8Array.of(0, 1), bytes: '0001', back: [0, 1] },
  { dt: 'UINT8', data: [0, 255], bytes: '00ff', back: [0, 255] },
  { dt: 'UINT16', data: Uint16Array.of(1, 65535), bytes: '0100ffff', back: [1, 65535] },
  { dt: 'UINT32', data: [2 ** 32 - 1], bytes: 'ffffffff', back: [2 ** 32 - 1] },
  { dt: 'UINT64', data: [2n ** 64n - 1n, 2n ** 53n + 1n], bytes: 'ffffffffffffffff0100000000002000', back: [2n ** 64n - 1n, 2n ** 53n + 1n] },
  { dt: 'INT8', data: Int8Array.of(-128, 127), bytes: '807f', back: [-128, 127] },
  { dt: 'INT16', data: [-32768, 32767], bytes: '0080ff7f', back: [-32768, 32767] },
  { dt: 'INT32', data: [-(2 ** 31), -1], bytes: '00000080ffffffff', back: [-(2 ** 31), -1] },
  { dt: 'INT64', data: BigInt64Array.of(-(2n ** 63n), 9007199254740993n), bytes: '00000000000000800100000000002000', back: [-(2n ** 63n), 9007199254740993n] },
  { dt: 'INT64', data: [-1, Number.MAX_SAFE_INTEGER], bytes: 'ffffffffffffffffffffffffffff1f00', back: [-1n, 9007199254740991n] },
  { dt: 'FP16', data: Uint16Array.of(0x3c00, 0x8000, 0x7e00), bytes: '003c0080007e', back: [0x3c00, 0x8000, 0x7e00] },
  { dt: 'BF16', data: Uint16Array.of(0x3f80, 0xff80), bytes: '803f80ff', back: [0x3f80, 0xff80] },
  { dt: 'FP32', data: [1, -2.5], bytes: '0000803f000020c0', back: [1, -2.5] },
  { dt: 'FP32', data: Float32Array.of(-0, NaN), bytes: '000000800000c07f', back: [-0, NaN] },
  { dt: 'FP64', data: Float64Array.of(0.1, -Infinity), bytes: '9a9999999999b93f000000000000f0ff', back: [0.1, -Infinity] },
];

void describe('binary tensor data, per datatype', () => {
  for (const row of ROWS) {
    void test(`${row.dt} ${row.data.constructor.name}: exact bytes and back`, () => {
      const n = row.back.length;
      const input = prepareInput({ name: 'x', datatype: row.dt, shape: [1, n], data: row.data }, 0);
      const bytes = rawBytes(input.data);
      assert.equal(hex(bytes), row.bytes);
      const out = fromRawBytes(row.dt, bytes, n, 'out');
      assert.ok(!Array.isArray(out));
      assert.equal(out.constructor.name, row.dt === 'BOOL' ? 'Uint8Array' : input.data.constructor.name);
      assert.deepEqual(Array.from(out as ArrayLike<unknown>), row.back);
    });
  }

  void test('every datatype has a row', () => {
    const covered = new Set(ROWS.map((r) => r.dt));
    assert.deepEqual(DATATYPES.filter((d) => d !== 'BYTES' && !covered.has(d)), []);
  });

  void test('a typed array of the right kind is sent without a copy; outputs are copies', () => {
    const data = Float32Array.of(1, 2, 3);
    const input = prepareInput({ name: 'x', datatype: 'FP32', shape: [3], data }, 0);
    assert.equal(input.data, data);
    const bytes = rawBytes(input.data);
    assert.equal(bytes.buffer, data.buffer);
    // Misaligned on purpose: a view at an odd offset is copied into an array of its own.
    const carrier = Buffer.concat([Buffer.from([9]), bytes]);
    const out = fromRawBytes('FP32', carrier.subarray(1), 3, 'out') as Float32Array;
    assert.deepEqual(Array.from(out), [1, 2, 3]);
    assert.notEqual(out.buffer, carrier.buffer);
    assert.equal(out.byteOffset, 0);
  });

  void test('INT64 and UINT64 beyond 2^53 stay exact both ways', () => {
    const values = [2n ** 53n + 1n, 2n ** 62n + 3n, -(2n ** 63n) + 1n];
    const input = prepareInput({ name: 'x', datatype: 'INT64', shape: [3], data: values }, 0);
    const back = fromRawBytes('INT64', rawBytes(input.data), 3, 'out') as BigInt64Array;
    assert.ok(back instanceof BigInt64Array);
    assert.deepEqual([...back], values);
  });
});

void describe('BYTES framing', () => {
  test('4-byte little-endian lengths; NULs and non-UTF-8 bytes pass untouched; strings go as UTF-8', () => {
    const data = ['a\u0000b', Buffer.from([0, 0xff, 0xfe]), '', 'é', Uint8Array.of(0)];
    const input = prepareInput({ name: 's', datatype: 'BYTES', shape: [5], data }, 0);
    const bytes = rawBytes(input.data);
    assert.equal(hex(bytes), '0300000061006203000000' + '00fffe' + '00000000' + '02000000c3a9' + '0100000000');
    const back = fromRawBytes('BYTES', bytes, 5, 'out') as Buffer[];
    assert.deepEqual(back.map((b) => b.toString('hex')), ['610062', '00fffe', '', 'c3a9', '00']);
    assert.equal(String(back[0]), 'a\u0000b');
  });

  test('a long element (70 000 bytes) keeps its length', () => {
    const big = 'x'.repeat(70_000);
    const back = fromRawBytes('BYTES', rawBytes(prepareInput({ name: 's', datatype: 'BYTES', shape: [1], data: [big] }, 0).data), 1, 'o') as Buffer[];
    assert.equal(back[0].length, 70_000);
  });

  test('framing errors in an answer are INTERNAL "unreadable response", naming the output', () => {
    rejects(() => fromRawBytes('BYTES', Buffer.from('0300000061', 'hex'), 1, "output 'o'"), 'INTERNAL', /output 'o'.*claims 3 bytes, 1 remain/);
    rejects(() => fromRawBytes('BYTES', Buffer.from('010000006100', 'hex'), 1, 'o'), 'INTERNAL', /1 bytes left after the 1 BYTES elements/);
    rejects(() => fromRawBytes('BYTES', Buffer.from('0100', 'hex'), 1, 'o'), 'INTERNAL', /ends inside element 0/);
    rejects(() => fromRawBytes('FP32', Buffer.alloc(6), 2, 'o'), 'INTERNAL', /6 bytes of FP32 data, the shape needs 8/);
  });
});

void describe('empty tensors', () => {
  for (const [dt, data] of [['FP32', new Float32Array(0)], ['INT64', []], ['BYTES', []], ['BOOL', []]] as const) {
    test(`${dt} with a zero dim: no bytes, no elements`, () => {
      const input = prepareInput({ name: 'e', datatype: dt, shape: [2, 0], data }, 0);
      const bytes = rawBytes(input.data);
      assert.equal(bytes.length, 0);
      assert.equal(fromRawBytes(dt, bytes, 0, 'o').length, 0);
    });
  }
});

void describe('inputs the client refuses before sending', () => {
  const bad: readonly [string, Parameters<typeof prepareInput>[0], RegExp][] = [
    ['count', { name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3] }, /shape \[2,2\] holds 4 elements, data has 3/],
    ['negative dim', { name: 'x', datatype: 'FP32', shape: [-1], data: [] }, /non-negative integers/],
    ['datatype', { name: 'x', datatype: 'FP8' as Datatype, shape: [1], data: [1] }, /unknown datatype 'FP8'/],
    ['name', { name: '', datatype: 'FP32', shape: [1], data: [1] }, /inputs\[0\]: name/],
    ['wrong typed array', { name: 'x', datatype: 'FP32', shape: [1], data: Float64Array.of(1) }, /FP32 data must be a Float32Array or an array, got a Float64Array/],
    ['INT8 range', { name: 'x', datatype: 'INT8', shape: [1], data: [128] }, /INT8 element 0 is 128, expected an integer in \[-128, 127\]/],
    ['UINT32 fraction', { name: 'x', datatype: 'UINT32', shape: [1], data: [1.5] }, /UINT32 element 0 is 1.5/],
    ['BOOL byte', { name: 'x', datatype: 'BOOL', shape: [1], data: Uint8Array.of(2) }, /BOOL element 0 is 2, expected 0 or 1/],
    ['INT64 unsafe number', { name: 'x', datatype: 'INT64', shape: [1], data: [2 ** 53 + 2] }, /must be a bigint or a safe integer/],
    ['UINT64 negative', { name: 'x', datatype: 'UINT64', shape: [1], data: [-1n] }, /UINT64 element 0 \(-1\) is out of range/],
    ['FP16 numbers', { name: 'x', datatype: 'FP16', shape: [1], data: [1.5] }, /Uint16Array of raw bits/],
    ['BYTES number', { name: 'x', datatype: 'BYTES', shape: [1], data: [1] }, /BYTES element 0 must be a string or a Uint8Array/],
  ];
  for (const [what, input, message] of bad) {
    test(what, () => rejects(() => prepareInput(input, 0), 'INVALID_ARGUMENT', message));
  }
});
