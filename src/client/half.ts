/**
 * FP16 and BF16 values travel as their raw 16-bit patterns (Node 20 has no Float16Array). These convert between
 * bits and numbers: FP16 is the shared tensor module's (IEEE 754 binary16), BF16 is the upper half of a float32.
 */
import { fp16ToNumber, numberToFp16 } from '../tensor/index.js';

export { fp16ToNumber, numberToFp16 };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bf16ToNumber(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** Round to nearest, ties to even, as PyTorch and numpy's bfloat16 do; NaN stays a (quiet) NaN. */
export function numberToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if (Number.isNaN(v)) return ((x >>> 16) & 0x8000) | 0x7fc0;
  const upper = x >>> 16;
  const lower = x & 0xffff;
  const up = lower > 0x8000 || (lower === 0x8000 && (upper & 1) === 1);
  // A carry out of the mantissa rolls into the exponent, which is the correct rounding (up to Infinity).
  return (upper + (up ? 1 : 0)) & 0xffff;
}
