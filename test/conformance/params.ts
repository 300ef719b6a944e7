/**
 * The conformance clients' parameter encodings: request, tensor and load/unload parameters as REST JSON and as
 * gRPC's InferParameter / ModelRepositoryParameter. Written independently of src/, like wire.ts.
 */

/** A parameter value; a bigint travels as a JSON integer over REST and as uint64_param over gRPC. */
export type ParamValue = string | number | boolean | bigint;
export type Params = Readonly<Record<string, ParamValue>>;
/** Load/unload parameters: gRPC's ModelRepositoryParameter also carries bytes (Triton's file:<path> entries). */
export type RepositoryParams = Readonly<Record<string, string | number | boolean | Buffer>>;

/** Triton's REST load/unload body; bytes (a file:<path> entry) travel base64, as Triton's REST API takes them. */
export function restRepositoryBody(parameters: RepositoryParams | undefined): object {
  if (!parameters) return {};
  return { parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('base64') : v])) };
}

/** InferParameter as tritonclient sets it: bool, string, int64 for integers, uint64 for a bigint, double otherwise. */
export function wireParameters(p: Params | undefined): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [k, v] of Object.entries(p ?? {})) {
    if (typeof v === 'boolean') out[k] = { bool_param: v };
    else if (typeof v === 'string') out[k] = { string_param: v };
    else if (typeof v === 'bigint') out[k] = { uint64_param: v.toString() };
    else out[k] = Number.isInteger(v) ? { int64_param: v } : { double_param: v };
  }
  return out;
}

/** ModelRepositoryParameter: bool, int64, string or bytes. */
export function wireRepositoryParameters(p: RepositoryParams | undefined): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [k, v] of Object.entries(p ?? {})) {
    if (typeof v === 'boolean') out[k] = { bool_param: v };
    else if (typeof v === 'string') out[k] = { string_param: v };
    else if (typeof v === 'number') out[k] = { int64_param: v };
    else out[k] = { bytes_param: v };
  }
  return out;
}
