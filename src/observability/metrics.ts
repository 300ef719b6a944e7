/**
 * Every Prometheus metric the server exposes, on a registry of its own (never prom-client's global one).
 *
 * Triton's families (docs/user_guide/metrics.md, "Inference Request Metrics"), labelled model and version:
 *   nv_inference_request_success, nv_inference_request_failure{reason} (Triton's four reasons; the error code
 *   beside it in onnxserve_inference_failures_total{reason,code}), nv_inference_count,
 *   nv_inference_exec_count, and the cumulative microsecond counters nv_inference_request_duration_us,
 *   nv_inference_queue_duration_us, nv_inference_compute_{input,infer,output}_duration_us — all read at scrape
 *   time from the very VersionStats the statistics extension reports, so the two cannot disagree (the request path
 *   pays nothing for them); nv_inference_pending_request_count, read from each version's scheduler.
 *
 * Latency distribution: Triton 2.4x offers two opt-in kinds — summaries (nv_inference_*_summary_us, sliding-window
 * quantiles: costly per observation and impossible to aggregate across replicas) and one histogram,
 * nv_inference_first_response_histogram_ms. We expose that histogram, always on: our models are not decoupled, so
 * the first response is the response and the histogram is the end-to-end latency of successful requests as the
 * core measures it (the same duration that feeds nv_inference_request_duration_us). Triton's default buckets
 * (100, 500, 2000, 5000 ms) suit LLMs; ours start at 0.1 ms, as Triton's model_metrics lets a model override.
 *
 * Our own families are onnxserve_*; prom-client's default Node.js/process metrics (event loop lag, RSS, GC, heap)
 * are collected on the same registry.
 *
 * Label values come only from the registry (models it has loaded or tried to load from the repository) and from
 * StatsListener events, which fire only for resolved versions: a request naming an unknown model creates no series.
 * The HTTP duration histogram is labelled by protocol, endpoint kind and status code only, never by URL.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ModelStatistics } from '../core/api.js';
import { HistogramFamily, SnapshotFamily, type HistogramChild } from './families.js';
import { FAILURE_REASONS, type Failure, type RequestRecord, type StatsListener, type VersionStats } from './stats.js';

/** What metrics read from a model version at scrape time (ModelVersion satisfies it). */
export interface ServedVersion {
  readonly name: string;
  readonly versionText: string;
  readonly state: string;
  readonly stats: VersionStats;
  readonly scheduler?: { readonly pending: number } | undefined;
  readonly inFlight: number;
}

/** The model registry as metrics see it (ModelRegistry satisfies it). */
export interface ServedModels {
  names(): string[];
  versions(name: string): readonly ServedVersion[];
}

export type Protocol = 'v1' | 'v2-rest' | 'v2-grpc' | 'other';

const STATES = ['LOADING', 'READY', 'UNLOADING', 'UNAVAILABLE'] as const;
/** onnxserve_rejections_total's reasons, from the error code of a request the scheduler refused or dropped. */
const REJECTIONS: ReadonlyMap<string, string> = new Map([['RESOURCE_EXHAUSTED', 'queue_full'], ['DEADLINE_EXCEEDED', 'timeout'], ['CANCELLED', 'cancelled']]);

const LATENCY_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const HTTP_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_ROWS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const LOAD_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

type Labels = Readonly<Record<string, string>>;

/** One version's statistics as read for one scrape. */
interface Row {
  readonly labels: Labels;
  readonly v: ServedVersion;
  readonly s: ModelStatistics;
}

/** Histogram series fed by StatsListener events, per model version. */
interface VersionSeries {
  readonly latency: HistogramChild;
  readonly batch: HistogramChild;
}

const us = (ns: number): number => Math.floor(ns / 1000);

export class ServerMetrics implements StatsListener {
  readonly registry = new Registry();
  private models: ServedModels | undefined;
  private readonly series = new Map<string, Map<string, VersionSeries>>();
  private readonly rejections = new Map<string, number>([...REJECTIONS.values()].map((r) => [r, 0]));
  private readonly workerExits = new Map<string, number>([['replaced', 0], ['failed', 0]]);
  private readonly firstResponse: HistogramFamily;
  private readonly batchSize: HistogramFamily;
  private readonly httpDuration: HistogramFamily;
  private readonly loadDuration: HistogramFamily;
  /** The rows of the scrape in progress, read once for every family. */
  private scrapeRows: Row[] | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = this.registry;
    this.tritonFamilies();
    this.firstResponse = new HistogramFamily('nv_inference_first_response_histogram_ms',
      'Duration from request to first response in milliseconds (not decoupled: the end-to-end duration of each successful request)',
      ['model', 'version'], LATENCY_MS).register(r);
    this.batchSize = new HistogramFamily('onnxserve_batch_size', 'Rows in each model execution (a dynamic batch merges several requests)',
      ['model', 'version'], BATCH_ROWS).register(r);
    this.httpDuration = new HistogramFamily('onnxserve_http_request_duration_seconds',
      'Time to answer a request, from its first byte to the response, by protocol (v1, v2-rest, v2-grpc), endpoint kind and status code (HTTP status, or gRPC status name)',
      ['protocol', 'endpoint', 'code'], HTTP_SECONDS).register(r);
    this.loadDuration = new HistogramFamily('onnxserve_model_load_duration_seconds', 'Time to load one model version, by outcome',
      ['model', 'result'], LOAD_SECONDS).register(r);
    this.ownGauges();
    new SnapshotFamily('onnxserve_rejections_total', 'Requests refused without running: queue_full (queue or in-flight bytes at their limit), timeout (in the queue), cancelled (client gone)',
      'counter', () => [...this.rejections].map(([reason, n]) => [{ reason }, n] as const)).register(r);
    new SnapshotFamily('onnxserve_worker_restarts_total', 'Model worker threads that died unexpectedly: replaced by a new worker, or failed (could not be replaced)',
      'counter', () => [...this.workerExits].map(([result, n]) => [{ result }, n] as const)).register(r);
    // nodejs_eventloop_lag_*, process_resident_memory_bytes, nodejs_heap_*, nodejs_gc_duration_seconds, ...
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: r });
  }

  /** The registry whose versions the scrape-time families read (set once it exists: it takes us as listener). */
  attach(models: ServedModels): void {
    this.models = models;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition; every version's statistics are read once for all families. */
  async scrape(): Promise<string> {
    this.scrapeRows = this.readRows();
    try {
      return await this.registry.metrics();
    } finally {
      this.scrapeRows = undefined;
    }
  }

  // StatsListener: called once per finished request and per execution, for resolved versions only.
  onRequest(model: string, version: string, r: RequestRecord, failure?: Failure): void {
    if (r.ok) {
      this.versionSeries(model, version).latency.observe(r.totalNs / 1e6);
      return;
    }
    const scheduler = failure?.reason === 'REJECTED' || failure?.reason === 'CANCELED';
    const rejection = scheduler ? REJECTIONS.get(failure.code) : undefined;
    if (rejection !== undefined) this.rejections.set(rejection, this.rejections.get(rejection)! + 1);
  }

  onExecution(model: string, version: string, batchSize: number): void {
    this.versionSeries(model, version).batch.observe(batchSize);
  }

  /** RegistryOptions.onLoad. */
  readonly onLoad = (e: { name: string; version: string; ok: boolean; ms: number }): void => {
    this.loadDuration.child(e.name, e.ok ? 'success' : 'failure').observe(e.ms / 1000);
  };

  /** OrtBackend's onWorkerExit. */
  onWorkerExit(replaced: boolean): void {
    const k = replaced ? 'replaced' : 'failed';
    this.workerExits.set(k, this.workerExits.get(k)! + 1);
  }

  /** The HTTP-duration series for one protocol/endpoint/code; callers observe seconds on it. */
  requestSeries(protocol: Protocol, endpoint: string, code: string): HistogramChild {
    return this.httpDuration.child(protocol, endpoint, code);
  }

  private versionSeries(model: string, version: string): VersionSeries {
    let byVersion = this.series.get(model);
    if (!byVersion) this.series.set(model, (byVersion = new Map()));
    let s = byVersion.get(version);
    if (!s) {
      s = { latency: this.firstResponse.child(model, version), batch: this.batchSize.child(model, version) };
      byVersion.set(version, s);
    }
    return s;
  }

  /** Versions with Triton series: those serving or draining, and any that served before being unloaded. */
  private readRows(): Row[] {
    const rows: Row[] = [];
    const models = this.models;
    if (!models) return rows;
    for (const name of models.names()) {
      for (const v of models.versions(name)) {
        const s = v.stats.snapshot();
        const served = s.inference_stats.success.count + s.inference_stats.fail.count > 0;
        if (v.state !== 'READY' && v.state !== 'UNLOADING' && !served) continue;
        rows.push({ labels: { model: v.name, version: v.versionText }, v, s });
      }
    }
    return rows;
  }

  private rows(): Row[] {
    return this.scrapeRows ?? this.readRows();
  }

  private tritonFamilies(): void {
    const r = this.registry;
    const counter = (name: string, help: string, value: (row: Row) => number) =>
      new SnapshotFamily(name, help, 'counter', () => this.rows().map((row) => [row.labels, value(row)] as const)).register(r);
    counter('nv_inference_request_success', 'Number of successful inference requests, all batch sizes', (x) => x.s.inference_stats.success.count);
    new SnapshotFamily('nv_inference_request_failure', 'Number of failed inference requests, all batch sizes, by reason', 'counter', () => this.failureSeries()).register(r);
    new SnapshotFamily('onnxserve_inference_failures_total',
      'Failed inference requests by Triton\'s reason and the error code the client got (e.g. OTHER/INVALID_ARGUMENT, REJECTED/DEADLINE_EXCEEDED); only pairs that occurred',
      'counter', () => this.failureCodeSeries()).register(r);
    counter('nv_inference_count', 'Number of inferences performed (does not include cached requests)', (x) => x.s.inference_count);
    counter('nv_inference_exec_count', 'Number of model executions performed (does not include cached requests)', (x) => x.s.execution_count);
    counter('nv_inference_request_duration_us', 'Cumulative inference request duration in microseconds (includes cached requests)', (x) => us(x.s.inference_stats.success.ns));
    counter('nv_inference_queue_duration_us', 'Cumulative inference queuing duration in microseconds (includes cached requests)', (x) => us(x.s.inference_stats.queue.ns));
    counter('nv_inference_compute_input_duration_us', 'Cumulative compute input duration in microseconds (does not include cached requests)', (x) => us(x.s.inference_stats.compute_input.ns));
    counter('nv_inference_compute_infer_duration_us', 'Cumulative compute inference duration in microseconds (does not include cached requests)', (x) => us(x.s.inference_stats.compute_infer.ns));
    counter('nv_inference_compute_output_duration_us', 'Cumulative inference compute output duration in microseconds (does not include cached requests)', (x) => us(x.s.inference_stats.compute_output.ns));
    // Triton's definition: received but not yet executing (metrics.md "Pending Request Count (Queue Size)").
    new SnapshotFamily('nv_inference_pending_request_count', 'Instantaneous number of pending requests awaiting execution per-model.', 'gauge',
      () => this.rows().map((x) => [x.labels, x.v.scheduler?.pending ?? 0] as const)).register(r);
  }

  private failureSeries(): (readonly [Labels, number])[] {
    const out: (readonly [Labels, number])[] = [];
    for (const row of this.rows()) {
      const counts = row.v.stats.failures();
      for (const reason of FAILURE_REASONS) out.push([{ ...row.labels, reason }, counts.get(reason) ?? 0]);
    }
    return out;
  }

  private failureCodeSeries(): (readonly [Labels, number])[] {
    const out: (readonly [Labels, number])[] = [];
    for (const row of this.rows()) {
      for (const [reason, byCode] of row.v.stats.failureCodes()) {
        for (const [code, n] of byCode) out.push([{ ...row.labels, reason, code }, n]);
      }
    }
    return out;
  }

  private ownGauges(): void {
    const r = this.registry;
    new SnapshotFamily('onnxserve_queue_depth', 'Requests waiting in the version\'s scheduler queue (not yet executing)', 'gauge',
      () => this.rows().map((x) => [x.labels, x.v.scheduler?.pending ?? 0] as const)).register(r);
    new SnapshotFamily('onnxserve_inflight_requests', 'Requests inside the core for the version: validating, queued or executing', 'gauge',
      () => this.rows().map((x) => [x.labels, x.v.inFlight] as const)).register(r);
    new SnapshotFamily('onnxserve_model_state', 'State of each model version: 1 for its current state, 0 for the others', 'gauge', () => {
      const out: (readonly [Labels, number])[] = [];
      const models = this.models;
      if (!models) return out;
      for (const name of models.names()) {
        for (const v of models.versions(name)) {
          for (const state of STATES) out.push([{ model: v.name, version: v.versionText, state }, v.state === state ? 1 : 0]);
        }
      }
      return out;
    }).register(r);
  }
}
