/**
 * Hostile and variant model files for the robustness suite, built with the fixture builder
 * (scripts/onnx-builder): the mlp graph with external weights pointing out of the repository (ONNX CVE-2022-25882
 * and its bypasses; onnxruntime PRs #26776/#27430), an unsupported opset, a protobuf that is not a model, and
 * an mlp whose outputs are exactly k times the reference (to tell two versions apart under reload).
 */
import { cpSync, linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildModel, DataType, floatTensor, node, onnx, valueInfo,
} from '../../scripts/onnx-builder/index.js';
import { MLP_B1, MLP_B2, MLP_HIDDEN, MLP_IN, MLP_OUT, MLP_W1, MLP_W2 } from '../../scripts/fixtures.js';
import { TEST_MODELS } from '../helpers/server.js';

const F = DataType.FLOAT;

/**
 * The mlp graph. With `scale` k, the second layer's weights and bias are multiplied by k, so y = k · reference
 * exactly (multiplying by a power of two is exact in float32). With `externalW1`, the first weight matrix is
 * stored as external data at that location instead of inside the file.
 */
export function mlpModel(opts: { scale?: number; externalW1?: string; opset?: number } = {}): Uint8Array {
  const k = opts.scale ?? 1;
  const w1 = floatTensor('W1', [MLP_IN, MLP_HIDDEN], MLP_W1);
  if (opts.externalW1 !== undefined) {
    w1.rawData = undefined;
    w1.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w1.externalData = [
      { key: 'location', value: opts.externalW1 },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(MLP_IN * MLP_HIDDEN * 4) },
    ];
  }
  return buildModel({
    name: 'mlp',
    inputs: [valueInfo('x', F, ['batch', MLP_IN])],
    outputs: [valueInfo('y', F, ['batch', MLP_OUT])],
    initializers: [
      w1,
      floatTensor('B1', [MLP_HIDDEN], MLP_B1),
      floatTensor('W2', [MLP_HIDDEN, MLP_OUT], MLP_W2.map((v) => v * k)),
      floatTensor('B2', [MLP_OUT], MLP_B2.map((v) => v * k)),
    ],
    nodes: [
      node('Gemm', ['x', 'W1', 'B1'], ['h']),
      node('Relu', ['h'], ['h_relu']),
      node('Gemm', ['h_relu', 'W2', 'B2'], ['y']),
    ],
  }, opts.opset === undefined ? {} : { opset: opts.opset });
}

/** The bytes an external W1 would hold: the real weights, little-endian float32. */
export function w1Bytes(): Buffer {
  const b = Buffer.alloc(MLP_W1.length * 4);
  MLP_W1.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

/** A valid protobuf message that is not an ONNX model (a bare TensorProto). */
export function notAModel(): Uint8Array {
  return onnx.TensorProto.encode(floatTensor('t', [2], [1, 2])).finish();
}

/** Deterministic pseudo-random bytes. */
export function noise(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

export function writeVersion(repo: string, name: string, version: number, bytes: Uint8Array | string): string {
  const dir = path.join(repo, name, String(version));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.onnx');
  writeFileSync(file, bytes);
  return file;
}

export function copyModel(repo: string, from: string, to: string): void {
  cpSync(path.join(TEST_MODELS, from), path.join(repo, to), { recursive: true });
}

/** A directory outside every repository, for the files hostile fixtures point at. */
export function makeOutside(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'onnxserve-outside-'));
  writeFileSync(path.join(dir, 'w1.bin'), w1Bytes());
  writeVersion(dir, 'model_dir', 1, mlpModel());
  writeFileSync(path.join(dir, 'mlp.onnx'), mlpModel());
  return dir;
}

/**
 * Models whose files reach out of the repository, every way: a symlinked model directory, a symlinked model
 * file, and external data by absolute path, by `../`, through a symlink and through a hard link.
 * Hard links need the same filesystem; both directories are under the same tmpdir.
 */
export function addEscapingModels(repo: string, outside: string): void {
  symlinkSync(path.join(outside, 'model_dir'), path.join(repo, 'evil_dirlink'));
  mkdirSync(path.join(repo, 'evil_filelink', '1'), { recursive: true });
  symlinkSync(path.join(outside, 'mlp.onnx'), path.join(repo, 'evil_filelink', '1', 'model.onnx'));
  const outsideW1 = path.join(outside, 'w1.bin');
  writeVersion(repo, 'ext_abs', 1, mlpModel({ externalW1: outsideW1 }));
  const relDir = path.join(repo, 'ext_rel', '1');
  writeVersion(repo, 'ext_rel', 1, mlpModel({ externalW1: path.relative(relDir, outsideW1) }));
  writeVersion(repo, 'ext_link', 1, mlpModel({ externalW1: 'w1.bin' }));
  symlinkSync(outsideW1, path.join(repo, 'ext_link', '1', 'w1.bin'));
  writeVersion(repo, 'ext_hard', 1, mlpModel({ externalW1: 'w1.bin' }));
  linkSync(outsideW1, path.join(repo, 'ext_hard', '1', 'w1.bin'));
  // A control: external data that stays inside the model directory is legitimate and must load.
  writeVersion(repo, 'ext_ok', 1, mlpModel({ externalW1: 'w1.bin' }));
  writeFileSync(path.join(repo, 'ext_ok', '1', 'w1.bin'), w1Bytes());
}
