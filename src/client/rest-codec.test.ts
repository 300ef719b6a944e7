import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError } from './errors.js';
import { decodeRestInfer, encodeRestInfer } from './rest-codec.js';
import { prepareInput } from './tensor-data.js';
import type { InferInput } from './types.js';

const prepare = (inputs: InferInput[]) => inputs.map(prepareInput);
const f32 = (n: number): InferInput => ({ name: 'x', datatype: 'FP32', shape: [1, n], data: Float32Array.from({ length: n }, (_, i) => i) });

/** Splits an encoded body the way a server does: header JSON, then the bytes after it. */
function split(body: Buffer, headerLength: number | undefined): { header: Record<string, unknown>; binary: Buffer } {
  const n = headerLength ?? body.length;
  return { header: JSON.parse(body.subarray(0, n).toString('utf8')) as Record<string, unknown>, binary: body.subarray(n) };
}

void describe('encodeRestInfer', () => {
  test('binary: every input carries binary_data_size, bytes in input order, outputs asked for as binary', () => {
    const inputs = prepare([f32(2), { name: 's', datatype: 'BYTES', shape: [1], data: ['hi'] }]);
    const { body, headerLength } = encodeRestInfer(inputs, { id: 'r1', outputs: ['y', { name: 'z', binary: false }], parameters: { priority: 2 } }, true, true);
    assert.ok(headerLength !== undefined);
    const { header, binary } = split(body, headerLength);
    assert.deepEqual(header, {
      id: 'r1',
      parameters: { priority: 2, binary_data_output: true },
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } },
        { name: 's', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 6 } },
      ],
      outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 'z', parameters: { binary_data: false } }],
    });
    assert.equal(binary.toString('hex'), '000000000000803f' + '020000006869');
  });

  test('JSON: data inline, no binary part, no Inference-Header-Content-Length', () => {
    const { body, headerLength } = encodeRestInfer(prepare([f32(3)]), { outputs: [{ name: 'y', parameters: { classification: 2 } }] }, false, false);
    assert.equal(headerLength, undefined);
    assert.deepEqual(JSON.parse(body.toString('utf8')), {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [0, 1, 2] }],
      outputs: [{ name: 'y', parameters: { classification: 2 } }],
    });
  });

  test('JSON: a tensor JSON cannot carry exactly travels as binary data beside the JSON ones', () => {
    const inputs = prepare([
      { name: 'big', datatype: 'INT64', shape: [1], data: [2n ** 60n] },
      { name: 'ok', datatype: 'INT32', shape: [1], data: [7] },
      { name: 'half', datatype: 'FP16', shape: [1], data: Uint16Array.of(0x3c00) },
    ]);
    const { body, headerLength } = encodeRestInfer(inputs, {}, false, false);
    const { header, binary } = split(body, headerLength);
    assert.deepEqual(header.inputs, [
      { name: 'big', datatype: 'INT64', shape: [1], parameters: { binary_data_size: 8 } },
      { name: 'ok', datatype: 'INT32', shape: [1], data: [7] },
      { name: 'half', datatype: 'FP16', shape: [1], parameters: { binary_data_size: 2 } },
    ]);
    assert.equal(binary.toString('hex'), '0000000000000010' + '003c');
  });

  test('bigint parameters are written with all their digits; NaN is refused', () => {
    const { body } = encodeRestInfer(prepare([f32(1)]), { parameters: { sequence_id: 2n ** 63n + 5n } }, false, false);
    assert.match(body.toString('utf8'), /"sequence_id":9223372036854775813/);
    assert.throws(() => encodeRestInfer(prepare([f32(1)]), { parameters: { x: NaN } }, false, false),
      (e: unknown) => e instanceof ClientError && e.code === 'INVALID_ARGUMENT' && /request parameters: NaN/.test(e.message));
  });
});

void describe('decodeRestInfer', () => {
  test('JSON header + binary outputs in order, JSON outputs beside them; binary_data_size not handed out', () => {
    const head = JSON.stringify({
      model_name: 'm', model_version: '2', id: 'r', parameters: { p: 1 },
      outputs: [
        { name: 'a', datatype: 'INT32', shape: [2], parameters: { binary_data_size: 8, extra: 'x' } },
        { name: 'b', datatype: 'BOOL', shape: [2], data: [true, false] },
        { name: 'c', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 7 } },
      ],
    });
    const body = Buffer.concat([Buffer.from(head), Buffer.from('01000000ffffffff', 'hex'), Buffer.from('03000000610062', 'hex')]);
    const r = decodeRestInfer(body, String(Buffer.byteLength(head)));
    assert.equal(r.model_name, 'm');
    assert.equal(r.model_version, '2');
    assert.equal(r.id, 'r');
    assert.deepEqual(r.parameters, { p: 1 });
    assert.deepEqual([...r.output('a', 'INT32').data], [1, -1]);
    assert.deepEqual(r.output('a').parameters, { extra: 'x' });
    assert.deepEqual([...r.output('b', 'BOOL').data], [1, 0]);
    assert.equal(String(r.output('c', 'BYTES').data[0]), 'a\u0000b');
  });

  test('INT64 JSON digits beyond 2^53 are read exactly', () => {
    const body = Buffer.from('{"model_name":"m","outputs":[{"name":"y","datatype":"INT64","shape":[2],"data":[9223372036854775807,-9007199254740993]}]}');
    assert.deepEqual([...decodeRestInfer(body, null).output('y', 'INT64').data], [2n ** 63n - 1n, -9007199254740993n]);
  });

  test('output() names what is missing and refuses a different datatype', () => {
    const r = decodeRestInfer(Buffer.from('{"outputs":[{"name":"y","datatype":"FP32","shape":[0],"data":[]}]}'), null);
    assert.equal(r.id, undefined);
    assert.throws(() => r.output('z'), /no output 'z' \(outputs: y\)/);
    assert.throws(() => r.output('y', 'INT64'), /output 'y' is FP32, not INT64/);
  });

  test('answers that break the framing are INTERNAL', () => {
    const head = '{"outputs":[{"name":"y","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}}]}';
    const cases: readonly [Buffer, string | null, RegExp][] = [
      [Buffer.from(head + 'abcdXX'), String(head.length), /2 bytes after the binary outputs/],
      [Buffer.from(head + 'ab'), String(head.length), /binary_data_size 4 runs past the body/],
      [Buffer.from(head), '9999', /Inference-Header-Content-Length '9999' does not fit/],
      [Buffer.from('not json'), null, /not JSON/],
      [Buffer.from('{"outputs":[{"name":"y","datatype":"FP8","shape":[1],"data":[1]}]}'), null, /unknown datatype "FP8"/],
      [Buffer.from('{"outputs":[{"name":"y","datatype":"FP32","shape":[-1],"data":[1]}]}'), null, /shape is not a list of non-negative integers/],
      [Buffer.from('{}'), null, /no 'outputs' array/],
    ];
    for (const [body, length, message] of cases) {
      assert.throws(() => decodeRestInfer(body, length), (e: unknown) => e instanceof ClientError && e.code === 'INTERNAL' && message.test(e.message), message.source);
    }
  });
});
