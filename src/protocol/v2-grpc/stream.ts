/**
 * ModelStreamInfer (Triton's extension): a bidirectional stream of ModelInferRequest -> ModelStreamInferResponse.
 * Each request is answered on its own, in order of completion; a failed request yields a response carrying
 * error_message and the stream goes on (grpc_service.proto, ModelStreamInferResponse; tritonclient's stream
 * callback reports such a response as an error for that request only).
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { InferenceApi } from '../../core/index.js';
import type { RequestObserver } from '../../observability/index.js';
import type { DecodeLimits } from './codec.js';
import { contextFor, errorMessage, inferOnce, type GrpcLogger } from './call.js';
import type { WireModelInferRequest, WireModelStreamInferResponse } from './wire.js';

/**
 * Requests of one stream being worked on at once. Past it the stream is paused, so HTTP/2 flow control pushes
 * back on the client instead of one stream queueing without bound in this process.
 */
export const MAX_IN_FLIGHT_PER_STREAM = 64;

type StreamCall = ServerDuplexStream<WireModelInferRequest, WireModelStreamInferResponse>;

/** Echoes what identifies the request, so a client matching responses by id can place the error. */
function failure(msg: WireModelInferRequest, message: string): WireModelStreamInferResponse {
  return {
    error_message: message,
    infer_response: { model_name: msg.model_name ?? '', model_version: msg.model_version ?? '', id: msg.id ?? '' },
  };
}

export function modelStreamInfer(api: InferenceApi, limits: DecodeLimits, log: GrpcLogger, observer: RequestObserver | undefined) {
  return (call: StreamCall): void => {
    // One context for the whole call: its deadline and cancellation cover every request on it.
    const c = contextFor(call, observer, 'ModelStreamInfer');
    const { abort, settle } = c;
    let inFlight = 0;
    let inputEnded = false;
    let closed = false;

    const write = (r: WireModelStreamInferResponse): void => {
      if (!closed && !call.cancelled) call.write(r);
    };
    const maybeEnd = (): void => {
      if (inputEnded && inFlight === 0 && !closed) {
        closed = true;
        settle();
        call.end();
      }
    };
    const answer = async (msg: WireModelInferRequest): Promise<void> => {
      try {
        write({ error_message: '', infer_response: await inferOnce(api, msg, c, limits) });
      } catch (e) {
        write(failure(msg, errorMessage(e, 'ModelStreamInfer', log)));
      }
    };

    call.on('data', (msg: WireModelInferRequest) => {
      inFlight++;
      if (inFlight >= MAX_IN_FLIGHT_PER_STREAM) call.pause();
      void answer(msg).finally(() => {
        inFlight--;
        if (call.isPaused()) call.resume();
        maybeEnd();
      });
    });
    call.on('end', () => {
      inputEnded = true;
      maybeEnd();
    });
    call.on('error', (err) => {
      closed = true;
      abort();
      log.warn({ err, method: 'ModelStreamInfer' }, 'gRPC stream failed');
    });
  };
}
