// Run an ONNX model with onnxruntime-node on rows from a raw float32 file and
// print the outputs as JSON. check_model.py drives this, because Debian has
// no onnxruntime for Python; it also shows the model the way onnxserve sees it.
//
//   node examples/fraud-detection/check_onnx.mjs MODEL.onnx ROWS.f32 NCOLS
//
// ROWS.f32 is row-major little-endian float32 (NaN allowed, unlike in JSON).
// onnxruntime-node resolves from the repository's node_modules, so run
// `npm install` (or `npm ci`) in the repo root first.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import ort from 'onnxruntime-node';

const [modelPath, rowsPath, ncolsArg] = process.argv.slice(2);
if (!modelPath || !rowsPath || !ncolsArg) {
  process.stderr.write('usage: node check_onnx.mjs MODEL.onnx ROWS.f32 NCOLS\n');
  process.exit(2);
}
const ncols = Number(ncolsArg);
const buf = readFileSync(rowsPath);
// Copy into an aligned Float32Array: a Buffer's offset may not be 4-aligned.
const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
const nrows = data.length / ncols;
if (!Number.isInteger(nrows)) {
  process.stderr.write(`${data.length} floats is not a multiple of ${ncols}\n`);
  process.exit(2);
}

const session = await ort.InferenceSession.create(modelPath);
const input = new ort.Tensor('float32', data, [nrows, ncols]);
const out = await session.run({ [session.inputNames[0]]: input });

const probs = out.probabilities;
const rows = [];
for (let i = 0; i < nrows; i++) {
  rows.push(Array.from(probs.data.subarray(i * probs.dims[1], (i + 1) * probs.dims[1])));
}
// process.stdout rather than console: the repo's eslint config declares no globals for .mjs.
process.stdout.write(JSON.stringify({
  inputNames: session.inputNames,
  outputNames: session.outputNames,
  // inputMetadata/outputMetadata exist from onnxruntime 1.21 on.
  inputMetadata: session.inputMetadata ?? null,
  outputMetadata: session.outputMetadata ?? null,
  labelDims: out.label.dims,
  probabilitiesDims: probs.dims,
  label: Array.from(out.label.data, Number),
  probabilities: rows,
}) + '\n');
