/** The failure counters of one model version, read from GET /metrics (Prometheus text exposition). */

export interface FailureCounters {
  /** nv_inference_request_failure by Triton's reason. */
  readonly byReason: ReadonlyMap<string, number>;
  /** onnxserve_inference_failures_total by "REASON/CODE". */
  readonly byCode: ReadonlyMap<string, number>;
  readonly success: number;
  /** Whether any nv_inference_* or onnxserve_inference_* series names a model called no_such_model. */
  readonly unknownModelSeries: boolean;
}

/** `name{a="1",b="2"} 3` -> name, labels, value; other lines (HELP, TYPE, blank) -> undefined. */
function sample(line: string): { name: string; labels: Map<string, string>; value: number } | undefined {
  const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
  if (!m) return undefined;
  const labels = new Map<string, string>();
  for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(l[1], l[2]);
  return { name: m[1], labels, value: Number(m[3]) };
}

export async function failureCounters(url: string, model: string, version: string): Promise<FailureCounters> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  const byReason = new Map<string, number>();
  const byCode = new Map<string, number>();
  let success = 0;
  let unknownModelSeries = false;
  for (const line of (await res.text()).split('\n')) {
    const s = sample(line);
    if (!s) continue;
    if (s.labels.get('model') === 'no_such_model') unknownModelSeries = true;
    if (s.labels.get('model') !== model || s.labels.get('version') !== version) continue;
    if (s.name === 'nv_inference_request_failure') byReason.set(s.labels.get('reason') ?? '', s.value);
    else if (s.name === 'onnxserve_inference_failures_total') byCode.set(`${s.labels.get('reason')}/${s.labels.get('code')}`, s.value);
    else if (s.name === 'nv_inference_request_success') success = s.value;
  }
  return { byReason, byCode, success, unknownModelSeries };
}
