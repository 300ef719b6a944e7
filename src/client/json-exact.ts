/**
 * JSON read exactly. Servers write INT64/UINT64 tensor data and 64-bit parameters as JSON integers with all their
 * digits (Triton's writer does, and so does onnxserve), and JSON.parse rounds those beyond 2^53 without a word.
 * Node 20's JSON.parse gives no access to the source text, so answers that hold such a literal are read by the
 * exact parser (tensor/json-exact.ts, shared with the server), which returns a bigint for every integer literal
 * outside the safe range. Answers without one (the common case) still go through JSON.parse.
 */
import { parseExact } from '../tensor/index.js';

/** An integer literal of 16+ digits standing as a value (not a fraction's or exponent's digits). */
const LONG_INTEGER = /[[,:\s]-?\d{16,}(?=[\s,\]}])/;

export function parseJson(text: string): unknown {
  return LONG_INTEGER.test(text) ? parseExact(text) : JSON.parse(text);
}

export { parseExact };

/** A scalar or plain structure as JSON: bigint as its digits, -0 keeps its sign; non-finite numbers are refused. */
export function stringifyExact(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`${v} has no JSON form`);
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (Array.isArray(v)) return `[${v.map(stringifyExact).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}:${stringifyExact(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}
