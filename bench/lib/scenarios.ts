/** What `npm run bench` measures: each scenario is one request shape sent to the servers that can answer it. */
import type { Protocol } from '../../src/bench/types.js';
import type { ServerName } from './servers.js';

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly model: 'fraud_detector' | 'mlp_784';
  readonly protocol: Protocol;
  /** Rows per request. */
  readonly batch: number;
  /** Servers that speak this request (raw-http answers anything: it is the HTTP ceiling). */
  readonly servers: readonly ServerName[];
  /** Part of `--quick`. */
  readonly quick: boolean;
}

const V1_SERVERS: readonly ServerName[] = ['onnxserve', 'onnxserve-ref', 'plain-fastify', 'fastapi', 'raw-http'];

export const SCENARIOS: readonly Scenario[] = [
  { id: 'fraud-1-v1', title: 'fraud_detector, 1 row, V1 JSON', model: 'fraud_detector', protocol: 'v1', batch: 1, servers: V1_SERVERS, quick: true },
  { id: 'fraud-1-v2json', title: 'fraud_detector, 1 row, V2 JSON', model: 'fraud_detector', protocol: 'v2-json', batch: 1, servers: ['onnxserve', 'onnxserve-ref', 'raw-http'], quick: false },
  { id: 'fraud-64-v1', title: 'fraud_detector, 64 rows, V1 JSON', model: 'fraud_detector', protocol: 'v1', batch: 64, servers: V1_SERVERS, quick: true },
  { id: 'mlp-64-v2json', title: 'mlp_784, 64x784, V2 JSON', model: 'mlp_784', protocol: 'v2-json', batch: 64, servers: ['onnxserve', 'onnxserve-ref', 'raw-http'], quick: true },
  { id: 'mlp-64-v2binary', title: 'mlp_784, 64x784, V2 binary tensors', model: 'mlp_784', protocol: 'v2-binary', batch: 64, servers: ['onnxserve', 'onnxserve-ref', 'raw-http'], quick: true },
  { id: 'mlp-64-grpc', title: 'mlp_784, 64x784, gRPC', model: 'mlp_784', protocol: 'grpc', batch: 64, servers: ['onnxserve', 'onnxserve-ref'], quick: true },
];

export const CONCURRENCY = [1, 10, 64] as const;
