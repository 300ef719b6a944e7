/**
 * What a model load or unload request may carry (Triton's model_repository extension), one rule for REST and
 * gRPC. Adapters decode the wire's parameters into a Map (REST: the JSON object's entries; gRPC:
 * ModelRepositoryParameter's chosen value) and core checks them here.
 *
 * Triton lets a load carry `config` (a model configuration as JSON) and `file:<path>` entries (model files, base64).
 * Both would let a network client choose what the server loads and writes, so they are refused until they are
 * implemented with their own checks (DESIGN.md §4: no request may set a file); any other key is refused too,
 * rather than silently ignored.
 */
import { invalidArgument } from '../errors/index.js';
import { clip, describe } from './text.js';

export type ManagementParameters = ReadonlyMap<string, unknown>;

export function checkLoadParameters(p: ManagementParameters | undefined): void {
  for (const key of p?.keys() ?? []) {
    if (key === 'config' || key.startsWith('file:')) {
      throw invalidArgument(`load request: parameter '${clip(key)}' is refused: file and config overrides from the wire are not accepted; ` +
        'the model repository is the only source of models');
    }
    throw invalidArgument(`load request: unknown parameter '${clip(key)}'`);
  }
}

/** `unload_dependents` (Triton) is accepted and has nothing to do: there are no ensembles here. */
export function checkUnloadParameters(p: ManagementParameters | undefined): void {
  for (const [key, value] of p ?? []) {
    if (key !== 'unload_dependents') throw invalidArgument(`unload request: unknown parameter '${clip(key)}'`);
    if (typeof value !== 'boolean') throw invalidArgument(`unload request: parameter 'unload_dependents' must be true or false, got ${describe(value)}`);
  }
}
