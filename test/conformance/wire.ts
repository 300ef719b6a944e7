/**
 * The conformance clients' own tensor codecs: binary (Triton's binary tensor format, also gRPC raw contents),
 * JSON (Open Inference Protocol "Tensor Data") and an exact JSON reader/writer. Written independently of src/
 * on purpose: a codec shared with the server would hide the server's mistakes instead of finding them.
 */

export type Datatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

/** What a caller may hand in as tensor data. FP16 data are the 16-bit patterns (a Uint16Array or numbers). */
export type TensorValues =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array
  | BigInt64Array | BigUint64Array | readonly string[] | readonly boolean[] | readonly bigint[] | readonly number[];

/**
 * What every client hands back, the same for all transports: BOOL -> boolean[], BYTES -> string[],
 * FP16 -> Uint16Array of bit patterns, INT64/UINT64 -> BigInt64Array/BigUint64Array, others their typed array.
 */
export type OutputValues =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array
  | BigInt64Array | BigUint64Array | string[] | boolean[];

type NumericCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int8ArrayConstructor | Int16ArrayConstructor
  | Int32ArrayConstructor | Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor;

const NUMERIC: Partial<Record<Datatype, NumericCtor>> = {
  UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array, INT8: Int8Array, INT16: Int16Array, INT32: Int32Array,
  FP16: Uint16Array, FP32: Float32Array, FP64: Float64Array,
};

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

// ------------------------------------------------------------------------------------------ binary

/** Little-endian, row-major bytes of `values` as `datatype` (BYTES: 4-byte LE length + UTF-8 per element). */
export function toBytes(datatype: Datatype, values: TensorValues): Buffer {
  const list = Array.from(values as ArrayLike<unknown>);
  if (datatype === 'BYTES') {
    const parts = list.map((s) => Buffer.from(String(s), 'utf8'));
    return Buffer.concat(parts.flatMap((p) => [u32le(p.length), p]));
  }
  if (datatype === 'BOOL') return Buffer.from(list.map((b) => (b === true || b === 1 ? 1 : 0)));
  if (datatype === 'INT64') return view(BigInt64Array.from(list, (v) => BigInt(v as number | bigint)));
  if (datatype === 'UINT64') return view(BigUint64Array.from(list, (v) => BigInt(v as number | bigint)));
  return view(new (NUMERIC[datatype]!)(list.map((v) => Number(v))));
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

const view = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The inverse of toBytes; throws (failing the test with a clear message) when the size does not fit the shape. */
export function fromBytes(datatype: Datatype, bytes: Uint8Array, count: number): OutputValues {
  if (datatype === 'BYTES') return stringsFromBytes(bytes, count);
  if (datatype === 'BOOL') {
    if (bytes.length !== count) throw new Error(`BOOL output: ${bytes.length} bytes for ${count} elements`);
    return Array.from(bytes, (b) => b !== 0);
  }
  const copy = new Uint8Array(bytes).buffer; // aligned, and not shared with the received message
  const size = datatype === 'INT64' || datatype === 'UINT64' ? 8 : NUMERIC[datatype]!.BYTES_PER_ELEMENT;
  if (bytes.length !== count * size) throw new Error(`${datatype} output: ${bytes.length} bytes for ${count} elements`);
  if (datatype === 'INT64') return new BigInt64Array(copy);
  if (datatype === 'UINT64') return new BigUint64Array(copy);
  return new (NUMERIC[datatype]!)(copy);
}

function stringsFromBytes(bytes: Uint8Array, count: number): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new Error('BYTES output: truncated length prefix');
    const len = buf.readUInt32LE(at);
    if (at + 4 + len > buf.length) throw new Error(`BYTES output: element ${out.length} overruns the data`);
    out.push(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  if (out.length !== count) throw new Error(`BYTES output: ${out.length} elements for ${count}`);
  return out;
}

// ------------------------------------------------------------------------------------------ fp16

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Round-to-nearest-even half of a number; exact for every value halfToNumber produces. */
export function numberToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    let half = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    if (rem > 1 << (shift - 1) || (rem === 1 << (shift - 1) && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

// ------------------------------------------------------------------------------------------ JSON tensor data

/**
 * Tensor values as OIP JSON `data` (flat). INT64/UINT64 beyond 2^53 stay bigints, written by stringifyExact as
 * JSON numbers with every digit, as tritonclient sends them (the server must read them exactly); NaN/±Infinity
 * become the strings "NaN"/"Infinity"/"-Infinity"; FP16 bit patterns become their numeric values (a server should
 * refuse FP16 in JSON anyway).
 */
export function toJsonData(datatype: Datatype, values: TensorValues): unknown[] {
  const list = Array.from(values as ArrayLike<unknown>);
  switch (datatype) {
    case 'BOOL': return list.map((b) => b === true || b === 1);
    case 'BYTES': return list.map(String);
    case 'INT64': case 'UINT64': return list.map((v) => {
      const b = BigInt(v as number | bigint);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    });
    case 'FP16': return list.map((h) => jsonFloat(halfToNumber(Number(h))));
    case 'FP32': case 'FP64': return list.map((v) => jsonFloat(Number(v)));
    default: return list.map(Number);
  }
}

const jsonFloat = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

function flatten(data: unknown): unknown[] {
  if (!Array.isArray(data)) throw new Error(`tensor 'data' is not an array: ${JSON.stringify(data)}`);
  return data.some(Array.isArray) ? data.flatMap(flatten) : data;
}

function jsonNumber(v: unknown, datatype: Datatype, i: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if ((datatype === 'FP32' || datatype === 'FP64' || datatype === 'FP16') && (v === 'NaN' || v === 'Infinity' || v === '-Infinity')) {
    return Number(v);
  }
  throw new Error(`${datatype} output element ${i} is ${JSON.stringify(v)}, not a number`);
}

/** JSON `data` (flat or nested, as parsed by parseJsonExact) back to the normalized output values. */
export function fromJsonData(datatype: Datatype, data: unknown): OutputValues {
  const list = flatten(data);
  switch (datatype) {
    case 'BOOL': return list.map((b, i) => {
      if (typeof b !== 'boolean') throw new Error(`BOOL output element ${i} is ${JSON.stringify(b)}, not true/false`);
      return b;
    });
    case 'BYTES': return list.map((s, i) => {
      if (typeof s !== 'string') throw new Error(`BYTES output element ${i} is ${JSON.stringify(s)}, not a string`);
      return s;
    });
    case 'INT64': case 'UINT64': {
      const ints = list.map((v, i) => {
        if (typeof v === 'bigint') return v;
        if ((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v))) return BigInt(v);
        throw new Error(`${datatype} output element ${i} is ${JSON.stringify(v)}, not an integer`);
      });
      return datatype === 'INT64' ? BigInt64Array.from(ints) : BigUint64Array.from(ints);
    }
    case 'FP16': return Uint16Array.from(list, (v, i) => numberToHalf(jsonNumber(v, datatype, i)));
    default: return new (NUMERIC[datatype]!)(list.map((v, i) => jsonNumber(v, datatype, i)));
  }
}

// ------------------------------------------------------------------------------------------ exact JSON

/**
 * JSON.parse, except that integer literals outside the safe range become bigint instead of being rounded, and
 * "-0" stays -0. Node 20's JSON.parse has no source-text access, hence this small recursive-descent reader.
 */
export function parseJsonExact(text: string): unknown {
  let at = 0;
  const ws = (): void => {
    while (at < text.length && ' \t\r\n'.includes(text[at])) at++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`JSON: ${what} at ${at} in ${text.slice(Math.max(0, at - 20), at + 20)}`);
  };
  const value = (): unknown => {
    ws();
    const c = text[at];
    if (c === '{') {
      at++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[at] === '}') return at++, obj;
      for (;;) {
        ws();
        if (text[at] !== '"') fail('expected a key');
        const key = str();
        ws();
        if (text[at++] !== ':') fail("expected ':'");
        Object.defineProperty(obj, key, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[at] === ',') at++;
        else if (text[at] === '}') return at++, obj;
        else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at++;
      const arr: unknown[] = [];
      ws();
      if (text[at] === ']') return at++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[at] === ',') at++;
        else if (text[at] === ']') return at++, arr;
        else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(lit, at)) return (at += lit.length), v;
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!m) return fail('unexpected character');
    at += m[0].length;
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(Number(m[0]))) return BigInt(m[0]);
    return Number(m[0]);
  };
  const str = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail('unterminated string');
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const v = value();
  ws();
  if (at !== text.length) fail('trailing characters');
  return v;
}

/** JSON.stringify, except that -0 is written as -0 (JSON allows it; JSON.stringify writes 0) and bigint as digits. */
export function stringifyExact(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(stringifyExact).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}:${stringifyExact(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
