/**
 * Generates the ONNX models used by tests (and, with --bench, by benchmarks) as a Triton-style
 * model repository: `<outDir>/<name>/1/model.onnx`.
 *
 *   node dist/scripts/gen-test-models.js [outDir] [--bench]      (outDir defaults to ./test-models)
 *
 * Models are built in code rather than checked in so they stay reviewable and reproducible. Output
 * is deterministic (no unseeded randomness) and idempotent (unchanged files are not rewritten).
 * Weights and reference implementations live in ./fixtures.ts so tests can compute expected values.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  attr,
  buildModel,
  DataType,
  floatScalar,
  floatTensor,
  int64Tensor,
  node,
  saveModel,
  valueInfo,
} from './onnx-builder/index.js';
import {
  CLASSIFIER_B,
  CLASSIFIER_IN,
  CLASSIFIER_OUT,
  CLASSIFIER_W,
  DATATYPE_FIXTURES,
  type FixtureDatatype,
  MLP784_LAYERS,
  mlp784Weights,
  MLP_B1,
  MLP_B2,
  MLP_HIDDEN,
  MLP_IN,
  MLP_OUT,
  MLP_W1,
  MLP_W2,
} from './fixtures.js';

export interface GeneratedModel {
  name: string;
  bytes: Uint8Array;
}

const F = DataType.FLOAT;

function mlp(): Uint8Array {
  return buildModel({
    name: 'mlp',
    inputs: [valueInfo('x', F, ['batch', MLP_IN])],
    outputs: [valueInfo('y', F, ['batch', MLP_OUT])],
    initializers: [
      floatTensor('W1', [MLP_IN, MLP_HIDDEN], MLP_W1),
      floatTensor('B1', [MLP_HIDDEN], MLP_B1),
      floatTensor('W2', [MLP_HIDDEN, MLP_OUT], MLP_W2),
      floatTensor('B2', [MLP_OUT], MLP_B2),
    ],
    nodes: [
      node('Gemm', ['x', 'W1', 'B1'], ['h']),
      node('Relu', ['h'], ['h_relu']),
      node('Gemm', ['h_relu', 'W2', 'B2'], ['y']),
    ],
  });
}

function multiIo(): Uint8Array {
  return buildModel({
    name: 'multi_io',
    inputs: [valueInfo('a', F, ['batch', 3]), valueInfo('b', F, ['batch', 3])],
    outputs: [valueInfo('sum', F, ['batch', 3]), valueInfo('product', F, ['batch', 3])],
    nodes: [node('Add', ['a', 'b'], ['sum']), node('Mul', ['a', 'b'], ['product'])],
  });
}

/** ONNX element type of each V2 datatype. */
const ONNX_TYPE: Readonly<Record<FixtureDatatype, DataType>> = {
  BOOL: DataType.BOOL,
  UINT8: DataType.UINT8,
  UINT16: DataType.UINT16,
  UINT32: DataType.UINT32,
  UINT64: DataType.UINT64,
  INT8: DataType.INT8,
  INT16: DataType.INT16,
  INT32: DataType.INT32,
  INT64: DataType.INT64,
  FP16: DataType.FLOAT16,
  FP32: DataType.FLOAT,
  FP64: DataType.DOUBLE,
  BYTES: DataType.STRING,
};

/**
 * INPUT0 -> Identity -> OUTPUT0, [batch, len]. onnxruntime 1.30's CPU Identity kernel is registered
 * for every tensor type (verified by test/fixtures.test.ts), so no Cast/Reshape workaround is needed.
 */
function identity(datatype: FixtureDatatype): Uint8Array {
  const elemType = ONNX_TYPE[datatype];
  return buildModel({
    name: DATATYPE_FIXTURES[datatype],
    inputs: [valueInfo('INPUT0', elemType, ['batch', 'len'])],
    outputs: [valueInfo('OUTPUT0', elemType, ['batch', 'len'])],
    nodes: [node('Identity', ['INPUT0'], ['OUTPUT0'])],
  });
}

/**
 * StringNormalizer accepts [C] or [1, C]; we use the 1-D form so the batch dim is the string list.
 *
 * `locale` must be set explicitly: ORT's default is "en_US.UTF-8", and on hosts without that locale
 * installed (e.g. a stock Debian container) session creation fails with "Failed to construct locale".
 * "C" exists on every POSIX system; the catch is it only upper-cases ASCII (non-ASCII characters such
 * as "é" pass through unchanged), which is fine for a fixture. Note also that ORT rejects an empty
 * input ([0]) with "Single dimension value must be greater than 0".
 */
function stringUpper(): Uint8Array {
  return buildModel({
    name: 'string_upper',
    inputs: [valueInfo('text', DataType.STRING, ['batch'])],
    outputs: [valueInfo('upper', DataType.STRING, ['batch'])],
    nodes: [
      node('StringNormalizer', ['text'], ['upper'], [
        attr.string('case_change_action', 'UPPER'),
        attr.string('locale', 'C'),
      ]),
    ],
  });
}

function fixedShape(): Uint8Array {
  return buildModel({
    name: 'fixed_shape',
    inputs: [valueInfo('x', F, [2, 3])],
    outputs: [valueInfo('y', F, [2, 3])],
    initializers: [floatScalar('two', 2)],
    nodes: [node('Mul', ['x', 'two'], ['y'])],
  });
}

function classifier(): Uint8Array {
  return buildModel({
    name: 'classifier',
    inputs: [valueInfo('input', F, ['batch', CLASSIFIER_IN])],
    outputs: [
      valueInfo('probabilities', F, ['batch', CLASSIFIER_OUT]),
      valueInfo('label', DataType.INT64, ['batch']),
    ],
    initializers: [
      floatTensor('W', [CLASSIFIER_IN, CLASSIFIER_OUT], CLASSIFIER_W),
      floatTensor('B', [CLASSIFIER_OUT], CLASSIFIER_B),
    ],
    nodes: [
      node('Gemm', ['input', 'W', 'B'], ['logits']),
      node('Softmax', ['logits'], ['probabilities'], [attr.int('axis', 1)]),
      // ArgMax over the logits (same order as the probabilities, and no dependency on Softmax).
      node('ArgMax', ['logits'], ['label'], [attr.int('axis', 1), attr.int('keepdims', 0)]),
    ],
  });
}

/** Side of the square matrices in `slow`, and how many 512x512x512 MatMuls it chains. */
export const SLOW_SIZE = 512;
export const SLOW_MATMULS = 128;

/**
 * A deliberately slow model for timeout/queueing tests: x[1,1] is broadcast to a 512x512 matrix and
 * multiplied SLOW_MATMULS times by a constant matrix, then averaged back to [1,1]. Every MatMul
 * depends on x, so ORT cannot constant-fold the chain away. The weight is all 1/512 and produced by
 * ConstantOfShape (a few bytes on disk instead of 1 MB); since each row of the product is the row's
 * mean, values stay equal to x throughout: no overflow, and y ≈ x.
 */
function slow(): Uint8Array {
  const nodes = [
    node('Expand', ['x', 'square_shape'], ['m0']),
    node('ConstantOfShape', ['square_shape'], ['W'], [attr.tensor('value', floatTensor('', [1], [1 / SLOW_SIZE]))]),
  ];
  for (let k = 1; k <= SLOW_MATMULS; k++) nodes.push(node('MatMul', [`m${k - 1}`, 'W'], [`m${k}`]));
  // No `axes` attribute: reduce over all axes; keepdims=1 (default) keeps the [1,1] shape.
  nodes.push(node('ReduceMean', [`m${SLOW_MATMULS}`], ['y']));
  return buildModel({
    name: 'slow',
    inputs: [valueInfo('x', F, [1, 1])],
    outputs: [valueInfo('y', F, [1, 1])],
    initializers: [int64Tensor('square_shape', [2], [SLOW_SIZE, SLOW_SIZE])],
    nodes,
  });
}

function addSubInt64(): Uint8Array {
  const I64 = DataType.INT64;
  return buildModel({
    name: 'add_sub_int64',
    inputs: [valueInfo('a', I64, ['batch']), valueInfo('b', I64, ['batch'])],
    outputs: [valueInfo('sum', I64, ['batch']), valueInfo('diff', I64, ['batch'])],
    nodes: [node('Add', ['a', 'b'], ['sum']), node('Sub', ['a', 'b'], ['diff'])],
  });
}

/** Bench model: input[N,784] -> 1024 -> Relu -> 1024 -> Relu -> 10 -> output[N,10]. */
function mlp784(): Uint8Array {
  const weights = mlp784Weights();
  const initializers = weights.flatMap(({ w, b }, l) => {
    const [inDim, outDim] = MLP784_LAYERS[l];
    return [floatTensor(`W${l}`, [inDim, outDim], w), floatTensor(`B${l}`, [outDim], b)];
  });
  const last = weights.length - 1;
  const nodes = weights.flatMap((_, l) => {
    const input = l === 0 ? 'input' : `a${l - 1}`;
    if (l === last) return [node('Gemm', [input, `W${l}`, `B${l}`], ['output'])];
    return [node('Gemm', [input, `W${l}`, `B${l}`], [`z${l}`]), node('Relu', [`z${l}`], [`a${l}`])];
  });
  return buildModel({
    name: 'mlp_784',
    inputs: [valueInfo('input', F, ['batch', MLP784_LAYERS[0][0]])],
    outputs: [valueInfo('output', F, ['batch', MLP784_LAYERS[last][1]])],
    initializers,
    nodes,
  });
}

/** Builds every fixture in memory (exported so tests can check the files on disk are up to date). */
export function buildFixtureModels(options: { bench?: boolean } = {}): GeneratedModel[] {
  const models: GeneratedModel[] = [
    { name: 'mlp', bytes: mlp() },
    { name: 'multi_io', bytes: multiIo() },
    ...(Object.keys(DATATYPE_FIXTURES) as FixtureDatatype[]).map((dt) => ({
      name: DATATYPE_FIXTURES[dt],
      bytes: identity(dt),
    })),
    { name: 'string_upper', bytes: stringUpper() },
    { name: 'fixed_shape', bytes: fixedShape() },
    { name: 'classifier', bytes: classifier() },
    { name: 'slow', bytes: slow() },
    { name: 'add_sub_int64', bytes: addSubInt64() },
  ];
  if (options.bench) models.push({ name: 'mlp_784', bytes: mlp784() });
  return models;
}

/** Writes the fixtures to `outDir`; returns how many files actually changed. */
export function generateTestModels(outDir: string, options: { bench?: boolean } = {}): number {
  let changed = 0;
  for (const { name, bytes } of buildFixtureModels(options)) {
    if (saveModel(outDir, name, 1, bytes).written) changed++;
  }
  return changed;
}

function main(argv: readonly string[]): void {
  const bench = argv.includes('--bench');
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--bench');
  const positional = argv.filter((a) => !a.startsWith('-'));
  if (unknown.length > 0 || positional.length > 1) {
    console.error('usage: gen-test-models [outDir] [--bench]');
    process.exit(2);
  }
  const outDir = path.resolve(positional[0] ?? 'test-models');
  const started = performance.now();
  const changed = generateTestModels(outDir, { bench });
  const ms = (performance.now() - started).toFixed(0);
  console.log(`gen-test-models: ${outDir} (${changed} file(s) written${bench ? ', with bench models' : ''}, ${ms} ms)`);
}

// Run only when executed directly, so tests can import buildFixtureModels without side effects.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
