/**
 * Malformed bodies and framing, per transport: what only one encoding can get wrong. REST JSON: the JSON itself;
 * REST binary: Inference-Header-Content-Length and binary_data_size; gRPC: raw_input_contents and typed contents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpReference } from '../../scripts/fixtures.js';
import { decodeGrpcResponse, decodeRestResponse, GrpcV2Client, httpCode, RestV2Client, type HttpAnswer, type Result } from './clients.js';
import { fails, near, ok, output, sameValues, type GetCtx } from './assertions.js';
import { names } from './cases-errors.js';
import { parseJsonExact, toBytes } from './wire.js';

const MLP_X = [1, 2, 3, 4];
const f32Bytes = (v: number[]): Buffer => toBytes('FP32', v);

/** An HTTP answer as a Result, so the shared assertions apply. */
function asResult(a: HttpAnswer): Result<unknown> {
  if (a.status === 200) return { status: 'ok', response: a.body.toString('utf8') };
  let message = a.body.toString('utf8');
  try {
    message = (JSON.parse(message) as { error: string }).error;
  } catch { /* keep the text */ }
  return { status: 'error', code: httpCode(a.status), message };
}

/** A binary-extension request: JSON header, then `blob`; the header length may be overridden to lie. */
function binaryBody(header: object, blob: Buffer, headerLength?: string): { body: Buffer; headers: Record<string, string> } {
  const head = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([head, blob]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength ?? String(head.length) },
  };
}

export function restJsonFramingCases(get: GetCtx): void {
  const rest = (): RestV2Client => get().client as RestV2Client;
  const post = async (body: string, model = 'mlp'): Promise<Result<unknown>> =>
    asResult(await rest().http('POST', `/v2/models/${model}/infer`, body, { 'content-type': 'application/json' }));

  test('invalid JSON, a non-object body and an empty body are INVALID_ARGUMENT', async () => {
    fails(await post('{"inputs": [{"name": "x", '), 'INVALID_ARGUMENT', /JSON/);
    fails(await post('[1, 2, 3]'), 'INVALID_ARGUMENT');
    fails(await post(''), 'INVALID_ARGUMENT');
    fails(await post('{"inputs": {"x": [1, 2, 3, 4]}}'), 'INVALID_ARGUMENT', /inputs/);
  });

  test('an input without data, or with data of the wrong kind, is INVALID_ARGUMENT naming it', async () => {
    fails(await post('{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4]}]}'), 'INVALID_ARGUMENT', names('x'));
    fails(await post('{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, "three", 4]}]}'), 'INVALID_ARGUMENT', names('x'));
    fails(await post('{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": 7}]}'), 'INVALID_ARGUMENT', names('x'));
    fails(await post('{"inputs": [{"name": "x", "datatype": "FLOAT", "shape": [1, 4], "data": [1, 2, 3, 4]}]}'), 'INVALID_ARGUMENT', names('x'));
    fails(await post('{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, -4], "data": [1, 2, 3, 4]}]}'), 'INVALID_ARGUMENT', names('x'));
  });

  test('nested data must follow the shape; nested data that does is accepted', async () => {
    fails(await post('{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 4], "data": [[1, 2, 3, 4], [5, 6, 7]]}]}'), 'INVALID_ARGUMENT', names('x'));
    const good = await rest().http('POST', '/v2/models/mlp/infer', '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 4], "data": [[1, 2, 3, 4], [5, 6, 7, 8]]}]}');
    assert.equal(good.status, 200, good.body.toString());
    near(output(decodeRestResponse(good.body, null), 'y').data, mlpReference([1, 2, 3, 4, 5, 6, 7, 8], 2), 1e-5, 'y');
  });

  test('integers out of their datatype\'s range are refused naming the input; INT64 beyond 2^53 is read exactly', async () => {
    const one = (dt: string, v: string): string => `{"inputs": [{"name": "INPUT0", "datatype": "${dt}", "shape": [1, 1], "data": [${v}]}]}`;
    fails(await post(one('INT8', '128'), 'identity_int8'), 'INVALID_ARGUMENT', names('INPUT0'));
    fails(await post(one('UINT8', '-1'), 'identity_uint8'), 'INVALID_ARGUMENT', names('INPUT0'));
    fails(await post(one('INT32', '1.5'), 'identity_int32'), 'INVALID_ARGUMENT', names('INPUT0'));
    fails(await post(one('UINT64', '"18446744073709551616"'), 'identity_uint64'), 'INVALID_ARGUMENT', names('INPUT0'));
    fails(await post(one('UINT64', '18446744073709551616'), 'identity_uint64'), 'INVALID_ARGUMENT', names('INPUT0'), /a value in/);
    // 2^60+1 as a bare JSON number, as tritonclient sends it: read exactly (a double-based parser would round it).
    const exact = await rest().http('POST', '/v2/models/identity_int64/infer', one('INT64', '1152921504606846977'));
    assert.equal(exact.status, 200, exact.body.toString());
    assert.match(exact.body.toString(), /"data":\[1152921504606846977\]/);
    // Written with an exponent it cannot be exact: refused, saying how to write it.
    fails(await post(one('INT64', '1.152921504606846977e18'), 'identity_int64'), 'INVALID_ARGUMENT', names('INPUT0'), /all their digits/);
  });

  test('NaN and infinities travel as the JSON strings "NaN", "Infinity", "-Infinity", both ways', async () => {
    const a = await rest().http('POST', '/v2/models/identity_fp32/infer',
      '{"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [1, 3], "data": ["NaN", "Infinity", "-Infinity"]}]}');
    assert.equal(a.status, 200, a.body.toString());
    const body = parseJsonExact(a.body.toString()) as { outputs: { data: unknown[] }[] };
    assert.deepEqual(body.outputs[0].data, ['NaN', 'Infinity', '-Infinity']);
  });

  test('INT64 beyond 2^53 comes back with every digit', async () => {
    const a = await rest().http('POST', '/v2/models/identity_int64/infer',
      '{"inputs": [{"name": "INPUT0", "datatype": "INT64", "shape": [1, 2], "data": ["1152921504606846977", "-9223372036854775808"]}]}');
    assert.equal(a.status, 200, a.body.toString());
    assert.match(a.body.toString(), /1152921504606846977/);
    assert.match(a.body.toString(), /-9223372036854775808/);
  });
}

export function restBinaryFramingCases(get: GetCtx): void {
  const rest = (): RestV2Client => get().client as RestV2Client;
  const send = async (header: object, blob: Buffer, headerLength?: string, model = 'mlp'): Promise<HttpAnswer> => {
    const { body, headers } = binaryBody(header, blob, headerLength);
    return rest().http('POST', `/v2/models/${model}/infer`, body, headers);
  };
  const mlpHeader = (size: number) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: size } }] });

  test('Inference-Header-Content-Length larger than the body, or not a number: INVALID_ARGUMENT', async () => {
    fails(asResult(await send(mlpHeader(16), f32Bytes(MLP_X), '100000')), 'INVALID_ARGUMENT', /Inference-Header-Content-Length/i);
    fails(asResult(await send(mlpHeader(16), f32Bytes(MLP_X), 'twelve')), 'INVALID_ARGUMENT', /Inference-Header-Content-Length/i);
  });

  test('an Inference-Header-Content-Length that cuts the JSON short: INVALID_ARGUMENT', async () => {
    const head = JSON.stringify(mlpHeader(16));
    fails(asResult(await send(mlpHeader(16), f32Bytes(MLP_X), String(head.length - 5))), 'INVALID_ARGUMENT');
  });

  test('binary_data_size not matching the bytes sent or the shape: INVALID_ARGUMENT', async () => {
    // More bytes after the header than binary_data_size accounts for.
    fails(asResult(await send(mlpHeader(16), Buffer.concat([f32Bytes(MLP_X), Buffer.alloc(4)]))), 'INVALID_ARGUMENT', /binary/);
    // Fewer bytes than announced.
    fails(asResult(await send(mlpHeader(16), f32Bytes([1, 2, 3]))), 'INVALID_ARGUMENT', /binary/);
    // Consistent with the body, but not with the shape: names the input.
    fails(asResult(await send(mlpHeader(12), f32Bytes([1, 2, 3]))), 'INVALID_ARGUMENT', names('x'));
    // Both JSON data and binary_data_size.
    const both = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: MLP_X, parameters: { binary_data_size: 16 } }] };
    fails(asResult(await send(both, f32Bytes(MLP_X))), 'INVALID_ARGUMENT', names('x'));
  });

  test('BYTES framing: a length prefix running past the tensor, and leftover bytes, are refused naming the input', async () => {
    const header = (size: number) => ({ inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: size } }] });
    const overrun = Buffer.from([9, 0, 0, 0, 0x61, 0x62]);
    fails(asResult(await send(header(overrun.length), overrun, undefined, 'string_upper')), 'INVALID_ARGUMENT', names('text'));
    const leftover = Buffer.from([1, 0, 0, 0, 0x61, 0x62]);
    fails(asResult(await send(header(leftover.length), leftover, undefined, 'string_upper')), 'INVALID_ARGUMENT', names('text'));
  });

  test('a BOOL byte other than 0 or 1 is refused naming the input', async () => {
    const header = { inputs: [{ name: 'INPUT0', datatype: 'BOOL', shape: [1, 2], parameters: { binary_data_size: 2 } }] };
    fails(asResult(await send(header, Buffer.from([1, 2]), undefined, 'identity_bool')), 'INVALID_ARGUMENT', names('INPUT0'));
  });

  test('BYTES that are not UTF-8 come back byte-exact or are refused, never altered', async () => {
    const element = Buffer.from([2, 0, 0, 0, 0xff, 0xfe]);
    const header = { inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape: [1, 1], parameters: { binary_data_size: 6 } }],
      parameters: { binary_data_output: true } };
    const a = await send(header, element, undefined, 'identity_bytes');
    if (a.status === 200) {
      const n = Number(a.headers.get('inference-header-content-length'));
      assert.deepEqual(a.body.subarray(n), element, 'the element must come back byte for byte');
    } else fails(asResult(a), 'INVALID_ARGUMENT', names('INPUT0'));
  });

  test('Triton\'s raw binary request (Inference-Header-Content-Length: 0) for a one-input model', async () => {
    const a = await rest().http('POST', '/v2/models/mlp/infer', f32Bytes(MLP_X),
      { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' });
    assert.equal(a.status, 200, a.body.toString());
    assert.ok(a.headers.get('inference-header-content-length'), 'the answer is binary');
    const y = output(decodeRestResponse(a.body, a.headers.get('inference-header-content-length')), 'y');
    assert.deepEqual(y.shape, [1, 3]);
    near(y.data, mlpReference(MLP_X, 1), 1e-5, 'y');
    fails(asResult(await rest().http('POST', '/v2/models/multi_io/infer', f32Bytes([1, 2, 3]), { 'inference-header-content-length': '0' })),
      'INVALID_ARGUMENT');
  });

  test('per-output binary_data: one output binary, the other JSON, in one answer', async () => {
    const header = { inputs: [
      { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }, { name: 'b', datatype: 'FP32', shape: [1, 3], data: [4, 5, 6] },
    ], outputs: [{ name: 'sum', parameters: { binary_data: true } }, { name: 'product', parameters: { binary_data: false } }] };
    const a = await rest().http('POST', '/v2/models/multi_io/infer', JSON.stringify(header), { 'content-type': 'application/json' });
    assert.equal(a.status, 200, a.body.toString());
    const res = decodeRestResponse(a.body, a.headers.get('inference-header-content-length'));
    sameValues(output(res, 'sum').data, Float32Array.from([5, 7, 9]), 'sum (binary)');
    sameValues(output(res, 'product').data, Float32Array.from([4, 10, 18]), 'product (JSON)');
  });
}

export function grpcFramingCases(get: GetCtx): void {
  const g = (): GrpcV2Client => get().client as GrpcV2Client;
  const mlpInput = { name: 'x', datatype: 'FP32', shape: [1, 4] };

  test('raw_input_contents count not matching the inputs: INVALID_ARGUMENT', async () => {
    const ab = [{ name: 'a', datatype: 'FP32', shape: [1, 3] }, { name: 'b', datatype: 'FP32', shape: [1, 3] }];
    fails(await g().call('ModelInfer', { model_name: 'multi_io', inputs: ab, raw_input_contents: [f32Bytes([1, 2, 3])] }),
      'INVALID_ARGUMENT', /raw_input_contents/);
    fails(await g().call('ModelInfer', { model_name: 'mlp', inputs: [mlpInput], raw_input_contents: [f32Bytes(MLP_X), f32Bytes(MLP_X)] }),
      'INVALID_ARGUMENT', /raw_input_contents/);
  });

  test('raw size not matching shape and datatype: INVALID_ARGUMENT naming the input', async () => {
    fails(await g().call('ModelInfer', { model_name: 'mlp', inputs: [mlpInput], raw_input_contents: [f32Bytes([1, 2, 3])] }),
      'INVALID_ARGUMENT', names('x'));
    fails(await g().call('ModelInfer', { model_name: 'mlp', inputs: [mlpInput], raw_input_contents: [Buffer.alloc(17)] }),
      'INVALID_ARGUMENT', names('x'));
  });

  test('typed contents (as KServe clients send) work too, one field per datatype', async () => {
    const r = await g().call('ModelInfer', { model_name: 'mlp', id: 'typed', inputs: [{ ...mlpInput, contents: { fp32_contents: MLP_X } }] });
    const res = decodeGrpcResponse(ok(r));
    assert.equal(res.id, 'typed');
    near(output(res, 'y').data, mlpReference(MLP_X, 1), 1e-5, 'y');
    const big = ['-9223372036854775808', '1152921504606846977'];
    const i64 = decodeGrpcResponse(ok(await g().call('ModelInfer', { model_name: 'identity_int64',
      inputs: [{ name: 'INPUT0', datatype: 'INT64', shape: [1, 2], contents: { int64_contents: big } }] })));
    sameValues(output(i64, 'OUTPUT0').data, BigInt64Array.from(big.map(BigInt)), 'INT64 via int64_contents');
    const bytes = decodeGrpcResponse(ok(await g().call('ModelInfer', { model_name: 'identity_bytes',
      inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape: [1, 2], contents: { bytes_contents: [Buffer.from('héllo'), Buffer.alloc(0)] } }] })));
    sameValues(output(bytes, 'OUTPUT0').data, ['héllo', ''], 'BYTES via bytes_contents');
  });

  test('typed contents of the wrong count, the wrong field, or mixed with raw: INVALID_ARGUMENT naming the input', async () => {
    fails(await g().call('ModelInfer', { model_name: 'mlp', inputs: [{ ...mlpInput, contents: { fp32_contents: [1, 2, 3] } }] }),
      'INVALID_ARGUMENT', names('x'));
    fails(await g().call('ModelInfer', { model_name: 'mlp', inputs: [{ ...mlpInput, contents: { int_contents: MLP_X } }] }),
      'INVALID_ARGUMENT', names('x'));
    const ab = [{ name: 'a', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }, { name: 'b', datatype: 'FP32', shape: [1, 3] }];
    fails(await g().call('ModelInfer', { model_name: 'multi_io', inputs: ab, raw_input_contents: [f32Bytes([1, 2, 3]), f32Bytes([1, 2, 3])] }),
      'INVALID_ARGUMENT', names('a'));
    fails(await g().call('ModelInfer', { model_name: 'identity_fp16', inputs: [{ name: 'INPUT0', datatype: 'FP16', shape: [1, 1], contents: { fp32_contents: [1] } }] }),
      'INVALID_ARGUMENT', names('INPUT0'));
  });

  test('BYTES that are not UTF-8 come back byte-exact or are refused, never altered', async () => {
    const element = Buffer.from([2, 0, 0, 0, 0xff, 0xfe]);
    const r = await g().call('ModelInfer', { model_name: 'identity_bytes', inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape: [1, 1] }], raw_input_contents: [element] });
    if (r.status === 'ok') assert.deepEqual(Buffer.from(r.response.raw_output_contents[0]), element);
    else fails(r, 'INVALID_ARGUMENT', names('INPUT0'));
  });

  test('a request without model_name is INVALID_ARGUMENT', async () => {
    fails(await g().call('ModelInfer', { inputs: [mlpInput], raw_input_contents: [f32Bytes(MLP_X)] }), 'INVALID_ARGUMENT', /a model name is required/);
  });
}
