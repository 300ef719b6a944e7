import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError } from './errors.js';
import { decodeGrpcInfer, encodeGrpcInfer, readWireParameters, repositoryParameters, wireParameters } from './grpc-codec.js';
import { modelConfigMethod, serviceMethods } from './grpc-proto.js';
import { prepareInput } from './tensor-data.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded messages are read field by field
type Any = any;

/** Through the real .proto both ways, as the wire would carry it. */
function overTheWire(rpc: string, response: object): unknown {
  const m = serviceMethods()[rpc];
  return m.responseDeserialize(m.responseSerialize(response));
}

function requestOverTheWire(request: object): Any {
  const m = serviceMethods().ModelInfer;
  // The request deserializer of the same definition is what a server built from this .proto decodes with.
  return m.requestDeserialize(m.requestSerialize(request));
}

void describe('gRPC parameters', () => {
  test('each value picks its InferParameter member; 64-bit values stay exact on the wire', () => {
    const wire = wireParameters({ b: true, s: 'x', i: -3, d: 0.5, big: 2n ** 62n, huge: 2n ** 64n - 1n }, 'request');
    assert.deepEqual(wire, {
      b: { bool_param: true }, s: { string_param: 'x' }, i: { int64_param: -3 }, d: { double_param: 0.5 },
      big: { int64_param: '4611686018427387904' }, huge: { uint64_param: '18446744073709551615' },
    });
    const back = requestOverTheWire({ parameters: wire }).parameters;
    assert.deepEqual(readWireParameters(back), { b: true, s: 'x', i: -3, d: 0.5, big: 2n ** 62n, huge: 2n ** 64n - 1n });
  });

  test('values no member holds are refused', () => {
    assert.throws(() => wireParameters({ x: 2n ** 64n }, 'request'), (e: unknown) => e instanceof ClientError && /fits neither int64 nor uint64/.test(e.message));
    assert.throws(() => repositoryParameters({ x: 1.5 }), /must be a string, an integer, a boolean or a Uint8Array/);
    assert.deepEqual(repositoryParameters({ unload_dependents: true, n: 2 }), { unload_dependents: { bool_param: true }, n: { int64_param: 2 } });
  });
});

void describe('ModelInfer over the real proto', () => {
  test('the request: raw_input_contents per input in order, shapes, version and id', () => {
    const inputs = [
      prepareInput({ name: 'a', datatype: 'INT64', shape: [2], data: [2n ** 60n + 1n, -1n] }, 0),
      prepareInput({ name: 'b', datatype: 'BYTES', shape: [1, 1], data: ['x\u0000'] }, 1),
    ];
    const req = requestOverTheWire(encodeGrpcInfer('m', inputs, { version: '3', id: 'r', outputs: ['y'] }));
    assert.equal(req.model_name, 'm');
    assert.equal(req.model_version, '3');
    assert.equal(req.id, 'r');
    assert.deepEqual(req.inputs.map((t: Any) => [t.name, t.datatype, t.shape]), [['a', 'INT64', ['2']], ['b', 'BYTES', ['1', '1']]]);
    assert.deepEqual(req.outputs.map((o: Any) => o.name), ['y']);
    assert.deepEqual(req.raw_input_contents.map((b: Buffer) => b.toString('hex')), ['0100000000000010ffffffffffffffff', '020000007800']);
  });

  test('the response from raw_output_contents: every output, parameters, id', () => {
    const res = overTheWire('ModelInfer', {
      model_name: 'm', model_version: '1', id: 'r', parameters: { n: { uint64_param: '18446744073709551615' } },
      outputs: [
        { name: 'y', datatype: 'UINT64', shape: [2] },
        { name: 'h', datatype: 'FP16', shape: [1], parameters: { q: { bool_param: true } } },
      ],
      raw_output_contents: [Buffer.from('ffffffffffffffff0100000000002000', 'hex'), Buffer.from('003c', 'hex')],
    });
    const r = decodeGrpcInfer(res);
    assert.equal(r.id, 'r');
    assert.deepEqual(r.parameters, { n: 2n ** 64n - 1n });
    assert.deepEqual([...r.output('y', 'UINT64').data], [2n ** 64n - 1n, 2n ** 53n + 1n]);
    assert.deepEqual([...r.output('h', 'FP16').data], [0x3c00]);
    assert.deepEqual(r.output('h').parameters, { q: true });
  });

  test('the response from typed contents (servers that answer that way), INT64 exact', () => {
    const res = overTheWire('ModelInfer', {
      model_name: 'm',
      outputs: [
        { name: 'i', datatype: 'INT64', shape: [2], contents: { int64_contents: ['9223372036854775807', '-5'] } },
        { name: 'u', datatype: 'UINT8', shape: [1], contents: { uint_contents: [255] } },
        { name: 'b', datatype: 'BOOL', shape: [2], contents: { bool_contents: [true, false] } },
        { name: 'f', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1.5] } },
        { name: 's', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from([0, 0xff])] } },
        { name: 'e', datatype: 'FP64', shape: [0, 3] },
      ],
    });
    const r = decodeGrpcInfer(res);
    assert.equal(r.id, undefined, "proto3's empty id is no id");
    assert.deepEqual([...r.output('i', 'INT64').data], [2n ** 63n - 1n, -5n]);
    assert.deepEqual([...r.output('u', 'UINT8').data], [255]);
    assert.deepEqual([...r.output('b', 'BOOL').data], [1, 0]);
    assert.deepEqual([...r.output('f', 'FP32').data], [1.5]);
    assert.equal(r.output('s', 'BYTES').data[0].toString('hex'), '00ff');
    assert.deepEqual(r.output('e').shape, [0, 3]);
    assert.equal(r.output('e').data.length, 0);
  });

  test('answers that do not add up are INTERNAL', () => {
    const bad: readonly [object, RegExp][] = [
      [{ outputs: [{ name: 'y', datatype: 'FP32', shape: [1] }, { name: 'z', datatype: 'FP32', shape: [1] }], raw_output_contents: [Buffer.alloc(4)] }, /1 raw_output_contents for 2 outputs/],
      [{ outputs: [{ name: 'y', datatype: 'FP16', shape: [1] }] }, /FP16 data came without raw_output_contents/],
      [{ outputs: [{ name: 'y', datatype: 'FP32', shape: [2], contents: { fp32_contents: [1] } }] }, /1 elements in 'data', the shape holds 2/],
      [{ outputs: [{ name: 'y', datatype: 'NOPE', shape: [1] }] }, /unknown datatype/],
    ];
    for (const [msg, message] of bad) {
      assert.throws(() => decodeGrpcInfer(overTheWire('ModelInfer', msg)), (e: unknown) => e instanceof ClientError && e.code === 'INTERNAL' && message.test(e.message), message.source);
    }
  });
});

void describe('ModelConfig deserializer', () => {
  test('reads like REST: dims as numbers, enums by name, only the fields that were set', () => {
    const m = modelConfigMethod();
    const cfg = (m.responseDeserialize(serviceMethods().ModelConfig.responseSerialize({
      config: { name: 'm', max_batch_size: 8, input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [-1, 4] }] },
    })) as Any).config;
    assert.deepEqual(cfg, { name: 'm', max_batch_size: 8, input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [-1, 4] }] });
  });
});
