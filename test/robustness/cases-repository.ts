/**
 * Catalogue section E (reliability-anchors.md §3): model management and the repository. Files are only ever
 * read from inside the repository; a failed (re)load never changes what is served (promise P3).
 * Model-file rows rewrite `swap` (a copy of mlp) and put the good file back afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertMlp, grpcCall, httpRequest, mlpBody, postJson, postText, waitForInflight, type Answer, type Case, type Ctx, type NotHere,
} from './harness.js';
import { Progress } from '../helpers/wait.js';
import { mlpModel, noise, notAModel } from './models.js';

const load = (model: string, body = '') => (c: Ctx): Promise<Answer> => postText(c, `/v2/repository/models/${model}/load`, body);
const v1Load = (name: string, p: unknown, extra: Record<string, unknown> = {}) => (c: Ctx): Promise<Answer> => postJson(c, '/v1/models', { name, path: p, ...extra });
const inferMlpLike = (c: Ctx, model: string): Promise<Answer> => postJson(c, `/v2/models/${model}/infer`, mlpBody());
const LOAD_FAILED = /failed to load|load failed|could not load|cannot load/i;

async function assertNotServing(c: Ctx, model: string): Promise<void> {
  const a = await inferMlpLike(c, model);
  assert.ok(a.status === 404 || a.status === 503, `${model} must not serve, answered ${a.status}: ${a.text.slice(0, 200)}`);
}

async function assertNoOutbound(_a: Answer, c: Ctx): Promise<void> {
  assert.equal(await c.outboundHits(), 0, 'a load request made an outbound connection');
}

const GOOD = mlpModel();
const swapFile = (c: Ctx, version = 1): string => path.join(c.repo, 'swap', String(version), 'model.onnx');

/**
 * Puts a bad file in place of swap's model and asks for a reload; swap must still serve the old model (P3).
 * That is checked inside send(), before the status, so a model that stopped serving is the failure reported.
 */
function badSwapFile(id: string, title: string, bytes: () => Uint8Array | string): Case {
  return {
    id, title,
    send: async (c) => {
      writeFileSync(swapFile(c), bytes());
      try {
        const a = await load('swap')(c);
        assertMlp(await inferMlpLike(c, 'swap'), undefined, 1, `swap after a failed reload (load answered ${a.status})`);
        return a;
      } finally {
        writeFileSync(swapFile(c), GOOD);
      }
    },
    expect: { status: [400, 500], error: /'swap'/ },
  };
}

/** A config.pbtxt for swap; afterwards it is removed and swap reloaded from its plain model. */
function swapConfig(id: string, title: string, text: (c: Ctx) => string, status: number | number[], error?: RegExp): Case {
  return {
    id, title,
    send: async (c) => {
      writeFileSync(path.join(c.repo, 'swap', 'config.pbtxt'), text(c));
      return load('swap')(c);
    },
    expect: { status, ...(error ? { error } : {}), check: async (a, c) => {
      // Whatever was loaded must be the model inside the repository (the one outside answers twice the reference).
      assertMlp(await inferMlpLike(c, 'swap'));
      unlinkSync(path.join(c.repo, 'swap', 'config.pbtxt'));
      if (a.status === 200) assert.equal((await load('swap')(c)).status, 200);
    } },
  };
}

const BAD_PATHS: readonly (readonly [string, (c: Ctx) => string])[] = [
  ['a', () => '../../../../etc/passwd'], ['b', () => '/etc/passwd'], ['c', () => 'models/../../x.onnx'],
  ['d', () => 'file:///etc/passwd'], ['e', (c) => c.outboundUrl], ['f', () => 'models\\..\\..\\x'],
  ['g', () => 'mlp'], ['h', () => 'mlp/1'], ['i', () => 'fifo.onnx'], ['j', () => '/dev/zero'], ['k', (c) => path.join(c.outside, 'mlp.onnx')],
];

export const REPOSITORY_CASES: readonly Case[] = [
  ...([['a', '{"url":"URL"}', /unknown field 'url'/], ['b', '{"uri":"file:///etc/passwd"}', /unknown field 'uri'/],
    ['c', '{"config":"{}"}', /unknown field 'config'/], ['d', '{"files":{}}', /unknown field 'files'/],
    ['e', '{"parameters":{"file:1/model.onnx":"AAAA"}}', /file/], ['f', '{"parameters":{"config":"{\\"max_batch_size\\":1}"}}', /config/],
  ] as const).map(([v, body, error]): Case => ({
    id: `53.${v}`, title: `V2 load body ${body.replace('URL', 'http://127.0.0.1:…')}`,
    send: (c) => load('swap', body.replace('URL', c.outboundUrl))(c), expect: { status: 400, error, check: assertNoOutbound },
  })),
  { id: '53.g', title: 'gRPC load with a config override', send: (c) => grpcCall(c.grpcClient!, 'RepositoryModelLoad', { model_name: 'swap', parameters: { config: { string_param: '{}' } } }),
    expect: { grpc: 'INVALID_ARGUMENT', error: /config/ } },
  { id: '53.h', title: 'gRPC load with a file: parameter', send: (c) => grpcCall(c.grpcClient!, 'RepositoryModelLoad', { model_name: 'swap', parameters: { 'file:1/model.onnx': { bytes_param: Buffer.from('x') } } }),
    expect: { grpc: 'INVALID_ARGUMENT', error: /file/ } },
  { id: '53.i', title: 'V1 load with an extra url field', send: (c) => v1Load('v1url', 'extra/copy.onnx', { url: c.outboundUrl })(c),
    expect: { status: 400, error: /unknown field 'url'|url/, check: assertNoOutbound } },
  ...BAD_PATHS.map(([v, p]): Case => ({
    id: `54.${v}`, title: `V1 load path ${p({ outboundUrl: 'http://127.0.0.1:…', outside: '<outside>' } as Ctx)}`,
    send: (c) => v1Load('evil54', p(c))(c),
    expect: { status: 400, error: /path|\.onnx/, check: async (a, c) => {
      await assertNoOutbound(a, c);
      await assertNotServing(c, 'evil54');
    } },
  })),
  { id: '55.a', title: 'load of a model directory that is a symlink out of the repository', send: load('evil_dirlink'),
    expect: { status: [400, 404], error: /escape|outside|not in the model repository/, check: (_a, c) => assertNotServing(c, 'evil_dirlink') } },
  { id: '55.b', title: 'load of a model whose model.onnx is a symlink out of the repository', send: load('evil_filelink'),
    expect: { status: [400, 404], error: /escape|outside|not in the model repository/, check: (_a, c) => assertNotServing(c, 'evil_filelink') } },
  { id: '55.c', title: 'V1 load through a symlinked file', send: v1Load('evil55', 'evil_filelink/1/model.onnx'),
    expect: { status: 400, error: /path|\.onnx/, check: (_a, c) => assertNotServing(c, 'evil55') } },
  ...(['ext_abs', 'ext_rel', 'ext_link'] as const).map((m, i): Case => ({
    id: `56.${'abc'[i]}`, title: `external data out of the model directory (${m.slice(4)})`, send: load(m),
    expect: { status: [400, 500], error: LOAD_FAILED, check: (_a, c) => assertNotServing(c, m) },
  })),
  { id: '56.d', title: 'control: external data inside the model directory loads and serves', send: load('ext_ok'),
    expect: { status: 200, check: async (_a, c) => assertMlp(await inferMlpLike(c, 'ext_ok')) } },
  { id: '57.a', title: 'the escaping models were refused by the startup scan too', send: (c) => postText(c, '/v2/repository/index', '{}'),
    expect: { status: 200, check: (a) => {
      const bad = (a.body as { name: string; state: string }[]).filter((e) => /^(evil_|ext_(abs|rel|link))/.test(e.name) && e.state === 'READY');
      assert.deepEqual(bad, [], 'no escaping model may be READY');
    } } },
  { id: '57.b', title: 'the same model refused through the V1 load', send: v1Load('ext57', 'ext_abs/1/model.onnx'),
    expect: { status: [400, 500], error: /failed|path|\.onnx/i, check: (_a, c) => assertNotServing(c, 'ext57') } },
  { id: '57.c', title: 'and refused again on a second explicit load', send: load('ext_abs'),
    expect: { status: [400, 500], error: LOAD_FAILED, check: (_a, c) => assertNotServing(c, 'ext_abs') } },
  badSwapFile('58.a', 'reload to a zero-byte model keeps the old one serving', () => ''),
  badSwapFile('58.b', 'reload to a truncated protobuf', () => GOOD.subarray(0, Math.floor(GOOD.length / 2))),
  badSwapFile('58.c', 'reload to random bytes', () => noise(4096)),
  badSwapFile('58.d', 'reload to a protobuf that is not an ONNX model', notAModel),
  badSwapFile('58.e', 'reload to an unsupported opset (999)', () => mlpModel({ opset: 999 })),
  swapConfig('58.f', 'config.pbtxt with a YAML type tag', () => 'max_batch_size: !!python/object/apply:os.system ["id"]\n', [400, 500], /'swap'/),
  swapConfig('58.g', 'config.pbtxt that does not parse', () => 'max_batch_size: {{{\n', [400, 500], /'swap'/),
  swapConfig('58.h', 'config.pbtxt naming a model file outside the model directory', (c) =>
    `default_model_filename: "${path.relative(path.join(c.repo, 'swap', '1'), path.join(c.outside, 'mlp.onnx'))}"\n`, [200, 400]),
  { id: '61', title: 'reload to a broken new version: the error is returned and v1 keeps serving', send: async (c) => {
    mkdirSync(path.dirname(swapFile(c, 2)), { recursive: true });
    writeFileSync(swapFile(c, 2), noise(2048, 61));
    try {
      const a = await load('swap')(c);
      assertMlp(await inferMlpLike(c, 'swap'), undefined, 1, `swap after a failed reload to version 2 (load answered ${a.status})`);
      const ready = await httpRequest(c.port, 'GET', '/v2/models/swap/versions/1/ready');
      assert.equal(ready.status, 200, `version 1 must stay READY: ${ready.status} ${ready.text}`);
      return a;
    } finally {
      rmSync(path.join(c.repo, 'swap', '2'), { recursive: true, force: true });
      writeFileSync(swapFile(c), GOOD);
      await load('swap')(c);
    }
  }, expect: { status: [400, 500], error: /'swap'/ } },
  { id: '62', title: 'unload while inferring: in-flight requests finish 200, later ones 404/503', send: async (c) => {
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [0.25] }] };
    const inflight = [postJson(c, '/v2/models/slow_unload/infer', body), postJson(c, '/v2/models/slow_unload/infer', body)];
    await waitForInflight(c, 'slow_unload', 2);
    const unload = await postText(c, '/v2/repository/models/slow_unload/unload', '');
    for (const a of await Promise.all(inflight)) assert.equal(a.status, 200, `in-flight request: ${a.text}`);
    const late = await postJson(c, '/v2/models/slow_unload/infer', body);
    assert.ok(late.status === 404 || late.status === 503, `after unload: ${late.status} ${late.text}`);
    return unload;
  }, expect: { status: 200 } },
  { id: '63', title: 'load/unload storm: 20 concurrent operations, then a final load', send: async (c) => {
    const ops = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      postText(c, `/v2/repository/models/storm/${i % 2 === 0 ? 'load' : 'unload'}`, '').then((a) => ({ op: i % 2 === 0 ? 'load' : 'unload', a }))));
    for (const { op, a } of ops) assert.ok(a.status === 200 || (op === 'unload' && a.status === 404), `${op}: ${a.status} ${a.text}`);
    return load('storm')(c);
  }, expect: { status: 200, check: async (_a, c) => {
    assertMlp(await inferMlpLike(c, 'storm'));
    const index = (await postText(c, '/v2/repository/index', '{"ready":true}')).body as { name: string }[];
    assert.equal(index.filter((e) => e.name === 'storm').length, 1, 'exactly one READY version of storm');
  } } },
  // A load that blocked the main thread would hold every request in flight for about as long as the loads take:
  // the requests overlapping the loads are compared with the loads' own duration, not with fixed milliseconds.
  { id: '64', title: 'two models loading in parallel do not stall a third model\'s traffic', send: async (c) => {
    const during: number[] = [];
    let phase: 'before' | 'loading' | 'after' = 'before';
    let stop = false;
    let done = 0;
    const progress = new Progress();
    const clients = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const sentIn = phase;
        const a = await inferMlpLike(c, 'mlp');
        assertMlp(a);
        // In flight at some moment of the loads: sent before they ended and answered after they began.
        if (sentIn !== 'after' && phase !== 'before') during.push(a.ms);
        done++;
        progress.tick();
      }
    });
    await progress.until(() => done >= 8);
    phase = 'loading';
    const loads = await Promise.all([load('par_a')(c), load('par_b')(c)]);
    phase = 'after';
    stop = true;
    await Promise.all(clients);
    const loadMs = Math.max(...loads.map((l) => l.ms));
    during.sort((p, q) => p - q);
    const p99 = during[Math.floor(during.length * 0.99)];
    assert.ok(during.length >= 4, `${during.length} requests overlapped the loads`);
    assert.ok(p99 < loadMs / 2, `p99 ${Math.round(p99)} ms over the ${during.length} requests during two loads that took ${Math.round(loadMs)} ms`);
    return loads[0];
  }, expect: { status: 200 } },
];

export const REPOSITORY_NOT_HERE: readonly NotHere[] = [
  { id: '53 (control none)', title: 'every load/unload refused with model control none', reason: 'covered in admin-token.test.ts (it needs its own server)' },
  { id: '54 (seed path)', title: 'the seed\'s own load request', reason: 'a separate test in bad-input.test.ts: it needs the project\'s ./models as the repository' },
  { id: '56 (hard link)', title: 'external data through a hard link to a file outside',
    reason: 'a hard link is a regular file inside the repository, indistinguishable from a copy the operator put there (onnx PR #7686 rejects st_nlink > 1, onnxruntime does not); the fixture exists (ext_hard) for when the policy is decided' },
  { id: '58 (unknown key / library)', title: 'config.pbtxt with an unknown key or a field naming a library',
    reason: 'DESIGN.md §4 decides that unknown config fields are warned about and ignored (Triton has many fields we do not use); onnxserve has no custom-op library support, so e.g. model_operations.op_library_filename is ignored and no library is ever opened' },
  { id: '59', title: 'reload under traffic with zero failed requests', reason: 'reload.test.ts' },
  { id: '60', title: 'a model that crashes onnxruntime natively',
    reason: 'no model file is known to crash onnxruntime-node 1.30 at session creation; simulating one needs a hook inside src (e.g. a test-only canary that calls process.abort())' },
];
