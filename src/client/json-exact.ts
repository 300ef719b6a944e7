/**
 * JSON read exactly. Servers write INT64/UINT64 tensor data and 64-bit parameters as JSON integers with all their
 * digits (Triton's writer does, and so does onnxserve), and JSON.parse rounds those beyond 2^53 without a word.
 * Node 20's JSON.parse gives no access to the source text, so answers that hold such a literal are read by this
 * small parser instead, which returns a bigint for every integer literal outside the safe range. Answers without
 * one (the common case) still go through JSON.parse.
 */

/** An integer literal of 16+ digits standing as a value (not a fraction's or exponent's digits). */
const LONG_INTEGER = /[[,:\s]-?\d{16,}(?=[\s,\]}])/;
const MAX_DEPTH = 128;

export function parseJson(text: string): unknown {
  return LONG_INTEGER.test(text) ? parseExact(text) : JSON.parse(text);
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WS = /[ \t\r\n]*/y;

/** JSON.parse's result, except that integer literals beyond 2^53 become bigint. Throws SyntaxError. */
export function parseExact(text: string): unknown {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${at} of the JSON`);
  };
  const ws = (): void => {
    WS.lastIndex = at;
    WS.test(text);
    at = WS.lastIndex;
  };
  const str = (): string => {
    const start = at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail('unterminated string');
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const num = (): number | bigint => {
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected character');
    at = NUMBER.lastIndex;
    const n = Number(m[0]);
    return m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n) ? BigInt(m[0]) : n;
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
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
        // defineProperty: a "__proto__" key stays an own property, as with JSON.parse.
        Object.defineProperty(obj, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        const sep = text[at++];
        if (sep === '}') return obj;
        if (sep !== ',') fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at++;
      const arr: unknown[] = [];
      ws();
      if (text[at] === ']') return at++, arr;
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        const sep = text[at++];
        if (sep === ']') return arr;
        if (sep !== ',') fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', at)) return (at += 4), true;
    if (text.startsWith('false', at)) return (at += 5), false;
    if (text.startsWith('null', at)) return (at += 4), null;
    return num();
  };
  const v = value(0);
  ws();
  if (at !== text.length) fail('unexpected text after the JSON value');
  return v;
}

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
