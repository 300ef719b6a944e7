/**
 * ModelStreamInfer (Triton's extension): requests from an (async) iterable are written as they come, responses are
 * yielded in arrival order. A request the server fails is answered with error_message and the stream goes on
 * (grpc_service.proto, ModelStreamInferResponse), so it is yielded as an error entry; a failure of the stream itself
 * (status, deadline, abort, a request the client could not encode) ends the iteration by throwing.
 *
 * Flow control both ways: writes wait for 'drain', and reading pauses while responses wait unconsumed, so a slow
 * consumer pushes back on the server through HTTP/2 instead of buffering without bound here.
 */
import type * as grpc from '@grpc/grpc-js';
import { ClientError } from './errors.js';
import { decodeGrpcInfer, encodeGrpcInfer } from './grpc-codec.js';
import { callOptions, grpcError, metadataOf } from './grpc-call.js';
import type { Call, StreamItem } from './transport.js';
import type { StreamResponse } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded messages are read field by field
type Any = any;

/** Unconsumed responses held before reading pauses. */
const HIGH_WATER = 64;

type Duplex = grpc.ClientDuplexStream<object, Any>;

function toResponse(msg: Any): StreamResponse {
  if (typeof msg?.error_message === 'string' && msg.error_message !== '') {
    const id = msg.infer_response?.id;
    return { error: new ClientError('UNKNOWN', msg.error_message), id: typeof id === 'string' && id !== '' ? id : undefined };
  }
  const result = decodeGrpcInfer(msg?.infer_response);
  return { result, id: result.id };
}

/** Resolves once the stream may take more writes, or can take none at all. */
function drained(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    stream.on('drain', done).on('close', done).on('error', done);
  });
}

export async function* grpcStream(client: grpc.Client, method: grpc.MethodDefinition<object, unknown>, call: Call,
  items: AsyncIterable<StreamItem>): AsyncGenerator<StreamResponse, void, undefined> {
  const stream = client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize,
    metadataOf(call.headers), callOptions(call)) as Duplex;
  const queue: StreamResponse[] = [];
  let failure: ClientError | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (e: ClientError): void => {
    failure ??= e;
    ended = true;
    notify();
  };

  stream.on('data', (msg: Any) => {
    try {
      queue.push(toResponse(msg));
    } catch (e) {
      fail(e instanceof ClientError ? e : grpcError(call, e));
      stream.cancel();
      return;
    }
    if (queue.length >= HIGH_WATER) stream.pause();
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('error', (e) => fail(grpcError(call, e)));
  const onAbort = (): void => stream.cancel();
  call.scope.signal.addEventListener('abort', onAbort, { once: true });

  const source = items[Symbol.asyncIterator]();
  const pump = async (): Promise<void> => {
    try {
      for (let next = await source.next(); !next.done; next = await source.next()) {
        if (ended) return;
        const item = next.value;
        if (!stream.write(encodeGrpcInfer(item.model, item.inputs, item.request))) await drained(stream);
      }
      if (!ended) stream.end();
    } catch (e) {
      // A request that could not be encoded (or an iterable that threw) ends the stream: it cannot be skipped
      // silently, and the caller learns of it from the iteration.
      fail(e instanceof ClientError ? e : new ClientError('CANCELLED', 'the request iterable threw', { cause: e }));
      stream.cancel();
    }
  };
  void pump();

  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        if (stream.isPaused() && queue.length < HIGH_WATER / 2) stream.resume();
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // The caller stopped early (break, return, throw): the call must not outlive the iteration, nor the
    // request source (a generator paused at a yield is finished; one busy in an await, once it gets there).
    if (!ended) stream.cancel();
    ended = true;
    source.return?.().catch(() => undefined);
    call.scope.signal.removeEventListener('abort', onAbort);
    call.scope.done();
  }
}
