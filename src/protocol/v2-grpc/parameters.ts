/**
 * InferParameter (a oneof of bool, int64, string, double, uint64 — the last two Triton's additions) <-> core's
 * Parameters map.
 */
import { clip, type ParameterValue, type Parameters } from '../../core/index.js';
import { invalidArgument } from '../../errors/index.js';
import type { WireInferParameter, WireInt64, WireParameters } from './wire.js';

// Client-chosen names end up in error messages, which travel in a trailer (grpc-message): core's clip bounds them.
export { clip };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A 64-bit wire integer as bigint; undefined when it is not an integer at all. */
export function wireBigInt(v: WireInt64 | undefined): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt(v);
  return undefined;
}

/**
 * int64/uint64 parameters become a number when exactly representable, else a bigint — never rounded. A number
 * in the common case keeps them the same type as the REST adapter's JSON numbers (e.g. Triton's `priority`,
 * `timeout`), so core reads one type whichever wire a request came on.
 */
function integerParameter(v: WireInt64 | undefined, where: string): number | bigint {
  const b = wireBigInt(v);
  if (b === undefined) throw invalidArgument(`${where}: not an integer`);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function decodeParameter(p: WireInferParameter, where: string): ParameterValue {
  switch (p.parameter_choice) {
    case 'bool_param': return p.bool_param === true;
    case 'string_param': return p.string_param ?? '';
    case 'double_param': return p.double_param ?? 0;
    case 'int64_param': return integerParameter(p.int64_param, where);
    case 'uint64_param': return integerParameter(p.uint64_param, where);
    default: throw invalidArgument(`${where} has no value`);
  }
}

/** Undefined when there are none, so an adapter-built request looks the same as one without parameters. */
export function decodeParameters(wire: WireParameters | undefined, where: string): Parameters | undefined {
  if (!wire) return undefined;
  // Own keys only: the loader builds maps as plain objects.
  const keys = Object.keys(wire);
  if (keys.length === 0) return undefined;
  const out = new Map<string, ParameterValue>();
  for (const k of keys) out.set(k, decodeParameter(wire[k], `${where} parameter '${clip(k)}'`));
  return out;
}

function encodeInteger(v: bigint): WireInferParameter {
  if (v >= INT64_MIN && v <= INT64_MAX) return { parameter_choice: 'int64_param', int64_param: v.toString() };
  if (v > INT64_MAX && v <= UINT64_MAX) return { parameter_choice: 'uint64_param', uint64_param: v.toString() };
  // Out of every 64-bit range: the only lossless carrier left is text.
  return { parameter_choice: 'string_param', string_param: v.toString() };
}

export function encodeParameter(v: ParameterValue): WireInferParameter {
  switch (typeof v) {
    case 'boolean': return { parameter_choice: 'bool_param', bool_param: v };
    case 'string': return { parameter_choice: 'string_param', string_param: v };
    case 'bigint': return encodeInteger(v);
    default:
      return Number.isSafeInteger(v) ? encodeInteger(BigInt(v)) : { parameter_choice: 'double_param', double_param: v };
  }
}

export function encodeParameters(params: Parameters | undefined): WireParameters | undefined {
  if (!params || params.size === 0) return undefined;
  // Null prototype: a parameter named "__proto__" stays an ordinary key.
  const out: WireParameters = Object.create(null);
  for (const [k, v] of params) out[k] = encodeParameter(v);
  return out;
}
