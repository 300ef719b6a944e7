import { datatypeInfo, type Datatype, type TensorData } from './datatype.js';

/** A named tensor as core sees it: no wire format, no ORT types. Data is flat, row-major. */
export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** Product of dims; callers must have checked that each dim is a safe non-negative integer. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Allocates a zeroed array for `count` elements of a numeric datatype. */
export function allocate(datatype: Datatype, count: number): TensorData {
  const info = datatypeInfo(datatype);
  if (!info.array) return new Array<string>(count).fill('');
  return new info.array(count);
}

export function isStringData(data: TensorData): data is string[] {
  return Array.isArray(data);
}
