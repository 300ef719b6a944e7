/**
 * The Triton-layout repository the Triton-behaviour rows (cases-triton.ts) run on: generated test models copied
 * under new names with the config.pbtxt files Triton users write (reshapes, an explicit max_batch_size, a label
 * file, an image format, an input list that leaves one out).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_MODELS } from '../helpers/server.js';

/** Models copied as they are (auto-completed configs), loaded at start. */
export const PLAIN_MODELS = ['mlp', 'classifier', 'string_upper', 'add_sub_int64'] as const;

/** model -> [generated model it copies, config.pbtxt]. */
const CONFIGURED: Readonly<Record<string, readonly [string, string]>> = {
  // The case: dims [2,2] with reshape [4] on a [-1,4] input; the [-1,3] output served as [-1,3,1].
  reshaped: ['mlp', `max_batch_size: 8
input [ { name: "x" data_type: TYPE_FP32 dims: [ 2, 2 ] reshape { shape: [ 4 ] } } ]
output [ { name: "y" data_type: TYPE_FP32 dims: [ 3, 1 ] reshape { shape: [ 3 ] } } ]
`],
  // densenet_onnx's form: no batching, the client's shape without the leading 1 the model has.
  fixed_reshaped: ['fixed_shape', `max_batch_size: 0
input [ { name: "x" data_type: TYPE_FP32 dims: [ 6 ] reshape { shape: [ 2, 3 ] } } ]
output [ { name: "y" data_type: TYPE_FP32 dims: [ 6 ] reshape { shape: [ 2, 3 ] } } ]
`],
  // An image-like input (format needs 3 dims) and a label file on the output.
  image_like: ['identity_fp32', `max_batch_size: 2
input [ { name: "INPUT0" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, 2, 2 ] reshape { shape: [ 12 ] } } ]
output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 12 ] label_filename: "labels.txt" } ]
`],
  // A limit someone wrote down is enforced.
  limited: ['mlp', 'max_batch_size: 4\n'],
  // Lists one of multi_io's two inputs: refused at load, as Triton's onnxruntime backend does.
  fewer_inputs: ['multi_io', `max_batch_size: 4
input [ { name: "a" data_type: TYPE_FP32 dims: [ 3 ] } ]
output [ { name: "sum" data_type: TYPE_FP32 dims: [ 3 ] } ]
`],
  // In the repository, never loaded (not in --load-model).
  not_loaded: ['mlp', 'max_batch_size: 8\n'],
};

/** Loaded at start; `fewer_inputs` and `not_loaded` stay out (the rows load the first, the second stays unloaded). */
export const STARTUP_MODELS = [...PLAIN_MODELS, 'reshaped', 'fixed_reshaped', 'image_like', 'limited'];

/** Writes the configured models into `dir` (a repository made by makeRepo with PLAIN_MODELS). */
export function writeTritonModels(dir: string): void {
  for (const [name, [from, config]] of Object.entries(CONFIGURED)) {
    cpSync(path.join(TEST_MODELS, from), path.join(dir, name), { recursive: true });
    writeFileSync(path.join(dir, name, 'config.pbtxt'), `name: "${name}"\nplatform: "onnxruntime_onnx"\n${config}`);
  }
  mkdirSync(path.join(dir, 'image_like'), { recursive: true });
  writeFileSync(path.join(dir, 'image_like', 'labels.txt'), Array.from({ length: 12 }, (_, i) => `class_${i}`).join('\n'));
}
