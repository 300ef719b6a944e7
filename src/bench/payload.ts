/**
 * Request bodies for each protocol, from the model's V2 metadata (random data, deterministic seed) or from a
 * V2 JSON body given with --input-data. Every protocol carries the same tensors, so steps are comparable.
 */
import { readFileSync } from 'node:fs';
import type { GrpcPayload, HttpPayload, Payload, Protocol } from './types.js';

export interface TensorMeta {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

export interface ModelMeta {
  readonly name: string;
  readonly versions?: readonly string[];
  readonly inputs: readonly TensorMeta[];
  readonly outputs: readonly TensorMeta[];
}

/** A tensor to send: flat data as numbers, bigints (64-bit ints), booleans or strings. */
export interface InputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: readonly (number | bigint | boolean | string)[];
}

const BYTE_SIZE: Readonly<Record<string, number>> = {
  BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, FP16: 2, FP32: 4, FP64: 8,
};

/** GET {url}/v2/models/{model}[/versions/{v}]; throws with the server's error text. */
export async function fetchModelMeta(url: string, model: string, version?: string): Promise<ModelMeta> {
  const path = `/v2/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, url), { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
    throw new Error(`cannot reach ${url} (GET ${path}): ${cause}`, { cause: e });
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as ModelMeta;
}

/** The concrete shape: a -1 in dim 0 becomes the batch size, any other -1 becomes 1. */
export function concreteShape(shape: readonly number[], batchSize: number): number[] {
  return shape.map((d, i) => (d >= 0 ? d : i === 0 ? batchSize : 1));
}

/** Mulberry32: small, fast, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random inputs for every model input: floats in [-1, 1), small non-negative integers, alternating bools. */
export function randomInputs(meta: ModelMeta, batchSize: number, seed = 42): InputTensor[] {
  const next = rng(seed);
  return meta.inputs.map((spec) => {
    const shape = concreteShape(spec.shape, batchSize);
    const count = shape.reduce((a, b) => a * b, 1);
    const data: (number | bigint | boolean | string)[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const r = next();
      if (spec.datatype.startsWith('FP')) data[i] = Math.fround(r * 2 - 1);
      else if (spec.datatype === 'BOOL') data[i] = r < 0.5;
      else if (spec.datatype === 'BYTES') data[i] = `s${Math.floor(r * 1e6)}`;
      else if (spec.datatype.endsWith('64')) data[i] = BigInt(Math.floor(r * 100));
      else data[i] = Math.floor(r * 100);
    }
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
}

/** Reads a V2 JSON inference body; nested `data` is flattened. */
export function inputsFromFile(file: string): InputTensor[] {
  const body = JSON.parse(readFileSync(file, 'utf8')) as { inputs?: unknown };
  if (!Array.isArray(body.inputs)) throw new Error(`${file}: expected a V2 body {"inputs": [{name, shape, datatype, data}, ...]}`);
  return body.inputs.map((t: { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown }, i) => {
    if (typeof t.name !== 'string' || typeof t.datatype !== 'string' || !Array.isArray(t.shape) || !Array.isArray(t.data)) {
      throw new Error(`${file}: inputs[${i}] needs name, datatype, shape and data`);
    }
    const data = (t.data as unknown[]).flat(Infinity) as (number | boolean | string)[];
    const ints64 = t.datatype === 'INT64' || t.datatype === 'UINT64';
    return { name: t.name, datatype: t.datatype, shape: t.shape as number[], data: ints64 ? data.map((v) => BigInt(v as number)) : data };
  });
}

const jsonValue = (v: number | bigint | boolean | string): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Nested JSON text of flat data following `shape` (V1 rows). */
function nestedJson(data: InputTensor['data'], shape: readonly number[], offset = 0): string {
  if (shape.length === 0) return jsonValue(data[offset]);
  const [first, ...rest] = shape;
  const inner = rest.reduce((a, b) => a * b, 1);
  const parts: string[] = [];
  for (let i = 0; i < first; i++) parts.push(nestedJson(data, rest, offset + i * inner));
  return `[${parts.join(',')}]`;
}

/** Little-endian bytes of a tensor, as Triton's binary extension and gRPC raw_input_contents carry them. */
export function tensorBytes(t: InputTensor): Buffer {
  if (t.datatype === 'BYTES') {
    return Buffer.concat(t.data.map((v) => {
      const s = Buffer.from(String(v));
      const len = Buffer.alloc(4);
      len.writeUInt32LE(s.length);
      return Buffer.concat([len, s]);
    }));
  }
  const size = BYTE_SIZE[t.datatype];
  if (size === undefined) throw new Error(`input '${t.name}': unsupported datatype ${t.datatype}`);
  const buf = Buffer.alloc(size * t.data.length);
  t.data.forEach((v, i) => {
    const o = i * size;
    switch (t.datatype) {
      case 'BOOL': case 'UINT8': buf.writeUInt8(Number(v) ? Number(v) & 0xff : 0, o); break;
      case 'INT8': buf.writeInt8(Number(v), o); break;
      case 'UINT16': buf.writeUInt16LE(Number(v), o); break;
      case 'INT16': buf.writeInt16LE(Number(v), o); break;
      case 'UINT32': buf.writeUInt32LE(Number(v), o); break;
      case 'INT32': buf.writeInt32LE(Number(v), o); break;
      case 'UINT64': buf.writeBigUInt64LE(BigInt(v), o); break;
      case 'INT64': buf.writeBigInt64LE(BigInt(v), o); break;
      case 'FP16': buf.writeUInt16LE(toHalf(Number(v)), o); break;
      case 'FP32': buf.writeFloatLE(Number(v), o); break;
      case 'FP64': buf.writeDoubleLE(Number(v), o); break;
    }
  });
  return buf;
}

/** IEEE 754 binary16 bits of a number (round toward zero; fine for random test data). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((x >>> 13) & 0x3ff);
}

function modelPath(prefix: 'v1' | 'v2', model: string, version?: string): string {
  const m = encodeURIComponent(model);
  if (prefix === 'v1') return `/v1/models/${m}/infer`;
  return `/v2/models/${m}${version ? `/versions/${encodeURIComponent(version)}` : ''}/infer`;
}

/** The request for `protocol`, built once and reused for every send. */
export function buildPayload(protocol: Protocol, model: string, inputs: readonly InputTensor[], version?: string): Payload {
  switch (protocol) {
    case 'v1': {
      // The seed's form: bare rows for a single-input model, named nested inputs otherwise.
      const body = inputs.length === 1
        ? `{"inputs":${nestedJson(inputs[0].data, inputs[0].shape)}}`
        : `{"inputs":{${inputs.map((t) => `${JSON.stringify(t.name)}:${nestedJson(t.data, t.shape)}`).join(',')}}}`;
      return http(modelPath('v1', model), { 'content-type': 'application/json' }, Buffer.from(body));
    }
    case 'v2-json': {
      const tensors = inputs.map((t) => `{"name":${JSON.stringify(t.name)},"shape":${JSON.stringify(t.shape)},"datatype":"${t.datatype}","data":[${t.data.map(jsonValue).join(',')}]}`);
      return http(modelPath('v2', model, version), { 'content-type': 'application/json' }, Buffer.from(`{"inputs":[${tensors.join(',')}]}`));
    }
    case 'v2-binary': {
      const blobs = inputs.map(tensorBytes);
      const header = JSON.stringify({
        inputs: inputs.map((t, i) => ({ name: t.name, shape: t.shape, datatype: t.datatype, parameters: { binary_data_size: blobs[i].length } })),
        parameters: { binary_data_output: true },
      });
      const head = Buffer.from(header);
      return http(modelPath('v2', model, version), {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(head.length),
      }, Buffer.concat([head, ...blobs]));
    }
    case 'grpc':
      return grpcPayload(model, inputs, version);
  }
}

function http(path: string, headers: Record<string, string>, body: Buffer): HttpPayload {
  return { kind: 'http', path, headers: { ...headers, 'content-length': String(body.length) }, body };
}

function grpcPayload(model: string, inputs: readonly InputTensor[], version?: string): GrpcPayload {
  return {
    kind: 'grpc',
    request: {
      model_name: model,
      model_version: version ?? '',
      inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(String) })),
      raw_input_contents: inputs.map(tensorBytes),
    },
  };
}
