import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ClientError, codeForGrpcStatus, codeForHttpStatus, ERROR_CODES, parseRetryAfter } from './errors.js';
import { callScope } from './scope.js';

void describe('error codes', () => {
  test('every gRPC status maps to its own name', () => {
    for (const code of ERROR_CODES) assert.equal(codeForGrpcStatus(GrpcStatus[code]), code);
    assert.equal(codeForGrpcStatus(0), 'UNKNOWN');
    assert.equal(codeForGrpcStatus(99), 'UNKNOWN');
  });

  test('HTTP statuses as Triton and onnxserve use them', () => {
    const table: readonly [number, string][] = [
      [400, 'INVALID_ARGUMENT'], [401, 'UNAUTHENTICATED'], [403, 'PERMISSION_DENIED'], [404, 'NOT_FOUND'],
      [409, 'FAILED_PRECONDITION'], [413, 'RESOURCE_EXHAUSTED'], [415, 'INVALID_ARGUMENT'], [418, 'INVALID_ARGUMENT'],
      [429, 'RESOURCE_EXHAUSTED'], [499, 'CANCELLED'], [500, 'INTERNAL'], [501, 'UNIMPLEMENTED'], [503, 'UNAVAILABLE'],
      [504, 'DEADLINE_EXCEEDED'], [302, 'UNKNOWN'],
    ];
    for (const [status, code] of table) assert.equal(codeForHttpStatus(status), code, String(status));
  });

  test('Retry-After in seconds; anything else is ignored', () => {
    assert.equal(parseRetryAfter('1'), 1);
    assert.equal(parseRetryAfter(' 30 '), 30);
    for (const v of [null, undefined, '', '1.5', 'Wed, 21 Oct 2015 07:28:00 GMT', '-1']) assert.equal(parseRetryAfter(v), undefined);
  });

  test('ClientError carries code, statuses and the message unchanged', () => {
    const e = new ClientError('NOT_FOUND', "unknown model 'x'", { httpStatus: 404, retryAfter: 2 });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ClientError');
    assert.equal(e.message, "unknown model 'x'");
    assert.deepEqual([e.code, e.httpStatus, e.grpcCode, e.retryAfter], ['NOT_FOUND', 404, undefined, 2]);
  });
});

void describe('call scope', () => {
  test('an already aborted signal stops the call before anything is sent', () => {
    assert.throws(() => callScope({ signal: AbortSignal.abort() }, undefined, true), (e: unknown) => e instanceof ClientError && e.code === 'CANCELLED');
  });

  test("the caller's abort aborts the scope's signal, and says so", () => {
    const ac = new AbortController();
    const scope = callScope({ signal: ac.signal }, undefined, true);
    assert.equal(scope.stopped(), undefined);
    ac.abort(new Error('user'));
    assert.ok(scope.signal.aborted);
    assert.equal(scope.stopped()?.code, 'CANCELLED');
    scope.done();
  });

  test('a passed deadline aborts with DEADLINE_EXCEEDED; the call option wins over the default', async () => {
    const scope = callScope({ timeoutMs: 5 }, 60_000, true);
    assert.equal(scope.timeoutMs, 5);
    await once(scope.signal, 'abort');
    assert.equal(scope.stopped()?.code, 'DEADLINE_EXCEEDED');
    assert.match(scope.stopped()!.message, /deadline of 5 ms passed/);
    scope.done();
  });

  test('without keepTime (gRPC) only the deadline is computed; bad timeouts are refused', () => {
    const before = Date.now();
    const scope = callScope({}, 1000, false);
    assert.ok(scope.deadline! >= before + 1000);
    assert.equal(scope.signal.aborted, false);
    scope.done();
    for (const bad of [0, -1, NaN, '5']) {
      assert.throws(() => callScope({ timeoutMs: bad as number }, undefined, true), /timeoutMs must be a positive number/);
    }
  });
});
