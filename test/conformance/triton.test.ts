/**
 * Triton behaviours (issue 12) over REST JSON, REST binary and gRPC: one server per transport on the Triton-layout
 * repository of triton-repo.ts with explicit model control, one with --model-control-mode none, and one whose
 * loads the test holds, to see a LOADING model listed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OrtBackend, type Backend, type LoadedModel, type SessionOptions } from '../../src/backend/index.js';
import { modelNameOf } from '../helpers/fake-backend.js';
import { get as httpGet, startTestServer, type TestServer } from '../helpers/server.js';
import { stopServer } from './lifecycle.js';
import { makeClient, TRANSPORTS, type Transport, type V2Client } from './clients.js';
import { fails, ok, type Ctx } from './assertions.js';
import { noControlCases, tritonCases, tritonRawCases } from './cases-triton.js';
import { PLAIN_MODELS, STARTUP_MODELS, writeTritonModels } from './triton-repo.js';

/** Holds every load of `name` until released; other models load at once. */
class HeldLoads implements Backend {
  private readonly gates: (() => void)[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly inner: Backend, private readonly name: string) {}

  async load(modelPath: string, options: SessionOptions): Promise<LoadedModel> {
    if (modelNameOf(modelPath) === this.name) {
      await new Promise<void>((resolve) => {
        this.gates.push(resolve);
        for (const w of this.waiting.splice(0)) w();
      });
    }
    return this.inner.load(modelPath, options);
  }

  /** Resolves once a load of the model is held. */
  held(): Promise<void> {
    return this.gates.length > 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

function suite(transport: Transport, name: string, start: () => Promise<TestServer>, cases: (get: () => Ctx) => void): void {
  describe(`${name} over ${transport}`, () => {
    let server: TestServer | undefined;
    let client: V2Client | undefined;
    before(async () => {
      server = await start();
      client = makeClient(transport, server);
    });
    after(async () => {
      client?.close();
      await stopServer(server);
    });
    cases(() => {
      if (!server || !client) throw new Error('the server did not start');
      return { transport, server, client };
    });
  });
}

for (const transport of TRANSPORTS) {
  const grpc = transport === 'grpc';
  suite(transport, 'Triton behaviours', () => startTestServer(PLAIN_MODELS, {
    grpc, modelControlMode: 'explicit', loadModel: STARTUP_MODELS.join(','),
  }, writeTritonModels), (get) => {
    tritonCases(get);
    if (transport === 'rest-binary') tritonRawCases(get);
  });

  suite(transport, 'Triton model control none', () => startTestServer(['mlp'], { grpc, modelControlMode: 'none' }), noControlCases);

  const backend = new HeldLoads(new OrtBackend(), 'mlp');
  suite(transport, 'a model that is loading', () => startTestServer(['mlp', 'classifier'], {
    grpc, modelControlMode: 'explicit', loadModel: 'classifier',
  }, undefined, { backend }), (get) => {
    test('is listed as LOADING (index, V1 list), answers UNAVAILABLE, and serves once loaded', async () => {
      const { client, server } = get();
      const loading = client.loadModel('mlp');
      await backend.held();
      const entry = ok(await client.repositoryIndex()).find((e) => e.name === 'mlp');
      assert.deepEqual(entry, { name: 'mlp', version: '1', state: 'LOADING', reason: '' });
      assert.deepEqual(ok(await client.repositoryIndex(true)).map((e) => e.name), ['classifier']);
      const v1 = await httpGet(`${server.url}/v1/models`);
      assert.deepEqual((v1.body.models as { name: string; state: string }[]).filter((m) => m.name === 'mlp').map((m) => m.state), ['LOADING']);
      assert.equal(await client.modelReady('mlp'), false);
      assert.equal(await client.serverReady(), false, 'strict readiness: a loading model holds readiness');
      fails(await client.modelMetadata('mlp'), 'UNAVAILABLE', /^Request for unknown model: 'mlp' has no available versions \(version 1 is LOADING\)/);
      backend.release();
      ok(await loading);
      assert.equal(await client.modelReady('mlp'), true);
      assert.equal(await client.serverReady(), true);
    });
  });
}
