/**
 * Catalogue section A (reliability-anchors.md §3): transport and body, over HTTP. Rows that need byte-level
 * control (chunk floods, smuggling headers, slow clients) use raw sockets.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  assertMlp, httpRequest, mlpBody, postJson, postText, rawExchange, rawSend, writeMany,
  type Answer, type Case, type Ctx, type NotHere,
} from './harness.js';

const INFER = '/v2/models/mlp/infer';
const V1_INFER = '/v1/models/mlp/infer';
const MLP_JSON = JSON.stringify(mlpBody());

/** The limit a JSON infer body is held to: maxJsonBodyBytes when the server has that setting, else maxBodyBytes. */
export function jsonLimit(ctx: Ctx): number {
  return (ctx.config.maxJsonBodyBytes as number | undefined) ?? (ctx.config.maxBodyBytes as number);
}

/** A valid mlp request padded with trailing whitespace (legal JSON) to exactly `size` bytes. */
function paddedJson(size: number): string {
  return MLP_JSON + ' '.repeat(size - MLP_JSON.length);
}

/** A binary-extension mlp request of exactly `size` bytes: the JSON header is padded, the tensor follows. */
function paddedBinary(size: number): { body: Buffer; headers: Record<string, string> } {
  const x = Buffer.alloc(32);
  mlpBody().inputs[0].data.forEach((v, i) => x.writeFloatLE(v, i * 4));
  const header = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }] });
  const padded = header + ' '.repeat(size - 32 - header.length);
  return {
    body: Buffer.concat([Buffer.from(padded), x]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(padded.length) },
  };
}

/** 1,000,000 one-byte chunks (Triton CVE-2025-23310/23311), stopping as soon as the server answers. */
const chunkFlood = (path: string) => (ctx: Ctx): Promise<Answer> => rawExchange(ctx.port, async (sock, answered) => {
  sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
  await writeMany(sock, Buffer.from('1\r\n \r\n'.repeat(10_000)), 100, answered, '0\r\n\r\n');
}, { timeoutMs: 20_000 });

/** A chunked body of `pieces` × 64 KiB, over the route's byte limit. */
const bigChunked = (path: string, pieces: number) => (ctx: Ctx): Promise<Answer> => rawExchange(ctx.port, async (sock, answered) => {
  sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
  const piece = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
  await writeMany(sock, piece, pieces, answered, '0\r\n\r\n');
}, { timeoutMs: 20_000 });

/** Runs `n` sequential mlp requests while something else goes on; all must be answered correctly. */
async function normalClient(ctx: Ctx, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assertMlp(await postJson(ctx, INFER, mlpBody()));
}

/**
 * Pacing for a deliberately slow client: a few milliseconds between its bytes. It only makes the client slow; no
 * row's outcome depends on how long it is (each ends by state: the normal client finished, or a piece answered).
 */
const trickle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

/** The node:http server behind the HTTP port (to read the time limits it was given). */
function httpServerOn(port: number): http.Server | undefined {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.find((h): h is http.Server => h instanceof http.Server && (h.address() as { port?: number } | null)?.port === port);
}

function assertTimeLimits(ctx: Ctx): void {
  const server = httpServerOn(ctx.port);
  assert.ok(server, 'found the HTTP server');
  assert.ok(server.requestTimeout > 0 && server.requestTimeout <= 300_000, `requestTimeout ${server.requestTimeout} ms must be on and bounded`);
  assert.ok(server.headersTimeout > 0 && server.headersTimeout <= 60_000, `headersTimeout ${server.headersTimeout} ms must be on and ≤ 60 s`);
}

const gzipBomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

export const TRANSPORT_CASES: readonly Case[] = [
  { id: '1.a', title: 'truncated JSON body (V2)', send: (c) => postText(c, INFER, '{"inputs":[{"name":'),
    expect: { status: 400, error: /could not parse request body as JSON/ } },
  { id: '1.b', title: 'truncated JSON body (V1)', send: (c) => postText(c, V1_INFER, '{"inputs":[[1,2'),
    expect: { status: 400, error: /JSON/ } },
  ...['[]', '"x"', 'null', '42'].map((body, i): Case => ({
    id: `2.${'abcd'[i]}`, title: `top-level JSON ${body} is not an object`, send: (c) => postText(c, INFER, body),
    expect: { status: 400, error: /must be a JSON object/ },
  })),
  { id: '3.a', title: 'Content-Type: text/plain on /infer', send: (c) => postText(c, INFER, MLP_JSON, { 'content-type': 'text/plain' }),
    expect: { status: 415, error: /content.type/i } },
  { id: '3.b', title: 'no Content-Type and a body that is not JSON', send: (c) => postText(c, INFER, 'hello', {}),
    expect: { status: [400, 415], error: /JSON|content.type/i } },
  { id: '4.a', title: '__proto__ key in a V2 body', send: (c) => postText(c, INFER, '{"__proto__":{"polluted":1},"inputs":[]}'),
    expect: { status: 400, error: /__proto__/, check: () => assert.equal(({} as Record<string, unknown>).polluted, undefined) } },
  { id: '4.b', title: '__proto__ key in a V1 infer body', send: (c) => postText(c, V1_INFER, '{"__proto__":{"polluted":1},"inputs":[[1,2,3,4]]}'),
    expect: { status: 400, error: /__proto__|prototype/, check: () => assert.equal(({} as Record<string, unknown>).polluted, undefined) } },
  { id: '4.c', title: '__proto__ key in a V1 load body', send: (c) => postText(c, '/v1/models', '{"__proto__":{"polluted":1},"name":"a","path":"b"}'),
    expect: { status: 400, error: /__proto__|prototype/ } },
  { id: '5.a', title: 'constructor.prototype in a V2 body', send: (c) => postText(c, INFER, '{"constructor":{"prototype":{"polluted":1}},"inputs":[]}'),
    expect: { status: 400, error: /constructor/ } },
  { id: '5.b', title: 'constructor.prototype in a V1 body', send: (c) => postText(c, V1_INFER, '{"constructor":{"prototype":{"polluted":1}},"inputs":[[1,2,3,4]]}'),
    expect: { status: 400, error: /constructor|prototype/ } },
  { id: '6.a', title: 'JSON body exactly at the JSON limit is served', send: (c) => postText(c, INFER, paddedJson(jsonLimit(c))),
    expect: { status: 200, check: (a) => assertMlp(a) } },
  { id: '6.b', title: 'JSON body one byte over the JSON limit', send: (c) => postText(c, INFER, paddedJson(jsonLimit(c) + 1)),
    expect: { status: 413, error: /limit/ } },
  { id: '6.c', title: 'binary body exactly at the body limit is served', send: (c) => {
    const { body, headers } = paddedBinary(c.config.maxBodyBytes as number);
    return postText(c, INFER, body, headers);
  }, expect: { status: 200, check: (a) => assertMlp(a) } },
  { id: '6.d', title: 'binary body one byte over the body limit', send: (c) => {
    const { body, headers } = paddedBinary((c.config.maxBodyBytes as number) + 1);
    return postText(c, INFER, body, headers);
  }, expect: { status: 413, error: /limit/ } },
  // The stalled client holds its connection until 10 other requests have been answered, then gives up: it must
  // have had no answer (the 408 is out of reach, see TRANSPORT_NOT_HERE) and must not have held the others up.
  { id: '7', title: 'Content-Length 1000000 then 10 bytes and a stall: no answer, others served, time limits on', send: async (c) => {
    let others: Promise<void> | undefined;
    const stalled = rawExchange(c.port, async (sock) => {
      sock.write(`POST ${INFER} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"inputs":`);
      others = normalClient(c, 10);
      await others.finally(() => sock.destroy());
    }, { timeoutMs: 120_000 });
    const a = await stalled;
    await others;
    return a;
  }, expect: { status: 0, check: (_a, c) => assertTimeLimits(c) } },
  // "Promptly" as an order of events: every normal request is answered while all five slow clients are still
  // mid-header; a server that served connections one at a time, or waited for the slow ones, could not do that.
  { id: '8', title: 'slowloris: 5 clients sending headers a byte at a time; a normal client is served promptly', send: async (c) => {
    let normalDone = false;
    const unfinished: boolean[] = [];
    const slow = Array.from({ length: 5 }, (_, k) => rawExchange(c.port, async (sock) => {
      sock.write('GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      // An endless header value, a byte at a time, until the normal client is done (8 KiB at most, under the
      // server's header limit, so a server that held the normal client until then fails the row instead of hanging).
      let sent = 0;
      while (!normalDone && !sock.destroyed && sent < 8192) {
        sock.write('a');
        sent++;
        await trickle();
      }
      unfinished[k] = normalDone && !sock.destroyed;
      sock.destroy();
    }, { timeoutMs: 120_000 }));
    await normalClient(c, 15);
    normalDone = true;
    const answers = await Promise.all(slow);
    assert.deepEqual(unfinished, [true, true, true, true, true], 'each slow client was still sending when the normal client finished');
    for (const a of answers) assert.equal(a.status, 0, 'a slowloris client with an unfinished header got an answer');
    return answers[0];
  }, expect: { status: 0, check: (_a, c) => assertTimeLimits(c) } },
  // The slow body goes 8 bytes at a time, and after each piece a normal request must be answered: nobody waits for
  // the slow one to finish.
  { id: '9', title: 'slow body (a valid request a few bytes at a time) is served; others are not held up', send: async (c) => {
    const slow = rawExchange(c.port, async (sock) => {
      sock.write(`POST ${INFER} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MLP_JSON.length}\r\n\r\n`);
      for (let i = 0; i < MLP_JSON.length; i += 8) {
        sock.write(MLP_JSON.slice(i, i + 8));
        if (i + 8 < MLP_JSON.length) await normalClient(c, 1);
      }
    }, { timeoutMs: 120_000 });
    return slow;
  }, expect: { status: 200, check: (a) => assertMlp(a) } },
  ...([
    ['a', INFER], ['b', V1_INFER], ['c', '/v1/models'], ['d', '/v2/repository/models/mlp/load'],
    ['e', '/v2/repository/models/mlp/unload'], ['f', '/v2/repository/index'],
  ] as const).map(([v, path]): Case => ({
    id: `10.${v}`, title: `1,000,000 one-byte chunks to POST ${path}`, send: chunkFlood(path),
    expect: { status: [400, 413], error: /chunk|limit|large/i, maxMs: 10_000 },
  })),
  { id: '11.a', title: 'chunked body over the management limit (2 MiB to /v2/repository/index)', send: bigChunked('/v2/repository/index', 32),
    expect: { status: 413, error: /limit|large/i, maxMs: 10_000 } },
  { id: '11.b', title: 'chunked body over the infer limit', send: (c) => bigChunked(INFER, Math.ceil((c.config.maxBodyBytes as number) / 0x10000) + 2)(c),
    expect: { status: 413, error: /limit|large/i, maxMs: 10_000 } },
  { id: '12.a', title: 'Content-Encoding: gzip (a decompression bomb) on V2 infer', send: (c) => postText(c, INFER, gzipBomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
    expect: { status: 415, error: /Content-Encoding|encoding/i } },
  { id: '12.b', title: 'Content-Encoding: gzip on V1 infer', send: (c) => postText(c, V1_INFER, gzipBomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
    expect: { status: 415, error: /Content-Encoding|encoding/i } },
  { id: '12.c', title: 'Content-Encoding: gzip on V1 load', send: (c) => postText(c, '/v1/models', gzipBomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
    expect: { status: 415, error: /Content-Encoding|encoding/i } },
  { id: '13.a', title: 'data nested 150,000 deep (V2)', send: (c) => postText(c, INFER, `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":${deep(150_000)}}]}`),
    expect: { status: 400, error: /nesting depth/, maxMs: 1000 } },
  { id: '13.b', title: 'data nested 150,000 deep (V1, named input)', send: (c) => postText(c, V1_INFER, `{"inputs":{"x":${deep(150_000)}}}`),
    expect: { status: 400, error: /nest|deep|depth/i, maxMs: 1000 } },
  { id: '13.c', title: 'binary-extension JSON header nested 150,000 deep', send: (c) => {
    const header = `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16},"data":${deep(150_000)}}]}`;
    return postText(c, INFER, Buffer.concat([Buffer.from(header), Buffer.alloc(16)]), { 'inference-header-content-length': String(header.length) });
  }, expect: { status: 400, error: /nesting depth/, maxMs: 1000 } },
  { id: '13.d', title: 'data nested 50 deep is parsed (refused for its shape, not its depth)', send: (c) => postText(c, INFER, `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":${deep(50)}}]}`),
    expect: { status: 400, error: /^(?!.*depth)/ } },
  { id: '13.e', title: 'repository index body nested 150,000 deep', send: (c) => postText(c, '/v2/repository/index', `{"ready":${deep(30_000)}}`),
    expect: { status: [400, 413], error: /nesting depth|limit/ } },
  { id: '14.a', title: 'Content-Length and Transfer-Encoding: chunked together (smuggling)', send: (c) => rawSend(c.port,
    `POST ${INFER} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, { awaitClose: true }),
  expect: { status: 400, error: /Bad Request/, check: (a) => assert.ok(a.closed, 'connection closed') } },
  { id: '14.b', title: 'two different Content-Length headers', send: (c) => rawSend(c.port,
    `POST ${INFER} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef`, { awaitClose: true }),
  expect: { status: 400, error: /Bad Request/, check: (a) => assert.ok(a.closed, 'connection closed') } },
  { id: '15', title: '64 KiB header block', send: (c) => rawSend(c.port, `GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(65536)}\r\n\r\n`),
    expect: { status: 431, error: /Header/i } },
  { id: '16.a', title: 'GET on /v2/models/mlp/infer', send: (c) => httpRequest(c.port, 'GET', INFER),
    expect: { status: [404, 405], error: /route|method|not allowed/i } },
  { id: '16.b', title: 'DELETE on /v2/health/live', send: (c) => httpRequest(c.port, 'DELETE', '/v2/health/live'),
    expect: { status: [404, 405], error: /route|method|not allowed/i } },
];

export const TRANSPORT_NOT_HERE: readonly NotHere[] = [
  { id: '7/8/9 (408)', title: 'the 408 itself for stalled headers and bodies',
    reason: 'requestTimeout is fixed at 120 s in src/server/http-app.ts (headersTimeout follows at 60 s) and Node checks both only every ' +
      'connectionsCheckingInterval (30 s), so the 408 cannot be observed in a bounded test; rows 7-9 check instead that the limits are ' +
      'on and bounded, that a stalled client gets no answer, and that other clients are served meanwhile' },
];
