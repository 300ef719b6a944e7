import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { InferRequest, InferResponse } from '../../core/index.js';
import { isServerError } from '../../errors/index.js';
import type { Datatype, Tensor, TensorData } from '../../tensor/index.js';
import { decodeInferRequest, encodeInferResponse } from './json-codec.js';

const LIMITS = { maxElements: 1_000_000 };

function decode(header: unknown, binary?: Buffer, limits = LIMITS): InferRequest {
  return decodeInferRequest(header, binary, 'm', undefined, limits);
}

function input(name: string, datatype: string, shape: unknown, data: unknown, parameters?: unknown): Record<string, unknown> {
  return { name, datatype, shape, ...(data === undefined ? {} : { data }), ...(parameters === undefined ? {} : { parameters }) };
}

function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isServerError(e), `expected a ServerError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(e.message, message);
    return true;
  });
}

function response(outputs: Tensor[], extra: Partial<InferResponse> = {}): InferResponse {
  return { modelName: 'm', modelVersion: '1', outputs, ...extra };
}

/** Splits an encoded response into its JSON header (as text) and binary tail. */
function split(enc: { body: Buffer; headerLength: number | undefined }): { text: string; tail: Buffer } {
  const n = enc.headerLength ?? enc.body.length;
  return { text: enc.body.subarray(0, n).toString('utf8'), tail: enc.body.subarray(n) };
}

function plain(data: TensorData): unknown[] {
  return Array.from(data as ArrayLike<unknown>);
}

interface Row {
  datatype: Datatype;
  json: unknown[] | undefined;
  /** The decoded elements (bigints for 64-bit, bits for FP16, 0/1 for BOOL). */
  decoded: unknown[];
  /** The JSON text the encoder writes for `decoded`. */
  encoded: string;
}

const ROWS: Row[] = [
  { datatype: 'BOOL', json: [true, false, 1, 0], decoded: [1, 0, 1, 0], encoded: '[true,false,true,false]' },
  { datatype: 'UINT8', json: [0, 255, 7], decoded: [0, 255, 7], encoded: '[0,255,7]' },
  { datatype: 'UINT16', json: [0, 65535], decoded: [0, 65535], encoded: '[0,65535]' },
  { datatype: 'UINT32', json: [0, 4294967295], decoded: [0, 4294967295], encoded: '[0,4294967295]' },
  { datatype: 'UINT64', json: ['18446744073709551615', 3], decoded: [18446744073709551615n, 3n], encoded: '[18446744073709551615,3]' },
  { datatype: 'INT8', json: [-128, 127], decoded: [-128, 127], encoded: '[-128,127]' },
  { datatype: 'INT16', json: [-32768, 32767], decoded: [-32768, 32767], encoded: '[-32768,32767]' },
  { datatype: 'INT32', json: [-2147483648, 2147483647], decoded: [-2147483648, 2147483647], encoded: '[-2147483648,2147483647]' },
  {
    datatype: 'INT64', json: [-9007199254740991, '9223372036854775807', '-9223372036854775808'],
    decoded: [-9007199254740991n, 9223372036854775807n, -9223372036854775808n],
    encoded: '[-9007199254740991,9223372036854775807,-9223372036854775808]',
  },
  { datatype: 'FP16', json: undefined, decoded: [0x3c00, 0xc000, 0x7c00], encoded: '[1,-2,"Infinity"]' },
  {
    datatype: 'FP32', json: [1.5, -2.25, 'NaN', 'Infinity', '-Infinity'], decoded: [1.5, -2.25, NaN, Infinity, -Infinity],
    encoded: '[1.5,-2.25,"NaN","Infinity","-Infinity"]',
  },
  { datatype: 'FP64', json: [0.1, 1e300], decoded: [0.1, 1e300], encoded: '[0.1,1e+300]' },
  { datatype: 'BYTES', json: ['a', 'héllo', ''], decoded: ['a', 'héllo', ''], encoded: '["a","héllo",""]' },
];

void describe('every datatype', () => {
  for (const row of ROWS) {
    const shape = [row.decoded.length];
    void test(`${row.datatype}: JSON in, JSON out`, () => {
      if (row.json === undefined) {
        assertInvalid(() => decode({ inputs: [input('x', row.datatype, shape, [1, 2, 3])] }), /FP16 has no JSON representation.*binary/);
        return;
      }
      const req = decode({ inputs: [input('x', row.datatype, shape, row.json)] });
      const t = req.inputs[0];
      assert.deepEqual({ name: t.name, datatype: t.datatype, shape: t.shape }, { name: 'x', datatype: row.datatype, shape });
      assert.deepEqual(plain(t.data), row.decoded);
      const { text } = split(encodeInferResponse(response([t]), req));
      assert.ok(text.includes(`"data":${row.encoded}`), text);
      JSON.parse(text); // always valid JSON, NaN and Infinity included
    });

    void test(`${row.datatype}: binary out, binary in, same elements`, () => {
      const seed = row.json === undefined
        ? { name: 'x', datatype: row.datatype, shape, data: Uint16Array.from(row.decoded as number[]) }
        : decode({ inputs: [input('x', row.datatype, shape, row.json)] }).inputs[0];
      const req: InferRequest = { modelName: 'm', inputs: [], parameters: new Map([['binary_data_output', true]]) };
      const enc = encodeInferResponse(response([seed]), req);
      const { text, tail } = split(enc);
      const header = JSON.parse(text) as { outputs: { parameters: { binary_data_size: number }; data?: unknown }[] };
      assert.equal(header.outputs[0].parameters.binary_data_size, tail.length);
      assert.equal(header.outputs[0].data, undefined);
      const back = decode({ inputs: [input('x', row.datatype, shape, undefined, { binary_data_size: tail.length })] }, Buffer.from(tail));
      assert.deepEqual(plain(back.inputs[0].data), row.decoded);
    });
  }
});

void describe('JSON data layout', () => {
  void test('nested data matching the shape equals the flat form', () => {
    const nested = decode({ inputs: [input('x', 'INT32', [2, 3], [[1, 2, 3], [4, 5, 6]])] }).inputs[0];
    const flat = decode({ inputs: [input('x', 'INT32', [2, 3], [1, 2, 3, 4, 5, 6])] }).inputs[0];
    assert.deepEqual(plain(nested.data), plain(flat.data));
    assert.deepEqual(nested.shape, [2, 3]);
  });
  void test('a scalar (shape []) takes one flat element; zero-size tensors take none', () => {
    assert.deepEqual(plain(decode({ inputs: [input('x', 'FP32', [], [7])] }).inputs[0].data), [7]);
    assert.deepEqual(plain(decode({ inputs: [input('x', 'FP32', [0, 30], [])] }).inputs[0].data), []);
  });
  void test('wrong counts and wrong nesting name the input and what was expected', () => {
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', [2, 3], [1, 2, 3, 4, 5])] }), /input 'a': shape \[2,3\] needs 6 elements, got 5/);
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', [2, 2], [[1, 2], [3]])] }), /input 'a': nested 'data' does not match shape \[2,2\] at data\[1\]/);
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', [2, 2], [[1, 2], 3])] }), /input 'a': nested .* at data\[1\]/);
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', [2], [[1], [2]])] }), /input 'a': element 0 is an array/);
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', [3], 'abc')] }), /input 'a': 'data' must be an array/);
  });
  void test('nesting deeper than 32 levels is refused', () => {
    const shape = new Array<number>(33).fill(1);
    let data: unknown = [1];
    for (let i = 1; i < 33; i++) data = [data];
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', shape, data)] }), /nested deeper than 32/);
  });
});

void describe('bad inputs', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not an object', [], /request body must be a JSON object/],
    ['inputs missing', {}, /'inputs' must be an array/],
    ['input not an object', { inputs: [5] }, /inputs\[0\] must be a JSON object/],
    ['missing name', { inputs: [{ datatype: 'FP32', shape: [1], data: [1] }] }, /inputs\[0\]: 'name' must be a non-empty string/],
    ['unknown datatype', { inputs: [input('a', 'FLOAT', [1], [1])] }, /input 'a': unsupported datatype "FLOAT"; expected one of BOOL/],
    ['lowercase datatype', { inputs: [input('a', 'fp32', [1], [1])] }, /unsupported datatype "fp32"/],
    ['negative dim', { inputs: [input('a', 'FP32', [2, -1], [1, 2])] }, /input 'a': shape dim 1 is -1; dims must be non-negative integers/],
    ['fractional dim', { inputs: [input('a', 'FP32', [1.5], [1])] }, /shape dim 0 is 1.5/],
    ['string dim', { inputs: [input('a', 'FP32', ['3'], [1, 2, 3])] }, /shape dim 0 is "3"/],
    ['unsafe dim', { inputs: [input('a', 'FP32', [2 ** 53 + 2], [1])] }, /shape dim 0 is 9007199254740994/],
    ['shape not an array', { inputs: [input('a', 'FP32', 3, [1, 2, 3])] }, /'shape' must be an array/],
    ['too many elements', { inputs: [input('a', 'FP32', [16, 2 ** 52], [1])] }, /input 'a': shape \[16,4503599627370496\] has more than \d+ elements, the limit/],
    ['rank over the limit', { inputs: [input('a', 'FP32', Array(65).fill(1), [1])] }, /input 'a': shape has 65 dims, more than the limit of 64/],
    ['UINT8 out of range', { inputs: [input('a', 'UINT8', [2], [1, 300])] }, /input 'a': element 1 is 300, expected an integer in \[0, 255\] for UINT8/],
    ['INT32 fraction', { inputs: [input('a', 'INT32', [1], [1.5])] }, /input 'a': element 0 is 1.5, expected an integer/],
    ['INT8 as string', { inputs: [input('a', 'INT8', [1], ['1'])] }, /element 0 is "1"/],
    ['FP32 null', { inputs: [input('a', 'FP32', [2], [1, null])] }, /input 'a': element 1 is null, expected a number/],
    ['FP32 word', { inputs: [input('a', 'FP32', [1], ['abc'])] }, /element 0 is "abc"/],
    ['BOOL 2', { inputs: [input('a', 'BOOL', [1], [2])] }, /element 0 is 2, expected true or false/],
    ['BYTES number', { inputs: [input('a', 'BYTES', [1], [5])] }, /expected a string for BYTES/],
    // A parsed number beyond 2^53 may be rounded: the decoder asks for the exact reading (InexactInteger).
    ['INT64 beyond 2^53 as a number', { inputs: [input('a', 'INT64', [1], [2 ** 53 + 2])] }, /input 'a': element 0 .* beyond 2\^53 .* all their digits .* decimal strings, or as binary/],
    ['INT64 over range as a string', { inputs: [input('a', 'INT64', [1], ['9223372036854775808'])] }, /a value in \[-9223372036854775808, 9223372036854775807\]/],
    ['UINT64 negative', { inputs: [input('a', 'UINT64', [1], ['-1'])] }, /element 0 is "-1"/],
    ['INT64 not decimal', { inputs: [input('a', 'INT64', [1], ['0x10'])] }, /element 0 is "0x10"/],
    ['duplicate input', { inputs: [input('a', 'FP32', [1], [1]), input('a', 'FP32', [1], [1])] }, /duplicate input 'a'/],
    ['no data', { inputs: [input('a', 'FP32', [1], undefined)] }, /input 'a' has no data/],
    ['data and binary', { inputs: [input('a', 'FP32', [1], [1], { binary_data_size: 4 })] }, /input 'a' has both JSON 'data' and parameters.binary_data_size/],
    ['bad binary size', { inputs: [input('a', 'FP32', [1], undefined, { binary_data_size: -4 })] }, /parameter 'binary_data_size' must be a non-negative integer/],
    // Core's rule (core/parameters.ts), applied before the data checks: "has no data" would hide the reason.
    ['shared memory', { inputs: [input('a', 'FP32', [1], undefined, { shared_memory_region: 'r' })] }, /input 'a': parameter 'shared_memory_region': shared memory is not supported/],
    ['nested parameter', { inputs: [input('a', 'FP32', [1], [1], { x: { y: 1 } })] }, /input 'a': parameter 'x' must be a string, number or boolean/],
    ['id not a string', { id: 5, inputs: [] }, /'id' must be a string/],
    ['duplicate output', { inputs: [], outputs: [{ name: 'y' }, { name: 'y' }] }, /duplicate output 'y'/],
    ['output without name', { inputs: [], outputs: [{}] }, /outputs\[0\]: 'name'/],
  ];
  for (const [name, header, message] of cases) void test(name, () => assertInvalid(() => decode(header), message));

  void test('a very long name is clipped in the message', () => {
    const long = 'n'.repeat(10_000);
    assert.throws(() => decode({ inputs: [input(long, 'FLOAT', [1], [1])] }), (e: Error) => e.message.length < 400);
  });
});

void describe('binary inputs', () => {
  const f32 = (...v: number[]): Buffer => Buffer.from(new Float32Array(v).buffer);

  void test('consumed in input order, JSON and binary inputs mixed', () => {
    const req = decode({
      inputs: [
        input('a', 'FP32', [2], undefined, { binary_data_size: 8 }),
        input('j', 'INT32', [1], [9]),
        input('b', 'FP32', [1], undefined, { binary_data_size: 4 }),
      ],
    }, Buffer.concat([f32(1, 2), f32(3)]));
    assert.deepEqual(req.inputs.map((t) => plain(t.data)), [[1, 2], [9], [3]]);
  });
  void test('unaligned tensors are read correctly (copied), aligned ones are views', () => {
    const body = Buffer.concat([Buffer.from([0xff]), f32(1.5, 2.5)]);
    const req = decode({ inputs: [input('u8', 'UINT8', [1], undefined, { binary_data_size: 1 }), input('f', 'FP32', [2], undefined, { binary_data_size: 8 })] }, body);
    assert.deepEqual(plain(req.inputs[1].data), [1.5, 2.5]);
  });
  void test('sizes must add up to the binary length exactly', () => {
    const header = { inputs: [input('a', 'FP32', [2], undefined, { binary_data_size: 8 })] };
    assertInvalid(() => decode(header, f32(1, 2, 3)), /expected 8 bytes of binary tensor data .* found 12/);
    assertInvalid(() => decode(header, f32(1)), /expected 8 bytes .* found 4/);
    assertInvalid(() => decode(header, undefined), /found 0 \(is the Inference-Header-Content-Length header set\?\)/);
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', [1], [1])] }, f32(1)), /expected 0 bytes .* found 4/);
  });
  void test('a fixed-size tensor needs exactly count * size bytes', () => {
    assertInvalid(() => decode({ inputs: [input('a', 'FP32', [2, 4], undefined, { binary_data_size: 40 })] }, Buffer.alloc(40)),
      /input 'a': binary_data_size is 40 bytes, but shape \[2,4\] of FP32 needs 32/);
  });
  void test('BOOL bytes must be 0 or 1', () => {
    assertInvalid(() => decode({ inputs: [input('a', 'BOOL', [2], undefined, { binary_data_size: 2 })] }, Buffer.from([1, 7])),
      /input 'a': BOOL element 1 is the byte 7/);
  });

  const bytesInput = (count: number, size: number): unknown => ({ inputs: [input('s', 'BYTES', [count], undefined, { binary_data_size: size })] });
  const element = (s: string): Buffer => {
    const b = Buffer.from(s);
    const p = Buffer.alloc(4);
    p.writeUInt32LE(b.length);
    return Buffer.concat([p, b]);
  };
  void test('BYTES framing: length prefix past the end', () => {
    const body = Buffer.concat([element('ab'), Buffer.from([1, 0])]);
    assertInvalid(() => decode(bytesInput(2, body.length), body), /input 's': BYTES element 1: its length prefix runs past the end/);
  });
  void test('BYTES framing: element longer than what remains', () => {
    const body = Buffer.concat([element('ab'), Buffer.from([200, 0, 0, 0, 1, 2])]);
    assertInvalid(() => decode(bytesInput(2, body.length), body), /BYTES element 1 claims 200 bytes but only 2 remain/);
  });
  void test('BYTES framing: bytes left over, and more elements than bytes could hold', () => {
    const body = Buffer.concat([element('ab'), element('c')]);
    assertInvalid(() => decode(bytesInput(1, body.length), body), /5 bytes left over after the 1 BYTES elements/);
    assertInvalid(() => decode(bytesInput(1000, 8), Buffer.alloc(8)), /cannot hold 1000 BYTES elements/);
  });
});

void describe('request fields', () => {
  void test('id, parameters and requested outputs are kept; the URL names the model', () => {
    const req = decodeInferRequest({
      id: 'r1', parameters: { timeout: 5000, tag: 'x' }, inputs: [input('a', 'FP32', [1], [1])],
      outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 'z' }],
    }, undefined, 'model', '3', LIMITS);
    assert.equal(req.modelName, 'model');
    assert.equal(req.modelVersion, '3');
    assert.equal(req.id, 'r1');
    assert.deepEqual([...req.parameters!], [['timeout', 5000], ['tag', 'x']]);
    assert.deepEqual(req.outputs!.map((o) => [o.name, o.parameters && [...o.parameters]]), [['y', [['binary_data', true]]], ['z', undefined]]);
    assert.equal(decode({ inputs: [] }).outputs, undefined);
  });
  void test('a __proto__ parameter stays a map key', () => {
    const header = JSON.parse('{"inputs":[],"parameters":{"__proto__":"x"}}') as unknown;
    assert.equal(decode(header).parameters!.get('__proto__'), 'x');
  });
});

void describe('response encoding', () => {
  const y: Tensor = { name: 'y', datatype: 'FP32', shape: [2], data: new Float32Array([1, 2]) };
  const z: Tensor = { name: 'z', datatype: 'BYTES', shape: [2], data: ['hi', 'é'] };
  const reqWith = (extra: Partial<InferRequest>): InferRequest => ({ modelName: 'm', inputs: [], ...extra });

  void test('JSON only: model, version, echoed id, parameters; no header length', () => {
    const enc = encodeInferResponse(response([y], { parameters: new Map<string, string | number | bigint>([['n', 2n ** 60n], ['s', 'q"']]) }), reqWith({ id: 'abc' }));
    assert.equal(enc.headerLength, undefined);
    assert.deepEqual(JSON.parse(enc.body.toString()), {
      model_name: 'm', model_version: '1', id: 'abc', parameters: { n: 2 ** 60, s: 'q"' },
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2], data: [1, 2] }],
    });
    assert.match(enc.body.toString(), /"n":1152921504606846976/);
  });
  void test('binary_data_output makes every output binary, appended in output order', () => {
    const enc = encodeInferResponse(response([y, z]), reqWith({ parameters: new Map([['binary_data_output', true]]) }));
    const { text, tail } = split(enc);
    assert.equal(enc.headerLength, Buffer.byteLength(text));
    const header = JSON.parse(text) as { outputs: { name: string; parameters: { binary_data_size: number } }[] };
    assert.deepEqual(header.outputs.map((o) => o.parameters.binary_data_size), [8, 4 + 2 + 4 + 2]);
    assert.deepEqual(plain(new Float32Array(tail.buffer.slice(tail.byteOffset, tail.byteOffset + 8))), [1, 2]);
    // BYTES: a 4-byte little-endian length, then the UTF-8 bytes, per element.
    assert.equal(tail.subarray(8).toString('hex'), '020000006869' + '02000000c3a9');
  });
  void test("an output's own binary_data setting overrides the request's", () => {
    const req = reqWith({
      parameters: new Map([['binary_data_output', true]]),
      outputs: [{ name: 'y', parameters: new Map([['binary_data', false]]) }, { name: 'z' }],
    });
    const { text, tail } = split(encodeInferResponse(response([y, z]), req));
    const header = JSON.parse(text) as { outputs: { data?: unknown; parameters?: unknown }[] };
    assert.deepEqual(header.outputs[0].data, [1, 2]);
    assert.deepEqual(header.outputs[1].parameters, { binary_data_size: 12 });
    assert.equal(tail.length, 12);
    const only = split(encodeInferResponse(response([y, z]), reqWith({ outputs: [{ name: 'z', parameters: new Map([['binary_data', true]]) }] })));
    assert.equal(only.tail.length, 12);
  });
  void test('FP32 values are written through Number (exact for the float value), -0 and large values are valid JSON', () => {
    const t: Tensor = { name: 'f', datatype: 'FP32', shape: [3], data: new Float32Array([0.1, 3e38, -0]) };
    const out = JSON.parse(encodeInferResponse(response([t]), reqWith({})).body.toString()) as { outputs: { data: number[] }[] };
    assert.deepEqual(out.outputs[0].data.map((v) => Math.fround(v)), [Math.fround(0.1), Math.fround(3e38), -0]);
    assert.ok(Object.is(out.outputs[0].data[2], -0), '-0 keeps its sign (written -0.0)');
  });
});
