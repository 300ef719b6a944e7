/**
 * Two kinds of metric family that prom-client's Registry can render beside its own metrics, built for a hot path
 * that must stay cheap (the goal: metrics on vs off within 3% of throughput):
 *
 * - HistogramFamily: children are looked up once and kept by the caller, so an observation is a bucket search and
 *   three additions. prom-client's Histogram hashes the label object on every observe (~0.7-1 µs measured here),
 *   several times per request.
 * - SnapshotFamily: a counter or gauge whose series are read at scrape time from state that already exists (the
 *   registry's VersionStats, a scheduler's queue), so the request path does nothing for it at all.
 *
 * Both implement what Registry reads from a metric (name, help, type, aggregator, get(), reset()); prom-client
 * types registerMetric() with its own classes only, hence the one cast in register().
 */
import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface Sample {
  readonly metricName?: string;
  readonly labels: Labels;
  readonly value: number;
}

abstract class Family {
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator = 'sum';
  constructor(readonly name: string, readonly help: string) {}

  protected abstract samples(): Sample[];

  /** Registry.metrics() calls this for the text format, getMetricsAsJSON() for JSON. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  abstract reset(): void;

  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}

/** One labelled histogram series. Buckets hold per-bucket counts; the exposition makes them cumulative. */
export class HistogramChild {
  private readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    // Linear: there are ~12-16 buckets and most observations land in the first few.
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  cumulative(): number[] {
    const out: number[] = [];
    let acc = 0;
    for (const c of this.counts) out.push((acc += c));
    return out;
  }
}

export class HistogramFamily extends Family {
  readonly type = 'histogram';
  private readonly children = new Map<string, { labels: Labels; child: HistogramChild }>();

  constructor(name: string, help: string, private readonly labelNames: readonly string[], readonly buckets: readonly number[]) {
    super(name, help);
  }

  /** The series for these label values (in labelNames order), created on first use. Keep it: lookups cost. */
  child(...values: string[]): HistogramChild {
    const key = values.join('\u0001');
    let entry = this.children.get(key);
    if (!entry) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]));
      entry = { labels, child: new HistogramChild(this.buckets) };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, child } of this.children.values()) {
      const cum = child.cumulative();
      this.buckets.forEach((le, i) => out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: String(le) }, value: cum[i] }));
      out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cum[cum.length - 1] });
      out.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
      out.push({ metricName: `${this.name}_count`, labels, value: child.count });
    }
    return out;
  }

  reset(): void {
    this.children.clear();
  }
}

/** A counter or gauge whose series are computed when scraped. */
export class SnapshotFamily extends Family {
  constructor(name: string, help: string, readonly type: 'counter' | 'gauge', private readonly read: () => Iterable<readonly [Labels, number]>) {
    super(name, help);
  }

  protected samples(): Sample[] {
    const out: Sample[] = [];
    for (const [labels, value] of this.read()) out.push({ labels, value });
    return out;
  }

  /** Nothing to reset: the values belong to their sources. */
  reset(): void {}
}
