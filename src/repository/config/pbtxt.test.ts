import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parsePbtxt, PbtxtError, type PbMessage, type PbValue } from './pbtxt.js';

/** The tree without positions, for readable expectations: repeated names become arrays. */
function plain(msg: PbMessage): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  for (const f of msg.fields) (out[f.name] ??= []).push(...f.values.map(plainValue));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

function plainValue(v: PbValue): unknown {
  if (v.kind === 'message') return plain(v);
  if (v.kind === 'ident') return { ident: v.value };
  return v.value;
}

function syntaxError(text: string, message: string): void {
  assert.throws(() => parsePbtxt(text), (e: unknown) => {
    assert.ok(e instanceof PbtxtError, `expected PbtxtError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    return true;
  });
}

void describe('parsePbtxt: values', () => {
  void test('scalars: strings, integers, floats, identifiers', () => {
    const msg = parsePbtxt('s: "a" i: 42 n: -7 f: 1.5 e: 2e3 g: .5 h: 0x1F o: 017 b: true k: KIND_CPU fl: 3f');
    assert.deepEqual(plain(msg), {
      s: 'a', i: 42, n: -7, f: 1.5, e: 2000, g: 0.5, h: 31, o: 15, b: { ident: 'true' }, k: { ident: 'KIND_CPU' }, fl: 3,
    });
  });

  void test('integer flag and source text are kept for the schema layer', () => {
    const [i, f, n] = parsePbtxt('i: 8 f: 8.0 n: - 3').fields.map((x) => x.values[0]);
    assert.deepEqual(i, { kind: 'number', value: 8, integer: true, text: '8', pos: { line: 1, column: 4 } });
    assert.equal(f.kind === 'number' && f.integer, false);
    assert.deepEqual(n, { kind: 'number', value: -3, integer: true, text: '-3', pos: { line: 1, column: 16 } });
  });

  void test('negative identifiers keep their sign (-inf)', () => {
    assert.deepEqual(plain(parsePbtxt('x: -inf')), { x: { ident: '-inf' } });
  });

  void test('strings: both quotes, escapes, adjacent concatenation, UTF-8', () => {
    const msg = parsePbtxt(String.raw`a: 'it''s' b: "q\"\n\t\\" c: "\x41\101\u00e9\U0001F600" d: "x" 'y' "z" e: "héllo"`);
    assert.deepEqual(plain(msg), { a: 'its', b: 'q"\n\t\\', c: 'AAé😀', d: 'xyz', e: 'héllo' });
  });

  void test('octal and hex escapes are bytes, decoded as UTF-8 together', () => {
    assert.equal(plain(parsePbtxt(String.raw`a: "\303\251"`)).a, 'é');
  });
});

void describe('parsePbtxt: structure', () => {
  void test('messages with {}, : {}, and <>', () => {
    const msg = parsePbtxt('a { x: 1 } b: { y: 2 } c < z: 3 > d: < w: 4 >');
    assert.deepEqual(plain(msg), { a: { x: 1 }, b: { y: 2 }, c: { z: 3 }, d: { w: 4 } });
  });

  void test('list syntax and repeated fields are the same thing', () => {
    const list = parsePbtxt('input [ { name: "a" }, { name: "b" } ] dims: [1, 2]');
    const repeated = parsePbtxt('input { name: "a" } input { name: "b" } dims: 1 dims: 2');
    assert.deepEqual(plain(list), plain(repeated));
    assert.deepEqual(plain(list), { input: [{ name: 'a' }, { name: 'b' }], dims: [1, 2] });
    assert.equal(list.fields[0].list, true);
    assert.equal(repeated.fields[0].list, false);
  });

  void test('colon before a message list is optional; empty lists are kept as an occurrence', () => {
    const msg = parsePbtxt('input: [ { name: "a" } ] output [] shape: [ ]');
    assert.deepEqual(msg.fields.map((f) => [f.name, f.list, f.values.length]), [['input', true, 1], ['output', true, 0], ['shape', true, 0]]);
  });

  void test('comments, commas and semicolons as separators', () => {
    const msg = parsePbtxt('# header\na: 1, # trailing\nb: 2; c { d: 3, e: 4; }\n# end');
    assert.deepEqual(plain(msg), { a: 1, b: 2, c: { d: 3, e: 4 } });
  });

  void test('positions of fields and values', () => {
    const msg = parsePbtxt('name: "m"\n  input {\n    dims: [ 3 ]\n  }');
    const input = msg.fields[1];
    assert.deepEqual(input.pos, { line: 2, column: 3 });
    const body = input.values[0] as PbMessage;
    assert.deepEqual(body.pos, { line: 2, column: 9 });
    assert.deepEqual(body.fields[0].pos, { line: 3, column: 5 });
    assert.deepEqual(body.fields[0].values[0].pos, { line: 3, column: 13 });
  });

  void test('a BOM and CRLF line ends do not shift positions', () => {
    const msg = parsePbtxt('\ufeffa: 1\r\nb: 2');
    assert.deepEqual(msg.fields.map((f) => f.pos), [{ line: 1, column: 1 }, { line: 2, column: 1 }]);
  });

  void test('empty document', () => {
    assert.deepEqual(parsePbtxt('  # nothing\n').fields, []);
  });
});

void describe('parsePbtxt: errors carry file:line:column', () => {
  void test('unterminated string points at its opening quote', () => {
    syntaxError('name: "m"\nplatform: "onnx\n', 'config.pbtxt:2:11: unterminated string (a string must end on the line it starts)');
  });

  void test('missing colon before a scalar list', () => {
    syntaxError('max_batch_size: 8\ninput {\n  dims   [ 16 ]\n}', "config.pbtxt:3:10: expected ':' or '{' after field name 'dims', found '['");
  });

  void test('missing colon before a scalar', () => {
    syntaxError('max_batch_size 8', "config.pbtxt:1:16: expected ':' or '{' after field name 'max_batch_size', found '8'");
  });

  void test('bad numbers', () => {
    syntaxError('a: 12abc', "config.pbtxt:1:4: invalid number '12abc'");
    syntaxError('a: 0x', "config.pbtxt:1:4: invalid number '0x'");
    syntaxError('a: 1.2.3', "config.pbtxt:1:4: invalid number '1.2.3'");
    syntaxError('a: 08', "config.pbtxt:1:4: invalid octal number '08'");
  });

  void test('unexpected end of input inside a message and a list', () => {
    syntaxError('input {\n  name: "x"\n', "config.pbtxt:3:1: unexpected end of input: '{' of field 'input' opened at 1:7 is never closed");
    syntaxError('dims: [1, 2', "config.pbtxt:1:12: unexpected end of input: '[' of field 'dims' opened at 1:7 is never closed");
    syntaxError('name:', "config.pbtxt:1:6: expected a value for field 'name', found end of input");
  });

  void test('unbalanced and mismatched brackets', () => {
    syntaxError('a { b: 1 } }', "config.pbtxt:1:12: unexpected '}' with nothing open to close");
    syntaxError('a < b: 1 }', "config.pbtxt:1:10: expected '>' to close field 'a' opened at 1:3, found '}'");
    syntaxError('a: [1 2]', "config.pbtxt:1:7: expected ',' or ']' in the list of 'a', found '2'");
    syntaxError('a: [1, 2,]', "config.pbtxt:1:10: expected a value for field 'a', found ']'");
    syntaxError('a: [[1]]', "config.pbtxt:1:5: lists cannot be nested (in field 'a')");
  });

  void test('bad characters, escapes and field names', () => {
    syntaxError('a: @', 'config.pbtxt:1:4: unexpected character "@"');
    syntaxError(String.raw`a: "\q"`, String.raw`config.pbtxt:1:5: invalid escape '\q' in string`);
    syntaxError(String.raw`a: "\400"`, String.raw`config.pbtxt:1:5: octal escape '\400' is larger than a byte`);
    syntaxError('"a": 1', 'config.pbtxt:1:1: expected a field name, found string "a"');
    syntaxError('a: 1 : 2', "config.pbtxt:1:6: expected a field name, found ':'");
  });

  void test('the file name given is the one reported', () => {
    assert.throws(() => parsePbtxt('a: }', 'resnet/config.pbtxt'), { message: "resnet/config.pbtxt:1:4: expected a value for field 'a', found '}'" });
  });

  void test('error objects expose line, column and reason', () => {
    try {
      parsePbtxt('a {\n  b: ]');
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof PbtxtError);
      assert.deepEqual([e.line, e.column, e.file, e.reason], [2, 6, 'config.pbtxt', "expected a value for field 'b', found ']'"]);
    }
  });

  void test('nesting depth is bounded', () => {
    syntaxError(`${'a {'.repeat(100)}${'}'.repeat(100)}`, 'config.pbtxt:1:195: messages nested deeper than 64 levels');
  });
});
