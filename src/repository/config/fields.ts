/**
 * Typed reading of a generic text-format message: each schema reader asks for the fields it knows, with the
 * type it expects, and whatever it never asked for becomes a warning. Type errors carry the file position.
 */
import { ServerError } from '../../errors/index.js';
import type { PbField, PbMessage, PbValue, Position } from './pbtxt.js';

/**
 * A model configuration that parses but cannot be served. INVALID_ARGUMENT like PbtxtError, and for the same
 * reason the message names the file as given (repository-relative), never an absolute path.
 */
export class ModelConfigError extends ServerError {
  /** The file as given (repository-relative), when the error has a position in it. */
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly reason: string;

  constructor(reason: string, where?: { file: string; pos: Position }) {
    super('INVALID_ARGUMENT', where ? `${where.file}:${where.pos.line}:${where.pos.column}: ${reason}` : reason);
    this.name = 'ModelConfigError';
    this.file = where?.file;
    this.line = where?.pos.line;
    this.column = where?.pos.column;
    this.reason = reason;
  }
}

/** Shared by every reader of one file. */
export class ReadContext {
  private readonly warnings: { pos: Position; text: string }[] = [];
  constructor(readonly file: string) {}

  fail(pos: Position, reason: string): never {
    throw new ModelConfigError(reason, { file: this.file, pos });
  }

  warn(pos: Position, text: string): void {
    this.warnings.push({ pos, text });
  }

  /** Readers finish inner messages first; operators read warnings top to bottom, so sort by position. */
  sortedWarnings(): string[] {
    return [...this.warnings]
      .sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column)
      .map((w) => w.text);
  }
}

/** Integer bounds of the proto field types (int64 is bounded by what a JS number holds exactly). */
export const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 } as const;
export const UINT32 = { min: 0, max: 2 ** 32 - 1 } as const;
export const INT64 = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } as const;
export const UINT64 = { min: 0, max: Number.MAX_SAFE_INTEGER } as const;
export interface Range { readonly min: number; readonly max: number }

// Text format spells booleans several ways; accept exactly what protobuf's own parser accepts.
const TRUE = new Set(['true', 'True', 't']);
const FALSE = new Set(['false', 'False', 'f']);

/** The fields of one message, addressed by name. `path` (e.g. `input[1]`) prefixes names in messages. */
export class Fields {
  private readonly byName = new Map<string, PbField[]>();
  private readonly used = new Set<string>();

  constructor(readonly msg: PbMessage, readonly path: string, readonly ctx: ReadContext) {
    for (const f of msg.fields) {
      const list = this.byName.get(f.name);
      if (list) list.push(f);
      else this.byName.set(f.name, [f]);
    }
  }

  /** `input[0].dims` style name of a field of this message. */
  name(field: string): string {
    return this.path === '' ? field : `${this.path}.${field}`;
  }

  has(field: string): boolean {
    return this.byName.has(field);
  }

  /** Position of the first occurrence of a field, else of the message itself. */
  pos(field: string): Position {
    return this.byName.get(field)?.[0].pos ?? this.msg.pos;
  }

  /** A singular field: absent, or exactly one value. Repeating it is an error, as in protobuf's own parser. */
  one(field: string): PbValue | undefined {
    this.used.add(field);
    const occurrences = this.byName.get(field);
    if (!occurrences) return undefined;
    const [first, second] = occurrences;
    if (second) this.ctx.fail(second.pos, `field '${this.name(field)}' is given more than once`);
    if (first.list) this.ctx.fail(first.pos, `field '${this.name(field)}' is not a list`);
    return first.values[0];
  }

  /** A repeated field: every value of every occurrence, in order. */
  all(field: string): readonly PbValue[] {
    this.used.add(field);
    return (this.byName.get(field) ?? []).flatMap((f) => f.values);
  }

  string(field: string): string | undefined {
    const v = this.one(field);
    return v === undefined ? undefined : asString(v, this.name(field), this.ctx);
  }

  int(field: string, range: Range): number | undefined {
    const v = this.one(field);
    return v === undefined ? undefined : asInt(v, this.name(field), range, this.ctx);
  }

  ints(field: string, range: Range): number[] {
    return this.all(field).map((v, i) => asInt(v, `${this.name(field)}[${i}]`, range, this.ctx));
  }

  bool(field: string): boolean | undefined {
    const v = this.one(field);
    return v === undefined ? undefined : asBool(v, this.name(field), this.ctx);
  }

  enumOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const v = this.one(field);
    return v === undefined ? undefined : asEnum(v, this.name(field), allowed, this.ctx);
  }

  message<T>(field: string, read: (f: Fields) => T): T | undefined {
    const v = this.one(field);
    return v === undefined ? undefined : read(this.sub(v, this.name(field)));
  }

  messages<T>(field: string, read: (f: Fields, index: number) => T): T[] {
    return this.all(field).map((v, i) => read(this.sub(v, `${this.name(field)}[${i}]`), i));
  }

  /** Every field nobody asked for becomes a warning: Triton has many fields onnxserve does not use. */
  finish(): void {
    for (const [field, occurrences] of this.byName) {
      if (this.used.has(field)) continue;
      const p = occurrences[0].pos;
      this.ctx.warn(p, `unknown field '${this.name(field)}' at ${p.line}:${p.column} (ignored)`);
    }
  }

  private sub(v: PbValue, path: string): Fields {
    if (v.kind !== 'message') this.ctx.fail(v.pos, `${path}: expected a message '{ … }', found ${show(v)}`);
    return new Fields(v, path, this.ctx);
  }
}

export function asString(v: PbValue, name: string, ctx: ReadContext): string {
  if (v.kind !== 'string') ctx.fail(v.pos, `${name}: expected a string, found ${show(v)}`);
  return v.value;
}

export function asInt(v: PbValue, name: string, range: Range, ctx: ReadContext): number {
  if (v.kind !== 'number' || !v.integer) ctx.fail(v.pos, `${name}: expected an integer, found ${show(v)}`);
  if (!Number.isSafeInteger(v.value) || v.value < range.min || v.value > range.max) {
    ctx.fail(v.pos, `${name}: ${v.text} is out of range (${range.min} to ${range.max})`);
  }
  return v.value;
}

export function asBool(v: PbValue, name: string, ctx: ReadContext): boolean {
  if (v.kind === 'ident' && TRUE.has(v.value)) return true;
  if (v.kind === 'ident' && FALSE.has(v.value)) return false;
  if (v.kind === 'number' && v.integer && (v.value === 0 || v.value === 1)) return v.value === 1;
  return ctx.fail(v.pos, `${name}: expected true or false, found ${show(v)}`);
}

export function asEnum<T extends string>(v: PbValue, name: string, allowed: readonly T[], ctx: ReadContext): T {
  if (v.kind === 'ident' && (allowed as readonly string[]).includes(v.value)) return v.value as T;
  return ctx.fail(v.pos, `${name}: expected one of ${allowed.join(', ')}, found ${show(v)}`);
}

/** How a value reads in an error message. */
export function show(v: PbValue): string {
  switch (v.kind) {
    case 'string': return `string ${JSON.stringify(v.value.length > 40 ? `${v.value.slice(0, 37)}...` : v.value)}`;
    case 'number': return v.text;
    case 'ident': return v.value;
    case 'message': return 'a message';
  }
}
