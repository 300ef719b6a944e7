/**
 * The tokenizer for protobuf text format (the syntax of Triton's config.pbtxt). Written to the published
 * language spec (https://protobuf.dev/reference/protobuf/textformat-spec/): no npm library parses text format,
 * so this is ours. Every token carries its 1-based line and column so errors can point at the exact spot.
 */
import { ServerError } from '../../errors/index.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';

export interface Token extends Position {
  readonly kind: TokenKind;
  /** The source text of the token (for strings: including the quotes). */
  readonly text: string;
  /** Strings: the decoded value. Numbers: undefined (see NumberToken). */
  readonly value?: string;
}

/**
 * A syntax error in a text-format file. The message is `file:line:column: reason`, the shape compilers use, so
 * editors and terminals make it clickable. It is an INVALID_ARGUMENT ServerError because a bad config reaches
 * clients through the repository load API; `file` must therefore be a repository-relative name, never a path.
 */
export class PbtxtError extends ServerError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly reason: string;

  constructor(file: string, at: Position, reason: string) {
    super('INVALID_ARGUMENT', `${file}:${at.line}:${at.column}: ${reason}`);
    this.name = 'PbtxtError';
    this.file = file;
    this.line = at.line;
    this.column = at.column;
    this.reason = reason;
  }
}

const PUNCT = new Set(['{', '}', '<', '>', '[', ']', ':', ',', ';', '-']);
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
// One number token: hex, or decimal/octal integer or float (with optional exponent and the C-style 'f' suffix
// text format allows). A trailing identifier character makes the whole run a bad number, checked below.
const NUMBER = /0[xX][0-9A-Fa-f]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?/y;
const UTF8 = new TextEncoder();
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  n: 0x0a, t: 0x09, r: 0x0d, a: 0x07, b: 0x08, f: 0x0c, v: 0x0b, '\\': 0x5c, "'": 0x27, '"': 0x22, '?': 0x3f,
};

export function tokenize(text: string, file: string): Token[] {
  return new Lexer(text, file).run();
}

class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly src: string, private readonly file: string) {
    // A UTF-8 BOM is invisible in editors; skipping it keeps column 1 where the user sees it.
    if (src.charCodeAt(0) === 0xfeff) {
      this.i = 1;
      this.lineStart = 1;
    }
  }

  run(): Token[] {
    for (;;) {
      this.skipSpaceAndComments();
      if (this.i >= this.src.length) {
        this.tokens.push({ kind: 'eof', text: '', ...this.pos() });
        return this.tokens;
      }
      this.tokens.push(this.next());
    }
  }

  private pos(at = this.i): Position {
    return { line: this.line, column: at - this.lineStart + 1 };
  }

  private fail(at: Position, reason: string): never {
    throw new PbtxtError(this.file, at, reason);
  }

  private skipSpaceAndComments(): void {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\n') {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.i++;
      } else if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else {
        return;
      }
    }
  }

  private next(): Token {
    const c = this.src[this.i];
    if (c === '"' || c === "'") return this.string(c);
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(this.src[this.i + 1] ?? ''))) return this.number();
    if (IDENT_START.test(c)) return this.ident();
    if (PUNCT.has(c)) {
      const tok: Token = { kind: 'punct', text: c, ...this.pos() };
      this.i++;
      return tok;
    }
    return this.fail(this.pos(), `unexpected character ${JSON.stringify(c)}`);
  }

  private ident(): Token {
    const start = this.i;
    while (this.i < this.src.length && IDENT_PART.test(this.src[this.i])) this.i++;
    return { kind: 'ident', text: this.src.slice(start, this.i), ...this.pos(start) };
  }

  private number(): Token {
    const start = this.i;
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.src);
    let end = start + (m?.[0].length ?? 1);
    // "12abc" or "0x" must not silently become 12 followed by a field named abc.
    const glued = (i: number): boolean => i < this.src.length && (IDENT_PART.test(this.src[i]) || this.src[i] === '.');
    const bad = glued(end);
    while (glued(end)) end++;
    const text = this.src.slice(start, end);
    const at = this.pos(start);
    if (bad || /^0[xX]$/.test(text)) this.fail(at, `invalid number '${text}'`);
    // Text format follows C: a leading zero means octal, so "08" is an error rather than eight.
    if (/^0\d+$/.test(text) && !/^0[0-7]+$/.test(text)) this.fail(at, `invalid octal number '${text}'`);
    this.i = end;
    return { kind: 'number', text, ...at };
  }

  private string(quote: string): Token {
    const start = this.i;
    const at = this.pos(start);
    const bytes: number[] = [];
    this.i++;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined || c === '\n') {
        this.fail(at, 'unterminated string (a string must end on the line it starts)');
      }
      if (c === quote) break;
      if (c === '\\') this.escape(bytes);
      else this.literal(bytes);
    }
    this.i++;
    const value = new TextDecoder().decode(new Uint8Array(bytes));
    return { kind: 'string', text: this.src.slice(start, this.i), value, ...at };
  }

  /** One source character (a whole code point) as UTF-8, so escapes and text can be mixed byte-wise. */
  private literal(bytes: number[]): void {
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    bytes.push(...UTF8.encode(String.fromCodePoint(cp)));
  }

  /** Escapes are bytes (\x, octal) or code points (\u, \U), as in the text-format spec. */
  private escape(bytes: number[]): void {
    const at = this.pos();
    const c = this.src[this.i + 1] ?? '';
    this.i += 2;
    if (Object.hasOwn(SIMPLE_ESCAPES, c)) {
      bytes.push(SIMPLE_ESCAPES[c]);
    } else if (/[0-7]/.test(c)) {
      const digits = c + this.take(/[0-7]/, 2);
      const v = parseInt(digits, 8);
      if (v > 0xff) this.fail(at, `octal escape '\\${digits}' is larger than a byte`);
      bytes.push(v);
    } else if (c === 'x' || c === 'X') {
      const digits = this.take(/[0-9A-Fa-f]/, 2);
      if (digits === '') this.fail(at, "escape '\\x' needs hex digits");
      bytes.push(parseInt(digits, 16));
    } else if (c === 'u' || c === 'U') {
      const n = c === 'u' ? 4 : 8;
      const digits = this.take(/[0-9A-Fa-f]/, n);
      const cp = parseInt(digits, 16);
      if (digits.length !== n || cp > 0x10ffff) this.fail(at, `escape '\\${c}' needs ${n} hex digits of a code point`);
      bytes.push(...UTF8.encode(String.fromCodePoint(cp)));
    } else {
      this.fail(at, `invalid escape '\\${c === '\n' ? 'n' : c}' in string`);
    }
  }

  private take(re: RegExp, max: number): string {
    let out = '';
    while (out.length < max && this.i < this.src.length && re.test(this.src[this.i])) out += this.src[this.i++];
    return out;
  }
}
