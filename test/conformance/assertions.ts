/** Assertions shared by the conformance cases: results, errors, and element-exact tensor comparison. */
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import type { ErrorCode, InferResponse, OutputTensor, Result, Transport, V2Client } from './clients.js';
import type { OutputValues, TensorValues } from './wire.js';

/** What a case module gets: the transport's client and server, valid once the describe's before() ran. */
export interface Ctx {
  readonly transport: Transport;
  readonly client: V2Client;
  readonly server: TestServer;
}
export type GetCtx = () => Ctx;

export function ok<T>(r: Result<T>, what = 'request'): T {
  if (r.status !== 'ok') assert.fail(`${what} failed: ${r.code}: ${r.message}`);
  return r.response;
}

/** The error code, and that the message matches each pattern (e.g. names the input or output at fault). */
export function fails(r: Result<unknown>, code: ErrorCode, ...patterns: RegExp[]): string {
  if (r.status === 'ok') assert.fail(`expected ${code}, got a success: ${JSON.stringify(r.response, replacer).slice(0, 300)}`);
  assert.equal(r.code, code, `expected ${code}, got ${r.code}: ${r.message}`);
  for (const p of patterns) assert.match(r.message, p, `message ${JSON.stringify(r.message)} should match ${String(p)}`);
  return r.message;
}

const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : v);

export function output(res: InferResponse, name: string): OutputTensor {
  const t = res.outputs.find((o) => o.name === name);
  if (!t) assert.fail(`no output '${name}' in ${JSON.stringify(res.outputs.map((o) => o.name))}`);
  return t;
}

/**
 * Element-by-element equality with Object.is (NaN equals NaN, -0 differs from 0, bigint exact), after checking
 * the container kind matches: the client normalizes per datatype, so a wrong kind means a wrong datatype.
 */
export function sameValues(actual: OutputValues, expected: TensorValues, what: string): void {
  const a = Array.from(actual as ArrayLike<unknown>);
  const e = Array.from(expected as ArrayLike<unknown>);
  assert.equal(a.length, e.length, `${what}: ${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], e[i])) assert.fail(`${what}: element ${i} is ${show(a[i])}, expected ${show(e[i])}`);
  }
}

/** FP32 equality on the bit patterns (bit-exact agreement between encodings). */
export function sameBits(actual: OutputValues, expected: Float32Array, what: string): void {
  assert.ok(actual instanceof Float32Array, `${what}: expected FP32 data`);
  sameValues(new Uint32Array(actual.buffer, actual.byteOffset, actual.length), new Uint32Array(expected.buffer, expected.byteOffset, expected.length), what);
}

export function near(actual: OutputValues, expected: ArrayLike<number>, tolerance: number, what: string): void {
  const a = Array.from(actual as ArrayLike<number>);
  assert.equal(a.length, expected.length, `${what}: ${a.length} elements, expected ${expected.length}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tolerance, `${what}[${i}]: ${v} vs ${expected[i]} (tolerance ${tolerance})`));
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  return JSON.stringify(v) ?? String(v);
}
