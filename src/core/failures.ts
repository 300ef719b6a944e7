/**
 * Why a request for a served model failed, as nv_inference_request_failure{reason} reports it. Every failure
 * after the model resolved counts (issue 10: requests refused while decoding or validating were not counted, so
 * an operator alerting on the error rate saw nothing): the reason is Triton's, the code beside it ours.
 */
import type { ServerError } from '../errors/index.js';
import type { Failure } from '../observability/index.js';

/** Where the request was when it failed: still being checked, or handed to the scheduler (queue, execution). */
export type FailureStage = 'checking' | 'scheduled';

export function failureOf(e: ServerError, stage: FailureStage): Failure {
  const code = e.code;
  if (code === 'CANCELLED') return { reason: 'CANCELED', code };
  // Triton's OTHER: "other uncategorized reasons in the core" — here, every refusal before scheduling.
  if (stage === 'checking') return { reason: 'OTHER', code };
  // Triton's REJECTED: refused by the scheduler (queue or in-flight bytes full) or timed out in its queue.
  if (code === 'RESOURCE_EXHAUSTED' || code === 'DEADLINE_EXCEEDED') return { reason: 'REJECTED', code };
  return { reason: 'BACKEND', code };
}
