/**
 * A model whose requests wait in the queue until the test releases them: identity_fp32 behind a dynamic batcher
 * that holds a batch up to 10 minutes for 8 rows. A 1-row request therefore stays queued, however fast the
 * machine, until 7 more rows arrive (the release) — so tests order events by the queue's observable state.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InferInput } from '../../src/client/index.js';
import { TEST_MODELS, type TestServer } from '../helpers/server.js';

export const HELD = 'held';

export function addHeldModel(dir: string): void {
  mkdirSync(path.join(dir, HELD, '1'), { recursive: true });
  copyFileSync(path.join(TEST_MODELS, 'identity_fp32', '1', 'model.onnx'), path.join(dir, HELD, '1', 'model.onnx'));
  writeFileSync(path.join(dir, HELD, 'config.pbtxt'),
    'max_batch_size: 8\ndynamic_batching { preferred_batch_size: [ 8 ] max_queue_delay_microseconds: 600000000 }\n');
}

export const heldInput = (rows: number): InferInput => ({ name: 'INPUT0', datatype: 'FP32', shape: [rows, 1], data: new Float32Array(rows) });

/** Requests of `model` waiting in its scheduler's queue. */
export function queued(server: TestServer, model = HELD): number {
  return server.registry.resolve(model).scheduler?.pending ?? 0;
}

export function executions(server: TestServer, model = HELD): { executions: number; successes: number; failures: number } {
  const s = server.registry.resolve(model).stats.snapshot();
  return { executions: s.execution_count, successes: s.inference_stats.success.count, failures: s.inference_stats.fail.count };
}
