/**
 * The three V2 encodings and the V1 endpoint agree on the same inputs: one server, one ORT session per model, so
 * FP32 outputs must be bit-identical whichever way the tensors travelled (and close to the JS references).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifierReference, mlpReference, sampleInput } from '../../scripts/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeClient, TRANSPORTS, type InferInput, type OutputTensor, type V2Client } from './clients.js';
import { near, ok, sameBits, sameValues } from './assertions.js';
import { SERVER_OVERRIDES, stopServer } from './lifecycle.js';
import { parseJsonExact, type OutputValues } from './wire.js';

interface Case {
  readonly model: string;
  readonly inputs: readonly (InferInput & { data: Float32Array })[];
  /** Outputs and their references (within 1e-5 for FP32, exact for INT64). */
  readonly reference: Record<string, Float32Array | BigInt64Array>;
}

const mlpX = sampleInput(5 * 4, 21, 3);
const clsX = sampleInput(3 * 30, 22, 2);
const a = sampleInput(4 * 3, 23);
const b = sampleInput(4 * 3, 24);
const cls = classifierReference(clsX, 3);

const CASES: readonly Case[] = [
  { model: 'mlp', inputs: [{ name: 'x', datatype: 'FP32', shape: [5, 4], data: mlpX }], reference: { y: mlpReference(mlpX, 5) } },
  {
    model: 'classifier', inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 30], data: clsX }],
    reference: { probabilities: cls.probabilities, label: cls.label },
  },
  {
    model: 'multi_io',
    inputs: [{ name: 'a', datatype: 'FP32', shape: [4, 3], data: a }, { name: 'b', datatype: 'FP32', shape: [4, 3], data: b }],
    // float32 Add/Mul are correctly rounded, exactly as Math.fround of the (exact) double result.
    reference: { sum: a.map((v, i) => Math.fround(v + b[i])), product: a.map((v, i) => Math.fround(v * b[i])) },
  },
];

/** Row-major flat data as nested arrays following `shape` (V1 takes nested inputs). */
function nest(flat: ArrayLike<number>, shape: readonly number[], at = 0): unknown {
  if (shape.length === 1) return Array.from({ length: shape[0] }, (_, i) => flat[at + i]);
  const inner = shape.slice(1).reduce((x, y) => x * y, 1);
  return Array.from({ length: shape[0] }, (_, i) => nest(flat, shape.slice(1), at + i * inner));
}

const flatDeep = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flatDeep) : [v]);

/** POST /v1/models/{m}/infer with {"inputs": {name: nested}}; the answer's `outputs` maps names to nested data. */
async function inferV1(url: string, c: Case): Promise<Map<string, OutputValues>> {
  const inputs = Object.fromEntries(c.inputs.map((t) => [t.name, nest(t.data, t.shape)]));
  const res = await fetch(`${url}/v1/models/${c.model}/infer`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = parseJsonExact(text) as { model_name: string; outputs: Record<string, unknown> };
  assert.equal(body.model_name, c.model);
  const out = new Map<string, OutputValues>();
  for (const [name, nested] of Object.entries(body.outputs)) {
    const flat = flatDeep(nested);
    out.set(name, c.reference[name] instanceof BigInt64Array
      ? BigInt64Array.from(flat, (v) => BigInt(v as number | bigint))
      : Float32Array.from(flat as number[]));
  }
  return out;
}

describe('V2 REST JSON, REST binary, gRPC and V1 agree', () => {
  let server: TestServer | undefined;
  const clients: V2Client[] = [];
  before(async () => {
    server = await startTestServer(['mlp', 'classifier', 'multi_io'], { grpc: true, ...SERVER_OVERRIDES });
    for (const t of TRANSPORTS) clients.push(makeClient(t, server));
  });
  after(async () => {
    for (const c of clients) c.close();
    await stopServer(server);
  });

  for (const c of CASES) {
    test(`${c.model}: every encoding gives the same outputs, bit for bit`, async () => {
      const answers = new Map<string, Map<string, OutputValues>>();
      for (const client of clients) {
        const res = ok(await client.infer(c.model, undefined, { inputs: c.inputs }), client.transport);
        assert.equal(res.model_name, c.model);
        answers.set(client.transport, new Map(res.outputs.map((o: OutputTensor) => [o.name, o.data])));
      }
      answers.set('v1', await inferV1(server!.url, c));
      const [first, ...rest] = [...answers.entries()];
      for (const [name, ref] of Object.entries(c.reference)) {
        const base = first[1].get(name);
        assert.ok(base, `${first[0]} has output '${name}'`);
        if (ref instanceof BigInt64Array) sameValues(base, ref, `${first[0]} ${name}`);
        else near(base, ref, 1e-5, `${first[0]} ${name} vs reference`);
        for (const [encoding, outputs] of rest) {
          const got = outputs.get(name);
          assert.ok(got, `${encoding} has output '${name}'`);
          if (base instanceof Float32Array) sameBits(got, base, `${encoding} ${name} vs ${first[0]}`);
          else sameValues(got, base, `${encoding} ${name} vs ${first[0]}`);
        }
      }
      for (const [encoding, outputs] of answers) {
        assert.deepEqual([...outputs.keys()].sort(), Object.keys(c.reference).sort(), `${encoding} outputs`);
      }
    });
  }
});
