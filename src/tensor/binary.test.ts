import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isServerError } from '../errors/index.js';
import {
  checkTensorByteLength, decodeTensorBytes, decodeTensorBytesAt, encodedByteLength, encodeTensorBytes, frameBytesElements,
} from './binary.js';
import { DATATYPES, datatypeFromOrt, datatypeInfo, ortType, type Datatype, type TensorData } from './datatype.js';
import type { Tensor } from './tensor.js';

const where = "input 'x'";
const SOURCE = 'raw_input_contents';

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isServerError(e), `expected a ServerError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(e.message, pattern);
    return true;
  });
}

/** Little-endian bytes written by hand, independent of the code under test. */
function le(values: readonly (number | bigint)[], write: (v: DataView, at: number, x: number | bigint) => void, size: number): Buffer {
  const out = Buffer.alloc(values.length * size);
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  values.forEach((x, i) => write(view, i * size, x));
  return out;
}

function framed(elements: readonly Buffer[]): Buffer {
  return Buffer.concat(elements.flatMap((e) => {
    const n = Buffer.alloc(4);
    n.writeUInt32LE(e.length);
    return [n, e];
  }));
}

interface Row { readonly datatype: Datatype; readonly values: readonly unknown[]; readonly bytes: Buffer }

const num = (f: (v: DataView, at: number, x: number) => void) => (v: DataView, at: number, x: number | bigint) => f(v, at, x as number);
const big = (f: (v: DataView, at: number, x: bigint) => void) => (v: DataView, at: number, x: number | bigint) => f(v, at, x as bigint);

// One row per datatype: the elements as Tensor data holds them and their bytes on the wire.
const ROWS: readonly Row[] = [
  { datatype: 'BOOL', values: [1, 0, 1], bytes: Buffer.from([1, 0, 1]) },
  { datatype: 'UINT8', values: [0, 255, 7], bytes: Buffer.from([0, 255, 7]) },
  { datatype: 'UINT16', values: [0, 65535, 258], bytes: le([0, 65535, 258], num((v, a, x) => v.setUint16(a, x, true)), 2) },
  { datatype: 'UINT32', values: [0, 4294967295, 7], bytes: le([0, 4294967295, 7], num((v, a, x) => v.setUint32(a, x, true)), 4) },
  { datatype: 'UINT64', values: [0n, 2n ** 64n - 1n], bytes: le([0n, 2n ** 64n - 1n], big((v, a, x) => v.setBigUint64(a, x, true)), 8) },
  { datatype: 'INT8', values: [-128, 127], bytes: Buffer.from([0x80, 0x7f]) },
  { datatype: 'INT16', values: [-32768, 1], bytes: le([-32768, 1], num((v, a, x) => v.setInt16(a, x, true)), 2) },
  { datatype: 'INT32', values: [-(2 ** 31), 5], bytes: le([-(2 ** 31), 5], num((v, a, x) => v.setInt32(a, x, true)), 4) },
  { datatype: 'INT64', values: [-(2n ** 63n), 2n ** 53n + 1n], bytes: le([-(2n ** 63n), 2n ** 53n + 1n], big((v, a, x) => v.setBigInt64(a, x, true)), 8) },
  { datatype: 'FP16', values: [0x3c00, 0xc000], bytes: le([0x3c00, 0xc000], num((v, a, x) => v.setUint16(a, x, true)), 2) },
  { datatype: 'FP32', values: [1.5, -2.25], bytes: le([1.5, -2.25], num((v, a, x) => v.setFloat32(a, x, true)), 4) },
  { datatype: 'FP64', values: [1e300, -0.1], bytes: le([1e300, -0.1], num((v, a, x) => v.setFloat64(a, x, true)), 8) },
  { datatype: 'BYTES', values: ['héllo', '', '\uFFFD'], bytes: framed([Buffer.from('héllo'), Buffer.alloc(0), Buffer.from('\uFFFD')]) },
];

function tensorOf(row: Row, data: TensorData): Tensor {
  return { name: 'x', datatype: row.datatype, shape: [row.values.length], data };
}

void describe('every datatype, both ways', () => {
  assert.deepEqual(ROWS.map((r) => r.datatype), [...DATATYPES], 'one row per datatype');
  for (const row of ROWS) {
    const layout = { where, datatype: row.datatype, shape: [row.values.length] };
    void test(`${row.datatype}: bytes decode to the elements and encode back to the same bytes`, () => {
      const data = decodeTensorBytes(layout, row.bytes, SOURCE);
      assert.deepEqual(Array.from(data as ArrayLike<unknown>), row.values);
      const info = datatypeInfo(row.datatype);
      if (info.array) assert.ok(data instanceof info.array, `held as ${info.array.name}`);
      const encoded = encodeTensorBytes(tensorOf(row, data));
      assert.deepEqual(encoded, row.bytes);
      assert.equal(encodedByteLength(tensorOf(row, data)), row.bytes.length);
    });
    void test(`${row.datatype}: read correctly at an odd offset`, () => {
      const body = Buffer.concat([Buffer.from([0xee]), row.bytes, Buffer.from([0xee])]);
      const data = decodeTensorBytes(layout, body.subarray(1, 1 + row.bytes.length), SOURCE);
      assert.deepEqual(Array.from(data as ArrayLike<unknown>), row.values);
    });
    void test(`${row.datatype}: the ORT name maps back to the datatype`, () => {
      assert.equal(datatypeFromOrt(ortType(row.datatype)), row.datatype);
    });
  }
});

void describe('views and copies', () => {
  void test('aligned numeric data is a view of the bytes (no copy); unaligned data owns an exact-size buffer', () => {
    const body = Buffer.alloc(24);
    const layout = { where, datatype: 'FP32' as const, shape: [4] };
    const aligned = decodeTensorBytesAt(layout, body.buffer, body.byteOffset + 8, 16, SOURCE) as Float32Array;
    assert.equal(aligned.buffer, body.buffer);
    const odd = decodeTensorBytesAt(layout, body.buffer, body.byteOffset + 6, 16, SOURCE) as Float32Array;
    assert.notEqual(odd.buffer, body.buffer);
    assert.equal(odd.byteOffset, 0);
    assert.equal(odd.buffer.byteLength, 16);
  });
  void test('bytes outside their buffer are a programming error, not a view of neighbouring memory', () => {
    const body = Buffer.alloc(8);
    assert.throws(() => decodeTensorBytesAt({ where, datatype: 'UINT8', shape: [8] }, body.buffer, body.byteOffset + 4, 8, SOURCE), RangeError);
  });
  void test('encoding numeric data shares its memory', () => {
    const data = Float32Array.of(1, 2, 3);
    const out = encodeTensorBytes({ name: 'y', datatype: 'FP32', shape: [3], data });
    assert.equal(out.buffer, data.buffer);
    assert.equal(out.length, 12);
  });
});

void describe('every bound checked', () => {
  const fp32 = { where, datatype: 'FP32' as const, shape: [2, 2] };
  void test('a fixed-size tensor needs exactly count × size bytes, named by its source', () => {
    rejects(() => decodeTensorBytes(fp32, Buffer.alloc(12), SOURCE), /input 'x': raw_input_contents is 12 bytes, but shape \[2,2\] of FP32 needs 16/);
    rejects(() => checkTensorByteLength(fp32, 20, 'binary_data_size'), /binary_data_size is 20 bytes/);
    assert.doesNotThrow(() => checkTensorByteLength(fp32, 16, SOURCE));
  });
  void test('shapes: dims are non-negative safe integers and the product exact', () => {
    rejects(() => checkTensorByteLength({ where, datatype: 'FP32', shape: [-1] }, 4, SOURCE), /shape dim -1/);
    rejects(() => checkTensorByteLength({ where, datatype: 'FP32', shape: [1.5] }, 4, SOURCE), /shape dim 1.5/);
    rejects(() => checkTensorByteLength({ where, datatype: 'UINT8', shape: [2 ** 30, 2 ** 30] }, 4, SOURCE), /too many elements/);
    assert.deepEqual(decodeTensorBytes({ where, datatype: 'INT64', shape: [0, 5] }, Buffer.alloc(0), SOURCE).length, 0);
  });
  void test('BOOL bytes must be 0 or 1, naming the first bad element', () => {
    rejects(() => decodeTensorBytes({ where, datatype: 'BOOL', shape: [4] }, Buffer.from([1, 0, 2, 9]), SOURCE), /input 'x': BOOL element 2 is the byte 2, expected 0 or 1/);
  });
  const bytes = (n: number) => ({ where, datatype: 'BYTES' as const, shape: [n] });
  void test('BYTES: more elements than the bytes could hold is refused before anything is allocated', () => {
    rejects(() => checkTensorByteLength(bytes(1000), 8, 'binary_data_size'), /binary_data_size 8 cannot hold 1000 BYTES elements/);
    rejects(() => decodeTensorBytes(bytes(3), Buffer.alloc(8), SOURCE), /cannot hold 3 BYTES elements/);
  });
  void test('BYTES: a length prefix cut short, an element past the end, bytes left over', () => {
    rejects(() => decodeTensorBytes(bytes(2), Buffer.concat([framed([Buffer.from('ab')]), Buffer.from([1, 0])]), SOURCE),
      /input 'x': BYTES element 1: its length prefix runs past the end/);
    rejects(() => decodeTensorBytes(bytes(2), Buffer.concat([framed([Buffer.from('ab')]), Buffer.from([200, 0, 0, 0, 1, 2])]), SOURCE),
      /BYTES element 1 claims 200 bytes but only 2 remain/);
    rejects(() => decodeTensorBytes(bytes(1), framed([Buffer.from('ab'), Buffer.from('c')]), SOURCE),
      /5 bytes left over after the 1 BYTES elements/);
    // A length near 2^32 must not wrap around when added to the position.
    rejects(() => decodeTensorBytes(bytes(1), Buffer.from([0xff, 0xff, 0xff, 0xff, 0]), SOURCE), /claims 4294967295 bytes/);
  });
  void test('BYTES: anything that is not UTF-8 is refused, U+FFFD sent on purpose is kept', () => {
    for (const bad of [[0xff, 0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]) {
      rejects(() => decodeTensorBytes(bytes(1), framed([Buffer.from(bad)]), SOURCE), /BYTES element 0 is not valid UTF-8/);
    }
    const mixed = framed([Buffer.from('ok'), Buffer.from('a\uFFFDb'), Buffer.from('😀')]);
    assert.deepEqual(decodeTensorBytes(bytes(3), mixed, SOURCE), ['ok', 'a\uFFFDb', '😀']);
  });
});

void test('frameBytesElements writes each element behind its little-endian length', () => {
  const out = frameBytesElements([Buffer.from('hi'), new Uint8Array([0xff])]);
  assert.deepEqual(out, Buffer.from([2, 0, 0, 0, 0x68, 0x69, 1, 0, 0, 0, 0xff]));
});
