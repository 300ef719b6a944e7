import { createHash, timingSafeEqual } from 'node:crypto';
import { ServerError } from '../errors/index.js';

export type ModelControlMode = 'none' | 'explicit' | 'poll';

/**
 * The one policy for every management call on every listener (HTTP V1 and V2, gRPC): the admin token, when
 * set, travels as `Authorization: Bearer <token>`; and load/unload are refused unless the model control mode
 * is explicit (Triton's meanings: with none or poll the repository, not the API, decides what is served).
 */
export class ManagementPolicy {
  private readonly digest: Buffer | undefined;

  constructor(token: string | undefined, readonly mode: ModelControlMode) {
    this.digest = token ? sha256(token) : undefined;
  }

  /** Throws UNAUTHENTICATED unless the authorization value carries the token (or no token is configured). */
  authorize(authorization: string | undefined): void {
    if (!this.digest) return;
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    // Compare digests, not strings: constant time whatever the presented token's length.
    if (!m || !timingSafeEqual(sha256(m[1].trim()), this.digest)) {
      throw new ServerError('UNAUTHENTICATED', 'management calls need "Authorization: Bearer <admin token>"');
    }
  }

  /**
   * Refuses loading and unloading through the API unless the model control mode is explicit. Triton answers
   * UNAVAILABLE (HTTP 503) with one text for both other modes (model_repository_manager.cc), which its clients
   * and QA tests match on; onnxserve's detail follows it.
   */
  allowChange(action: 'load' | 'unload'): void {
    if (this.mode === 'explicit') return;
    const why = this.mode === 'poll'
      ? 'the server rescans the model repository (--model-control-mode poll): change the repository instead'
      : 'the model repository is fixed at start (--model-control-mode none)';
    throw new ServerError('UNAVAILABLE', `explicit model load / unload is not allowed if polling is enabled: model ${action} ` +
      `refused, ${why}; start with --model-control-mode explicit to load and unload through the API`);
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** HTTP routes (method + fastify route pattern) that manage models. */
export const HTTP_MANAGEMENT_ROUTES: ReadonlyMap<string, 'load' | 'unload' | 'read'> = new Map([
  ['POST /v1/models', 'load'],
  ['DELETE /v1/models/:name', 'unload'],
  ['POST /v2/repository/index', 'read'],
  ['POST /v2/repository/models/:model/load', 'load'],
  ['POST /v2/repository/models/:model/unload', 'unload'],
]);
