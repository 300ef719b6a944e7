/** Every V2 datatype round-trips through its identity_<dtype> fixture, edge values included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATATYPE_FIXTURES, type FixtureDatatype } from '../../scripts/fixtures.js';
import type { Transport } from './clients.js';
import { fails, ok, output, sameValues, type GetCtx } from './assertions.js';
import type { TensorValues } from './wire.js';

const f32 = Math.fround;

/** Edge values per datatype: the ends of each range, values either side of 2^53, the float specials. */
export const EDGE_VALUES: Readonly<Record<FixtureDatatype, TensorValues>> = {
  BOOL: [true, false, false, true],
  UINT8: Uint8Array.from([0, 1, 127, 128, 254, 255]),
  UINT16: Uint16Array.from([0, 1, 32767, 32768, 65534, 65535]),
  UINT32: Uint32Array.from([0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1]),
  UINT64: BigUint64Array.from([0n, 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]),
  INT8: Int8Array.from([-128, -127, -1, 0, 1, 127]),
  INT16: Int16Array.from([-32768, -1, 0, 1, 32766, 32767]),
  INT32: Int32Array.from([-(2 ** 31), -1, 0, 1, 2 ** 31 - 2, 2 ** 31 - 1]),
  INT64: BigInt64Array.from([-(2n ** 63n), -(2n ** 53n) - 1n, -1n, 0n, 2n ** 60n + 1n, 2n ** 63n - 1n]),
  // Bit patterns: +0, -0, 1, -1, max 65504, -65504, smallest subnormal, largest subnormal, smallest normal, +Inf, -Inf, NaN.
  FP16: Uint16Array.from([0x0000, 0x8000, 0x3c00, 0xbc00, 0x7bff, 0xfbff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00]),
  FP32: Float32Array.from([0, 1.5, -2.25, f32(0.1), 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45,
    1.1754943508222875e-38, f32(Math.PI), NaN, Infinity, -Infinity]),
  FP64: Float64Array.from([0, 0.1, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2.2250738585072014e-308, Math.PI, 2 ** 53 + 2,
    -1 / 3, NaN, Infinity, -Infinity]),
  BYTES: ['héllo', '', 'a', '日本語 🎉', 'with "quotes" and \\ backslash', 'tab\tnew\nline'],
};

const DATATYPES = Object.keys(DATATYPE_FIXTURES) as FixtureDatatype[];

export function datatypeCases(get: GetCtx, transport: Transport): void {
  for (const datatype of DATATYPES) {
    const model = DATATYPE_FIXTURES[datatype];
    const values = EDGE_VALUES[datatype];
    const n = values.length;
    test(`${datatype} round-trips through ${model} with edge values`, async () => {
      const r = await get().client.infer(model, undefined, { inputs: [{ name: 'INPUT0', datatype, shape: [2, n / 2], data: values }] });
      if (datatype === 'FP16' && transport === 'rest-json') {
        // FP16 has no JSON form: the server must say so (and point at the binary extension), not guess.
        fails(r, 'INVALID_ARGUMENT', /INPUT0/, /binary/i);
        return;
      }
      const res = ok(r);
      const out = output(res, 'OUTPUT0');
      assert.equal(out.datatype, datatype);
      assert.deepEqual(out.shape, [2, n / 2]);
      sameValues(out.data, values, `${datatype} OUTPUT0`);
    });
  }

  test('negative zero keeps its sign (FP32, FP64)', async () => {
    const { client } = get();
    for (const [datatype, data] of [['FP32', Float32Array.of(-0, 0)], ['FP64', Float64Array.of(-0, 0)]] as const) {
      const res = ok(await client.infer(DATATYPE_FIXTURES[datatype], undefined, { inputs: [{ name: 'INPUT0', datatype, shape: [1, 2], data }] }));
      sameValues(output(res, 'OUTPUT0').data, data, `${datatype} OUTPUT0`);
    }
  });

  test('a long BYTES element (70 000 bytes) survives', async () => {
    const data = ['x'.repeat(70_000), 'short'];
    const res = ok(await get().client.infer('identity_bytes', undefined, { inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape: [1, 2], data }] }));
    sameValues(output(res, 'OUTPUT0').data, data, 'BYTES OUTPUT0');
  });

  test('BYTES with an embedded NUL come back whole or are refused, never truncated', async () => {
    const data = ['a\u0000b', '\u0000', 'ok'];
    const r = await get().client.infer('identity_bytes', undefined, { inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape: [1, 3], data }] });
    if (r.status === 'ok') sameValues(output(r.response, 'OUTPUT0').data, data, 'BYTES OUTPUT0');
    else fails(r, 'INVALID_ARGUMENT', /INPUT0/);
  });

  test('INT64 arithmetic on exact 64-bit values (add_sub_int64)', async () => {
    const a = BigInt64Array.from([2n ** 60n + 1n, -(2n ** 62n), 9007199254740993n]);
    const b = BigInt64Array.from([1n, -(2n ** 62n), -9007199254740993n]);
    const res = ok(await get().client.infer('add_sub_int64', undefined, { inputs: [
      { name: 'a', datatype: 'INT64', shape: [3], data: a }, { name: 'b', datatype: 'INT64', shape: [3], data: b },
    ] }));
    sameValues(output(res, 'sum').data, BigInt64Array.from([2n ** 60n + 2n, -(2n ** 63n), 0n]), 'sum');
    sameValues(output(res, 'diff').data, BigInt64Array.from([2n ** 60n, 0n, 18014398509481986n]), 'diff');
  });

  test('a zero-size dimension is accepted or refused cleanly, never a server error', async () => {
    const r = await get().client.infer('identity_fp32', undefined, { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [0, 4], data: [] }] });
    if (r.status === 'ok') {
      const out = output(r.response, 'OUTPUT0');
      assert.deepEqual(out.shape, [0, 4]);
      assert.equal(out.data.length, 0);
    } else fails(r, 'INVALID_ARGUMENT', /INPUT0/);
  });
}
