/**
 * A recursive-descent parser for protobuf text format into a generic tree, knowing nothing of Triton's schema
 * (that is model-config.ts). Grammar, after https://protobuf.dev/reference/protobuf/textformat-spec/:
 *
 *   document := field* EOF
 *   field    := IDENT ':' value | IDENT ':'? message | IDENT ':'? '[' (message (',' message)*)? ']'   [',' | ';']
 *   value    := scalar | message | '[' (scalar|message (',' scalar|message)*)? ']'
 *   message  := '{' field* '}' | '<' field* '>'
 *   scalar   := STRING+ | '-'? NUMBER | '-'? IDENT
 *
 * A field may appear more than once and a list is sugar for repeating it (`dims: [1, 2]` = `dims: 1 dims: 2`),
 * so each occurrence becomes one PbField and the schema layer decides what may repeat. Every node keeps its
 * position so the schema layer can point at the offending line too.
 */
import { PbtxtError, tokenize, type Position, type Token } from './pbtxt-lexer.js';

export { PbtxtError, type Position } from './pbtxt-lexer.js';

export interface PbString { readonly kind: 'string'; readonly value: string; readonly pos: Position }
/** `integer` numbers are exact only when Number.isSafeInteger(value); `text` is the source for messages. */
export interface PbNumber {
  readonly kind: 'number';
  readonly value: number;
  readonly integer: boolean;
  readonly text: string;
  readonly pos: Position;
}
/** Enum names, true/false, inf/nan. A leading '-' is kept in `value` (`-inf`). */
export interface PbIdent { readonly kind: 'ident'; readonly value: string; readonly pos: Position }
export interface PbMessage { readonly kind: 'message'; readonly fields: readonly PbField[]; readonly pos: Position }
export type PbScalar = PbString | PbNumber | PbIdent;
export type PbValue = PbScalar | PbMessage;

/** One occurrence of a field in the text. `list`: written with `[ ]`, whose elements are in `values`. */
export interface PbField {
  readonly name: string;
  readonly pos: Position;
  readonly list: boolean;
  readonly values: readonly PbValue[];
}

/** Configs are a few dozen lines; this only stops a hostile `{{{{…` from exhausting the stack. */
const MAX_DEPTH = 64;

/** Parses text-format source into its top-level message. Throws PbtxtError with `file:line:column: …`. */
export function parsePbtxt(text: string, file = 'config.pbtxt'): PbMessage {
  return new Parser(tokenize(text, file), file).document();
}

const CLOSER: Readonly<Record<string, string>> = { '{': '}', '<': '>' };

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[], private readonly file: string) {}

  document(): PbMessage {
    const fields: PbField[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.kind === 'eof') return { kind: 'message', fields, pos: { line: 1, column: 1 } };
      if (tok.kind === 'punct' && '}>]'.includes(tok.text)) this.fail(tok, `unexpected '${tok.text}' with nothing open to close`);
      fields.push(this.field());
    }
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)];
  }

  private take(): Token {
    const tok = this.peek();
    if (tok.kind !== 'eof') this.i++;
    return tok;
  }

  private isPunct(tok: Token, chars: string): boolean {
    return tok.kind === 'punct' && chars.includes(tok.text);
  }

  private fail(at: Position, reason: string): never {
    throw new PbtxtError(this.file, at, reason);
  }

  private field(): PbField {
    const nameTok = this.take();
    if (nameTok.kind !== 'ident') this.fail(nameTok, `expected a field name, found ${describe(nameTok)}`);
    const name = nameTok.text;
    const pos = { line: nameTok.line, column: nameTok.column };
    let result: PbField;
    if (this.isPunct(this.peek(), ':')) {
      this.take();
      result = this.fieldValue(name, pos);
    } else if (this.isPunct(this.peek(), '{<')) {
      result = { name, pos, list: false, values: [this.message(name)] };
    } else if (this.isPunct(this.peek(), '[') && this.isPunct(this.peek(1), '{<]')) {
      // Without a colon only messages may follow (the spec's MessageList); `dims [ 16 ]` is a missing colon.
      result = { name, pos, list: true, values: this.list(name) };
    } else {
      this.fail(this.peek(), `expected ':' or '{' after field name '${name}', found ${describe(this.peek())}`);
    }
    if (this.isPunct(this.peek(), ',;')) this.take();
    return result;
  }

  private fieldValue(name: string, pos: Position): PbField {
    const tok = this.peek();
    if (this.isPunct(tok, '[')) return { name, pos, list: true, values: this.list(name) };
    return { name, pos, list: false, values: [this.value(name)] };
  }

  private value(name: string): PbValue {
    const tok = this.peek();
    if (this.isPunct(tok, '{<')) return this.message(name);
    if (this.isPunct(tok, '[')) this.fail(tok, `lists cannot be nested (in field '${name}')`);
    return this.scalar(name);
  }

  private message(name: string): PbMessage {
    const open = this.take();
    if (++this.depth > MAX_DEPTH) this.fail(open, `messages nested deeper than ${MAX_DEPTH} levels`);
    const close = CLOSER[open.text];
    const fields: PbField[] = [];
    for (;;) {
      const tok = this.peek();
      if (this.isPunct(tok, close)) break;
      if (tok.kind === 'eof') {
        this.fail(tok, `unexpected end of input: '${open.text}' of field '${name}' opened at ${at(open)} is never closed`);
      }
      if (this.isPunct(tok, '}>]')) {
        this.fail(tok, `expected '${close}' to close field '${name}' opened at ${at(open)}, found '${tok.text}'`);
      }
      fields.push(this.field());
    }
    this.take();
    this.depth--;
    return { kind: 'message', fields, pos: { line: open.line, column: open.column } };
  }

  private list(name: string): PbValue[] {
    const open = this.take();
    const values: PbValue[] = [];
    if (this.isPunct(this.peek(), ']')) {
      this.take();
      return values;
    }
    for (;;) {
      values.push(this.value(name));
      const tok = this.take();
      if (this.isPunct(tok, ']')) return values;
      if (tok.kind === 'eof') {
        this.fail(tok, `unexpected end of input: '[' of field '${name}' opened at ${at(open)} is never closed`);
      }
      if (!this.isPunct(tok, ',')) this.fail(tok, `expected ',' or ']' in the list of '${name}', found ${describe(tok)}`);
    }
  }

  private scalar(name: string): PbScalar {
    const first = this.take();
    const pos = { line: first.line, column: first.column };
    if (first.kind === 'string') return { kind: 'string', value: this.concatStrings(first.value ?? ''), pos };
    const negative = this.isPunct(first, '-');
    const tok = negative ? this.take() : first;
    if (tok.kind === 'number') return numberNode(tok, negative, pos);
    if (tok.kind === 'ident') return { kind: 'ident', value: (negative ? '-' : '') + tok.text, pos };
    return this.fail(tok, `expected a value for field '${name}', found ${describe(tok)}`);
  }

  /** Adjacent string literals are one value, as in C: `"ab" 'cd'` is "abcd". */
  private concatStrings(first: string): string {
    let s = first;
    while (this.peek().kind === 'string') s += this.take().value ?? '';
    return s;
  }
}

function numberNode(tok: Token, negative: boolean, pos: Position): PbNumber {
  const text = (negative ? '-' : '') + tok.text;
  const integer = /^(0[xX][0-9A-Fa-f]+|\d+)$/.test(tok.text);
  let value: number;
  if (integer) {
    // BigInt reads hex as-is; octal needs its 0o prefix. Precision beyond 2^53 is judged by the schema layer.
    const big = BigInt(/^0\d/.test(tok.text) ? `0o${tok.text.slice(1)}` : tok.text);
    value = Number(negative ? -big : big);
  } else {
    value = Number.parseFloat(tok.text.replace(/[fF]$/, '')) * (negative ? -1 : 1);
  }
  return { kind: 'number', value, integer, text, pos };
}

function at(p: Position): string {
  return `${p.line}:${p.column}`;
}

function describe(tok: Token): string {
  if (tok.kind === 'eof') return 'end of input';
  if (tok.kind === 'string') return `string ${tok.text.length > 30 ? `${tok.text.slice(0, 27)}...` : tok.text}`;
  return `'${tok.text}'`;
}
