import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Datatype } from './datatypes.js';
import { ClientError } from './errors.js';
import { fromJsonData, jsonData } from './json-data.js';
import { parseExact, parseJson, stringifyExact } from './json-exact.js';
import { prepareInput } from './tensor-data.js';
import type { InputData } from './types.js';

const json = (dt: Datatype, data: InputData): string | undefined =>
  jsonData(dt, prepareInput({ name: 'x', datatype: dt, shape: [data.length], data }, 0).data);

void describe('JSON tensor data, per datatype', () => {
  /** The data as JSON text; undefined: the tensor goes as binary data even from a JSON client. */
  const ROWS: readonly [Datatype, InputData, string | undefined][] = [
    ['BOOL', [true, false], '[true,false]'],
    ['UINT8', [0, 255], '[0,255]'],
    ['UINT16', [65535], '[65535]'],
    ['UINT32', [4294967295], '[4294967295]'],
    ['INT8', [-128], '[-128]'],
    ['INT16', [-32768], '[-32768]'],
    ['INT32', [-2147483648, 7], '[-2147483648,7]'],
    ['INT64', [-9007199254740991n, 0n], '[-9007199254740991,0]'],
    ['INT64', [9007199254740992n], undefined],
    ['UINT64', [2n ** 64n - 1n], undefined],
    ['UINT64', [1n], '[1]'],
    ['FP32', Float32Array.of(0.1, -0, 1e-45), '[0.10000000149011612,-0,1.401298464324817e-45]'],
    ['FP32', [NaN], undefined],
    ['FP64', [Infinity], undefined],
    ['FP64', [0.1, -1e308], '[0.1,-1e+308]'],
    ['FP16', Uint16Array.of(0x3c00), undefined],
    ['BF16', Uint16Array.of(0x3f80), undefined],
    ['BYTES', ['héllo', 'a"b\\c', '\u0000'], '["héllo","a\\"b\\\\c","\\u0000"]'],
    ['BYTES', [Buffer.from([0xff])], undefined],
  ];
  for (const [dt, data, text] of ROWS) {
    test(`${dt} ${text ?? '-> binary'}`, () => assert.equal(json(dt, data), text));
  }

  test('what is written reads back to the same values (FP32 to the bit)', () => {
    const f32 = Float32Array.of(0.1, -0, 3.4028234663852886e38, 1e-45);
    const back = fromJsonData('FP32', JSON.parse(json('FP32', f32)!), 4, 'o') as Float32Array;
    assert.deepEqual(new Uint32Array(back.buffer), new Uint32Array(f32.buffer));
  });

  const READS: readonly [Datatype, unknown, unknown[]][] = [
    ['BOOL', [true, false, 1, 0], [1, 0, 1, 0]],
    ['INT8', [[-128], [127]], [-128, 127]],
    ['UINT32', [4294967295], [4294967295]],
    ['INT64', [9007199254740993n, '-9223372036854775808', 5], [9007199254740993n, -(2n ** 63n), 5n]],
    ['UINT64', [18446744073709551615n], [2n ** 64n - 1n]],
    ['FP64', ['NaN', 'Infinity', '-Infinity', 12345678901234567000n], [NaN, Infinity, -Infinity, 12345678901234567000]],
    ['FP16', [1, -0, 65504], [0x3c00, 0x8000, 0x7bff]],
    ['BF16', [1, -2], [0x3f80, 0xc000]],
  ];
  for (const [dt, data, expected] of READS) {
    test(`reads ${dt} ${JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`, () => {
      assert.deepEqual(Array.from(fromJsonData(dt, data, expected.length, 'o') as ArrayLike<unknown>), expected);
    });
  }

  test('BYTES read as UTF-8 Buffers', () => {
    const out = fromJsonData('BYTES', ['日本', ''], 2, 'o') as Buffer[];
    assert.deepEqual(out.map(String), ['日本', '']);
    assert.ok(Buffer.isBuffer(out[0]));
  });

  test('values that do not fit are refused, naming the output and the element', () => {
    const bad: readonly [Datatype, unknown[], RegExp][] = [
      ['INT8', [200], /output 'o': INT8 element 0 is 200/],
      ['UINT64', [-1], /UINT64 element 0 is -1, expected a value in/],
      ['INT64', [1.5], /expected an integer/],
      ['FP32', ['x'], /expected a number/],
      ['BOOL', ['true'], /expected true or false/],
      ['BYTES', [1], /BYTES element 0 is not a string/],
    ];
    for (const [dt, data, message] of bad) {
      assert.throws(() => fromJsonData(dt, data, data.length, "output 'o'"), (e: unknown) => e instanceof ClientError && e.code === 'INTERNAL' && message.test(e.message), `${dt}`);
    }
    assert.throws(() => fromJsonData('FP32', [1, 2], 3, 'o'), /2 elements in 'data', the shape holds 3/);
    assert.throws(() => fromJsonData('FP32', 'nope', 0, 'o'), /'data' is not an array/);
  });
});

void describe('exact JSON', () => {
  test('integer literals beyond 2^53 become bigint; everything else is what JSON.parse gives', () => {
    const text = '{"a":[9007199254740993,-9223372036854775808,9007199254740991,1.5,-0,1e400,12345678901234567.5],"s":"12345678901234567890","t":true,"n":null,"o":{}}';
    const v = parseExact(text) as { a: unknown[] };
    assert.deepEqual(v.a, [9007199254740993n, -9223372036854775808n, 9007199254740991, 1.5, -0, Infinity, Number('12345678901234567.5')]);
    assert.ok(Object.is(v.a[4], -0));
    const { a: _a, ...rest } = v as Record<string, unknown>;
    const { a: _b, ...plain } = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(rest, plain);
  });

  test('parseJson takes the exact path only for a long integer literal, and agrees with it otherwise', () => {
    assert.deepEqual(parseJson('{"x": [18446744073709551615]}'), { x: [18446744073709551615n] });
    assert.deepEqual(parseJson('[0.10000000149011612, 1e21]'), [0.10000000149011612, 1e21]);
    assert.deepEqual(parseJson('["9007199254740993"]'), ['9007199254740993']);
  });

  test('strings with escapes, nesting, whitespace; __proto__ stays an own key', () => {
    const text = ' { "k\\"\\u00e9" : [ [ ] , { } , "\\\\" ] , "__proto__" : 1 } ';
    const v = parseExact(text) as Record<string, unknown>;
    assert.deepEqual(v['k"é'], [[], {}, '\\']);
    assert.ok(Object.hasOwn(v, '__proto__'));
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
  });

  test('malformed JSON is a SyntaxError', () => {
    for (const bad of ['', '{', '[1,]', '{"a" 1}', '[1] x', '"open', 'nul', '{"a":1,}', '['.repeat(200)]) {
      assert.throws(() => parseExact(bad), SyntaxError, bad.slice(0, 20));
    }
  });

  test('stringifyExact: bigint digits, -0, no undefined members, non-finite refused', () => {
    assert.equal(stringifyExact({ a: 2n ** 64n, b: -0, c: undefined, d: ['x', true, null] }), '{"a":18446744073709551616,"b":-0,"d":["x",true,null]}');
    assert.throws(() => stringifyExact({ x: NaN }), /NaN has no JSON form/);
  });
});
