import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelMetadataResponse } from '../../core/index.js';
import { isServerError } from '../../errors/index.js';
import type { Datatype } from '../../tensor/index.js';
import { checkJsonDepth, parseJson, parseOptionalJsonObject, rawRequest, splitBody } from './framing.js';
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
    assert.deepEqual(splitBody(json, undefined), { header: { inputs: [] }, binary: undefined, raw: false });
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
    assert.deepEqual(splitBody(body, '0'), { header: undefined, binary: body, raw: true });
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
