/**
 * The one model-name rule (issue 10: there were four — 255 characters over REST, 128 in the registry, non-empty
 * over gRPC, none over V1). Every API method checks the names it is given with it, the REST and gRPC adapters
 * call it to refuse a hostile name before reading a body, and the repository uses it for the names it scans
 * and the paths it builds, so a model the repository serves can always be named by a client and the other
 * way round.
 *
 * Why this rule: model names become one path segment (`<repo>/<name>/` or `<repo>/<name>.onnx`), so only
 * characters that are safe in a file name on every platform, no leading "." (hidden files, "." and ".."), no
 * ".." anywhere (belt and braces against traversal after any decoding), and a length that leaves room for
 * ".onnx" within a 255-byte file name with margin. Triton itself takes any directory name; names such as its
 * examples' densenet_onnx or simple_int8 pass.
 */
import { invalidArgument, type ServerError } from '../errors/index.js';
import { clip, describe } from './text.js';

export const MODEL_NAME_MAX = 128;
const NAME = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,${MODEL_NAME_MAX - 1}}$`);
/** Triton: version directories are positive integers (a longer one cannot exist; 19 digits bound the message). */
const VERSION = /^[0-9]{1,19}$/;

export function isModelName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name) && !name.includes('..');
}

/** The name, or INVALID_ARGUMENT saying what a name may be. */
export function checkModelName(name: unknown): string {
  if (isModelName(name)) return name;
  throw badName(name);
}

function badName(name: unknown): ServerError {
  if (name === undefined || name === '') return invalidArgument('a model name is required');
  const shown = typeof name === 'string' ? JSON.stringify(clip(name, 40)) : describe(name);
  return invalidArgument(`invalid model name ${shown}: use 1-${MODEL_NAME_MAX} letters, digits, "_", "-" or "." ` +
    '(not starting with "." and without "..")');
}

/**
 * A requested version: undefined or empty means "the latest ready version" (OIP: the version is optional);
 * otherwise a positive integer as the repository's version directories are. Whether it exists is the registry's
 * answer (NOT_FOUND).
 */
export function checkModelVersion(version: string | undefined): string | undefined {
  if (version === undefined || version === '') return undefined;
  if (VERSION.test(version)) return version;
  // Triton's text (common.cc GetModelVersionFromString), which its clients match on, then what a version is.
  throw invalidArgument(`failed to get model version from specified version string '${clip(version, 40)}': ` +
    'a version is a positive integer (or empty for the latest)');
}
