/**
 * V2 `$parameters` objects and the small checks every decoder here shares.
 * Spec: OIP inference_rest.md "Parameters" (values are string, number or boolean); the parameter names given a
 * meaning here come from Triton's binary_data and schedule_policy extensions (docs/protocol/extension_*.md).
 */
import type { ParameterValue } from '../../core/index.js';
import { invalidArgument } from '../../errors/index.js';

export type ParameterMap = Map<string, ParameterValue>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names and values from the client end up in error messages: keep those messages bounded. */
export function clip(s: string, max = 100): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** A short, JSON-ish description of a bad value for an error message ("1.5", "\"3\"", "missing"). */
export function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  // Only undefined-like values (functions, symbols) make JSON.stringify return undefined; JSON input has none.
  return clip(JSON.stringify(v) ?? typeof v, 40);
}

export function isSafeUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** `$parameters` -> Map (never a plain object: a client-chosen key such as `__proto__` must stay data). */
export function decodeParameters(v: unknown, where: string): ParameterMap | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) throw invalidArgument(`${where}: 'parameters' must be a JSON object`);
  const out: ParameterMap = new Map();
  for (const key of Object.keys(v)) {
    const value = v[key];
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      out.set(key, value);
    } else {
      throw invalidArgument(`${where}: parameter '${clip(key)}' must be a string, number or boolean, got ${describe(value)}`);
    }
  }
  return out;
}

export function expectBoolean(p: ParameterMap | undefined, key: string, where: string): boolean | undefined {
  const v = p?.get(key);
  if (v === undefined || typeof v === 'boolean') return v;
  throw invalidArgument(`${where}: parameter '${key}' must be true or false, got ${describe(v)}`);
}

export function expectSafeUint(p: ParameterMap | undefined, key: string, where: string, unit: string): number | undefined {
  const v = p?.get(key);
  if (v === undefined || isSafeUint(v)) return v;
  throw invalidArgument(`${where}: parameter '${key}' must be a non-negative integer (${unit}), got ${describe(v)}`);
}

/** Shared memory (Triton's shared_memory extension) is not offered: say so instead of ignoring it. */
export function rejectSharedMemory(p: ParameterMap | undefined, where: string): void {
  if (p?.has('shared_memory_region')) {
    throw invalidArgument(`${where}: shared memory is not supported by this server; send the tensor in the body`);
  }
}

/**
 * Request-level parameters with a meaning here, checked once at decode so a bad value is a 400 naming it:
 * `binary_data_output` (binary_data extension) and `timeout` in microseconds (schedule_policy extension).
 */
export function decodeRequestParameters(v: unknown): ParameterMap | undefined {
  const p = decodeParameters(v, 'request');
  expectBoolean(p, 'binary_data_output', 'request');
  expectSafeUint(p, 'timeout', 'request', 'microseconds');
  rejectSharedMemory(p, 'request');
  return p;
}

/** The request's `timeout` parameter (µs, Triton schedule_policy extension); 0 or absent means none. */
export function timeoutMicros(p: ReadonlyMap<string, ParameterValue> | undefined): number | undefined {
  const v = p?.get('timeout');
  return typeof v === 'number' && v > 0 ? v : undefined;
}
