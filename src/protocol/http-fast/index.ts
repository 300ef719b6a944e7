/**
 * The hot routes on bare node:http: `POST /v1/models/{m}/infer` and `POST /v2/models/{m}[/versions/{v}]/infer`.
 * Why not fastify for these: measured on this 2-core machine, a fastify route answering a fixed body reaches
 * ~22k req/s where node:http reaches ~35k (issue #6's table); the ~15 µs per request fastify spends on routing,
 * hooks, content-type parsing and reply serialization is a third of our whole budget for a one-row inference.
 * Everything else (health, metadata, management, errors for unknown routes) stays on fastify. Both paths call
 * the same transport-neutral handlers, so behaviour is identical; `--no-fast-path` turns this off to compare.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFrom } from '../../observability/index.js';
import type { InferContext, V1Api } from '../../core/index.js';
import { checkContentEncoding, ResponseCloseSignal } from '../request-context.js';
import { invalidArgument, ServerError, toServerError } from '../../errors/index.js';
import { httpStatus } from '../status-map.js';
import { handleV1Infer } from '../v1-rest/index.js';
import { acceptsInferContentType, checkName, handleV2Infer, HEADER_LENGTH, parseJson, unsupportedContentType } from '../v2-rest/index.js';

export interface FastPathOptions {
  readonly api: V1Api;
  readonly maxBodyBytes: number;
  readonly maxJsonBodyBytes: number;
  readonly maxElements: number;
  /** Most chunks one body may arrive in (see server/chunk-limit). */
  readonly maxChunks: number;
  /** Told of every answered request (metrics, access log); protocol is 'v1' or 'v2-rest'. */
  readonly onResponse?: (info: { protocol: 'v1' | 'v2-rest'; model: string; status: number; startNs: bigint; requestId: string; error?: ServerError }) => void;
}

const V1 = /^\/v1\/models\/([^/?]+)\/infer(?:\?|$)/;
const V2 = /^\/v2\/models\/([^/?]+)(?:\/versions\/([^/?]+))?\/infer(?:\?|$)/;

/** Returns true when it took the request; false leaves it to the next handler (fastify). */
export function createFastPath(opts: FastPathOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const v1 = V1.exec(url);
    const v2 = v1 ? null : V2.exec(url);
    if (!v1 && !v2) return false;
    void serve(opts, req, res, v1 ? 'v1' : 'v2-rest', (v1 ?? v2)!);
    return true;
  };
}

async function serve(opts: FastPathOptions, req: IncomingMessage, res: ServerResponse, protocol: 'v1' | 'v2-rest', m: RegExpExecArray): Promise<void> {
  const startNs = process.hrtime.bigint();
  const requestId = requestIdFrom(req.headers['x-request-id']);
  let model = '';
  try {
    model = checkName(decode(m[1]), 'model name');
    const version = m[2] === undefined ? undefined : checkName(decode(m[2]), 'model version');
    if (protocol === 'v2-rest' && !acceptsInferContentType(req.headers['content-type'])) throw unsupportedContentType(req.headers['content-type']);
    if (protocol === 'v1' && !isJson(req.headers['content-type'])) throw new ServerError('UNSUPPORTED_MEDIA_TYPE', 'the V1 API takes application/json');
    const limit = protocol === 'v1' ? opts.maxJsonBodyBytes : opts.maxBodyBytes;
    checkContentEncoding(req.headers['content-encoding']);
    const body = await readBody(req, limit, opts.maxChunks);
    const ctx = context(res, requestId);
    let out: Buffer | string;
    let headerLength: number | undefined;
    if (protocol === 'v1') {
      out = await handleV1Infer(opts.api, opts.maxElements, model, parseJson(body), ctx);
    } else {
      const lengthHeader = req.headers[HEADER_LENGTH];
      ({ body: out, headerLength } = await handleV2Infer(opts, model, version, body,
        Array.isArray(lengthHeader) ? lengthHeader.join(',') : lengthHeader, ctx));
    }
    const headers: Record<string, string | number> = {
      'content-type': headerLength === undefined ? 'application/json; charset=utf-8' : 'application/octet-stream',
      'content-length': Buffer.byteLength(out),
      'x-request-id': requestId,
    };
    if (headerLength !== undefined) headers['inference-header-content-length'] = headerLength;
    res.writeHead(200, headers).end(out);
    opts.onResponse?.({ protocol, model, status: 200, startNs, requestId });
  } catch (e) {
    const err = toServerError(e);
    const status = httpStatus(err.code);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId };
    if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
    // A body we did not read to its end cannot leave the connection reusable.
    if (!req.complete) headers.connection = 'close';
    const body = JSON.stringify({ error: err.message });
    headers['content-length'] = String(Buffer.byteLength(body));
    if (!res.headersSent && !res.destroyed) res.writeHead(status, headers).end(body);
    opts.onResponse?.({ protocol, model, status, startNs, requestId, error: err });
  }
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidArgument('malformed percent-encoding in the URL');
  }
}

/** The client going away before its answer aborts the request (a queued one then never runs). */
function context(res: ServerResponse, requestId: string): InferContext {
  return { signal: new ResponseCloseSignal(res), requestId };
}

/** The whole body, refused as soon as it passes the byte or chunk limit (before it is all buffered). */
function readBody(req: IncomingMessage, limit: number, maxChunks: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (e: ServerError) => {
      req.removeAllListeners('data');
      req.resume();
      reject(e);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
      else if (chunks.push(chunk) > maxChunks) fail(new ServerError('PAYLOAD_TOO_LARGE', `request body arrived in more than ${maxChunks} chunks`));
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.once('error', () => reject(new ServerError('INVALID_ARGUMENT', 'the request body was not received completely')));
  });
}

function tooLarge(limit: number): ServerError {
  return new ServerError('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${limit} bytes for this route`);
}
