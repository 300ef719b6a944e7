import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerError, type ErrorCode } from '../errors/index.js';
import { failureOf, type FailureStage } from './failures.js';

/** [stage, code, Triton's reason]: metrics.md "Failure Count Categories". */
const ROWS: readonly [FailureStage, ErrorCode, string][] = [
  ['checking', 'INVALID_ARGUMENT', 'OTHER'],
  ['checking', 'PAYLOAD_TOO_LARGE', 'OTHER'],
  ['checking', 'INTERNAL', 'OTHER'],
  ['checking', 'CANCELLED', 'CANCELED'],
  ['scheduled', 'RESOURCE_EXHAUSTED', 'REJECTED'],
  ['scheduled', 'DEADLINE_EXCEEDED', 'REJECTED'],
  ['scheduled', 'CANCELLED', 'CANCELED'],
  ['scheduled', 'INTERNAL', 'BACKEND'],
  ['scheduled', 'UNAVAILABLE', 'BACKEND'],
];

for (const [stage, code, reason] of ROWS) {
  void test(`${stage} ${code} -> ${reason}, with the code kept beside it`, () => {
    assert.deepEqual(failureOf(new ServerError(code, 'x'), stage), { reason, code });
  });
}
