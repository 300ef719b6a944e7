import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { get, post, request, startTestServer, type TestServer } from '../helpers/server.js';
import { classifierReference, mlpReference, sampleInput } from '../../scripts/fixtures.js';

const SEED_ROW = [0.5, 125.50, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7, 1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3,
  -0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5];

describe('V1 REST API (the seed\'s)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(['mlp', 'multi_io', 'classifier', 'string_upper', 'fixed_shape'], {}, (dir) => {
      // The seed's flat layout, a broken model, and a symlink that points out of the repository.
      copyFileSync('models/fraud_detector.onnx', path.join(dir, 'fraud_detector.onnx'));
      writeFileSync(path.join(dir, 'broken.onnx'), 'not an onnx model');
      mkdirSync(path.join(dir, 'extra'));
      copyFileSync(path.join(dir, 'mlp', '1', 'model.onnx'), path.join(dir, 'extra', 'copy.onnx'));
      symlinkSync('/etc/passwd', path.join(dir, 'escape.onnx'));
    });
  });
  after(() => s.stop());

  test('seed curl: the fraud model answers in the seed\'s shape', async () => {
    const r = await post(`${s.url}/v1/models/fraud_detector/infer`, { inputs: [SEED_ROW] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.model_name, 'fraud_detector');
    assert.deepEqual(r.body.predictions, [0]);
    assert.deepEqual(r.body.is_fraud, [false]);
    assert.equal(r.body.probabilities.length, 1);
    const [p0, p1] = r.body.probabilities[0];
    assert.ok(Math.abs(p0 + p1 - 1) < 1e-6);
    assert.ok(Math.abs(p1 - 0.0023108720779418945) < 1e-6, `p1=${p1}`);
    assert.equal(r.body.confidence[0], p1);
    assert.deepEqual(r.body.outputs.label, [0]);
  });

  test('seed curl: POST /v1/models loads a path inside the repository', async () => {
    const r = await post(`${s.url}/v1/models`, { name: 'fraud2', path: path.join(path.relative(process.cwd(), s.repo), 'fraud_detector.onnx') });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { status: 'loaded', name: 'fraud2', message: 'Model loaded successfully' });
    const inf = await post(`${s.url}/v1/models/fraud2/infer`, { inputs: [SEED_ROW, SEED_ROW] });
    assert.equal(inf.status, 200);
    assert.equal(inf.body.predictions.length, 2);
  });

  test('a path relative to the repository is accepted too', async () => {
    const r = await post(`${s.url}/v1/models`, { name: 'copy', path: 'extra/copy.onnx' });
    assert.equal(r.status, 200, r.text);
  });

  for (const bad of ['../../../../etc/passwd', '/etc/passwd', 'escape.onnx', 'mlp/1', 'broken', '', 42]) {
    test(`load refuses path ${JSON.stringify(bad)} with 400`, async () => {
      const r = await post(`${s.url}/v1/models`, { name: 'evil', path: bad });
      assert.equal(r.status, 400, r.text);
      assert.equal(typeof r.body.error, 'string');
      assert.ok(!r.text.includes('/etc/') || bad === '/etc/passwd' || bad === '../../../../etc/passwd', r.text);
      assert.ok(!r.text.includes(s.repo), 'no absolute repository path in the answer');
    });
  }

  test('load refuses a bad model name', async () => {
    for (const name of ['../x', '__proto__/..', '', 'a/b']) {
      const r = await post(`${s.url}/v1/models`, { name, path: 'extra/copy.onnx' });
      assert.equal(r.status, 400, `${name}: ${r.text}`);
    }
  });

  test('a 29-feature row gets 400 naming the row', async () => {
    const r = await post(`${s.url}/v1/models/fraud_detector/infer`, { inputs: [SEED_ROW, SEED_ROW.slice(1)] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'Transaction 1 has 29 features, expected 30');
  });

  test('rows for the MLP match the reference', async () => {
    const x = sampleInput(8, 3);
    const rows = [Array.from(x.subarray(0, 4)), Array.from(x.subarray(4, 8))];
    const r = await post(`${s.url}/v1/models/mlp/infer`, { inputs: rows });
    assert.equal(r.status, 200, r.text);
    const expected = mlpReference(x, 2);
    const got = r.body.outputs.y.flat();
    got.forEach((v: number, i: number) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${v} vs ${expected[i]}`));
    assert.equal(r.body.predictions, undefined, 'not a classifier');
  });

  test('named inputs for a multi-input model', async () => {
    const r = await post(`${s.url}/v1/models/multi_io/infer`, { inputs: { a: [[1, 2, 3]], b: [[4, 5, 6]] } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.outputs, { sum: [[5, 7, 9]], product: [[4, 10, 18]] });
  });

  test('rows are refused for a multi-input model', async () => {
    const r = await post(`${s.url}/v1/models/multi_io/infer`, { inputs: [[1, 2, 3]] });
    assert.equal(r.status, 400);
    assert.match(r.body.error, /2 inputs/);
  });

  test('strings and fixed shapes', async () => {
    const r = await post(`${s.url}/v1/models/string_upper/infer`, { inputs: { text: ['abc', 'Hello'] } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.outputs.upper, ['ABC', 'HELLO']);
    const f = await post(`${s.url}/v1/models/fixed_shape/infer`, { inputs: { x: [[1, 2, 3], [4, 5, 6]] } });
    assert.deepEqual(f.body.outputs.y, [[2, 4, 6], [8, 10, 12]]);
    const bad = await post(`${s.url}/v1/models/fixed_shape/infer`, { inputs: { x: [[1, 2, 3]] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /input 'x': expected shape \[2,3\]/);
  });

  test('the classifier fixture gets the seed fields from its probabilities', async () => {
    const x = sampleInput(60, 9);
    const rows = [Array.from(x.subarray(0, 30)), Array.from(x.subarray(30))];
    const r = await post(`${s.url}/v1/models/classifier/infer`, { inputs: rows });
    const ref = classifierReference(x, 2);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.predictions, [0, 1].map((i) => (ref.probabilities[i * 2 + 1] > 0.5 ? 1 : 0)));
  });

  test('GET /v1/models lists states, including the broken model as UNAVAILABLE', async () => {
    const r = await get(`${s.url}/v1/models`);
    assert.equal(r.status, 200);
    const byName = new Map(r.body.models.map((m: { name: string }) => [m.name, m]));
    assert.equal((byName.get('mlp') as { state: string }).state, 'READY');
    const broken = byName.get('broken') as { state: string; reason: string };
    assert.equal(broken.state, 'UNAVAILABLE');
    assert.ok(broken.reason.length > 0);
    assert.ok(!broken.reason.includes(s.repo), 'reason holds no absolute path');
  });

  test('GET /v1/models/{name} describes I/O and loaded_at', async () => {
    const r = await get(`${s.url}/v1/models/fraud_detector`);
    assert.equal(r.status, 200);
    assert.equal(r.body.state, 'READY');
    assert.deepEqual(r.body.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 30] }]);
    assert.ok(!Number.isNaN(Date.parse(r.body.loaded_at)));
    assert.equal((await get(`${s.url}/v1/models/nope`)).status, 404);
  });

  test('errors: unknown model 404, malformed JSON 400, wrong types 400, all JSON bodies', async () => {
    const unknown = await post(`${s.url}/v1/models/nope/infer`, { inputs: [[1]] });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /^Request for unknown model: 'nope' is not found/);
    const malformed = await request(`${s.url}/v1/models/mlp/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [[1,2' });
    assert.equal(malformed.status, 400);
    assert.equal(typeof malformed.body.error, 'string');
    const strings = await post(`${s.url}/v1/models/mlp/infer`, { inputs: [['a', 'b', 'c', 'd']] });
    assert.equal(strings.status, 400);
    const noInputs = await post(`${s.url}/v1/models/mlp/infer`, { foo: 1 });
    assert.equal(noInputs.status, 400);
    const ragged = await post(`${s.url}/v1/models/multi_io/infer`, { inputs: { a: [[1, 2, 3], [1]], b: [[1, 2, 3], [1, 2, 3]] } });
    assert.equal(ragged.status, 400);
  });

  test('health endpoints', async () => {
    assert.equal((await get(`${s.url}/health`)).status, 200);
    assert.equal((await get(`${s.url}/v2/health/live`)).status, 200);
    // broken.onnx failed at start: strict readiness (Triton's default) says not ready (test/integration/startup.test.ts).
    assert.equal((await get(`${s.url}/v2/health/ready`)).status, 503);
  });

  test('DELETE unloads, then the model is gone (404), and reload brings it back', async () => {
    const del = await request(`${s.url}/v1/models/copy`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.body.status, 'unloaded');
    assert.equal((await post(`${s.url}/v1/models/copy/infer`, { inputs: [[1, 2, 3, 4]] })).status, 404);
    assert.equal((await request(`${s.url}/v1/models/never`, { method: 'DELETE' })).status, 404);
    const again = await post(`${s.url}/v1/models`, { name: 'copy', path: 'extra/copy.onnx' });
    assert.equal(again.status, 200);
    assert.equal((await post(`${s.url}/v1/models/copy/infer`, { inputs: [[1, 2, 3, 4]] })).status, 200);
  });
});
