/**
 * Case 65 and the model-control half of case 53 (reliability-anchors.md §3; incidents 2 and 12: TorchServe's open
 * management API, Triton's restricted API enforced on one listener only). With an admin token configured, every
 * management route on every listener needs `Authorization: Bearer <token>`; inference, health and metadata never
 * do; with no token, management is open (the default); --model-control-mode none|poll refuses load and unload.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadConfig, SETTINGS, type SettingSpec } from '../../src/config/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  assertMlp, grpcCall, grpcClient, grpcName, httpRequest, mlpBody, type Answer, type GrpcClient,
} from './harness.js';

const TOKEN = 's3cret-admin-token';
const JSON_HEADERS = { 'content-type': 'application/json' };

type Auth = 'none' | 'wrong' | 'basic' | 'bare' | 'right';
const AUTH_HEADER: Record<Auth, string | undefined> = {
  none: undefined, wrong: 'Bearer not-the-token', basic: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, bare: TOKEN, right: `Bearer ${TOKEN}`,
};

interface Running {
  readonly server: TestServer;
  readonly grpc: GrpcClient;
  readonly metricsPort?: number;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function start(overrides: Record<string, unknown>): Promise<Running> {
  const server = await startTestServer(['mlp'], { grpc: true, ...overrides }, (repo) => {
    copyFileSync(path.join(repo, 'mlp', '1', 'model.onnx'), path.join(repo, 'flat.onnx'));
    copyFileSync(path.join(repo, 'mlp', '1', 'model.onnx'), path.join(repo, 'spare.onnx'));
  });
  const metricsPort = (server as { metricsPort?: number }).metricsPort;
  return { server, grpc: grpcClient(server.grpcPort!), ...(metricsPort ? { metricsPort } : {}) };
}

async function stop(r: Running | undefined): Promise<void> {
  if (!r) return;
  r.grpc.close();
  await r.server.stop();
}

/** One management operation on one listener; `target` is a model that an unauthorized call must leave alone. */
interface Op {
  readonly name: string;
  readonly run: (r: Running, auth: string | undefined, target: string) => Promise<Answer>;
}

function http(method: string, url: (t: string) => string, body?: (t: string) => string) {
  return (r: Running, auth: string | undefined, target: string): Promise<Answer> => httpRequest(r.server.httpPort, method, url(target), {
    headers: { ...(body ? JSON_HEADERS : {}), ...(auth ? { authorization: auth } : {}) }, ...(body ? { body: body(target) } : {}),
  });
}
function rpc(method: string, req: (t: string) => unknown) {
  return (r: Running, auth: string | undefined, target: string): Promise<Answer> =>
    grpcCall(r.grpc, method, req(target), auth ? { metadata: { authorization: auth } } : {});
}

/** Every management route and RPC, in an order that also works with the right token (load before unload). */
const OPS: readonly Op[] = [
  { name: 'V1 POST /v1/models (load)', run: http('POST', () => '/v1/models', (t) => JSON.stringify({ name: t, path: `${t}.onnx` })) },
  { name: 'V1 DELETE /v1/models/{m}', run: http('DELETE', (t) => `/v1/models/${t}`) },
  { name: 'V2 POST /v2/repository/index', run: http('POST', () => '/v2/repository/index', () => '{}') },
  { name: 'V2 POST /v2/repository/models/{m}/load', run: http('POST', (t) => `/v2/repository/models/${t}/load`, () => '{}') },
  { name: 'V2 POST /v2/repository/models/{m}/unload', run: http('POST', (t) => `/v2/repository/models/${t}/unload`, () => '{}') },
  { name: 'gRPC RepositoryIndex', run: rpc('RepositoryIndex', () => ({})) },
  { name: 'gRPC RepositoryModelLoad', run: rpc('RepositoryModelLoad', (t) => ({ model_name: t })) },
  { name: 'gRPC RepositoryModelUnload', run: rpc('RepositoryModelUnload', (t) => ({ model_name: t })) },
];

const ok = (a: Answer): boolean => (a.grpc ? a.status === 0 : a.status >= 200 && a.status < 300);
const show = (a: Answer): string => `${a.grpc ? grpcName(a.status) : a.status} ${a.text.slice(0, 200)}`;

describe('admin token: every management route on every listener (case 65)', () => {
  let r: Running;
  before(async () => {
    r = await start({ adminToken: TOKEN, metricsPort: await freePort() });
  });
  after(() => stop(r));

  for (const auth of ['none', 'wrong', 'basic', 'bare'] as const) {
    for (const op of OPS) {
      test(`${op.name} with ${auth === 'none' ? 'no' : `a ${auth}`} Authorization → 401 / UNAUTHENTICATED, and nothing changes`, async () => {
        // The target is mlp itself: an unauthorized unload that went through would show at once.
        const a = await op.run(r, AUTH_HEADER[auth], 'mlp');
        if (a.grpc) assert.equal(grpcName(a.status), 'UNAUTHENTICATED', show(a));
        else {
          assert.equal(a.status, 401, show(a));
          assert.match(a.body?.error ?? '', /token|authoriz/i, show(a));
        }
        assert.doesNotMatch(a.text, new RegExp(TOKEN), 'the error must not echo the token');
        assertMlp(await httpRequest(r.server.httpPort, 'POST', '/v2/models/mlp/infer', { headers: JSON_HEADERS, body: JSON.stringify(mlpBody()) }));
      });
    }
  }

  for (const op of OPS) {
    test(`${op.name} with the right token → success`, async () => {
      const a = await op.run(r, AUTH_HEADER.right, 'flat');
      assert.ok(ok(a), show(a));
    });
  }

  test('the token is checked before the body is read: a malformed body without a token gets 401, not 400', async () => {
    const a = await httpRequest(r.server.httpPort, 'POST', '/v2/repository/models/mlp/load', { headers: JSON_HEADERS, body: '{{{{' });
    assert.equal(a.status, 401, show(a));
  });

  test('a 401 names the scheme: WWW-Authenticate: Bearer (RFC 9110 §11.6.1, RFC 6750 §3)', async () => {
    const a = await httpRequest(r.server.httpPort, 'POST', '/v2/repository/index', { headers: JSON_HEADERS, body: '{}' });
    assert.equal(a.status, 401);
    assert.match(String(a.headers['www-authenticate'] ?? ''), /^Bearer\b/);
  });

  test('inference, health, metadata, statistics and metrics never need the token (HTTP)', async () => {
    const port = r.server.httpPort;
    const body = JSON.stringify(mlpBody());
    for (const [method, url, b] of [
      ['GET', '/v2/health/live'], ['GET', '/v2/health/ready'], ['GET', '/v2'], ['GET', '/v2/models/mlp'], ['GET', '/v2/models/mlp/ready'],
      ['GET', '/v2/models/mlp/config'], ['GET', '/v2/models/mlp/stats'], ['GET', '/v2/models/stats'], ['GET', '/health'], ['GET', '/v1/models'],
      ['GET', '/v1/models/mlp'], ['GET', '/metrics'], ['POST', '/v2/models/mlp/infer', body], ['POST', '/v2/models/mlp/versions/1/infer', body],
      ['POST', '/v1/models/mlp/infer', JSON.stringify({ inputs: [[1, 2, 3, 4]] })],
    ] as const) {
      for (const auth of [undefined, AUTH_HEADER.wrong]) {
        const a = await httpRequest(port, method, url, { headers: { ...(b ? JSON_HEADERS : {}), ...(auth ? { authorization: auth } : {}) }, ...(b ? { body: b } : {}) });
        assert.equal(a.status, 200, `${method} ${url} (${auth ? 'wrong token' : 'no token'}): ${show(a)}`);
      }
    }
  });

  test('inference, health and metadata never need the token (gRPC)', async () => {
    const infer = { model_name: 'mlp', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }] };
    for (const [method, req] of [['ServerLive', {}], ['ServerReady', {}], ['ServerMetadata', {}], ['ModelReady', { name: 'mlp' }],
      ['ModelMetadata', { name: 'mlp' }], ['ModelConfig', { name: 'mlp' }], ['ModelStatistics', { name: 'mlp' }], ['ModelInfer', infer]] as const) {
      const a = await grpcCall(r.grpc, method, req);
      assert.equal(grpcName(a.status), 'OK', `${method}: ${show(a)}`);
    }
  });

  test('the separate metrics listener serves no management route', async (t) => {
    if (!r.metricsPort) {
      t.skip('this server has no separate metrics listener');
      return;
    }
    for (const op of OPS.filter((o) => o.name.startsWith('V'))) {
      const a = await op.run({ ...r, server: { ...r.server, httpPort: r.metricsPort } }, AUTH_HEADER.none, 'mlp');
      assert.ok(a.status === 404 || a.status === 401, `${op.name} on the metrics port: ${show(a)}`);
    }
  });

  test('the token comes from --admin-token or ONNXSERVE_ADMIN_TOKEN', () => {
    assert.ok((SETTINGS as readonly SettingSpec[]).some((s) => s.flag === 'admin-token'), '--admin-token flag');
    const fromEnv = loadConfig({}, { ONNXSERVE_ADMIN_TOKEN: 'from-env' }) as unknown as { adminToken?: string };
    assert.equal(fromEnv.adminToken, 'from-env');
    const none = loadConfig({}, {}) as unknown as { adminToken?: string };
    assert.equal(none.adminToken, undefined, 'no token by default');
  });
});

describe('no admin token (the default): management is open', () => {
  let r: Running;
  before(async () => {
    r = await start({});
  });
  after(() => stop(r));

  for (const op of OPS) {
    test(`${op.name} without a token → success`, async () => {
      const a = await op.run(r, undefined, 'spare');
      assert.ok(ok(a), show(a));
    });
  }
});

for (const mode of ['none', 'poll'] as const) {
  describe(`--model-control-mode ${mode}: load and unload are refused, reading is not`, () => {
    let r: Running;
    before(async () => {
      r = await start({ modelControlMode: mode, adminToken: TOKEN, pollIntervalMs: 60_000 });
    });
    after(() => stop(r));

    for (const op of OPS) {
      const reads = /index/i.test(op.name);
      // Triton's answer: UNAVAILABLE (HTTP 503) and its text, which its clients match on.
      test(`${op.name} with the right token → ${reads ? 'success' : '503 / UNAVAILABLE'}`, async () => {
        const a = await op.run(r, AUTH_HEADER.right, 'flat');
        if (reads) assert.ok(ok(a), show(a));
        else if (a.grpc) assert.equal(grpcName(a.status), 'UNAVAILABLE', show(a));
        else {
          assert.equal(a.status, 503, show(a));
          assert.match(a.body?.error ?? '', /^explicit model load \/ unload is not allowed if polling is enabled: .*--model-control-mode/, show(a));
        }
        assertMlp(await httpRequest(r.server.httpPort, 'POST', '/v2/models/flat/infer', { headers: JSON_HEADERS, body: JSON.stringify(mlpBody()) }));
      });
    }

    test('without a token the answer is still 401 (authentication comes first)', async () => {
      const a = await httpRequest(r.server.httpPort, 'POST', '/v2/repository/models/mlp/load', { headers: JSON_HEADERS, body: '{}' });
      assert.equal(a.status, 401, show(a));
    });
  });
}
