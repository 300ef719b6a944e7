// A gRPC client for the container tests (scripts/container-test.sh): built from the repository's proto/ the way
// any client would (grpcurl, tritonclient.grpc), it checks the server and sends the seed's row to a model.
//
//   node scripts/container-grpc-client.mjs 127.0.0.1:8081 fraud_detector
//
// Prints one JSON line ({live, ready, modelReady, model, p1}) and exits 0 when every call answered as expected.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const [target, model] = process.argv.slice(2);
if (!target || !model) {
  process.stderr.write('usage: container-grpc-client.mjs HOST:PORT MODEL\n');
  process.exit(2);
}

const SEED_ROW = [0.5, 125.5, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7, 1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3,
  -0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5];
// P(fraud) for the seed's row, as the seed's README states it.
const EXPECTED_P1 = 0.0023108720779418945;

const protoDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'proto');
const definition = protoLoader.loadSync('grpc_service.proto', { includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true });
const pkg = grpc.loadPackageDefinition(definition);
const stub = new pkg.inference.GRPCInferenceService(target, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 10_000);

function call(method, request) {
  return new Promise((resolve, reject) => {
    stub[method](request, { deadline: deadline() }, (err, res) => (err ? reject(new Error(`${method}: ${err.details || err.message}`)) : resolve(res)));
  });
}

try {
  const live = (await call('ServerLive', {})).live;
  const ready = (await call('ServerReady', {})).ready;
  const modelReady = (await call('ModelReady', { name: model })).ready;
  const meta = await call('ModelMetadata', { name: model });
  const res = await call('ModelInfer', {
    model_name: model,
    inputs: [{ name: meta.inputs[0].name, datatype: 'FP32', shape: ['1', '30'], contents: { fp32_contents: SEED_ROW } }],
    outputs: [{ name: 'probabilities' }],
  });
  const out = res.outputs.findIndex((o) => o.name === 'probabilities');
  if (out < 0) throw new Error('ModelInfer: no probabilities output');
  // Outputs come back in raw_output_contents (little-endian FP32), as Triton answers.
  const raw = res.raw_output_contents[out];
  const probs = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const p1 = probs[1];
  const result = { live, ready, modelReady, model: meta.name, p1 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const ok = live && ready && modelReady && meta.name === model && Math.abs(p1 - EXPECTED_P1) < 1e-6;
  process.exitCode = ok ? 0 : 1;
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  stub.close();
}
