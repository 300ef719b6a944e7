import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelMetadataResponse } from '../../core/index.js';
import { isServerError } from '../../errors/index.js';
import type { Datatype } from '../../tensor/index.js';
import { checkJsonDepth, decodeExactly, parseJson, parseOptionalJsonObject, rawRequest, splitBody } from './framing.js';
import { decodeInferRequest } from './json-codec.js';

function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isServerError(e), `expected a ServerError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(e.message, message);
    return true;
  });
}

void describe('splitBody', () => {
  const json = Buffer.from('{"inputs":[]}');

  void test('without Inference-Header-Content-Length the whole body is JSON', () => {
    assert.deepEqual(splitBody(json, undefined), { header: { inputs: [] }, binary: undefined, raw: false, headerBytes: json });
  });
  void test('with it, the first N bytes are JSON and the rest binary', () => {
    const body = Buffer.concat([json, Buffer.from([1, 2, 3])]);
    const s = splitBody(body, String(json.length));
    assert.deepEqual(s.header, { inputs: [] });
    assert.deepEqual([...s.binary!], [1, 2, 3]);
    assert.equal(s.raw, false);
    assert.equal(splitBody(json, String(json.length)).binary!.length, 0);
  });
  void test('a header length beyond the body, negative or not a number is a 400', () => {
    assertInvalid(() => splitBody(json, '100'), /Inference-Header-Content-Length 100 exceeds the body length 13/);
    for (const bad of ['-1', 'abc', '1e3', '', '1.5', '12, 12', '9999999999999999']) {
      assertInvalid(() => splitBody(json, bad), /Inference-Header-Content-Length must be a non-negative integer/);
    }
  });
  void test('length 0 is a raw binary request', () => {
    const body = Buffer.from([1, 2, 3, 4]);
    assert.deepEqual(splitBody(body, '0'), { header: undefined, binary: body, raw: true, headerBytes: undefined });
  });
  void test('an empty body, malformed JSON, and JSON that is not an object are 400s', () => {
    assertInvalid(() => splitBody(Buffer.alloc(0), undefined), /request body is empty/);
    assertInvalid(() => splitBody(Buffer.from('{"inputs":[{"name":'), undefined), /could not parse request body as JSON/);
    for (const s of ['[]', '"x"', 'null', '42']) assertInvalid(() => splitBody(Buffer.from(s), undefined), /request body must be a JSON object/);
    // The JSON part is cut exactly at the header length: a length one byte short breaks it.
    assertInvalid(() => splitBody(json, String(json.length - 1)), /could not parse/);
  });
});

void describe('JSON limits and poisoning', () => {
  void test('deep nesting is refused before parsing, fast', (t) => {
    const deep = Buffer.from(`{"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`);
    // "Fast" as a fact rather than a time: the byte scan refuses it and JSON.parse (~0.3 s per 2 MB of nesting)
    // never sees it.
    const parse = t.mock.method(JSON, 'parse');
    assertInvalid(() => parseJson(deep), /JSON nesting depth exceeds the limit of 64/);
    assert.equal(parse.mock.callCount(), 0, 'refused by the depth scan before JSON.parse saw the body');
    parse.mock.restore();
    // Few brackets in all cannot cost the parser anything: the exact scan starts past 4096 of them.
    const deepAndLong = `${'['.repeat(65)}${']'.repeat(65)}${' [1]'.repeat(4100)}`;
    assertInvalid(() => checkJsonDepth(Buffer.from(deepAndLong), 64), /depth exceeds/);
    assert.doesNotThrow(() => checkJsonDepth(Buffer.from(`${'['.repeat(65)}${']'.repeat(65)}`), 64));
    assert.deepEqual(parseJson(Buffer.from(`${'['.repeat(64)}${']'.repeat(64)}`)), JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`));
  });
  void test('brackets inside strings (escaped quotes included) do not count', () => {
    const s = `{"s":"${'['.repeat(200)}\\"${'{'.repeat(200)}","t":[[1]]}`;
    assert.doesNotThrow(() => checkJsonDepth(Buffer.from(s), 64));
    const wide = `{"d":[${new Array(1000).fill('[1,2]').join(',')}]}`;
    assert.doesNotThrow(() => checkJsonDepth(Buffer.from(wide), 64));
  });
  void test('__proto__ and constructor.prototype keys are refused, also when escaped; as values they are fine', () => {
    assertInvalid(() => parseJson(Buffer.from('{"__proto__":{"polluted":1},"inputs":[]}')), /forbidden key '__proto__'/);
    assertInvalid(() => parseJson(Buffer.from('{"inputs":[{"\\u005f_proto__":1}]}')), /forbidden key '__proto__'/);
    assertInvalid(() => parseJson(Buffer.from('{"a":[{"constructor":{"prototype":{"x":1}}}]}')), /constructor.prototype/);
    assert.deepEqual(parseJson(Buffer.from('{"name":"__proto__","constructor":"x","s":"\\u00e9"}')), { name: '__proto__', constructor: 'x', s: 'é' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  void test('optional bodies: absent or empty is {}', () => {
    assert.deepEqual(parseOptionalJsonObject(undefined), {});
    assert.deepEqual(parseOptionalJsonObject(Buffer.alloc(0)), {});
    assert.deepEqual(parseOptionalJsonObject(Buffer.from('{"ready":true}')), { ready: true });
    assertInvalid(() => parseOptionalJsonObject(Buffer.from('[1]')), /must be a JSON object/);
  });
});

void describe('raw binary requests', () => {
  const meta = (datatype: Datatype, ...shapes: number[][]): ModelMetadataResponse => ({
    name: 'm', versions: ['1'], platform: 'onnxruntime_onnx',
    inputs: shapes.map((shape, i) => ({ name: `in${i}`, datatype, shape })), outputs: [],
  });
  const f32 = (n: number): Buffer => Buffer.from(new Float32Array(Array.from({ length: n }, (_, i) => i)).buffer);
  const decodeRaw = (body: Buffer, m: ModelMetadataResponse, maxBatch: number) => {
    const { header, binary } = rawRequest(body, m, maxBatch);
    return decodeInferRequest(header, binary, 'm', undefined, { maxElements: 1e6 });
  };

  void test('a batching model gets batch 1 and the fixed dims; all outputs are asked for as binary', () => {
    const req = decodeRaw(f32(4), meta('FP32', [-1, 4]), 8);
    assert.deepEqual(req.inputs[0].shape, [1, 4]);
    assert.deepEqual(Array.from(req.inputs[0].data as Float32Array), [0, 1, 2, 3]);
    assert.equal(req.parameters!.get('binary_data_output'), true);
  });
  void test('one variable dim is deduced from the byte count', () => {
    assert.deepEqual(decodeRaw(f32(8), meta('FP32', [-1, 4]), 0).inputs[0].shape, [2, 4]);
    assert.deepEqual(decodeRaw(f32(6), meta('FP32', [-1, -1, 3]), 4).inputs[0].shape, [1, 2, 3]);
  });
  void test("Triton's three rules: one input, at most one variable dim, BYTES only with shape [1]", () => {
    assertInvalid(() => rawRequest(f32(4), meta('FP32', [4], [4]), 0), /exactly one input; model 'm' has 2/);
    assertInvalid(() => rawRequest(f32(4), meta('FP32', [-1, -1]), 0), /more than one variable-size dim/);
    assertInvalid(() => rawRequest(Buffer.from('x'), meta('BYTES', [2]), 0), /BYTES input must have shape \[1\]/);
  });
  void test('byte counts that do not fit the shape are 400s', () => {
    assertInvalid(() => rawRequest(f32(3), meta('FP32', [4]), 0), /the body is 12 bytes, shape \[4\] needs 16/);
    assertInvalid(() => rawRequest(Buffer.alloc(10), meta('FP32', [-1, 4]), 0), /not a whole number of elements/);
    assertInvalid(() => rawRequest(Buffer.alloc(10), meta('FP32', [-1, 0]), 0), /not a whole number of elements/);
  });
  void test('a BYTES input takes the whole body as its one element', () => {
    const req = decodeRaw(Buffer.from('hello'), meta('BYTES', [-1, 1]), 4);
    assert.deepEqual(req.inputs[0].shape, [1, 1]);
    assert.deepEqual(req.inputs[0].data, ['hello']);
  });
});

void describe('decodeExactly: INT64/UINT64 beyond 2^53 as JSON numbers, read exactly', () => {
  const decode = (text: string) => {
    const bytes = Buffer.from(text);
    let calls = 0;
    const req = decodeExactly(parseJson(bytes), bytes, (h) => {
      calls++;
      return decodeInferRequest(h, undefined, 'm', undefined, { maxElements: 100 });
    });
    return { req, calls };
  };
  const body = (datatype: string, data: string) => `{"inputs":[{"name":"a","datatype":"${datatype}","shape":[3],"data":${data}}]}`;

  void test('every digit is kept, as tritonclient sends them and Triton reads them', () => {
    const { req, calls } = decode(body('INT64', '[9007199254740993,-9223372036854775808,9223372036854775807]'));
    assert.deepEqual([...(req.inputs[0].data as BigInt64Array)], [9007199254740993n, -9223372036854775808n, 9223372036854775807n]);
    assert.equal(calls, 2, 'read twice: JSON.parse, then exactly');
    const u = decode(body('UINT64', '[18446744073709551615,0,1]')).req;
    assert.deepEqual([...(u.inputs[0].data as BigUint64Array)], [18446744073709551615n, 0n, 1n]);
  });

  void test('the common case is read once; other datatypes in the same body take the exact reading too', () => {
    assert.equal(decode(body('INT64', '[1,2,3]')).calls, 1);
    assert.equal(decode(body('FP32', '[1.5,100000000000000000000,3]')).calls, 1, 'a large float is no reason to read again');
    const mixed = decode('{"inputs":[{"name":"a","datatype":"INT64","shape":[1],"data":[9007199254740993]},' +
      '{"name":"b","datatype":"FP64","shape":[1],"data":[100000000000000000000]}],"parameters":{"big":9007199254740993}}').req;
    assert.deepEqual([...(mixed.inputs[1].data as Float64Array)], [1e20]);
    assert.equal(mixed.parameters?.get('big'), 9007199254740993n);
  });

  void test('a value that is still not exact (exponent or fraction) is refused, naming what to send', () => {
    assertInvalid(() => decode(body('INT64', '[1e17,2,3]')), /element 0 \(100000000000000000\) is an integer beyond 2\^53 .* all their digits/);
    assertInvalid(() => decode(body('INT64', '[9007199254740993.0,2,3]')), /element 0 .* beyond 2\^53/);
    assertInvalid(() => decode(body('INT64', '[9223372036854775808,2,3]')), /a value in \[-9223372036854775808, 9223372036854775807\]/);
  });
});
