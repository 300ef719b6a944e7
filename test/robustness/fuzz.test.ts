/**
 * Property tests of the request decoders (promise P2: no input crashes or wedges the process): whatever arrives,
 * a decoder returns a request whose every tensor is consistent (data length = product of its shape) or throws a
 * ServerError INVALID_ARGUMENT, never another exception. Fixed seeds, so a failure reproduces. Then ~200 garbage
 * and mutated requests through real HTTP: never a 5xx, never a dropped connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { InferRequest, ModelMetadataResponse } from '../../src/core/index.js';
import { validateInputs } from '../../src/core/index.js';
import { ServerError } from '../../src/errors/index.js';
import { decodeV1Request } from '../../src/protocol/v1-rest/codec.js';
import { loadPackageDefinition, decodeModelInferRequest } from '../../src/protocol/v2-grpc/index.js';
import { rawRequest, splitBody } from '../../src/protocol/v2-rest/framing.js';
import { decodeInferRequest } from '../../src/protocol/v2-rest/json-codec.js';
import { DATATYPES } from '../../src/tensor/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertMlp, httpRequest, mlpBody, postJson } from './harness.js';

/** FUZZ_SEED / FUZZ_RUNS explore beyond the fixed CI corpus. */
const SEED = Number(process.env.FUZZ_SEED ?? 42);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const LIMITS = { maxElements: 100_000 };
const MLP_META: ModelMetadataResponse = {
  name: 'mlp', versions: ['1'], platform: 'onnxruntime_onnx',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
};

/** Every decoded tensor must be self-consistent; anything else must be INVALID_ARGUMENT. */
function decodedOrInvalid(decode: () => InferRequest): InferRequest | undefined {
  let req: InferRequest;
  try {
    req = decode();
  } catch (e) {
    if (e instanceof ServerError && e.code === 'INVALID_ARGUMENT') return undefined;
    throw e;
  }
  for (const t of req.inputs) {
    assert.ok(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0), `shape [${t.shape.join(',')}]`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    assert.equal(t.data.length, count, `input '${t.name}': ${t.data.length} values for shape [${t.shape.join(',')}]`);
  }
  return req;
}

/** The request also goes through model validation, which must refuse or accept the same way. */
function validatedOrInvalid(req: InferRequest | undefined): void {
  if (!req) return;
  decodedOrInvalid(() => {
    validateInputs(req, MLP_META, LIMITS);
    return req;
  });
}

// ---- arbitraries -------------------------------------------------------------------------------------------

const anyDim = fc.oneof(fc.nat(6), fc.integer(), fc.double(), fc.constantFrom(2 ** 53, 2 ** 60, -1, '3', null));
const anyValue = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null),
  fc.bigInt().map(String), fc.constantFrom('NaN', 'Infinity', 2 ** 53 + 2));
const params = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('binary_data_size', 'binary_data_output', 'timeout', 'binary_data', 'shared_memory_region', '__proto__')),
  fc.oneof(fc.nat(64), fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.double(), fc.constant({})), { maxKeys: 3 });
const dataArb = fc.oneof(fc.array(anyValue, { maxLength: 12 }), fc.array(fc.array(anyValue, { maxLength: 4 }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }));
const wildInput = fc.record({
  name: fc.oneof(fc.constantFrom('x', 'y', ''), fc.string({ maxLength: 4 }), fc.integer()),
  datatype: fc.oneof(fc.constantFrom(...DATATYPES), fc.string({ maxLength: 5 })),
  shape: fc.oneof(fc.array(anyDim, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
  data: dataArb,
  parameters: params,
}, { requiredKeys: [] });

/** A value of the datatype's JSON form, so that most generated inputs are valid and reach data conversion. */
function valueFor(dt: string): fc.Arbitrary<unknown> {
  if (dt === 'BOOL') return fc.boolean();
  if (dt === 'BYTES') return fc.string({ maxLength: 4 });
  if (dt.startsWith('FP')) return fc.double();
  if (dt.endsWith('64')) return fc.bigInt({ min: dt === 'UINT64' ? 0n : -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
  return dt.startsWith('UINT') ? fc.nat(255) : fc.integer({ min: -128, max: 127 });
}
const goodInput = fc.constantFrom(...DATATYPES).chain((datatype) => fc.array(fc.nat(3), { minLength: 1, maxLength: 3 }).chain((shape) => {
  const count = shape.reduce((a, b) => a * b, 1);
  return fc.record({
    name: fc.constantFrom('x', 'a', 'b'), datatype: fc.constant(datatype), shape: fc.constant(shape),
    data: fc.array(valueFor(datatype), { minLength: count, maxLength: count }),
  });
}));
/** One field of a valid input replaced by something arbitrary. */
const corruption = fc.oneof(
  fc.record({ shape: fc.array(anyDim, { maxLength: 4 }) }), fc.record({ data: dataArb }), fc.record({ parameters: params }),
  fc.record({ datatype: fc.oneof(fc.constantFrom(...DATATYPES), fc.string({ maxLength: 5 })) }), fc.record({ name: fc.oneof(fc.string({ maxLength: 3 }), fc.integer()) }),
);
const inputArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(goodInput, fc.option(corruption, { nil: undefined })).map(([good, bad]) => ({ ...good, ...bad })) },
  { weight: 1, arbitrary: wildInput },
);
const headerArb = fc.oneof(
  fc.record({
    id: fc.oneof(fc.string({ maxLength: 4 }), fc.integer()),
    inputs: fc.oneof(fc.array(inputArb, { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
    outputs: fc.oneof(fc.array(fc.record({ name: fc.oneof(fc.constantFrom('y', ''), fc.string({ maxLength: 3 })), parameters: params }, { requiredKeys: [] }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
    parameters: fc.oneof(params, fc.jsonValue({ maxDepth: 1 })),
  }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 4 }),
);
const bytesArb = fc.uint8Array({ maxLength: 256 });

/** A valid binary-extension body for mlp: the seed of the mutation properties. */
function validBinary(): { body: Buffer; headerLength: string } {
  const head = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }] }));
  const x = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) x.writeFloatLE(i / 3, i * 4);
  return { body: Buffer.concat([head, x]), headerLength: String(head.length) };
}

const mutation = fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 6 });

function mutate(buf: Buffer, edits: readonly (readonly [number, number, string])[]): Buffer {
  let b = Buffer.from(buf);
  for (const [at, byte, kind] of edits) {
    const i = b.length === 0 ? 0 : at % b.length;
    if (kind === 'set' && b.length > 0) b[i] = byte;
    else if (kind === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
    else b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
  }
  return b;
}

// ---- gRPC wire ---------------------------------------------------------------------------------------------

type WireRequest = Parameters<typeof decodeModelInferRequest>[0];
interface MethodDef { requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): unknown }
const modelInfer = (loadPackageDefinition()['inference.GRPCInferenceService'] as unknown as Record<string, MethodDef>).ModelInfer;

const int64 = fc.oneof(fc.nat(6), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String));
const wireInput = fc.record({
  name: fc.oneof(fc.constantFrom('x', ''), fc.string({ maxLength: 3 })),
  datatype: fc.oneof(fc.constantFrom(...DATATYPES), fc.string({ maxLength: 5 })),
  shape: fc.array(int64, { maxLength: 4 }),
  parameters: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constant('shared_memory_region')), fc.oneof(
    fc.record({ bool_param: fc.boolean() }), fc.record({ int64_param: int64 }), fc.record({ string_param: fc.string({ maxLength: 4 }) }),
  ), { maxKeys: 2 }),
  contents: fc.option(fc.record({
    bool_contents: fc.array(fc.boolean(), { maxLength: 8 }), int_contents: fc.array(fc.integer(), { maxLength: 8 }),
    int64_contents: fc.array(int64, { maxLength: 8 }), uint_contents: fc.array(fc.nat(), { maxLength: 8 }),
    fp32_contents: fc.array(fc.float(), { maxLength: 8 }), fp64_contents: fc.array(fc.double(), { maxLength: 8 }),
    bytes_contents: fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 8 }),
  }, { requiredKeys: [] }), { nil: undefined }),
}, { requiredKeys: [] });
const wireRequest = fc.record({
  model_name: fc.constantFrom('mlp', ''),
  model_version: fc.constantFrom('', '1', 'x'),
  id: fc.string({ maxLength: 4 }),
  inputs: fc.array(wireInput, { maxLength: 3 }),
  outputs: fc.array(fc.record({ name: fc.constantFrom('y', 'z', '') }), { maxLength: 3 }),
  raw_input_contents: fc.array(bytesArb, { maxLength: 3 }),
}, { requiredKeys: [] });

/** Through protobuf and back, so the decoder sees exactly what grpc-js hands a handler. */
function onTheWire(msg: unknown): unknown {
  try {
    return modelInfer.requestDeserialize(modelInfer.requestSerialize(msg));
  } catch {
    return undefined; // not encodable as this message (the generator's problem, not the server's)
  }
}

describe('decoder properties (fast-check, fixed seed)', () => {
  test('V2 JSON header: arbitrary JSON → a consistent request or INVALID_ARGUMENT', () => {
    fc.assert(fc.property(headerArb, fc.option(bytesArb, { nil: undefined }), (header, binary) => {
      validatedOrInvalid(decodedOrInvalid(() => decodeInferRequest(header, binary === undefined ? undefined : Buffer.from(binary), 'mlp', undefined, LIMITS)));
    }), { seed: SEED, numRuns: RUNS });
  });

  test('V2 body framing: arbitrary bytes and Inference-Header-Content-Length → decoded or INVALID_ARGUMENT', () => {
    const headerLength = fc.option(fc.oneof(fc.nat(300).map(String), fc.string({ maxLength: 6 }), fc.constantFrom('0', '-1', ' 12 ', '1e3', '99999999999999999999')), { nil: undefined });
    fc.assert(fc.property(bytesArb, headerLength, (bytes, hl) => {
      decodedOrInvalid(() => {
        const split = splitBody(Buffer.from(bytes), hl);
        const { header, binary } = split.raw ? rawRequest(Buffer.from(bytes), MLP_META, 64) : split;
        return decodeInferRequest(header, binary, 'mlp', undefined, LIMITS);
      });
    }), { seed: SEED, numRuns: RUNS * 2 });
  });

  test('V2 binary request: a valid body with random edits → decoded or INVALID_ARGUMENT', () => {
    const { body, headerLength } = validBinary();
    fc.assert(fc.property(mutation, fc.option(fc.nat(body.length + 4).map(String), { nil: undefined }), (edits, hl) => {
      const mutated = mutate(body, edits);
      validatedOrInvalid(decodedOrInvalid(() => {
        const split = splitBody(mutated, hl ?? headerLength);
        return decodeInferRequest(split.header, split.binary, 'mlp', undefined, LIMITS);
      }));
    }), { seed: SEED, numRuns: RUNS });
  });

  test('V2 JSON and binary encodings of the same tensor decode to the same values', () => {
    const tensor = fc.oneof(
      fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 12 }).map((v) => ({ datatype: 'FP32', values: v, bytes: f32(v) })),
      fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 12 }).map((v) => ({ datatype: 'INT32', values: v, bytes: i32(v) })),
      fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 6 }).map((v) => ({ datatype: 'BYTES', values: v, bytes: strings(v) })),
    );
    fc.assert(fc.property(tensor, ({ datatype, values, bytes }) => {
      const shape = [1, values.length];
      const json = decodeInferRequest({ inputs: [{ name: 'a', datatype, shape, data: values }] }, undefined, 'm', undefined, LIMITS);
      const bin = decodeInferRequest({ inputs: [{ name: 'a', datatype, shape, parameters: { binary_data_size: bytes.length } }] }, bytes, 'm', undefined, LIMITS);
      assert.deepEqual(Array.from(bin.inputs[0].data as ArrayLike<unknown>), Array.from(json.inputs[0].data as ArrayLike<unknown>));
    }), { seed: SEED, numRuns: RUNS });
  });

  test('V1 body: arbitrary JSON → a consistent request or INVALID_ARGUMENT', () => {
    const v1 = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.record({ inputs: fc.oneof(
      fc.array(fc.array(anyValue, { maxLength: 5 }), { maxLength: 3 }), fc.dictionary(fc.constantFrom('x', 'z'), dataArb), fc.jsonValue({ maxDepth: 3 }),
    ) }));
    fc.assert(fc.property(v1, (body) => {
      validatedOrInvalid(decodedOrInvalid(() => decodeV1Request(body, MLP_META, LIMITS.maxElements)));
    }), { seed: SEED, numRuns: RUNS });
  });

  test('gRPC ModelInferRequest: arbitrary messages through protobuf → a consistent request or INVALID_ARGUMENT', () => {
    let decoded = 0;
    fc.assert(fc.property(wireRequest, (msg) => {
      const wire = onTheWire(msg);
      if (wire === undefined) return;
      decoded++;
      validatedOrInvalid(decodedOrInvalid(() => decodeModelInferRequest(wire as WireRequest, LIMITS)));
    }), { seed: SEED, numRuns: RUNS });
    assert.ok(decoded > RUNS / 2, `only ${decoded} generated messages were encodable`);
  });

  test('gRPC: random bytes that happen to parse as a ModelInferRequest → consistent or INVALID_ARGUMENT', () => {
    const valid = modelInfer.requestSerialize({ model_name: 'mlp', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [f32([1, 2, 3, 4])] });
    fc.assert(fc.property(mutation, (edits) => {
      let wire: unknown;
      try {
        wire = modelInfer.requestDeserialize(mutate(valid, edits));
      } catch {
        return; // grpc-js answers a message that does not parse itself
      }
      validatedOrInvalid(decodedOrInvalid(() => decodeModelInferRequest(wire as WireRequest, LIMITS)));
    }), { seed: SEED, numRuns: RUNS });
  });
});

function f32(v: readonly number[]): Buffer {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((n, i) => b.writeFloatLE(n, i * 4));
  return b;
}
function i32(v: readonly number[]): Buffer {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((n, i) => b.writeInt32LE(n, i * 4));
  return b;
}
function strings(v: readonly string[]): Buffer {
  return Buffer.concat(v.flatMap((s) => {
    const bytes = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length);
    return [len, bytes];
  }));
}

describe('end-to-end fuzz through HTTP (200 requests, fixed seed)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(['mlp', 'multi_io', 'identity_bytes'], { maxBodyBytes: 1024 * 1024 });
  });
  after(() => s?.stop());

  const PATHS = ['/v2/models/mlp/infer', '/v2/models/mlp/versions/1/infer', '/v2/models/multi_io/infer', '/v2/models/identity_bytes/infer', '/v1/models/mlp/infer'];
  const CONTENT_TYPES = [undefined, 'application/json', 'application/octet-stream', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16'];
  const VALID_JSON = Buffer.from(JSON.stringify(mlpBody()));

  /** kind 'garbage' must get a 4xx; 'mutated' bodies may still be valid, so 200 is allowed for them. */
  const requestArb = fc.record({
    path: fc.constantFrom(...PATHS),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    headerLength: fc.option(fc.oneof(fc.nat(200).map(String), fc.string({ maxLength: 5 })), { nil: undefined }),
    body: fc.oneof(
      bytesArb.map((b) => ({ kind: 'garbage' as const, bytes: Buffer.from(b) })),
      fc.jsonValue({ maxDepth: 5 }).map((j) => ({ kind: 'garbage' as const, bytes: Buffer.from(JSON.stringify(j) ?? 'null') })),
      headerArb.map((h) => ({ kind: 'mutated' as const, bytes: Buffer.from(JSON.stringify(h) ?? 'null') })),
      mutation.map((m) => ({ kind: 'mutated' as const, bytes: mutate(VALID_JSON, m) })),
      mutation.map((m) => ({ kind: 'mutated' as const, bytes: mutate(validBinary().body, m) })),
    ),
  });

  test('garbage gets a 4xx with a JSON error, never a 5xx or a dropped connection', async () => {
    const samples = fc.sample(requestArb, { seed: SEED, numRuns: 200 });
    const statuses = new Map<number, number>();
    for (let i = 0; i < samples.length; i += 4) {
      await Promise.all(samples.slice(i, i + 4).map(async (r, k) => {
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.headerLength !== undefined) headers['inference-header-content-length'] = r.headerLength;
        const a = await httpRequest(s.httpPort, 'POST', r.path, { headers, body: r.body.bytes, timeoutMs: 10_000 })
          .catch((e: Error) => assert.fail(`request ${i + k} (${r.path}) lost its connection: ${e.message}`));
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        const what = `request ${i + k} ${r.path} ${r.body.kind} → ${a.status} ${a.text.slice(0, 200)}`;
        assert.ok(a.status < 500, what);
        if (r.body.kind === 'garbage') assert.ok(a.status >= 400, what);
        if (a.status >= 400) assert.equal(typeof a.body?.error, 'string', what);
      }));
    }
    assert.ok((statuses.get(400) ?? 0) > 100, `statuses: ${JSON.stringify([...statuses])}`);
    assertMlp(await postJson({ port: s.httpPort } as Parameters<typeof postJson>[0], '/v2/models/mlp/infer', mlpBody()));
  });
});
