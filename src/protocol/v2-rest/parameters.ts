/**
 * V2 `$parameters` objects -> core's Parameters map, and the small JSON checks the decoders here share. What a
 * parameter may say is core's rule (core/parameters.ts); this file only reads the JSON.
 * Spec: OIP inference_rest.md "Parameters" (values are string, number or boolean).
 */
import { clip, describe, type ParameterValue } from '../../core/index.js';
import { invalidArgument } from '../../errors/index.js';

export { clip, describe };

export type ParameterMap = Map<string, ParameterValue>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `$parameters` -> Map (never a plain object: a client-chosen key such as `__proto__` must stay data). */
export function decodeParameters(v: unknown, where: string): ParameterMap | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) throw invalidArgument(`${where}: 'parameters' must be a JSON object`);
  const out: ParameterMap = new Map();
  for (const key of Object.keys(v)) {
    const value = v[key];
    // A bigint: an integer beyond 2^53 from the exact reading of the body (framing.ts decodeExactly).
    if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value))) {
      out.set(key, value);
    } else {
      throw invalidArgument(`${where}: parameter '${clip(key)}' must be a string, number or boolean, got ${describe(value)}`);
    }
  }
  return out;
}

/** A REST framing parameter (binary_data_size): a non-negative integer number of `unit`. */
export function expectSafeUint(p: ParameterMap | undefined, key: string, where: string, unit: string): number | undefined {
  const v = p?.get(key);
  if (v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return v;
  throw invalidArgument(`${where}: parameter '${key}' must be a non-negative integer (${unit}), got ${describe(v)}`);
}
