/**
 * Every server setting in one table: its default, its CLI flag, its ONNXSERVE_* variable and the line of help
 * that documents it. The CLI, the environment, a --config file and the README are all derived from this.
 */
import os from 'node:os';

export type SettingType = 'string' | 'int' | 'bool' | 'enum';

export interface SettingSpec {
  readonly key: string;
  readonly flag: string;
  readonly type: SettingType;
  readonly default: string | number | boolean | undefined;
  readonly help: string;
  readonly choices?: readonly string[];
  readonly min?: number;
  /**
   * A bool taken as Triton spells it, `--flag=true|false` (or `--flag` alone for true), besides `--no-flag`: for
   * flags named after Triton's, so its command lines carry over.
   */
  readonly valued?: boolean;
}

const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

export const SETTINGS = [
  { key: 'modelRepository', flag: 'model-repository', type: 'string', default: './models', help: 'directory of models: <name>.onnx files or Triton-style <name>/<version>/model.onnx with optional config.pbtxt' },
  { key: 'modelName', flag: 'model-name', type: 'string', default: undefined, help: "serve a repository holding one model (a model.onnx, one model's version folders, or one <name>/<version>/model.onnx) under this name, as KServe passes the InferenceService's name for /mnt/models" },
  { key: 'host', flag: 'host', type: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0 exposes the server to the network; see README Security)' },
  { key: 'httpPort', flag: 'http-port', type: 'int', default: 8080, min: 0, help: 'HTTP port for V1/V2 REST, health and metrics (0 = any free port)' },
  { key: 'grpcPort', flag: 'grpc-port', type: 'int', default: 8081, min: 0, help: 'gRPC port for inference.GRPCInferenceService (0 = any free port)' },
  { key: 'grpc', flag: 'grpc', type: 'bool', default: true, help: 'serve gRPC (--no-grpc to turn it off)' },
  { key: 'logLevel', flag: 'log-level', type: 'enum', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], help: 'log level of the JSON logs on stdout' },
  { key: 'instances', flag: 'instances', type: 'int', default: 1, min: 1, help: 'worker threads (ORT sessions) per model version unless config.pbtxt sets instance_group' },
  { key: 'intraOpThreads', flag: 'intra-op-threads', type: 'int', default: Math.max(1, Math.floor(cores / 2)), min: 1, help: `ORT intra-op threads per session (default: half the ${cores} cores, at least 1)` },
  { key: 'interOpThreads', flag: 'inter-op-threads', type: 'int', default: 1, min: 1, help: 'ORT inter-op threads per session' },
  { key: 'workerThreads', flag: 'worker-threads', type: 'int', default: 0, min: 0, help: 'share this many worker threads among every model\'s sessions (each thread costs ~17 MB; but a load or a long run on a shared thread delays the other models on it); 0 = one thread per model instance' },
  { key: 'inProcessModels', flag: 'in-process-models', type: 'string', default: undefined, help: 'comma-separated models to run on the main thread instead of worker threads: faster for tiny models (one hand-off less each way), but each run blocks the event loop; same as config.pbtxt parameter execution_mode: in_process' },
  { key: 'executionProvider', flag: 'execution-provider', type: 'enum', default: 'cpu', choices: ['cpu', 'cuda', 'tensorrt'], help: 'execution provider for every model (config.pbtxt may choose per model); falls back to CPU with a warning when absent' },
  { key: 'maxBodyBytes', flag: 'max-body-bytes', type: 'int', default: 64 * 1024 * 1024, min: 1024, help: 'largest inference request body in bytes' },
  { key: 'maxElements', flag: 'max-elements', type: 'int', default: 16 * 1024 * 1024, min: 1, help: 'most elements in one input tensor' },
  { key: 'maxQueueSize', flag: 'max-queue-size', type: 'int', default: 1024, min: 1, help: 'requests waiting per model version before 503 (config.pbtxt default_queue_policy overrides)' },
  { key: 'maxInflightBytes', flag: 'max-inflight-bytes', type: 'int', default: 512 * 1024 * 1024, min: 1024, help: 'total input bytes held by queued and running requests before 503' },
  { key: 'requestTimeoutMs', flag: 'request-timeout-ms', type: 'int', default: 60_000, min: 0, help: 'default per-request timeout (0 = none); V2 "timeout" parameter overrides' },
  { key: 'modelControlMode', flag: 'model-control-mode', type: 'enum', default: 'explicit', choices: ['none', 'explicit', 'poll'], help: "Triton's model control: none = repository fixed at start, explicit = load/unload APIs allowed, poll = repository rescanned every --poll-interval-ms (APIs refused)" },
  { key: 'loadModel', flag: 'load-model', type: 'string', default: '*', help: 'models to load at start, comma-separated ("*" = every model in the repository)' },
  { key: 'strictReadiness', flag: 'strict-readiness', type: 'bool', default: true, valued: true, help: "Triton's flag: /v2/health/ready and ServerReady report ready only while every model the server holds serves (unloaded ones aside; a loading or failed model with nothing to serve holds readiness); false: ready once start-up is over, whatever failed" },
  { key: 'exitOnError', flag: 'exit-on-error', type: 'bool', default: false, valued: true, help: "Triton's flag (Triton's default is true): exit with an error when a model fails to load at start; by default the server starts without it, lists it as UNAVAILABLE with the reason and, with --strict-readiness, is not ready" },
  { key: 'pollIntervalMs', flag: 'poll-interval-ms', type: 'int', default: 5000, min: 100, help: 'repository rescan period with --model-control-mode poll' },
  { key: 'adminToken', flag: 'admin-token', type: 'string', default: undefined, help: 'when set, every management route (load, unload, repository index; HTTP and gRPC) needs "Authorization: Bearer <token>"' },
  { key: 'safeLoad', flag: 'safe-load', type: 'bool', default: true, help: 'check each new or changed model file in a short-lived child process first, so a model that crashes the runtime cannot take the server down (--no-safe-load to skip)' },
  { key: 'drainDelayMs', flag: 'drain-delay-ms', type: 'int', default: 5000, min: 0, help: 'on SIGTERM, how long readiness reports 503 before the listeners close (lets load balancers stop sending)' },
  { key: 'exitTimeoutMs', flag: 'exit-timeout-ms', type: 'int', default: 20_000, min: 0, help: "on SIGTERM, longest wait for in-flight and queued requests before exiting anyway (drain delay + this fit Kubernetes' default 30 s grace period)" },
  { key: 'maxJsonBodyBytes', flag: 'max-json-body-bytes', type: 'int', default: 32 * 1024 * 1024, min: 1024, help: 'largest JSON inference body (binary bodies: --max-body-bytes)' },
  { key: 'metrics', flag: 'metrics', type: 'bool', default: true, help: 'serve Prometheus metrics (Triton\'s nv_inference_* names and onnxserve_*) at GET /metrics on the HTTP port (--no-metrics to turn them off)' },
  { key: 'metricsPort', flag: 'metrics-port', type: 'int', default: 0, min: 0, help: 'also serve /metrics on this port, as Triton does (0 = only on the HTTP port)' },
  { key: 'trace', flag: 'trace', type: 'bool', default: false, help: 'export OpenTelemetry traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_* set the endpoint; also on when OTEL_TRACES_EXPORTER=otlp or OTEL_EXPORTER_OTLP_ENDPOINT is set)' },
  { key: 'logRequests', flag: 'log-requests', type: 'bool', default: false, help: 'log one info line per request: model, protocol, status, duration, request id' },
  { key: 'grpcMaxMessageBytes', flag: 'grpc-max-message-bytes', type: 'int', default: 64 * 1024 * 1024, min: 1024, help: 'largest gRPC message, both directions' },
] as const satisfies readonly SettingSpec[];

type Spec = (typeof SETTINGS)[number];
type ValueOf<S extends SettingSpec> = S['type'] extends 'int' ? number : S['type'] extends 'bool' ? boolean : string;

export type ServerConfig = { readonly [S in Spec as S['key']]: S['default'] extends undefined ? ValueOf<S> | undefined : ValueOf<S> };

export function envName(spec: SettingSpec): string {
  return `ONNXSERVE_${spec.flag.replace(/-/g, '_').toUpperCase()}`;
}
