/**
 * The errors for a model or version that cannot serve a request. Triton's clients and QA tests match on these
 * texts (model_repository_manager.cc prefixes every lookup failure with "Request for unknown model: ", and
 * model_lifecycle.cc words the rest), so the message starts exactly as Triton's does and onnxserve's own detail
 * (the state, the reason, what to do) comes after it.
 *
 * Status codes are onnxserve's (README "Errors"): NOT_FOUND for what does not exist or was unloaded, UNAVAILABLE
 * for a model that exists but cannot serve yet or any more (loading, failed). Triton answers a name it never saw
 * with INVALID_ARGUMENT (400); 404 is what the OIP's clients and KServe expect for an unknown model.
 */
import { ServerError, notFound } from '../errors/index.js';
import type { ModelVersion } from './model-version.js';

const PREFIX = 'Request for unknown model: ';

export function unknownModel(name: string): ServerError {
  return notFound(`${PREFIX}'${name}' is not found (POST /v2/repository/index lists the models of the repository)`);
}

export function unknownVersion(name: string, version: string, present: readonly ModelVersion[]): ServerError {
  const versions = present.map((v) => v.versionText).join(', ') || 'none';
  return notFound(`${PREFIX}'${name}' version ${version} is not found (versions: ${versions})`);
}

export function versionNotReady(v: ModelVersion): ServerError {
  const detail = `${v.state}${v.reason ? `: ${v.reason}` : ''}`;
  const text = `${PREFIX}'${v.name}' version ${v.version} is not at ready state (${detail})`;
  return v.reason === 'unloaded' ? notFound(text) : new ServerError('UNAVAILABLE', text);
}

/** No version is READY: all unloaded (404), or loading or failed (503, with the first version's reason). */
export function noAvailableVersion(name: string, versions: readonly ModelVersion[]): ServerError {
  const text = `${PREFIX}'${name}' has no available versions`;
  if (versions.length > 0 && versions.every((v) => v.reason === 'unloaded')) return notFound(`${text} (unloaded)`);
  const first = versions.find((v) => v.state === 'LOADING') ?? versions[0];
  const detail = first ? ` (version ${first.version} is ${first.state}${first.reason ? `: ${first.reason}` : ''})` : '';
  return new ServerError('UNAVAILABLE', `${text}${detail}`);
}
