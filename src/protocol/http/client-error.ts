import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * node:http's 'clientError': a request its parser refused (smuggling-shaped framing — Content-Length with
 * Transfer-Encoding, two Content-Lengths —, an oversized header block, a timeout). Node's default answer is a bare
 * status line; ours carries the same JSON error body as every other refusal, then closes the connection.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail = status === 431 ? 'the request header block is too large; send fewer or shorter headers'
    : status === 408 ? 'the request was not received in time'
    : `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'}); check its framing headers (Content-Length, Transfer-Encoding)`;
  const body = JSON.stringify({ error: `${STATUS_CODES[status]}: ${detail}` });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
