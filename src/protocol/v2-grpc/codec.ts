/**
 * ModelInferRequest -> InferRequest and InferResponse -> ModelInferResponse. Pure: no I/O, no model knowledge
 * (whether the inputs match the model is core's check). Wire semantics follow the Open Inference Protocol's
 * inference_grpc.md and Triton's grpc_service.proto; see proto/grpc_service.proto.
 */
import { checkInputParameters, checkShape, type InferRequest, type InferResponse, type RequestedOutput } from '../../core/index.js';
import type { Datatype, Tensor } from '../../tensor/index.js';
import { decodeTensorBytes, encodeTensorBytes, isDatatype } from '../../tensor/index.js';
import { invalidArgument } from '../../errors/index.js';
import { clip, decodeParameters, encodeParameters } from './parameters.js';
import { decodeContents, hasContents } from './tensor-data.js';
import type {
  WireInferInputTensor, WireInt64, WireModelInferRequest, WireModelInferResponse, WireOutputTensor,
  WireRequestedOutput,
} from './wire.js';

export interface DecodeLimits {
  /** Most elements one input may declare; checked from the shape before anything is allocated. */
  readonly maxElements: number;
}

/** One dim: a safe non-negative integer (int64 arrives as a decimal string under LOADER_OPTIONS). */
function parseDim(d: WireInt64, where: string): number {
  let n: number;
  if (typeof d === 'string') n = /^\d{1,16}$/.test(d) ? Number(d) : NaN;
  else if (typeof d === 'bigint') n = d >= 0n && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : NaN;
  else n = d;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(`${where}: shape dim ${clip(String(d), 30)} is not a non-negative integer`);
  return n;
}

export function parseShape(shape: readonly WireInt64[], where: string): number[] {
  return shape.map((d) => parseDim(d, where));
}

function inputDatatype(input: WireInferInputTensor, where: string): Datatype {
  const dt = input.datatype ?? '';
  if (!isDatatype(dt)) throw invalidArgument(`${where}: unsupported datatype '${clip(dt)}'`);
  return dt;
}

function decodeInput(input: WireInferInputTensor, raw: Uint8Array | undefined, limits: DecodeLimits): Tensor {
  const name = input.name ?? '';
  const where = `input '${clip(name)}'`;
  // Before the contents: a shared-memory input carries none, and the client should hear why (core's rule).
  checkInputParameters(decodeParameters(input.parameters, where), where);
  const datatype = inputDatatype(input, where);
  const shape = parseShape(input.shape ?? [], where);
  // Core's rank and element limits, before anything is allocated.
  const count = checkShape(shape, where, limits.maxElements);
  const data = raw
    ? decodeTensorBytes({ where, datatype, shape }, raw, 'raw_input_contents')
    : decodeContents(input.contents, datatype, count, where);
  return { name, datatype, shape, data };
}

/**
 * raw_input_contents, when used, holds one entry per input in input order, and then no input may carry typed
 * contents (grpc_service.proto, ModelInferRequest.raw_input_contents).
 */
function rawEntries(msg: WireModelInferRequest, inputs: readonly WireInferInputTensor[]): readonly Uint8Array[] | undefined {
  const raw = msg.raw_input_contents ?? [];
  if (raw.length === 0) return undefined;
  if (raw.length !== inputs.length) {
    throw invalidArgument(`raw_input_contents has ${raw.length} entries for ${inputs.length} inputs (one per input, in order)`);
  }
  const mixed = inputs.find((i) => hasContents(i.contents));
  if (mixed) throw invalidArgument(`input '${clip(mixed.name ?? '')}' has contents while raw_input_contents is used; use one or the other`);
  return raw;
}

function uniqueNames(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw invalidArgument(`${what} '${clip(n)}' appears more than once`);
    seen.add(n);
  }
}

function decodeOutputs(outputs: readonly WireRequestedOutput[] | undefined): RequestedOutput[] | undefined {
  // No outputs listed means every output of the model (inference_grpc.md).
  if (!outputs || outputs.length === 0) return undefined;
  const decoded = outputs.map((o) => {
    const name = o.name ?? '';
    const where = `output '${clip(name)}'`;
    // What they may say (binary_data, classification, shared memory) is core's rule, as on every transport.
    const parameters = decodeParameters(o.parameters, where);
    return parameters ? { name, parameters } : { name };
  });
  uniqueNames(decoded.map((o) => o.name), 'requested output');
  return decoded;
}

function optional(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/** The model name is core's to check (core/names.ts); the request parameters too (core/parameters.ts). */
export function decodeModelInferRequest(msg: WireModelInferRequest, limits: DecodeLimits): InferRequest {
  const modelName = msg.model_name ?? '';
  const wireInputs = msg.inputs ?? [];
  const raw = rawEntries(msg, wireInputs);
  const inputs = wireInputs.map((input, i) => decodeInput(input, raw?.[i], limits));
  uniqueNames(inputs.map((t) => t.name), 'input');
  const parameters = decodeParameters(msg.parameters, 'request');
  const outputs = decodeOutputs(msg.outputs);
  return {
    modelName,
    modelVersion: optional(msg.model_version),
    id: optional(msg.id),
    inputs,
    ...(parameters ? { parameters } : {}),
    ...(outputs ? { outputs } : {}),
  };
}

/** The outputs to send: those requested, in the order core produced them (inference_rest.md "outputs"). */
function selectOutputs(res: InferResponse, req: InferRequest): readonly Tensor[] {
  if (!req.outputs) return res.outputs;
  const wanted = new Set(req.outputs.map((o) => o.name));
  return res.outputs.filter((t) => wanted.has(t.name));
}

/**
 * Every output travels in raw_output_contents, as Triton answers: tritonclient.grpc reads raw contents
 * (InferResult.as_numpy), and raw is one copy cheaper than repeated fields.
 */
export function encodeModelInferResponse(res: InferResponse, req: InferRequest): WireModelInferResponse {
  const tensors = selectOutputs(res, req);
  const outputs: WireOutputTensor[] = tensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] }));
  const parameters = encodeParameters(res.parameters);
  return {
    model_name: res.modelName,
    model_version: res.modelVersion,
    id: res.id ?? req.id ?? '',
    ...(parameters ? { parameters } : {}),
    outputs,
    raw_output_contents: tensors.map(encodeTensorBytes),
  };
}
