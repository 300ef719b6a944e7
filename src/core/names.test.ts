import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerError } from '../errors/index.js';
import { checkModelName, checkModelVersion, isModelName, MODEL_NAME_MAX } from './names.js';

const refused = (fn: () => unknown, message: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof ServerError && e.code === 'INVALID_ARGUMENT' && message.test(e.message));
};

void test('model names: what a repository directory may be called', () => {
  for (const ok of ['mlp', 'multi_io', 'densenet_onnx', 'add-sub.v2', '_private', '0', 'n'.repeat(MODEL_NAME_MAX), '__proto__', 'constructor']) {
    assert.equal(checkModelName(ok), ok, ok);
  }
  const bad = ['.', '..', '.hidden', '-dash', 'a..b', 'a/b', 'a\\b', 'x\0y', 'with space', 'é', 'n'.repeat(MODEL_NAME_MAX + 1), '%2e%2e'];
  for (const name of bad) {
    assert.equal(isModelName(name), false, JSON.stringify(name));
    refused(() => checkModelName(name), /^invalid model name ".*": use 1-128 letters, digits/);
  }
});

void test('model names: missing, empty or not a string', () => {
  refused(() => checkModelName(''), /^a model name is required$/);
  refused(() => checkModelName(undefined), /^a model name is required$/);
  refused(() => checkModelName(7), /^invalid model name 7:/);
  refused(() => checkModelName({ name: 'x' }), /^invalid model name an object:/);
});

void test('model names: a hostile name is quoted and clipped in the message', () => {
  assert.throws(() => checkModelName(`\n${'x'.repeat(5000)}`), (e: Error) => {
    assert.ok(e.message.length < 200, e.message);
    assert.ok(!e.message.includes('\n'), 'control characters are escaped');
    return true;
  });
});

void test('versions: empty means the latest; otherwise a positive integer', () => {
  assert.equal(checkModelVersion(undefined), undefined);
  assert.equal(checkModelVersion(''), undefined);
  assert.equal(checkModelVersion('3'), '3');
  assert.equal(checkModelVersion('0012'), '0012');
  for (const v of ['latest', '-1', '1.5', '..', ' 1', '1'.repeat(20)]) refused(() => checkModelVersion(v), /^failed to get model version from specified version string '.*': a version is a positive integer/);
});
