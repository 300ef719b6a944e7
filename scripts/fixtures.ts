/**
 * Shared knowledge about the generated test models: their names, weights, and pure-JS reference
 * implementations, so tests can compute expected outputs without duplicating the generator.
 *
 * This module deliberately has no dependencies (not even onnx-proto or onnxruntime) so any test,
 * benchmark or server-side check can import it cheaply.
 */

/** KServe V2 datatype names that have an identity fixture. */
export type FixtureDatatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/**
 * For each V2 datatype, the identity model that round-trips it. Each model has input `INPUT0` and
 * output `OUTPUT0` of that type with shape [batch, len] (both symbolic).
 */
export const DATATYPE_FIXTURES: Readonly<Record<FixtureDatatype, string>> = {
  BOOL: 'identity_bool',
  UINT8: 'identity_uint8',
  UINT16: 'identity_uint16',
  UINT32: 'identity_uint32',
  UINT64: 'identity_uint64',
  INT8: 'identity_int8',
  INT16: 'identity_int16',
  INT32: 'identity_int32',
  INT64: 'identity_int64',
  FP16: 'identity_fp16',
  FP32: 'identity_fp32',
  FP64: 'identity_fp64',
  BYTES: 'identity_bytes',
};

/** Every model `gen-test-models` writes by default (without --bench). */
export const FIXTURE_MODELS: readonly string[] = [
  'mlp',
  'multi_io',
  ...Object.values(DATATYPE_FIXTURES),
  'string_upper',
  'fixed_shape',
  'classifier',
  'slow',
  'add_sub_int64',
];

/** Models written only with `--bench`. */
export const BENCH_MODELS: readonly string[] = ['mlp_784'];

// ---------------------------------------------------------------------------------------------
// Deterministic pseudo-randomness
// ---------------------------------------------------------------------------------------------

/**
 * A 32-bit LCG (Numerical Recipes constants) returning floats in [0, 1). Not statistically great,
 * but it is fixed forever, so generated weights and sample inputs are reproducible across runs,
 * machines and Node versions (Math.imul keeps the multiply exact in 32 bits).
 */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

/** `count` deterministic float32 values in [-scale, scale). Handy for sample inputs in tests. */
export function sampleInput(count: number, seed = 1, scale = 1): Float32Array {
  const next = lcg(seed);
  return Float32Array.from({ length: count }, () => (next() * 2 - 1) * scale);
}

/** Row-major [rows, cols] float32 matrix from a formula f(row, col). */
function matrix(rows: number, cols: number, f: (i: number, j: number) => number): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, k) => f(Math.floor(k / cols), k % cols));
}

/**
 * y[n, out] = x[n, in] · w[in, out] + b[out], computed in float64 from the float32 weights, i.e. the
 * exact-math result that ORT's float32 kernels approximate. `relu` applies max(0, ·) afterwards.
 */
function dense(
  x: ArrayLike<number>,
  n: number,
  w: Float32Array,
  b: Float32Array,
  inDim: number,
  outDim: number,
  relu: boolean,
): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < outDim; j++) {
      let acc = b[j];
      for (let i = 0; i < inDim; i++) acc += x[r * inDim + i] * w[i * outDim + j];
      y[r * outDim + j] = relu ? Math.max(0, acc) : acc;
    }
  }
  return y;
}

function checkInput(name: string, x: ArrayLike<number>, n: number, width: number): void {
  if (x.length !== n * width) throw new Error(`${name}: expected ${n}x${width} = ${n * width} values, got ${x.length}`);
}

// ---------------------------------------------------------------------------------------------
// mlp: x[N,4] -> Gemm(4->8) -> Relu -> Gemm(8->3) -> y[N,3]
// Weights are stored [in, out] (Gemm with transB=0). Formulas give small, mixed-sign values so the
// Relu actually clips some hidden units for typical inputs.
// ---------------------------------------------------------------------------------------------

export const MLP_IN = 4;
export const MLP_HIDDEN = 8;
export const MLP_OUT = 3;
export const MLP_W1 = matrix(MLP_IN, MLP_HIDDEN, (i, j) => (((i * 7 + j * 3) % 11) - 5) / 10);
export const MLP_B1 = Float32Array.from({ length: MLP_HIDDEN }, (_, j) => 0.1 * j);
export const MLP_W2 = matrix(MLP_HIDDEN, MLP_OUT, (i, j) => (((i * 5 + j * 3) % 7) - 3) / 10);
export const MLP_B2 = Float32Array.from({ length: MLP_OUT }, (_, j) => 0.05 * (j - 1));

/** Reference output of `mlp` for `n` rows of `x` (row-major [n, 4]); returns [n, 3]. */
export function mlpReference(x: ArrayLike<number>, n: number): Float32Array {
  checkInput('mlpReference', x, n, MLP_IN);
  const hidden = dense(x, n, MLP_W1, MLP_B1, MLP_IN, MLP_HIDDEN, true);
  return Float32Array.from(dense(hidden, n, MLP_W2, MLP_B2, MLP_HIDDEN, MLP_OUT, false));
}

// ---------------------------------------------------------------------------------------------
// classifier: input[N,30] -> Gemm(30->2) -> Softmax(axis=1) -> probabilities[N,2]
//                                        \-> ArgMax(axis=1, keepdims=0) -> label[N] (int64)
// Shaped like a credit-card fraud model (30 features: Time, V1..V28, Amount).
// ---------------------------------------------------------------------------------------------

export const CLASSIFIER_IN = 30;
export const CLASSIFIER_OUT = 2;
export const CLASSIFIER_W = matrix(CLASSIFIER_IN, CLASSIFIER_OUT, (i, j) => (((i * 13 + j * 29 + 5) % 17) - 8) / 40);
export const CLASSIFIER_B = Float32Array.from([0.1, -0.1]);

export interface ClassifierResult {
  /** [n, 2] softmax probabilities. */
  probabilities: Float32Array;
  /** [n] argmax class index; int64 in the model, hence BigInt64Array (as onnxruntime returns it). */
  label: BigInt64Array;
}

/** Reference output of `classifier` for `n` rows of `input` (row-major [n, 30]). */
export function classifierReference(input: ArrayLike<number>, n: number): ClassifierResult {
  checkInput('classifierReference', input, n, CLASSIFIER_IN);
  const logits = dense(input, n, CLASSIFIER_W, CLASSIFIER_B, CLASSIFIER_IN, CLASSIFIER_OUT, false);
  const probabilities = new Float32Array(n * CLASSIFIER_OUT);
  const label = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    const row = logits.subarray(r * CLASSIFIER_OUT, (r + 1) * CLASSIFIER_OUT);
    const max = Math.max(...row);
    const exps = Array.from(row, (v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, j) => (probabilities[r * CLASSIFIER_OUT + j] = e / total));
    // ArgMax picks the first maximal index on ties (select_last_index=0), as does indexOf.
    label[r] = BigInt(Array.from(row).indexOf(max));
  }
  return { probabilities, label };
}

// ---------------------------------------------------------------------------------------------
// mlp_784 (bench only): input[N,784] -> 1024 -> Relu -> 1024 -> Relu -> 10 -> output[N,10]
// ---------------------------------------------------------------------------------------------

export const MLP784_LAYERS: readonly (readonly [number, number])[] = [
  [784, 1024],
  [1024, 1024],
  [1024, 10],
];

/**
 * Seeded weights for mlp_784, [in, out] row-major per layer. Uniform in ±1/sqrt(in) (a Xavier-ish
 * scale) so activations stay O(1) through the layers rather than blowing up or vanishing.
 */
export function mlp784Weights(seed = 784): { w: Float32Array; b: Float32Array }[] {
  const next = lcg(seed);
  return MLP784_LAYERS.map(([inDim, outDim]) => {
    const scale = 1 / Math.sqrt(inDim);
    const w = Float32Array.from({ length: inDim * outDim }, () => (next() * 2 - 1) * scale);
    const b = Float32Array.from({ length: outDim }, () => (next() * 2 - 1) * 0.01);
    return { w, b };
  });
}
