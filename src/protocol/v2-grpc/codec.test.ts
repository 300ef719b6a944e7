import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { InferRequest, InferResponse } from '../../core/index.js';
import { ServerError } from '../../errors/index.js';
import type { Datatype, TensorData } from '../../tensor/index.js';
import { decodeModelInferRequest, encodeModelInferResponse } from './codec.js';
import { loadPackageDefinition } from './service.js';
import type { WireModelInferRequest, WireModelInferResponse } from './wire.js';

// Decoded protobuf objects are read ad hoc in assertions; typing each message here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Decoded = any;

const LIMITS = { maxElements: 1_000_000 };
const inferMethod = (loadPackageDefinition()['inference.GRPCInferenceService'] as Record<string, MethodDefinition<object, object>>).ModelInfer;

/** Through the real serializer and deserializer with the server's loader options: what a handler receives. */
function overWire(msg: object): WireModelInferRequest {
  return inferMethod.requestDeserialize(inferMethod.requestSerialize(msg));
}
function responseOverWire(msg: WireModelInferResponse): Decoded {
  return inferMethod.responseDeserialize(inferMethod.responseSerialize(msg)) as Decoded;
}

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ServerError, `expected ServerError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(e.message, pattern);
    return true;
  });
}

function lengthPrefixed(strings: string[]): Buffer {
  return Buffer.concat(strings.flatMap((s) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return [len, b];
  }));
}

interface Row { dt: Datatype; field?: string; wire?: unknown[]; expected: TensorData }

// One row per datatype: the typed-contents form (when the protocol has one) and the raw form of the same data.
const ROWS: Row[] = [
  { dt: 'BOOL', field: 'bool_contents', wire: [true, false, true], expected: new Uint8Array([1, 0, 1]) },
  { dt: 'UINT8', field: 'uint_contents', wire: [0, 255, 7], expected: new Uint8Array([0, 255, 7]) },
  { dt: 'UINT16', field: 'uint_contents', wire: [0, 65535, 7], expected: new Uint16Array([0, 65535, 7]) },
  { dt: 'UINT32', field: 'uint_contents', wire: [0, 4294967295, 7], expected: new Uint32Array([0, 4294967295, 7]) },
  { dt: 'UINT64', field: 'uint64_contents', wire: ['0', '18446744073709551615', '9007199254740993'], expected: new BigUint64Array([0n, 2n ** 64n - 1n, 2n ** 53n + 1n]) },
  { dt: 'INT8', field: 'int_contents', wire: [-128, 127, 0], expected: new Int8Array([-128, 127, 0]) },
  { dt: 'INT16', field: 'int_contents', wire: [-32768, 32767, 0], expected: new Int16Array([-32768, 32767, 0]) },
  { dt: 'INT32', field: 'int_contents', wire: [-2147483648, 2147483647, 0], expected: new Int32Array([-2147483648, 2147483647, 0]) },
  { dt: 'INT64', field: 'int64_contents', wire: ['-9223372036854775808', '9223372036854775807', '9007199254740993'], expected: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]) },
  { dt: 'FP16', expected: new Uint16Array([0x3c00, 0xc000, 0x0000]) },
  { dt: 'FP32', field: 'fp32_contents', wire: [1.5, -2.25, 0], expected: new Float32Array([1.5, -2.25, 0]) },
  { dt: 'FP64', field: 'fp64_contents', wire: [1e300, -0.1, 0], expected: new Float64Array([1e300, -0.1, 0]) },
  { dt: 'BYTES', field: 'bytes_contents', wire: [Buffer.from('héllo'), Buffer.alloc(0), Buffer.from('x')], expected: ['héllo', '', 'x'] },
];

function rawOf(expected: TensorData): Buffer {
  return Array.isArray(expected) ? lengthPrefixed(expected) : Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
}

const input = (dt: string, extra: object) => ({ name: 'x', datatype: dt, shape: [1, 3], ...extra });

for (const row of ROWS) {
  if (row.field) {
    void test(`${row.dt} decodes from ${row.field}`, () => {
      const req = decodeModelInferRequest(overWire({ model_name: 'm', inputs: [input(row.dt, { contents: { [row.field!]: row.wire } })] }), LIMITS);
      assert.deepEqual(req.inputs[0], { name: 'x', datatype: row.dt, shape: [1, 3], data: row.expected });
    });
  }
  void test(`${row.dt} decodes from raw_input_contents`, () => {
    const req = decodeModelInferRequest(overWire({ model_name: 'm', inputs: [input(row.dt, {})], raw_input_contents: [rawOf(row.expected)] }), LIMITS);
    assert.deepEqual(req.inputs[0].data, row.expected);
  });
  void test(`${row.dt} encodes to raw_output_contents`, () => {
    const res: InferResponse = { modelName: 'm', modelVersion: '1', outputs: [{ name: 'y', datatype: row.dt, shape: [1, 3], data: row.expected }] };
    const wire = responseOverWire(encodeModelInferResponse(res, { modelName: 'm', inputs: [] }));
    assert.deepEqual(wire.outputs, [{ name: 'y', datatype: row.dt, shape: ['1', '3'], parameters: {}, contents: null }]);
    assert.deepEqual(wire.raw_output_contents, [rawOf(row.expected)]);
  });
}

void test('FP16 has no typed contents field: only raw is accepted', () => {
  rejects(() => decodeModelInferRequest({ model_name: 'm', inputs: [input('FP16', { contents: { uint_contents: [1, 2, 3] } })] }, LIMITS), /raw_input_contents/);
});

void test('int64 data and shapes stay exact beyond 2^53 through the wire', () => {
  const big = 2n ** 62n + 1n;
  const req = decodeModelInferRequest(overWire({ model_name: 'm', inputs: [{ name: 'x', datatype: 'INT64', shape: [1], contents: { int64_contents: [big.toString()] } }] }), LIMITS);
  assert.equal((req.inputs[0].data as BigInt64Array)[0], big);
  rejects(() => decodeModelInferRequest(overWire({ model_name: 'm', inputs: [input('INT32', { shape: ['9007199254740993'] })] }), LIMITS), /not a non-negative integer/);
});

void test('raw numeric data is a view over the received bytes when aligned, a correct copy otherwise', () => {
  const backing = new ArrayBuffer(32);
  const values = new Float32Array([1, 2, 3]);
  for (const offset of [8, 1]) {
    const raw = Buffer.from(backing, offset, 12);
    raw.set(new Uint8Array(values.buffer));
    const data = decodeModelInferRequest({ model_name: 'm', inputs: [input('FP32', {})], raw_input_contents: [raw] }, LIMITS).inputs[0].data as Float32Array;
    assert.equal(data.buffer === backing, offset === 8, `offset ${offset}`);
    assert.deepEqual([...data], [1, 2, 3]);
  }
});

void test('encoded numeric outputs share memory with the tensor', () => {
  const data = new Float32Array([1, 2]);
  const out = encodeModelInferResponse({ modelName: 'm', modelVersion: '1', outputs: [{ name: 'y', datatype: 'FP32', shape: [2], data }] }, { modelName: 'm', inputs: [] });
  assert.equal(out.raw_output_contents[0].buffer, data.buffer);
});

const bad = (extra: object, inputs: object[] = [input('INT32', { contents: { int_contents: [1, 2, 3] } })]) =>
  () => decodeModelInferRequest(overWire({ model_name: 'm', inputs, ...extra }), LIMITS);

void test('errors: raw and typed contents mixed', () => {
  rejects(bad({ raw_input_contents: [Buffer.alloc(12)] }), /contents while raw_input_contents/);
});
void test('errors: raw entry count differs from input count', () => {
  rejects(bad({ raw_input_contents: [Buffer.alloc(12), Buffer.alloc(12)] }, [input('INT32', {})]), /2 entries for 1 inputs/);
});
void test('errors: raw size does not match shape and datatype', () => {
  rejects(bad({ raw_input_contents: [Buffer.alloc(11)] }, [input('INT32', {})]), /input 'x': raw_input_contents is 11 bytes, but shape \[1,3\] of INT32 needs 12/);
});
void test('errors: typed value count does not match the shape', () => {
  rejects(bad({}, [input('INT32', { contents: { int_contents: [1, 2] } })]), /holds 2 values, the shape needs 3/);
});
void test('errors: values out of range for their datatype', () => {
  rejects(bad({}, [input('UINT8', { contents: { uint_contents: [1, 300, 2] } })]), /300 at index 1 is out of range for UINT8/);
  rejects(bad({}, [input('INT8', { contents: { int_contents: [-129, 0, 0] } })]), /out of range for INT8/);
  rejects(bad({}, [input('UINT16', { contents: { uint_contents: [65536, 0, 0] } })]), /out of range for UINT16/);
});
void test('errors: data in the wrong contents field', () => {
  rejects(bad({}, [input('INT32', { contents: { fp32_contents: [1, 2, 3] } })]), /belongs in int_contents, not fp32_contents/);
});
void test('errors: bad shapes', () => {
  rejects(bad({}, [input('INT32', { shape: [-1, 3] })]), /shape dim -1/);
  rejects(bad({}, [input('INT32', { shape: [100000, 100000] })]), /input 'x': shape \[100000,100000\] has more than \d+ elements/);
  rejects(() => decodeModelInferRequest({ model_name: 'm', inputs: [{ name: 'x', datatype: 'INT32', shape: [1.5] }] }, LIMITS), /shape dim 1.5/);
});
void test('errors: unknown or unsupported datatype', () => {
  rejects(bad({}, [input('FLOAT', {})]), /unsupported datatype 'FLOAT'/);
  rejects(bad({}, [input('BF16', {})]), /unsupported datatype 'BF16'/);
});
void test('errors: malformed raw BYTES and invalid UTF-8', () => {
  const shape = { shape: [2] };
  rejects(bad({ raw_input_contents: [lengthPrefixed(['a'])] }, [input('BYTES', shape)]), /raw_input_contents 5 cannot hold 2 BYTES elements/);
  rejects(bad({ raw_input_contents: [Buffer.concat([lengthPrefixed(['a']), Buffer.from([1, 0, 0])])] }, [input('BYTES', shape)]), /BYTES element 1: its length prefix runs past the end/);
  rejects(bad({ raw_input_contents: [Buffer.concat([lengthPrefixed(['a', 'b']), Buffer.from([0])])] }, [input('BYTES', shape)]), /1 bytes left over/);
  rejects(bad({ raw_input_contents: [Buffer.from([9, 0, 0, 0, 1])] }, [input('BYTES', { shape: [1] })]), /claims 9 bytes/);
  rejects(bad({}, [input('BYTES', { shape: [1], contents: { bytes_contents: [Buffer.from([0xff, 0xfe])] } })]), /not valid UTF-8/);
});
void test('errors: raw BOOL bytes other than 0 and 1', () => {
  rejects(bad({ raw_input_contents: [Buffer.from([0, 2, 1])] }, [input('BOOL', {})]), /BOOL element 1 is the byte 2/);
});
void test('errors: client-chosen names are clipped in messages', () => {
  const long = 'n'.repeat(5000);
  assert.throws(bad({}, [{ name: long, datatype: 'NOPE', shape: [1] }]), (e: Error) => e.message.length < 300);
});
void test('errors: duplicate inputs, shared memory, rank (model names are core\'s rule)', () => {
  const i = input('INT32', { contents: { int_contents: [1, 2, 3] } });
  rejects(bad({}, [i, i]), /input 'x' appears more than once/);
  const shm = { shared_memory_region: { parameter_choice: 'string_param', string_param: 'r' } };
  rejects(bad({}, [input('INT32', { parameters: shm })]), /input 'x': parameter 'shared_memory_region': shared memory is not supported/);
  rejects(bad({}, [input('INT32', { shape: Array(65).fill(1), contents: { int_contents: [1] } })]), /input 'x': shape has 65 dims, more than the limit of 64/);
});

void test('parameters: every InferParameter choice, int64 exact', () => {
  const req = decodeModelInferRequest(overWire({
    model_name: 'm', id: 'r1', model_version: '2', inputs: [],
    parameters: {
      b: { bool_param: true }, s: { string_param: 'v' }, d: { double_param: 0.5 }, i: { int64_param: '-42' },
      big: { int64_param: '9223372036854775807' }, u: { uint64_param: '18446744073709551615' },
    },
  }), LIMITS);
  assert.equal(req.id, 'r1');
  assert.equal(req.modelVersion, '2');
  assert.deepEqual([...req.parameters!], [['b', true], ['s', 'v'], ['d', 0.5], ['i', -42], ['big', 2n ** 63n - 1n], ['u', 2n ** 64n - 1n]]);
});

void test('parameters: response parameters round-trip', () => {
  const res: InferResponse = {
    modelName: 'm', modelVersion: '1', outputs: [],
    parameters: new Map<string, string | number | boolean | bigint>([['b', false], ['n', 7], ['f', 1.25], ['u', 2n ** 64n - 1n]]),
  };
  const wire = responseOverWire(encodeModelInferResponse(res, { modelName: 'm', inputs: [] }));
  assert.deepEqual(wire.parameters, {
    b: { bool_param: false, parameter_choice: 'bool_param' }, n: { int64_param: '7', parameter_choice: 'int64_param' },
    f: { double_param: 1.25, parameter_choice: 'double_param' }, u: { uint64_param: '18446744073709551615', parameter_choice: 'uint64_param' },
  });
});

void test('requested outputs: decoded with their parameters; only those are encoded; id echoed', () => {
  const req: InferRequest = decodeModelInferRequest(overWire({
    model_name: 'm', id: 'abc', inputs: [],
    outputs: [{ name: 'b', parameters: { classification: { int64_param: 3 } } }, { name: 'c' }],
  }), LIMITS);
  assert.deepEqual(req.outputs, [{ name: 'b', parameters: new Map([['classification', 3]]) }, { name: 'c' }]);
  const t = (name: string) => ({ name, datatype: 'INT32' as const, shape: [1], data: new Int32Array([1]) });
  const out = encodeModelInferResponse({ modelName: 'm', modelVersion: '1', outputs: [t('a'), t('b'), t('c')] }, req);
  assert.deepEqual(out.outputs.map((o) => o.name), ['b', 'c']);
  assert.equal(out.raw_output_contents.length, 2);
  assert.equal(out.id, 'abc');
  rejects(bad({ outputs: [{ name: 'b' }, { name: 'b' }] }), /requested output 'b' appears more than once/);
});

void test('no requested outputs means every output', () => {
  const req = decodeModelInferRequest(overWire({ model_name: 'm', inputs: [] }), LIMITS);
  assert.equal(req.outputs, undefined);
  assert.equal(req.parameters, undefined);
  assert.equal(req.id, undefined);
});

void test('zero-element tensors decode and encode', () => {
  const req = decodeModelInferRequest(overWire({ model_name: 'm', inputs: [input('FP32', { shape: [0, 4] })] }), LIMITS);
  assert.equal((req.inputs[0].data as Float32Array).length, 0);
  const out = { name: 'y', datatype: 'BYTES' as const, shape: [0], data: [] as string[] };
  const wire = responseOverWire(encodeModelInferResponse({ modelName: 'm', modelVersion: '1', outputs: [out] }, req));
  assert.deepEqual(wire.raw_output_contents, [Buffer.alloc(0)]);
});
