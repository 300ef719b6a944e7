/**
 * The rank and element limits of one tensor, for every transport (issue 10: the rank limit was REST-only). The
 * decoders call it as soon as a shape is read — before any tensor data is converted or allocated — and core's
 * validation calls it again for every request, so an adapter that forgot would still be covered.
 */
import { invalidArgument } from '../errors/index.js';
import { describe } from './text.js';

/** Ranks beyond this are refused outright (ONNX models in practice stay under 10; dims are listed in messages). */
export const MAX_RANK = 64;

/**
 * The element count of `shape` after checking its rank, that every dim is a safe non-negative integer (OIP: "each
 * dimension must be an integer representable as an unsigned 64-bit integer"; here it must also be exact in JS),
 * and the element limit. The running product stops at the limit, so no unsafe product is ever formed.
 */
export function checkShape(shape: readonly number[], where: string, maxElements: number): number {
  if (shape.length > MAX_RANK) throw invalidArgument(`${where}: shape has ${shape.length} dims, more than the limit of ${MAX_RANK}`);
  let zero = false;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isSafeInteger(d) || d < 0) throw invalidArgument(`${where}: shape dim ${i} is ${describe(d)}; dims must be non-negative integers`);
    if (d === 0) zero = true;
  }
  if (zero) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > maxElements) {
      throw invalidArgument(`${where}: shape [${shape.join(',')}] has more than ${maxElements} elements, the limit for one tensor`);
    }
  }
  return n;
}
