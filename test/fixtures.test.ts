/**
 * Checks the generated fixture models directly with onnxruntime-node (no server involved), so a
 * failure here points at the fixtures or at ORT itself rather than at onnxserve.
 *
 * Expects `node dist/scripts/gen-test-models.js` to have been run from the repo root (npm's pretest
 * does this). Also serves as executable documentation of which JS typed array onnxruntime-node uses
 * for each ONNX element type.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import {
  classifierReference,
  DATATYPE_FIXTURES,
  type FixtureDatatype,
  FIXTURE_MODELS,
  mlpReference,
  sampleInput,
} from '../scripts/fixtures.js';
import { buildFixtureModels } from '../scripts/gen-test-models.js';

// Compiled to dist/test/, so the repo root is two levels up; independent of the cwd.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS_DIR = path.join(REPO_ROOT, 'test-models');
const TOLERANCE = 1e-5;

const modelFile = (name: string): string => path.join(MODELS_DIR, name, '1', 'model.onnx');

const sessions = new Map<string, ort.InferenceSession>();

async function session(name: string): Promise<ort.InferenceSession> {
  let s = sessions.get(name);
  if (s === undefined) {
    // One intra-op thread: these models are tiny, and tests may run in parallel with others.
    s = await ort.InferenceSession.create(modelFile(name), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.set(name, s);
  }
  return s;
}

async function run(name: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  return (await session(name)).run(feeds);
}

/** The raw bytes behind a typed array: a bit-exact comparison (NaN payloads and -0 included). */
function bytesOf(data: ArrayBufferView): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(diff <= TOLERANCE, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|diff| ${diff})`);
  }
}

function floatData(t: ort.Tensor): Float32Array {
  assert.equal(t.type, 'float32');
  assert.ok(t.data instanceof Float32Array);
  return t.data;
}

before(() => {
  const missing = FIXTURE_MODELS.filter((name) => !existsSync(modelFile(name)));
  if (missing.length > 0) {
    throw new Error(`missing fixtures in ${MODELS_DIR}: ${missing.join(', ')}; run node dist/scripts/gen-test-models.js`);
  }
});

after(async () => {
  await Promise.all([...sessions.values()].map((s) => s.release()));
});

void test('fixture files on disk are exactly what the generator builds (deterministic, up to date)', () => {
  const built = buildFixtureModels();
  assert.deepEqual(
    built.map((m) => m.name),
    [...FIXTURE_MODELS],
  );
  for (const { name, bytes } of built) {
    assert.ok(Buffer.from(bytes).equals(readFileSync(modelFile(name))), `${name} differs from a fresh build`);
  }
  // Building twice gives identical bytes.
  const again = buildFixtureModels();
  built.forEach((m, i) => assert.ok(Buffer.from(m.bytes).equals(Buffer.from(again[i].bytes)), m.name));
});

void test('every fixture loads in onnxruntime-node', async () => {
  for (const name of FIXTURE_MODELS) {
    const s = await session(name);
    assert.ok(s.inputNames.length > 0 && s.outputNames.length > 0, name);
  }
});

void test('mlp matches the JS reference', async () => {
  const s = await session('mlp');
  assert.deepEqual(s.inputNames, ['x']);
  assert.deepEqual(s.outputNames, ['y']);
  for (const n of [1, 5]) {
    const x = sampleInput(n * 4, n);
    const { y } = await run('mlp', { x: new ort.Tensor('float32', x, [n, 4]) });
    assert.deepEqual(y.dims, [n, 3]);
    assertClose(floatData(y), mlpReference(x, n), `mlp n=${n}`);
  }
});

void test('multi_io computes sum and product', async () => {
  const a = Float32Array.from([1, 2, 3, -4, 5.5, 6]);
  const b = Float32Array.from([10, 20, 30, 2, 2, -1]);
  const out = await run('multi_io', {
    a: new ort.Tensor('float32', a, [2, 3]),
    b: new ort.Tensor('float32', b, [2, 3]),
  });
  assert.deepEqual(out.sum.dims, [2, 3]);
  assert.deepEqual(out.product.dims, [2, 3]);
  assert.deepEqual(Array.from(floatData(out.sum)), [11, 22, 33, -2, 7.5, 5]);
  assert.deepEqual(Array.from(floatData(out.product)), [10, 40, 90, -8, 11, -6]);
});

interface NumericCase {
  /** onnxruntime-node's type name. */
  ortType: ort.Tensor.Type;
  /** Input data, already in the typed array onnxruntime-node wants for this type. */
  data: Exclude<ort.Tensor.DataType, string[]>;
  /** Constructor names accepted for the output's data. */
  outputArrays: readonly string[];
}

/**
 * Per V2 datatype: the ORT type and the typed array it takes. Values hit the edges of each range
 * (int64/uint64 beyond 2^53, NaN, -0, infinities, subnormals) and are compared bit-for-bit.
 */
const NUMERIC_CASES: Readonly<Record<Exclude<FixtureDatatype, 'BYTES'>, NumericCase>> = {
  // 'bool' is carried in a Uint8Array holding 0/1 (a boolean[] is also accepted on input).
  BOOL: { ortType: 'bool', data: Uint8Array.from([1, 0, 1, 0, 0, 1]), outputArrays: ['Uint8Array'] },
  UINT8: { ortType: 'uint8', data: Uint8Array.from([0, 1, 127, 128, 254, 255]), outputArrays: ['Uint8Array'] },
  UINT16: { ortType: 'uint16', data: Uint16Array.from([0, 1, 2, 32768, 65534, 65535]), outputArrays: ['Uint16Array'] },
  UINT32: {
    ortType: 'uint32',
    data: Uint32Array.from([0, 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1, 12345]),
    outputArrays: ['Uint32Array'],
  },
  UINT64: {
    ortType: 'uint64',
    data: BigUint64Array.from([0n, 1n, 2n ** 53n + 1n, 2n ** 60n, 2n ** 63n, 2n ** 64n - 1n]),
    outputArrays: ['BigUint64Array'],
  },
  INT8: { ortType: 'int8', data: Int8Array.from([-128, -1, 0, 1, 126, 127]), outputArrays: ['Int8Array'] },
  INT16: { ortType: 'int16', data: Int16Array.from([-32768, -1, 0, 1, 32766, 32767]), outputArrays: ['Int16Array'] },
  INT32: {
    ortType: 'int32',
    data: Int32Array.from([-(2 ** 31), -1, 0, 1, 2 ** 31 - 2, 2 ** 31 - 1]),
    outputArrays: ['Int32Array'],
  },
  INT64: {
    ortType: 'int64',
    data: BigInt64Array.from([-(2n ** 63n), -(2n ** 53n) - 1n, -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n]),
    outputArrays: ['BigInt64Array'],
  },
  // fp16 goes in as raw IEEE half bits in a Uint16Array (1.0, NaN, -0, +inf, smallest subnormal,
  // -65504). On runtimes with a global Float16Array, ORT returns that instead; same bytes.
  FP16: {
    ortType: 'float16',
    data: Uint16Array.from([0x3c00, 0x7e00, 0x8000, 0x7c00, 0x0001, 0xfbff]),
    outputArrays: ['Uint16Array', 'Float16Array'],
  },
  FP32: {
    ortType: 'float32',
    data: Float32Array.from([1.5, NaN, -0, Infinity, 1e-45, -3.4e38]),
    outputArrays: ['Float32Array'],
  },
  FP64: {
    ortType: 'float64',
    data: Float64Array.from([1.5, NaN, -0, -Infinity, 5e-324, 1.7976931348623157e308]),
    outputArrays: ['Float64Array'],
  },
};

for (const [datatype, c] of Object.entries(NUMERIC_CASES) as [Exclude<FixtureDatatype, 'BYTES'>, NumericCase][]) {
  const name = DATATYPE_FIXTURES[datatype];
  void test(`${name} round-trips ${datatype} bit-exactly`, async () => {
    const s = await session(name);
    assert.deepEqual(s.inputNames, ['INPUT0']);
    assert.deepEqual(s.outputNames, ['OUTPUT0']);
    const input = new ort.Tensor(c.ortType, c.data, [2, 3]);
    // Node 24 has Float16Array; onnxruntime-node 1.30's binding cannot read one (src/backend/ort/session.ts toOrt).
    if (c.ortType === 'float16') (input as unknown as { cpuData: unknown }).cpuData = c.data;
    const { OUTPUT0: out } = await run(name, { INPUT0: input });
    assert.equal(out.type, c.ortType);
    assert.deepEqual(out.dims, [2, 3]);
    assert.ok(ArrayBuffer.isView(out.data), `${name}: output data is not a typed array`);
    assert.ok(c.outputArrays.includes(out.data.constructor.name), `${name}: got ${out.data.constructor.name}`);
    assert.ok(bytesOf(out.data).equals(bytesOf(c.data)), `${name}: bytes differ`);
  });
}

void test('identity_bool accepts boolean[] input and returns 0/1 bytes', async () => {
  const { OUTPUT0: out } = await run('identity_bool', {
    INPUT0: new ort.Tensor('bool', [true, false, true], [1, 3]),
  });
  assert.ok(out.data instanceof Uint8Array);
  assert.deepEqual(Array.from(out.data), [1, 0, 1]);
});

void test('identity_bytes round-trips strings (ONNX STRING is string[] in onnxruntime-node)', async () => {
  const strings = ['hello', '', 'héllo ✓', '😀 emoji', ' spaces ', 'x'.repeat(1000)];
  const { OUTPUT0: out } = await run('identity_bytes', {
    INPUT0: new ort.Tensor('string', strings, [3, 2]),
  });
  assert.equal(out.type, 'string');
  assert.deepEqual(out.dims, [3, 2]);
  assert.deepEqual(out.data, strings);
});

void test('identity fixtures accept any [batch, len], including an empty batch', async () => {
  for (const dims of [[1, 1], [4, 7], [0, 3]]) {
    const count = dims[0] * dims[1];
    const data = Float32Array.from({ length: count }, (_, i) => i);
    const { OUTPUT0: out } = await run('identity_fp32', { INPUT0: new ort.Tensor('float32', data, dims) });
    assert.deepEqual(out.dims, dims);
    assert.deepEqual(Array.from(floatData(out)), Array.from(data));
  }
});

void test('string_upper upper-cases each string of a 1-D batch', async () => {
  const text = ['hello', 'World', 'MiXeD 123!'];
  const { upper } = await run('string_upper', { text: new ort.Tensor('string', text, [3]) });
  assert.equal(upper.type, 'string');
  assert.deepEqual(upper.dims, [3]);
  assert.deepEqual(upper.data, ['HELLO', 'WORLD', 'MIXED 123!']);
});

void test('fixed_shape doubles a [2,3] input', async () => {
  const x = Float32Array.from([1, -2, 3.25, 0, 1e-3, -100]);
  const { y } = await run('fixed_shape', { x: new ort.Tensor('float32', x, [2, 3]) });
  assert.deepEqual(y.dims, [2, 3]);
  assert.deepEqual(Array.from(floatData(y)), [2, -4, 6.5, 0, Math.fround(1e-3) * 2, -200]);
});

void test('classifier matches the JS reference', async () => {
  const n = 6;
  // Seed 2 gives a mix of both labels with clear margins, so float32-vs-float64 rounding can't
  // flip an argmax (checked below rather than assumed).
  const input = sampleInput(n * 30, 2);
  const expected = classifierReference(input, n);
  for (let r = 0; r < n; r++) {
    const margin = Math.abs(expected.probabilities[2 * r] - expected.probabilities[2 * r + 1]);
    assert.ok(margin > 1e-3, `row ${r}: margin ${margin} too small for a stable argmax`);
  }
  assert.ok(new Set(expected.label).size === 2, 'sample should cover both labels');

  const out = await run('classifier', { input: new ort.Tensor('float32', input, [n, 30]) });
  assert.deepEqual(out.probabilities.dims, [n, 2]);
  assertClose(floatData(out.probabilities), expected.probabilities, 'probabilities');
  assert.equal(out.label.type, 'int64');
  assert.deepEqual(out.label.dims, [n]);
  assert.ok(out.label.data instanceof BigInt64Array);
  assert.deepEqual(Array.from(out.label.data), Array.from(expected.label));
});

void test('add_sub_int64 is exact beyond 2^53', async () => {
  const big = 2n ** 60n;
  const a = BigInt64Array.from([big, -big, 2n ** 53n + 1n, 1n]);
  const b = BigInt64Array.from([big, 3n, 2n ** 53n, -(2n ** 62n)]);
  const out = await run('add_sub_int64', {
    a: new ort.Tensor('int64', a, [4]),
    b: new ort.Tensor('int64', b, [4]),
  });
  assert.ok(out.sum.data instanceof BigInt64Array);
  assert.ok(out.diff.data instanceof BigInt64Array);
  assert.deepEqual(Array.from(out.sum.data), [2n * big, 3n - big, 2n ** 54n + 1n, 1n - 2n ** 62n]);
  assert.deepEqual(Array.from(out.diff.data), [0n, -big - 3n, 1n, 1n + 2n ** 62n]);
});

void test('slow produces a finite [1,1] output (≈ x)', async () => {
  // Timing is deliberately not asserted here (machine-dependent); see the generator's SLOW_MATMULS.
  const { y } = await run('slow', { x: new ort.Tensor('float32', Float32Array.from([0.75]), [1, 1]) });
  assert.deepEqual(y.dims, [1, 1]);
  const [value] = floatData(y);
  assert.ok(Number.isFinite(value));
  assert.ok(Math.abs(value - 0.75) < 1e-3, `got ${value}`);
});
