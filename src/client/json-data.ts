/**
 * Tensor `data` in the Open Inference Protocol's JSON form (inference_rest.md "Tensor Data"), both ways.
 *
 * A tensor JSON cannot carry exactly on every V2 server is sent as binary data instead, even by a JSON client:
 * FP16/BF16 (Triton, KServe and onnxserve all refuse them in JSON and ask for the binary extension), BYTES that
 * are not UTF-8 (a JSON string cannot hold them), INT64/UINT64 beyond 2^53 (Triton reads the digits exactly,
 * parsers built on JSON.parse round or refuse them) and NaN/±Infinity (not JSON). jsonData() says which.
 */
import { BIGINT_RANGE, INT_RANGE, arrayType, isBigIntType, type Datatype, type NumericArray } from './datatypes.js';
import { badResponse } from './errors.js';
import { numberToBf16, numberToFp16 } from './half.js';
import type { OutputData } from './types.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const DECIMAL = /^-?\d{1,20}$/;

/** The JSON text of the data array, or undefined when the tensor must travel as binary data. */
export function jsonData(dt: Datatype, data: NumericArray | Buffer[]): string | undefined {
  if (Array.isArray(data)) return utf8Strings(data);
  switch (dt) {
    case 'FP16': case 'BF16': return undefined;
    case 'BOOL': return JSON.stringify(Array.from(data as Uint8Array, (b) => b !== 0));
    case 'INT64': case 'UINT64': return safeBigInts(data as BigInt64Array | BigUint64Array);
    case 'FP32': case 'FP64': return finiteFloats(data as Float32Array | Float64Array);
    default: return `[${data.join(',')}]`;
  }
}

function utf8Strings(data: readonly Buffer[]): string | undefined {
  const out = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) {
    try {
      out[i] = UTF8.decode(data[i]);
    } catch {
      return undefined;
    }
  }
  return JSON.stringify(out);
}

function safeBigInts(data: BigInt64Array | BigUint64Array): string | undefined {
  for (const v of data) if (v > MAX_SAFE || v < -MAX_SAFE) return undefined;
  return `[${data.join(',')}]`;
}

function finiteFloats(data: Float32Array | Float64Array): string | undefined {
  const parts = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) return undefined;
    // String(-0) is "0"; JSON's "-0" keeps the sign and every server reads it back as -0.
    parts[i] = Object.is(v, -0) ? '-0' : String(v);
  }
  return `[${parts.join(',')}]`;
}

// ------------------------------------------------------------------------------------------ decoding

function flat(data: unknown, where: string): unknown[] {
  if (!Array.isArray(data)) throw badResponse(`${where}: 'data' is not an array`);
  // The specification allows nested data in the tensor's shape; servers write it flat in practice.
  return data.length > 0 && Array.isArray(data[0]) ? data.flat(Infinity) : data;
}

/** JSON `data` (as parsed by parseJson: big integer literals are bigints) to the datatype's output form. */
export function fromJsonData(dt: Datatype, data: unknown, count: number, where: string): OutputData {
  const values = flat(data, where);
  if (values.length !== count) throw badResponse(`${where}: ${values.length} elements in 'data', the shape holds ${count}`);
  if (dt === 'BYTES') {
    return values.map((s, i) => {
      if (typeof s !== 'string') throw badResponse(`${where}: BYTES element ${i} is not a string`);
      return Buffer.from(s, 'utf8');
    });
  }
  const out = new (arrayType(dt)!)(count);
  const put = element(dt, where);
  for (let i = 0; i < count; i++) out[i] = put(values[i], i);
  return out;
}

type Element = (v: unknown, i: number) => number | bigint;

function element(dt: Datatype, where: string): Element {
  const bad = (v: unknown, i: number, expected: string): never => {
    throw badResponse(`${where}: ${dt} element ${i} is ${typeof v === 'bigint' ? v : JSON.stringify(v)}, expected ${expected}`);
  };
  if (isBigIntType(dt)) {
    const [lo, hi] = BIGINT_RANGE[dt];
    return (v, i) => {
      const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v)
        : typeof v === 'string' && DECIMAL.test(v) ? BigInt(v) : bad(v, i, 'an integer');
      return b >= lo && b <= hi ? b : bad(v, i, `a value in [${lo}, ${hi}]`);
    };
  }
  if (dt === 'FP32' || dt === 'FP64' || dt === 'FP16' || dt === 'BF16') {
    const bits = dt === 'FP16' ? numberToFp16 : dt === 'BF16' ? numberToBf16 : undefined;
    return (v, i) => {
      const n = floatValue(v) ?? bad(v, i, 'a number');
      return bits ? bits(n) : n;
    };
  }
  const [lo, hi] = INT_RANGE[dt]!;
  return (v, i) => {
    const n = dt === 'BOOL' && typeof v === 'boolean' ? (v ? 1 : 0) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi ? n : bad(v, i, dt === 'BOOL' ? 'true or false' : 'an integer in range');
  };
}

/** Numbers, big integer literals, and the strings onnxserve writes for the values JSON has no literal for. */
function floatValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}
