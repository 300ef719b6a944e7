import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerError } from '../errors/index.js';
import { checkLoadParameters, checkUnloadParameters } from './management.js';

const refused = (fn: () => void, message: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof ServerError && e.code === 'INVALID_ARGUMENT' && message.test(e.message));
};

void test('load: no parameters; config and file overrides refused with the policy; anything else unknown', () => {
  checkLoadParameters(undefined);
  checkLoadParameters(new Map());
  for (const key of ['config', 'file:1/model.onnx', 'file:config.pbtxt']) {
    refused(() => checkLoadParameters(new Map([[key, 'x']])),
      /^load request: parameter '(config|file:.*)' is refused: file and config overrides from the wire are not accepted; the model repository is the only source of models$/);
  }
  refused(() => checkLoadParameters(new Map([['url', 'http://x']])), /^load request: unknown parameter 'url'$/);
});

void test('unload: unload_dependents (a boolean, with nothing to do) and nothing else', () => {
  checkUnloadParameters(undefined);
  checkUnloadParameters(new Map([['unload_dependents', true]]));
  refused(() => checkUnloadParameters(new Map([['unload_dependents', 'yes']])), /^unload request: parameter 'unload_dependents' must be true or false, got "yes"$/);
  refused(() => checkUnloadParameters(new Map([['force', true]])), /^unload request: unknown parameter 'force'$/);
});
