/**
 * The shapes @grpc/proto-loader hands us (and accepts back) for proto/grpc_service.proto, under LOADER_OPTIONS.
 * Hand-written rather than generated: the codec touches a few messages only, and it must tolerate missing
 * fields (tests and other callers build these objects by hand), so every field is optional here.
 */
import type { Options } from '@grpc/proto-loader';

/**
 * - keepCase: field names stay as in the .proto (model_name, raw_input_contents), the names the specification
 *   and every client use, instead of camelCase copies.
 * - longs: String: int64/uint64 arrive as decimal strings, exact over the whole 64-bit range. Number would round
 *   beyond 2^53 (INT64 tensors, uint64 parameters); Long objects would leak a library type into the codec.
 *   The codec turns them into bigint (tensor data) or checked safe integers (shapes). On the way out,
 *   protobufjs accepts numbers, decimal strings and bigints for 64-bit fields.
 * - enums: String: ModelConfig's data_type travels as "TYPE_FP32", the name Triton's JSON config uses.
 * - defaults: true: absent repeated fields are [], absent strings "", so decoding needs no existence checks;
 *   absent message fields (contents) stay null.
 * - oneofs: true: InferParameter carries `parameter_choice` naming the member that is set, which tells
 *   int64_param 0 apart from "not set".
 * - bytes: left at the default, Buffer: raw contents are Buffer views into the received message (no copy).
 */
export const LOADER_OPTIONS: Options = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** A 64-bit integer field: a decimal string when decoded; number, string or bigint when encoding. */
export type WireInt64 = string | number | bigint;

export type ParameterChoice = 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';

export interface WireInferParameter {
  parameter_choice?: ParameterChoice;
  bool_param?: boolean;
  int64_param?: WireInt64;
  string_param?: string;
  double_param?: number;
  uint64_param?: WireInt64;
}

export type WireParameters = Record<string, WireInferParameter>;

export interface WireTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: WireInt64[];
  uint_contents?: number[];
  uint64_contents?: WireInt64[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface WireInferInputTensor {
  name?: string;
  datatype?: string;
  shape?: WireInt64[];
  parameters?: WireParameters;
  contents?: WireTensorContents | null;
}

export interface WireRequestedOutput {
  name?: string;
  parameters?: WireParameters;
}

export interface WireModelInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: WireParameters;
  inputs?: WireInferInputTensor[];
  outputs?: WireRequestedOutput[];
  raw_input_contents?: Uint8Array[];
}

export interface WireOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: WireParameters;
}

export interface WireModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters?: WireParameters;
  outputs: WireOutputTensor[];
  raw_output_contents: Buffer[];
}

export interface WireModelStreamInferResponse {
  error_message: string;
  infer_response?: Partial<WireModelInferResponse>;
}
