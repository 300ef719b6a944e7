import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { OrtBackend } from './backend.js';

const MODELS = path.resolve('test-models');
const options = { instances: 1, intraOpThreads: 1, interOpThreads: 1, executionProviders: ['cpu'] as const, graphOptimization: 'all' as const };
/**
 * The pool's threads are unref'd so an idle server can exit (its sockets keep it alive otherwise). A bare backend
 * has nothing else keeping the event loop alive, so without this a test awaiting a load or a run can end before
 * the thread answers ("Promise resolution is still pending but the event loop has already resolved") whenever
 * the thread is slower than the loop is to drain: the test holds the loop open itself.
 */
function keepAlive(t: TestContext): void {
  const alive = setInterval(() => undefined, 60_000);
  t.after(() => clearInterval(alive));
}

const fp32 = (data: number[]) => ({ name: 'INPUT0', datatype: 'FP32' as const, shape: [1, data.length], data: Float32Array.from(data) });

test('--worker-threads 1: three models share one thread, each answers its own requests, the thread ends with the last', async (t) => {
  keepAlive(t);
  const backend = new OrtBackend({ workerThreads: 1 });
  const models = await Promise.all([1, 2, 3].map(() => backend.load(path.join(MODELS, 'identity_fp32', '1', 'model.onnx'), options)));
  assert.equal(backend.threads, 1);
  const answers = await Promise.all(models.map((m, i) => m.run([fp32([i, i + 0.5])], ['OUTPUT0'])));
  answers.forEach((a, i) => assert.deepEqual([...(a.outputs[0].data as Float32Array)], [i, i + 0.5]));
  await models[0].dispose();
  assert.equal(backend.threads, 1, 'the thread stays while other sessions use it');
  assert.deepEqual([...((await models[1].run([fp32([7])], ['OUTPUT0'])).outputs[0].data as Float32Array)], [7]);
  await Promise.all(models.slice(1).map((m) => m.dispose()));
  assert.equal(backend.threads, 0, 'no session left: the thread exited');
});

test('default: a thread per model instance', async (t) => {
  keepAlive(t);
  const backend = new OrtBackend();
  const models = await Promise.all([1, 2].map(() => backend.load(path.join(MODELS, 'identity_fp32', '1', 'model.onnx'), { ...options, instances: 2 })));
  assert.equal(backend.threads, 4);
  await Promise.all(models.map((m) => m.dispose()));
  assert.equal(backend.threads, 0);
});
