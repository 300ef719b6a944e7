import type { IncomingMessage } from 'node:http';
import { ServerError } from '../../errors/index.js';
import type { BodyMediaRule, BodySpec } from './types.js';

/**
 * Most chunks one body may arrive in. Measured here: a default fastify route fed 1,000,000 one-byte chunks grew
 * from 53 to ~470 MB; Triton caps chunk counts since its chunked-body CVE. 65,536 chunks is far beyond any real
 * client (a 64 MiB body arrives in ~1,000 chunks of 64 KiB).
 */
export const MAX_CHUNKS = 65_536;

const EMPTY = Buffer.alloc(0);

/**
 * The media types a body may declare. V2: JSON, octet-stream (binary extension), none (tritonclient sends none),
 * and the form type `curl -d` puts on by default; anything else says the body is not ours (415). V1: JSON only.
 */
export function checkMediaType(rule: BodyMediaRule, contentType: string | undefined): void {
  if (rule === 'v2' && (contentType === undefined || contentType === '')) return;
  const type = contentType === undefined ? '' : contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return;
  if (rule === 'v2' && (type === 'application/octet-stream' || type === 'application/x-www-form-urlencoded')) return;
  const wanted = rule === 'json' ? 'application/json' : 'application/json or application/octet-stream';
  throw new ServerError('UNSUPPORTED_MEDIA_TYPE', `Content-Type '${(contentType ?? '').slice(0, 60)}' is not accepted on this route; send ${wanted}`);
}

/**
 * Compressed bodies are refused before they are read: nothing inflates them here, so a decompression bomb never
 * runs.
 */
export function checkContentEncoding(encoding: string | undefined): void {
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new ServerError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding '${encoding.slice(0, 40)}' is not supported; send the body uncompressed`);
  }
}

export function tooLarge(spec: BodySpec): ServerError {
  const raise = spec.limitFlag ? ` (raise it with ${spec.limitFlag})` : '';
  return new ServerError('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${spec.limit} bytes for this route${raise}`);
}

/** The whole body, refused as soon as it passes the byte or chunk limit (before it is all buffered). */
export function readBody(req: IncomingMessage, spec: BodySpec): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > spec.limit) return Promise.reject(tooLarge(spec));
  if (declared === 0) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (e: ServerError) => {
      req.removeAllListeners('data');
      // Let the rest drain (the answer closes the connection); the request's 'error' must not go unhandled.
      req.resume();
      reject(e);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > spec.limit) fail(tooLarge(spec));
      else if (chunks.push(chunk) > MAX_CHUNKS) fail(new ServerError('PAYLOAD_TOO_LARGE', `request body arrived in more than ${MAX_CHUNKS} chunks`));
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size)));
    const incomplete = () => reject(new ServerError('INVALID_ARGUMENT', 'the request body was not received completely'));
    req.once('error', incomplete);
    // A client that goes away mid-body: 'close' without 'end' (no error event is guaranteed then).
    req.once('close', () => {
      if (!req.complete) incomplete();
    });
  });
}
