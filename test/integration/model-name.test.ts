import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/server/server.js';
import { get, post, startTestServer } from '../helpers/server.js';

// --model-name as KServe uses it: the model mounted at /mnt/models, the InferenceService's name on the command line.
const SEED_ROW = [0.5, 125.50, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7, 1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3,
  -0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5];
const FRAUD = 'models/fraud_detector.onnx';

const v2Infer = (url: string, model: string) => post(`${url}/v2/models/${model}/infer`, {
  inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: SEED_ROW }],
});

describe('--model-name', () => {
  test('a repository holding a single model.onnx is served under the name, over V1 and V2', async () => {
    const s = await startTestServer([], { modelName: 'fraud-isvc' }, (dir) => copyFileSync(FRAUD, path.join(dir, 'model.onnx')));
    try {
      const meta = await get(`${s.url}/v2/models/fraud-isvc`);
      assert.equal(meta.status, 200, meta.text);
      assert.equal(meta.body.name, 'fraud-isvc');
      assert.equal((await get(`${s.url}/v2/models/fraud-isvc/ready`)).status, 200);
      const v2 = await v2Infer(s.url, 'fraud-isvc');
      assert.equal(v2.status, 200, v2.text);
      assert.equal(v2.body.model_name, 'fraud-isvc');
      const v1 = await post(`${s.url}/v1/models/fraud-isvc/infer`, { inputs: [SEED_ROW] });
      assert.equal(v1.status, 200, v1.text);
      assert.deepEqual(v1.body.predictions, [0]);
      // The file's own name is not served beside it.
      assert.equal((await get(`${s.url}/v2/models/model`)).status, 404);
    } finally {
      await s.stop();
    }
  });

  test('a model directory whose config.pbtxt names it otherwise is served under the chosen name', async () => {
    const s = await startTestServer([], { modelName: 'style-sample' }, (dir) => {
      writeFileSync(path.join(dir, 'config.pbtxt'), 'name: "style"\nplatform: "onnxruntime_onnx"\n');
      mkdirSync(path.join(dir, '1'));
      copyFileSync(FRAUD, path.join(dir, '1', 'model.onnx'));
    });
    try {
      const config = await get(`${s.url}/v2/models/style-sample/config`);
      assert.equal(config.status, 200, config.text);
      assert.equal(config.body.name, 'style-sample');
      const r = await v2Infer(s.url, 'style-sample');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.model_version, '1');
      // The repository load API reloads it by the same name.
      assert.equal((await post(`${s.url}/v2/repository/models/style-sample/load`, {})).status, 200);
      assert.equal((await get(`${s.url}/v2/models/style-sample/ready`)).status, 200);
    } finally {
      await s.stop();
    }
  });

  test('a repository of several models keeps their own names', async () => {
    const s = await startTestServer([], { modelName: 'fraud-isvc' }, (dir) => {
      copyFileSync(FRAUD, path.join(dir, 'a.onnx'));
      copyFileSync(FRAUD, path.join(dir, 'b.onnx'));
    });
    try {
      assert.equal((await get(`${s.url}/v2/models/a`)).status, 200);
      assert.equal((await get(`${s.url}/v2/models/b`)).status, 200);
      assert.equal((await get(`${s.url}/v2/models/fraud-isvc`)).status, 404);
    } finally {
      await s.stop();
    }
  });

  test('comes from ONNXSERVE_MODEL_NAME too, and an unsafe name stops the start', async () => {
    assert.equal(loadConfig({}, { ONNXSERVE_MODEL_NAME: 'from-env' }).modelName, 'from-env');
    const config = loadConfig({ modelRepository: 'models', modelName: '../escape', httpPort: 0, grpc: false, logLevel: 'silent' }, {});
    await assert.rejects(startServer(config), /invalid model name/);
  });
});
