#!/usr/bin/env node
// The ceiling: node:http answering every request with one fixed JSON body (onnxserve's V1 answer for one
// fraud row), after reading the whole request body. No routing, no parsing, no model: what is left is the
// cost of HTTP itself in Node, which no Node server can beat.
//
//   node bench/baselines/raw-http.mjs --port 8090 [--host 127.0.0.1] [--model path-ignored]
import http from 'node:http';
import { Buffer } from 'node:buffer';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8090' },
    host: { type: 'string', default: '127.0.0.1' },
    // Accepted for a command line uniform with plain-fastify.mjs; no model is loaded.
    model: { type: 'string' },
  },
});

const BODY = Buffer.from(JSON.stringify({
  model_name: 'fraud_detector',
  model_version: '1',
  predictions: [0],
  probabilities: [[0.9969684481620789, 0.0030315518379211426]],
  is_fraud: [false],
  confidence: [0.0030315518379211426],
  outputs: { label: [0], probabilities: [[0.9969684481620789, 0.0030315518379211426]] },
}));
const HEADERS = { 'content-type': 'application/json', 'content-length': String(BODY.length) };

const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'server ready', server: 'raw-http', port }));
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
