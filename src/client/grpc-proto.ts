/**
 * The gRPC service definition, from the package's own proto/ (the same .proto files the server serves), loaded
 * once per process. The directory is found by walking up from this module, as the server finds it, so it resolves
 * from src/ (ts runners), dist/src/ (the build) and an installed package ("files" ships proto/). The client keeps
 * its own copy of that walk rather than importing the server's gRPC module, which would load the server.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MethodDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_FILE = 'grpc_service.proto';
const SERVICE = 'inference.GRPCInferenceService';

/**
 * keepCase: the specification's field names (model_name, raw_input_contents). longs: String: 64-bit integers arrive
 * as decimal strings, exact over the whole range (Number would round INT64 data and uint64 parameters beyond 2^53).
 * enums: String. defaults: absent repeated fields are [] and strings ''. oneofs: InferParameter names its member,
 * telling int64_param 0 apart from "not set". bytes stay Buffers.
 */
const MESSAGE_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/**
 * ModelConfig is handed out as Triton's JSON configuration (what REST's /config answers): 64-bit fields as numbers
 * (dims, microseconds: all small), and only the fields the server set, so it reads like the REST document rather
 * than a message with every default filled in.
 */
const CONFIG_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true };

function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'proto', PROTO_FILE))) return join(dir, 'proto');
    const up = dirname(dir);
    if (up === dir) throw new Error(`proto/${PROTO_FILE} not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export type Methods = Readonly<Record<string, MethodDefinition<object, unknown>>>;

function load(options: protoLoader.Options): Methods {
  const def = protoLoader.loadSync(PROTO_FILE, { ...options, includeDirs: [protoDir()] });
  return def[SERVICE] as unknown as Methods;
}

let methods: Methods | undefined;
let configMethods: Methods | undefined;

/** Every rpc's path, serializer and deserializer. */
export function serviceMethods(): Methods {
  return (methods ??= load(MESSAGE_OPTIONS));
}

/** The ModelConfig rpc with the JSON-like deserializer (loaded on first use: most clients never call it). */
export function modelConfigMethod(): MethodDefinition<object, unknown> {
  return (configMethods ??= load(CONFIG_OPTIONS)).ModelConfig;
}
