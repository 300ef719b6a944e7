/**
 * JSON read exactly: JSON.parse's result, except that every integer literal outside the safe range (beyond 2^53)
 * becomes a bigint with all its digits. INT64 and UINT64 tensor data travel as JSON integers (Triton's writer and
 * tritonclient's both print every digit), and JSON.parse rounds those without a word; Node 20's JSON.parse gives
 * no access to the source text, so the literal is read here instead. Shared by the client (answers) and the
 * server (requests, protocol/json-data): each uses JSON.parse first and this only when a literal needs it.
 *
 * A `__proto__` key stays an own property, as with JSON.parse; callers that refuse such keys still see it.
 */

const MAX_DEPTH = 128;

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WS = /[ \t\r\n]*/y;

/** Throws SyntaxError on text that is not JSON. */
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
