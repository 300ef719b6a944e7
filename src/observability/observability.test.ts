import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { HistogramFamily, SnapshotFamily } from './families.js';
import { ServerMetrics, type ServedModels } from './metrics.js';
import { requestIdFrom } from './request-log.js';
import { VersionStats } from './stats.js';
import { isTracing, tracingRequested } from './tracing.js';

describe('metric families', () => {
  test('a histogram renders cumulative buckets, +Inf, sum and count, as prom-client does', async () => {
    const r = new Registry();
    const h = new HistogramFamily('t_seconds', 'help text', ['model'], [0.1, 1]).register(r);
    const a = h.child('a');
    for (const v of [0.05, 0.1, 0.5, 3]) a.observe(v);
    assert.equal(h.child('a'), a, 'a child is created once');
    const text = await r.metrics();
    assert.match(text, /# HELP t_seconds help text\n# TYPE t_seconds histogram\n/);
    assert.match(text, /t_seconds_bucket\{model="a",le="0.1"\} 2\n/);
    assert.match(text, /t_seconds_bucket\{model="a",le="1"\} 3\n/);
    assert.match(text, /t_seconds_bucket\{model="a",le="\+Inf"\} 4\n/);
    assert.match(text, /t_seconds_sum\{model="a"\} 3.65\n/);
    assert.match(text, /t_seconds_count\{model="a"\} 4/);
  });

  test('a snapshot family is read at scrape time', async () => {
    const r = new Registry();
    let n = 1;
    new SnapshotFamily('t_total', 'h', 'counter', () => [[{ reason: 'x' }, n]]).register(r);
    assert.match(await r.metrics(), /t_total\{reason="x"\} 1/);
    n = 5;
    assert.match(await r.metrics(), /t_total\{reason="x"\} 5/);
  });
});

describe('ServerMetrics from VersionStats', () => {
  test('Triton counters equal the statistics; failures by reason sum to the failure count', async () => {
    const m = new ServerMetrics({ defaultMetrics: false });
    const stats = new VersionStats('m', '3', m);
    const version = { name: 'm', versionText: '3', state: 'READY', stats, scheduler: { pending: 2 }, inFlight: 3 };
    const models: ServedModels = { names: () => ['m'], versions: (n) => (n === 'm' ? [version] : []) };
    m.attach(models);
    stats.recordExecution(4, 1000, 2000, 3000);
    for (let i = 0; i < 4; i++) stats.recordRequest({ ok: true, totalNs: 1_500_500, queueNs: 2500, inputNs: 1000, inferNs: 2000, outputNs: 3000 }, 1);
    const failed = { ok: false, totalNs: 10, queueNs: 0, inputNs: 0, inferNs: 0, outputNs: 0 };
    stats.recordRequest(failed, 1, { reason: 'REJECTED', code: 'DEADLINE_EXCEEDED' });
    stats.recordRequest(failed, 1, { reason: 'REJECTED', code: 'RESOURCE_EXHAUSTED' });
    stats.recordRequest(failed, 1, { reason: 'OTHER', code: 'INVALID_ARGUMENT' });
    const text = await m.scrape();
    const l = '{model="m",version="3"}';
    assert.ok(text.includes(`nv_inference_request_success${l} 4\n`));
    assert.ok(text.includes(`nv_inference_count${l} 4\n`));
    assert.ok(text.includes(`nv_inference_exec_count${l} 1\n`));
    assert.ok(text.includes(`nv_inference_request_duration_us${l} 6002\n`), 'floor(4 * 1500.5 µs)');
    assert.ok(text.includes(`nv_inference_queue_duration_us${l} 10\n`));
    assert.ok(text.includes(`nv_inference_pending_request_count${l} 2\n`));
    assert.ok(text.includes(`onnxserve_inflight_requests${l} 3\n`));
    // Triton's four reasons, each always present; nothing else.
    assert.ok(text.includes('nv_inference_request_failure{model="m",version="3",reason="REJECTED"} 2\n'));
    assert.ok(text.includes('nv_inference_request_failure{model="m",version="3",reason="OTHER"} 1\n'));
    assert.ok(text.includes('nv_inference_request_failure{model="m",version="3",reason="CANCELED"} 0\n'));
    assert.ok(text.includes('nv_inference_request_failure{model="m",version="3",reason="BACKEND"} 0\n'));
    assert.equal(text.match(/^nv_inference_request_failure\{/gm)?.length, 4);
    // The error code beside Triton's reason, for the pairs that occurred.
    assert.ok(text.includes('onnxserve_inference_failures_total{model="m",version="3",reason="REJECTED",code="DEADLINE_EXCEEDED"} 1\n'));
    assert.ok(text.includes('onnxserve_inference_failures_total{model="m",version="3",reason="REJECTED",code="RESOURCE_EXHAUSTED"} 1\n'));
    assert.ok(text.includes('onnxserve_inference_failures_total{model="m",version="3",reason="OTHER",code="INVALID_ARGUMENT"} 1\n'));
    assert.equal(text.match(/^onnxserve_inference_failures_total\{/gm)?.length, 3);
    // A request refused before scheduling is not a rejection.
    assert.ok(text.includes('onnxserve_rejections_total{reason="timeout"} 1\n'));
    assert.ok(text.includes('onnxserve_rejections_total{reason="queue_full"} 1\n'));
    assert.ok(text.includes(`nv_inference_first_response_histogram_ms_count${l} 4\n`));
    assert.ok(text.includes(`onnxserve_batch_size_sum${l} 4\n`));
    assert.ok(text.includes('onnxserve_model_state{model="m",version="3",state="READY"} 1\n'));
    const failures = [...stats.failures().values()].reduce((a, b) => a + b, 0);
    assert.equal(failures, stats.snapshot().inference_stats.fail.count);
  });
});

describe('request ids and tracing switches', () => {
  test('a client id is kept when short and printable, else replaced by a UUID', () => {
    assert.equal(requestIdFrom('abc-123_x.y:z'), 'abc-123_x.y:z');
    for (const bad of ['', 'has space', 'x'.repeat(129), 'new\nline', 'é', undefined, 42]) {
      assert.match(requestIdFrom(bad), /^[0-9a-f-]{36}$/, String(bad));
    }
  });

  test('tracing follows --trace and the standard OTEL_* variables', () => {
    assert.equal(tracingRequested(false, {}), false);
    assert.equal(tracingRequested(true, {}), true);
    assert.equal(tracingRequested(true, { OTEL_SDK_DISABLED: 'true' }), true, 'the flag wins');
    assert.equal(tracingRequested(false, { OTEL_TRACES_EXPORTER: 'otlp' }), true);
    assert.equal(tracingRequested(false, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingRequested(false, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
    assert.equal(tracingRequested(false, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }), false);
    assert.equal(tracingRequested(false, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'TRUE' }), false);
    assert.equal(isTracing(), false, 'nothing is started by asking');
  });
});
