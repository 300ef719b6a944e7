/**
 * Case 59 / promise P3 (reliability-anchors.md §4.2): model swaps are atomic. While clients loop on three models,
 * mlp is reloaded through the V2 repository API several times, a flat model through the seed's V1 load, and a
 * third model moves from version 1 to a version 2 whose outputs are exactly twice as large. Every request must
 * answer 200, and every answer must come entirely from one version.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Progress } from '../helpers/wait.js';
import { assertMlp, httpRequest, MLP_X, mlpBody, postJson, postText, type Answer, type Ctx } from './harness.js';
import { mlpModel, writeVersion } from './models.js';
import { mlpReference } from '../../scripts/fixtures.js';

/**
 * The reloads are paced by the clients' progress, not by the clock: each reload waits until every client kind has
 * answered this many more requests, so the same amount of traffic meets each reload on a fast machine and a slow one.
 */
const REQUESTS_BETWEEN_RELOADS = 6;

/** 1 when the answer is the reference, 2 when it is twice the reference; fails otherwise (a mix is neither). */
function versionOf(a: Answer): 1 | 2 {
  assert.equal(a.status, 200, a.text.slice(0, 300));
  const y = a.body.outputs[0].data as number[];
  const ref = mlpReference(MLP_X, 2);
  const close = (k: number) => y.every((v, i) => Math.abs(v - k * ref[i]) < 1e-5);
  if (close(1)) return 1;
  if (close(2)) return 2;
  throw new assert.AssertionError({ message: `answer matches neither version: ${JSON.stringify(y)}` });
}

describe('reload under load (case 59)', () => {
  let s: TestServer;
  let ctx: Ctx;
  before(async () => {
    s = await startTestServer(['mlp'], { intraOpThreads: 1 }, (repo) => {
      copyFileSync(path.join(repo, 'mlp', '1', 'model.onnx'), path.join(repo, 'flat.onnx'));
      writeVersion(repo, 'swap', 1, mlpModel());
    });
    ctx = { port: s.httpPort } as Ctx;
  });
  after(() => s?.stop());

  test('every request answers 200 while models are reloaded, and each answer comes from one version', async () => {
    let stop = false;
    let swapped = false;
    const counts = { mlp: 0, flat: 0, v1: 0, ready: 0, swap1: 0, swap2: 0 };
    const failures: string[] = [];
    const progress = new Progress();
    const loop = async (fn: () => Promise<void>): Promise<void> => {
      while (!stop) {
        try {
          await fn();
        } catch (e) {
          failures.push((e as Error).message);
          if (failures.length > 20) return;
        } finally {
          progress.tick();
        }
      }
    };
    const gaveUp = () => failures.length > 20;
    /** Until each kind of client has answered `n` more requests (or the clients gave up on too many failures). */
    const traffic = async (n: number): Promise<void> => {
      const base = { ...counts, swap: counts.swap1 + counts.swap2 };
      await progress.until(() => gaveUp() || (counts.mlp >= base.mlp + n && counts.flat >= base.flat + n && counts.v1 >= base.v1 + n &&
        counts.ready >= base.ready + n && counts.swap1 + counts.swap2 >= base.swap + n));
    };
    const clients = [
      ...Array.from({ length: 3 }, () => loop(async () => {
        assertMlp(await postJson(ctx, '/v2/models/mlp/infer', mlpBody()));
        counts.mlp++;
      })),
      ...Array.from({ length: 2 }, () => loop(async () => {
        assertMlp(await postJson(ctx, '/v2/models/flat/infer', mlpBody()));
        counts.flat++;
      })),
      loop(async () => {
        const a = await postJson(ctx, '/v1/models/mlp/infer', { inputs: [MLP_X.slice(0, 4), MLP_X.slice(4)] });
        assert.equal(a.status, 200, a.text);
        assert.equal(a.body.outputs.y.length, 2);
        counts.v1++;
      }),
      // Readiness must not flip while models reload: the server can serve throughout (P6).
      loop(async () => {
        const r = await httpRequest(ctx.port, 'GET', '/v2/health/ready');
        assert.equal(r.status, 200, `readiness during a reload: ${r.status} ${r.text}`);
        counts.ready++;
      }),
      ...Array.from({ length: 2 }, () => loop(async () => {
        const afterSwap = swapped;
        const v = versionOf(await postJson(ctx, '/v2/models/swap/infer', mlpBody()));
        if (afterSwap) assert.equal(v, 2, 'a request sent after the swap completed was answered by version 1');
        counts[v === 1 ? 'swap1' : 'swap2']++;
      })),
    ];

    const loads: Answer[] = [];
    const reloadMlp = (async () => {
      for (let i = 0; i < 5; i++) {
        await traffic(REQUESTS_BETWEEN_RELOADS);
        loads.push(await postText(ctx, '/v2/repository/models/mlp/load', ''));
      }
    })();
    const reloadFlat = (async () => {
      for (let i = 0; i < 3; i++) {
        await traffic(REQUESTS_BETWEEN_RELOADS);
        loads.push(await postJson(ctx, '/v1/models', { name: 'flat', path: 'flat.onnx' }));
      }
    })();
    const swapVersion = (async () => {
      // Version 1 answers for a while first, so both versions are seen.
      await traffic(2 * REQUESTS_BETWEEN_RELOADS);
      writeVersion(s.repo, 'swap', 2, mlpModel({ scale: 2 }));
      const a = await postText(ctx, '/v2/repository/models/swap/load', '');
      swapped = true;
      loads.push(a);
    })();
    await Promise.all([reloadMlp, reloadFlat, swapVersion]);
    // Traffic after the last reload and the swap: version 2 answers, and the reloaded models keep serving.
    await traffic(REQUESTS_BETWEEN_RELOADS);
    stop = true;
    await Promise.all(clients);

    for (const a of loads) assert.equal(a.status, 200, `a load answered ${a.status}: ${a.text}`);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
    console.error(`# reload: ${JSON.stringify(counts)} requests, ${loads.length} loads`);
    assert.ok(counts.mlp > 20 && counts.flat > 10 && counts.v1 > 5, `load was applied: ${JSON.stringify(counts)}`);
    assert.ok(counts.swap1 > 0 && counts.swap2 > 0, `both versions of swap answered: ${JSON.stringify(counts)}`);
  });

  test('after the storm the repository index is clean: one READY version each', async () => {
    const index = (await postText(ctx, '/v2/repository/index', '{}')).body as { name: string; version: string; state: string }[];
    const summary = index.map((e) => `${e.name}/${e.version}:${e.state}`).sort();
    assert.deepEqual(summary, ['flat/1:READY', 'mlp/1:READY', 'swap/2:READY'], JSON.stringify(index));
  });

  test('a V1 load of a file whose content changed serves the new content', async () => {
    writeFileSync(path.join(s.repo, 'flat.onnx'), mlpModel({ scale: 2 }));
    const a = await postJson(ctx, '/v1/models', { name: 'flat', path: 'flat.onnx' });
    assert.equal(a.status, 200, a.text);
    assert.equal(versionOf(await postJson(ctx, '/v2/models/flat/infer', mlpBody())), 2);
  });
});
