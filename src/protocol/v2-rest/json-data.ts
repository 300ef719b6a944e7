/**
 * Tensor `data` in JSON, both directions, one branch per datatype.
 * Spec: OIP inference_rest.md "Tensor Data" — row-major, flat or nested in the natural shape; the server may coerce
 * or reject values that do not fit the datatype. We reject: silently rounding or wrapping a value is worse than a 400.
 */
import {
  allocate, datatypeInfo, fp16ToNumber, isStringData, type Datatype, type NumericArray, type Tensor, type TensorData,
} from '../../tensor/index.js';
import { invalidArgument, ServerError } from '../../errors/index.js';
import { describe } from './parameters.js';

/**
 * An INT64/UINT64 element that JSON.parse may have rounded (an integer beyond 2^53). Bodies are read with
 * JSON.parse, which is fast and right for every other value; a decoder that meets such an element throws this,
 * and the body is read again exactly (framing.ts decodeExactly), where the element is a bigint with all its
 * digits. Only an element still inexact then (written with an exponent or fraction) reaches the client.
 */
export class InexactInteger extends ServerError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'InexactInteger';
  }
}

/** Nested `data` deeper than this is refused (rank is tiny in practice; deep nesting is an attack, Triton #10). */
export const MAX_DATA_DEPTH = 32;

const DECIMAL = /^-?[0-9]{1,20}$/;

export interface JsonInput {
  readonly where: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly count: number;
}

/** Decodes one input's `data`; the element count is known (and bounded) before this allocates anything. */
export function decodeJsonData(input: JsonInput, data: unknown): TensorData {
  const { where, datatype } = input;
  if (datatype === 'FP16') {
    throw invalidArgument(`${where}: FP16 has no JSON representation; send it as binary data ` +
      `(parameters.binary_data_size, Triton's binary tensor extension)`);
  }
  if (!Array.isArray(data)) throw invalidArgument(`${where}: 'data' must be an array, got ${describe(data)}`);
  const rows = collectRows(input, data);
  if (datatype === 'BYTES') return fillStrings(where, rows, input.count);
  const out = allocate(datatype, input.count) as NumericArray;
  const fill = datatype === 'FP32' || datatype === 'FP64' ? fillFloats
    : datatype === 'BOOL' ? fillBools
      : datatype === 'INT64' || datatype === 'UINT64' ? fillBigInts : fillInts;
  let offset = 0;
  for (const row of rows) {
    fill(where, datatype, row, out, offset);
    offset += row.length;
  }
  return out;
}

/**
 * The innermost arrays, in row-major order. Flat data is one row that must hold exactly `count` values; nested
 * data must match the shape at every level, checked before anything is converted. (Array.prototype.flat is
 * ~20x slower than converting row by row.)
 */
function collectRows(input: JsonInput, data: unknown[]): unknown[][] {
  const { where, shape, count } = input;
  if (data.length === 0 || !Array.isArray(data[0])) {
    if (data.length !== count) {
      throw invalidArgument(`${where}: shape [${shape.join(',')}] needs ${count} elements, got ${data.length}`);
    }
    return [data];
  }
  if (shape.length > MAX_DATA_DEPTH) {
    throw invalidArgument(`${where}: 'data' is nested deeper than ${MAX_DATA_DEPTH} levels; send it flat`);
  }
  const rows: unknown[][] = [];
  checkNesting(input, data, 0, 'data', rows);
  return rows;
}

/** Visits the arrays, never the leaves, so the cost is count / innermost dim. Depth is bounded by MAX_DATA_DEPTH. */
function checkNesting(input: JsonInput, arr: unknown[], depth: number, path: string, rows: unknown[][]): void {
  const { where, shape } = input;
  const want = shape[depth];
  if (want === undefined || arr.length !== want) {
    throw invalidArgument(`${where}: nested 'data' does not match shape [${shape.join(',')}] at ${path} ` +
      `(${want === undefined ? 'nested too deep' : `length ${arr.length}, expected ${want}`})`);
  }
  if (depth === shape.length - 1) {
    rows.push(arr);
    return;
  }
  for (let i = 0; i < arr.length; i++) {
    const child = arr[i];
    if (!Array.isArray(child)) {
      throw invalidArgument(`${where}: nested 'data' does not match shape [${shape.join(',')}] at ${path}[${i}] ` +
        `(expected an array, got ${describe(child)})`);
    }
    checkNesting(input, child, depth + 1, `${path}[${i}]`, rows);
  }
}

function badElement(where: string, i: number, v: unknown, expected: string): Error {
  return invalidArgument(`${where}: element ${i} is ${describe(v)}, expected ${expected}`);
}

type Fill = (where: string, datatype: Datatype, row: unknown[], out: NumericArray, offset: number) => void;

const fillFloats: Fill = (where, _datatype, row, out, offset) => {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    // A bigint: an integer literal beyond 2^53 from the exact reading (decodeExactly), as Number would round it.
    out[offset + i] = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : specialFloat(where, offset + i, v);
  }
};

/** JSON has no NaN/Infinity; these strings are what encodeJsonData writes for them, so they round-trip. */
function specialFloat(where: string, i: number, v: unknown): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw badElement(where, i, v, 'a number (or "NaN", "Infinity", "-Infinity")');
}

const fillBools: Fill = (where, _datatype, row, out, offset) => {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v === true || v === 1) out[offset + i] = 1;
    else if (v === false || v === 0) out[offset + i] = 0;
    else throw badElement(where, offset + i, v, 'true or false');
  }
};

const fillInts: Fill = (where, datatype, row, out, offset) => {
  const [min, max] = datatypeInfo(datatype).intRange!;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) out[offset + i] = v;
    else throw badElement(where, offset + i, v, `an integer in [${min}, ${max}] for ${datatype}`);
  }
};

/**
 * 64-bit integers: JSON numbers (exact: a number beyond 2^53 sends the body to the exact reader, InexactInteger),
 * bigints from that reader, or decimal strings.
 */
const fillBigInts: Fill = (where, datatype, row, out, offset) => {
  const big = out as BigInt64Array | BigUint64Array;
  const [min, max] = datatypeInfo(datatype).bigintRange!;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    let b: bigint;
    if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
    else if (typeof v === 'bigint') b = v;
    else if (typeof v === 'string' && DECIMAL.test(v)) b = BigInt(v);
    else if (typeof v === 'number' && Number.isInteger(v)) {
      throw new InexactInteger(`${where}: element ${offset + i} (${v}) is an integer beyond 2^53 written in a form that ` +
        `cannot be read exactly; write ${datatype} values with all their digits (e.g. 9007199254740993), as decimal ` +
        'strings, or as binary data');
    } else throw badElement(where, offset + i, v, `an integer (or a decimal string) for ${datatype}`);
    if (b < min || b > max) throw badElement(where, offset + i, v, `a value in [${min}, ${max}] for ${datatype}`);
    big[offset + i] = b;
  }
};

/** Flat BYTES data is returned as is (it is ours, freshly parsed); nested rows are copied into one array. */
function fillStrings(where: string, rows: unknown[][], count: number): string[] {
  const out = rows.length === 1 ? rows[0] : new Array<unknown>(count);
  let k = 0;
  for (const row of rows) {
    for (let i = 0; i < row.length; i++, k++) {
      if (typeof row[i] !== 'string') throw badElement(where, k, row[i], 'a string for BYTES');
      out[k] = row[i];
    }
  }
  return out as string[];
}

/**
 * A tensor's data as a JSON array. Written in slices of CHUNK elements through JSON.stringify of a plain array:
 * measured on Node 20 with 10^6 elements, that is ~2.3x faster than TypedArray.join for FP32 (156 vs 352 ms) and
 * ~2.5x for INT32, and it never builds one array as large as the tensor. Numbers print as Number's shortest
 * round-trip form; bigints print all their digits (join: JSON.stringify has no bigint form).
 * NaN and ±Infinity are not JSON: they are written as the strings "NaN", "Infinity", "-Infinity" — valid JSON,
 * lossless, read back by decodeJsonData and by numpy/Python float(); Triton's writer has no valid form for them.
 */
export function encodeJsonData(t: Tensor): string {
  const data = t.data;
  if (isStringData(data)) return JSON.stringify(data);
  switch (t.datatype) {
    case 'BOOL': return inChunks(data.length, (s, e) => Array.from(data.subarray(s, e) as Uint8Array, (b) => b !== 0));
    case 'FP16': return encodeFloats(Float64Array.from(data as Uint16Array, fp16ToNumber));
    case 'FP32': case 'FP64': return encodeFloats(data as Float32Array | Float64Array);
    case 'INT64': case 'UINT64': return `[${data.join(',')}]`;
    default: return inChunks(data.length, (s, e) => Array.from(data.subarray(s, e) as Int32Array));
  }
}

const CHUNK = 16384;

function inChunks(n: number, slice: (start: number, end: number) => unknown[]): string {
  if (n <= CHUNK) return JSON.stringify(slice(0, n));
  const parts: string[] = [];
  for (let i = 0; i < n; i += CHUNK) parts.push(JSON.stringify(slice(i, Math.min(n, i + CHUNK))).slice(1, -1));
  return `[${parts.join(',')}]`;
}

/** -0 is a finite number JSON.stringify would print as 0: such arrays take the exact, slower path. */
const plain = (v: number): boolean => Number.isFinite(v) && !(v === 0 && 1 / v < 0);

function encodeFloats(data: Float32Array | Float64Array): string {
  let simple = true;
  for (let i = 0; i < data.length && simple; i++) simple = plain(data[i]);
  if (simple) return inChunks(data.length, (s, e) => Array.from(data.subarray(s, e)));
  let out = '[';
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out += (i ? ',' : '') + (plain(v) ? String(v) : Number.isFinite(v) ? '-0.0' : `"${v}"`);
  }
  return `${out}]`;
}
