/**
 * What the parameters of an inference request, of its inputs and of its requested outputs may say — one rule
 * each, for REST JSON, REST binary and gRPC alike (issue 10: the adapters had drifted). Adapters decode the wire
 * into core's Parameters map (JSON scalars; gRPC's InferParameter oneof, int64/uint64 as number or bigint) and
 * core applies these rules.
 *
 * Triton is the reference: docs/protocol/extension_parameters.md (reserved keys), extension_sequence.md,
 * extension_schedule_policy.md, extension_binary_data.md, extension_classification.md,
 * extension_shared_memory.md, and the checks in Triton's src/http_server.cc (ParseJsonTritonParams) and
 * src/grpc/infer_handler.cc (SetInferenceRequestMetadata). Where Triton's two transports differ, one rule here:
 * - `priority`, `timeout`: non-negative integers on both (Triton's gRPC takes a negative int64 timeout and its
 *   uint64 cast makes it ~584,000 years; REST refuses it).
 * - `binary_data_output`, `binary_data`: booleans on every transport (gRPC answers raw contents regardless).
 * - `triton_*` keys are Triton's own: refused, except `triton_enable_empty_final_response` (Triton's gRPC takes it;
 *   it only changes decoupled models, and none is decoupled here, so it is checked and has no effect).
 * - `headers`: Triton reserves it for header forwarding only and passes it through as a custom parameter; so here.
 * - Other keys are custom parameters (parameters extension): accepted, with nothing to pass them to.
 * JSON has one number type, so a whole-valued number (`2.0`, or a gRPC double_param 2) counts as the integer 2.
 */
import { invalidArgument, type ServerError } from '../errors/index.js';
import { clip, describe } from './text.js';
import type { ParameterValue, Parameters } from './types.js';

type Rule = (value: ParameterValue, key: string, where: string) => void;

const UINT64_MAX = 2n ** 64n - 1n;

/** An unsigned integer as the wires carry it: a safe JS integer, or a bigint within uint64. */
function isUint(v: ParameterValue): v is number | bigint {
  if (typeof v === 'bigint') return v >= 0n && v <= UINT64_MAX;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** An integer past 2^53 as a plain number has been rounded already (only a JSON reader produces one). */
const rounded = (v: ParameterValue): string =>
  (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) ? ' (a JSON number beyond 2^53 cannot be read exactly)' : '');

const typeError = (where: string, key: string, expected: string, v: ParameterValue): ServerError =>
  invalidArgument(`${where}: parameter '${key}' must be ${expected}, got ${describe(v)}${rounded(v)}`);

const uint = (expected: string): Rule => (v, key, where) => {
  if (!isUint(v)) throw typeError(where, key, expected, v);
};

const bool: Rule = (v, key, where) => {
  if (typeof v !== 'boolean') throw typeError(where, key, 'true or false', v);
};

/**
 * Sequence batching (Triton's sequence extension) is not implemented, and a model that asks for it is refused at
 * load. A request that joins a sequence is refused rather than answered as if it stood alone; the neutral values
 * ("not part of a sequence": sequence_id 0 or "", sequence_start/sequence_end false, extension_sequence.md) are
 * accepted, since clients such as tritonclient may send them on every request.
 */
function sequenceUnsupported(where: string, what: string): ServerError {
  return invalidArgument(`${where}: ${what}, but sequence batching (Triton's sequence extension) is not supported by this server; ` +
    'send requests without sequence parameters');
}

const sequenceId: Rule = (v, key, where) => {
  if (!isUint(v) && typeof v !== 'string') throw typeError(where, key, 'a non-negative integer or a string', v);
  if (v !== 0 && v !== 0n && v !== '') throw sequenceUnsupported(where, `parameter '${key}' is ${describe(v)}`);
};

const sequenceFlag: Rule = (v, key, where) => {
  bool(v, key, where);
  if (v === true) throw sequenceUnsupported(where, `parameter '${key}' is true`);
};

/** Request-level parameters with a meaning (Triton's reserved keys and the ones named above). */
const REQUEST_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['priority', uint('a non-negative integer (uint64)')],
  ['timeout', uint('a non-negative integer number of microseconds')],
  ['binary_data_output', bool],
  ['sequence_id', sequenceId],
  ['sequence_start', sequenceFlag],
  ['sequence_end', sequenceFlag],
  ['triton_enable_empty_final_response', bool],
]);

/** What core reads from checked request parameters. */
export interface RequestSettings {
  /** Triton's schedule_policy `timeout`, microseconds; 0 or absent means none. */
  readonly timeoutUs: number | undefined;
}

/** Checks every request-level parameter; the settings core acts on. */
export function checkRequestParameters(p: Parameters | undefined): RequestSettings {
  if (!p) return { timeoutUs: undefined };
  for (const [key, value] of p) {
    const rule = REQUEST_RULES.get(key);
    if (rule) rule(value, key, 'request');
    else if (key.startsWith('triton_')) {
      throw invalidArgument(`request: parameter '${clip(key)}': keys starting with 'triton_' are reserved for Triton's own use`);
    }
  }
  const t = p.get('timeout');
  return { timeoutUs: t === undefined || t === 0 ? undefined : Number(t) };
}

/**
 * Shared memory (Triton's shared-memory extensions) is not implemented yet: a tensor that names a region is
 * refused, on inputs and outputs, by this one rule. Decoders apply it to inputs before reading their data, so
 * the client hears about shared memory, not about data missing from the body.
 */
const SHARED_MEMORY_KEYS: ReadonlySet<string> = new Set(['shared_memory_region', 'shared_memory_offset', 'shared_memory_byte_size']);

function refuseSharedMemory(p: Parameters | undefined, where: string): void {
  if (!p) return;
  for (const key of p.keys()) {
    if (SHARED_MEMORY_KEYS.has(key)) {
      throw invalidArgument(`${where}: parameter '${key}': shared memory is not supported by this server; send the tensor data in the request`);
    }
  }
}

/**
 * An input's parameters. Besides shared memory, only REST's `binary_data_size` has a meaning (framing, read by the
 * REST decoder); other keys are accepted and ignored, as Triton does.
 */
export function checkInputParameters(p: Parameters | undefined, where: string): void {
  refuseSharedMemory(p, where);
}

/**
 * A requested output's parameters: `binary_data` (binary_data extension) a boolean; `classification` refused —
 * the classification extension is not implemented yet — with the same answer on every transport; shared memory
 * refused; other keys accepted and ignored, as Triton does.
 */
export function checkOutputParameters(p: Parameters | undefined, where: string): void {
  if (!p) return;
  refuseSharedMemory(p, where);
  const binary = p.get('binary_data');
  if (binary !== undefined) bool(binary, 'binary_data', where);
  if (p.has('classification')) {
    throw invalidArgument(`${where}: parameter 'classification': the classification extension is not supported by this server; ` +
      'request the output without it and rank the scores client-side');
  }
}
