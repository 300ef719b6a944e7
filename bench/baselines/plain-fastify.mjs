#!/usr/bin/env node
// The fair competitor: what a careful developer writes in an afternoon. fastify + onnxruntime-node, ONE
// InferenceSession created at start and reused, run from the main thread (no worker threads, no batching, no
// queue), the same route and the same response fields as onnxserve's V1 API.
//
//   node bench/baselines/plain-fastify.mjs --port 8091 --model models/fraud_detector.onnx [--intra-op-threads N]
import os from 'node:os';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import ort from 'onnxruntime-node';

const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8091' },
    host: { type: 'string', default: '127.0.0.1' },
    model: { type: 'string', default: 'models/fraud_detector.onnx' },
    name: { type: 'string', default: 'fraud_detector' },
    // onnxserve's default: half the cores, at least 1. Same threads on both sides keeps the comparison fair.
    'intra-op-threads': { type: 'string', default: String(Math.max(1, Math.floor(cores / 2))) },
  },
});

const session = await ort.InferenceSession.create(values.model, {
  intraOpNumThreads: Number(values['intra-op-threads']),
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const inputName = session.inputNames[0];
const probsName = session.outputNames.find((n) => n === 'probabilities') ?? session.outputNames[session.outputNames.length - 1];
const WIDTH = 30;

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024, keepAliveTimeout: 72_000 });

app.post(`/v1/models/${values.name}/infer`, async (request, reply) => {
  const rows = request.body?.inputs;
  if (!Array.isArray(rows) || rows.length === 0) return reply.code(400).send({ error: "'inputs' must be a non-empty array of rows" });
  const data = new Float32Array(rows.length * WIDTH);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row) || row.length !== WIDTH) {
      return reply.code(400).send({ error: `Transaction ${i} has ${Array.isArray(row) ? row.length : 0} features, expected ${WIDTH}` });
    }
    for (let j = 0; j < WIDTH; j++) data[i * WIDTH + j] = row[j];
  }
  const out = await session.run({ [inputName]: new ort.Tensor('float32', data, [rows.length, WIDTH]) });
  const p = out[probsName].data;
  const predictions = [];
  const probabilities = [];
  const isFraud = [];
  const confidence = [];
  for (let i = 0; i < rows.length; i++) {
    const p1 = p[i * 2 + 1];
    predictions.push(p1 > 0.5 ? 1 : 0);
    probabilities.push([p[i * 2], p1]);
    isFraud.push(p1 > 0.5);
    confidence.push(p1);
  }
  return { model_name: values.name, predictions, probabilities, is_fraud: isFraud, confidence };
});

app.get('/health', async () => ({ status: 'healthy' }));

await app.listen({ port: Number(values.port), host: values.host });
console.log(JSON.stringify({ msg: 'server ready', server: 'plain-fastify', port: app.server.address().port }));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { app.close().then(() => process.exit(0), () => process.exit(1)); });
