/**
 * HTTP body framing for V2 REST: the JSON header, the binary tensor bytes after it, and Triton's raw binary
 * request. Spec: Triton docs/protocol/extension_binary_data.md ("Binary Tensor Request", "Raw Binary Request").
 * These routes parse their own bodies (fastify's JSON parser cannot see a header followed by bytes), so the
 * protections fastify would give are redone here: nesting depth and prototype-poisoning keys.
 */
import type { ModelMetadataResponse } from '../../core/index.js';
import { datatypeInfo, frameBytesElements, parseExact } from '../../tensor/index.js';
import { invalidArgument } from '../../errors/index.js';
import { clip, isPlainObject } from './parameters.js';
import { InexactInteger } from './json-data.js';

/** Deepest JSON accepted before parsing (Triton refuses > 100; an inference header needs far less). */
export const MAX_HEADER_DEPTH = 64;
export const HEADER_LENGTH = 'inference-header-content-length';

export interface SplitBody {
  /** The parsed JSON header; undefined for a raw binary request. */
  readonly header: unknown;
  /** The bytes after the JSON header; undefined when the request had no Inference-Header-Content-Length. */
  readonly binary: Buffer | undefined;
  /** Inference-Header-Content-Length: 0 — the whole body is the single input's tensor data. */
  readonly raw: boolean;
  /** The JSON header's bytes, for reading them again exactly (decodeExactly); undefined for a raw request. */
  readonly headerBytes: Buffer | undefined;
}

/**
 * Splits an infer body. With Inference-Header-Content-Length the first N bytes are the JSON header and the rest
 * binary tensor data; without it the whole body is JSON.
 */
export function splitBody(body: Buffer, headerLengthHeader: string | undefined): SplitBody {
  if (headerLengthHeader === undefined) {
    if (body.length === 0) throw invalidArgument('request body is empty; expected a JSON inference request');
    return { header: parseJsonObject(body), binary: undefined, raw: false, headerBytes: body };
  }
  const n = parseHeaderLength(headerLengthHeader);
  if (n > body.length) {
    throw invalidArgument(`Inference-Header-Content-Length ${n} exceeds the body length ${body.length}`);
  }
  if (n === 0) return { header: undefined, binary: body, raw: true, headerBytes: undefined };
  const headerBytes = body.subarray(0, n);
  return { header: parseJsonObject(headerBytes), binary: body.subarray(n), raw: false, headerBytes };
}

function parseHeaderLength(v: string): number {
  const s = v.trim();
  // 15 digits keeps the value a safe integer; a body that large is refused long before this anyway.
  if (!/^[0-9]{1,15}$/.test(s)) {
    throw invalidArgument(`Inference-Header-Content-Length must be a non-negative integer, got '${clip(v, 40)}'`);
  }
  return Number(s);
}

/** Parses a body that must be one JSON object (every V2 request body is). */
export function parseJsonObject(bytes: Buffer, exact = false): Record<string, unknown> {
  const value = parseJson(bytes, exact);
  if (!isPlainObject(value)) throw invalidArgument('request body must be a JSON object');
  return value;
}

/** An optional JSON object body (repository routes): empty or absent means {}. */
export function parseOptionalJsonObject(body: Buffer | undefined): Record<string, unknown> {
  if (body === undefined || body.length === 0) return {};
  return parseJsonObject(body);
}

/** `exact`: integer literals beyond 2^53 become bigints (tensor/json-exact.ts); see decodeExactly. */
export function parseJson(bytes: Buffer, exact = false): unknown {
  checkJsonDepth(bytes, MAX_HEADER_DEPTH);
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = exact ? parseExact(text) : JSON.parse(text);
  } catch (e) {
    // V8's message quotes a snippet of the client's own input and a position; nothing of ours.
    throw invalidArgument(`could not parse request body as JSON: ${clip(e instanceof Error ? e.message : String(e), 200)}`);
  }
  rejectPoisonedKeys(text, value);
  return value;
}

/**
 * Decodes a body JSON.parse already read; if the decoder met an INT64/UINT64 element JSON.parse may have rounded
 * (InexactInteger), reads the same bytes again exactly and decodes that. tritonclient sends 64-bit integers as
 * JSON numbers with every digit and Triton reads them exactly; here the common case still costs one JSON.parse
 * and nothing more, and only a body with such an element is read twice.
 */
export function decodeExactly<T>(parsed: unknown, bytes: Buffer | undefined, decode: (value: unknown) => T): T {
  try {
    return decode(parsed);
  } catch (e) {
    if (!(e instanceof InexactInteger) || bytes === undefined) throw e;
  }
  return decode(parseJson(bytes, true));
}

const FEW_OPENERS = 4096;
const OPEN_SQUARE = 0x5b;
const OPEN_CURLY = 0x7b;
const CLOSE_SQUARE = 0x5d;
const CLOSE_CURLY = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Refuses JSON nested deeper than `max` before JSON.parse sees it: parsing 10^6 levels takes V8 ~0.3 s per 2 MB,
 * and our own walkers must never meet such input (Triton's nested_json_crash). Fast path: fewer than `max`
 * opening brackets cannot nest deeper than `max` (found with indexOf, cheap for flat numeric arrays).
 */
export function checkJsonDepth(bytes: Buffer, max: number): void {
  // Up to FEW_OPENERS brackets cost JSON.parse nothing worth guarding (it is iterative, ~150 ns a level), and every
  // walker of ours is bounded by a tensor's rank: skip the byte scan, which costs ~65 µs on a 64-row V1 body.
  if (countOpenersUpTo(bytes, FEW_OPENERS) <= FEW_OPENERS) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_SQUARE || c === OPEN_CURLY) {
      if (++depth > max) throw invalidArgument(`JSON nesting depth exceeds the limit of ${max}`);
    } else if (c === CLOSE_SQUARE || c === CLOSE_CURLY) depth--;
  }
}

function countOpenersUpTo(bytes: Buffer, max: number): number {
  let n = 0;
  for (const opener of [OPEN_SQUARE, OPEN_CURLY]) {
    for (let i = bytes.indexOf(opener); i !== -1; i = bytes.indexOf(opener, i + 1)) {
      if (++n > max) return n;
    }
  }
  return n;
}

/**
 * fastify's own JSON parser answers 400 to `__proto__` keys and `constructor.prototype`; do the same. JSON.parse
 * makes them plain own properties (harmless until someone merges the object), so this is defence in depth.
 * The walk runs only when the text could spell one of them (escapes included), as secure-json-parse does.
 */
function rejectPoisonedKeys(text: string, value: unknown): void {
  if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u')) return;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const e of v) if (typeof e === 'object' && e !== null) stack.push(e);
    } else if (isPlainObject(v)) {
      if (Object.hasOwn(v, '__proto__')) throw invalidArgument("request body contains the forbidden key '__proto__'");
      const ctor = v.constructor;
      if (Object.hasOwn(v, 'constructor') && isPlainObject(ctor) && Object.hasOwn(ctor, 'prototype')) {
        throw invalidArgument("request body contains the forbidden key 'constructor.prototype'");
      }
      for (const key of Object.keys(v)) {
        const child = v[key];
        if (typeof child === 'object' && child !== null) stack.push(child);
      }
    }
  }
}

/**
 * Triton's raw binary request: with Inference-Header-Content-Length: 0 the body is the data of a model's only
 * input. Its shape is the model's, with a batch of 1 for batching models and at most one variable dim deduced
 * from the byte count; a BYTES input must have shape [1] and the body is its single element. All outputs come
 * back binary. Returns a header and binary in the ordinary form so the one decoder validates everything.
 */
export function rawRequest(body: Buffer, meta: ModelMetadataResponse, maxBatchSize: number): { header: unknown; binary: Buffer } {
  if (meta.inputs.length !== 1) {
    throw invalidArgument(`a raw binary request (Inference-Header-Content-Length: 0) needs a model with exactly one ` +
      `input; model '${clip(meta.name)}' has ${meta.inputs.length}`);
  }
  const input = meta.inputs[0];
  const dims = maxBatchSize > 0 ? input.shape.slice(1) : [...input.shape];
  const where = `raw binary request for input '${clip(input.name)}'`;
  let binary = body;
  if (input.datatype === 'BYTES') {
    if (dims.length !== 1 || dims[0] !== 1) throw invalidArgument(`${where}: a BYTES input must have shape [1]`);
    binary = frameBytesElements([body]);
  } else {
    deduceVariableDim(dims, datatypeInfo(input.datatype).size, body.length, where);
  }
  const shape = maxBatchSize > 0 ? [1, ...dims] : dims;
  const header = {
    inputs: [{ name: input.name, datatype: input.datatype, shape, parameters: { binary_data_size: binary.length } }],
    parameters: { binary_data_output: true },
  };
  return { header, binary };
}

/** Fills in at most one -1 dim so that the shape covers exactly `bytes` bytes; mutates `dims`. */
function deduceVariableDim(dims: number[], elementSize: number, bytes: number, where: string): void {
  let variable = -1;
  let known = 1;
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] >= 0) known *= dims[i];
    else if (variable === -1) variable = i;
    else throw invalidArgument(`${where}: the shape cannot be deduced, the model has more than one variable-size dim`);
  }
  const per = known * elementSize;
  if (variable === -1) {
    if (per !== bytes) throw invalidArgument(`${where}: the body is ${bytes} bytes, shape [${dims.join(',')}] needs ${per}`);
    return;
  }
  if (per === 0 || bytes % per !== 0) {
    throw invalidArgument(`${where}: the body's ${bytes} bytes are not a whole number of elements of shape [${dims.join(',')}]`);
  }
  dims[variable] = bytes / per;
}
