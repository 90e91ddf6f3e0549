/**
 * An invocation's metrics, kept until it ends and then written as embedded metric format (EMF) lines by
 * Powertools Metrics. An EMF document gives one value to each dimension, so the data points are grouped by
 * their dimensions and each group is one document: an invocation that settles two jobs writes two. Counts
 * of a group are summed into one value; durations keep a value each (EMF takes up to 100 per metric in a
 * document; more go in further documents).
 *
 * The emitter is asked for at the first flush that has something to write, so that Lambda can load
 * Powertools Metrics then rather than at the cold start (invocation-metrics.ts).
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricDatum, MetricDefinition } from './catalogue.ts';

/** Powertools writes a document by itself when a metric reaches 100 values, and forgets its dimensions then: stay below. */
const VALUES_PER_DOCUMENT = 99;

interface Group {
  dimensions: Record<string, string>;
  values: Map<string, { metric: MetricDefinition; values: number[] }>;
}

export class MetricsBuffer {
  private readonly emitter: () => Metrics | Promise<Metrics>;
  private readonly groups = new Map<string, Group>();

  constructor(emitter: () => Metrics | Promise<Metrics>) {
    this.emitter = emitter;
  }

  add(data: readonly MetricDatum[]): void {
    for (const { metric, dimensions, value } of data) {
      const key = JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));
      let group = this.groups.get(key);
      if (!group) {
        group = { dimensions, values: new Map() };
        this.groups.set(key, group);
      }
      const stored = group.values.get(metric.name);
      if (!stored) group.values.set(metric.name, { metric, values: [value] });
      else if (metric.unit === 'Count') stored.values[0] = (stored.values[0] ?? 0) + value;
      else stored.values.push(value);
    }
  }

  /** Writes what was added since the last flush, one EMF document per set of dimensions; nothing when nothing was added. */
  async flush(): Promise<void> {
    const groups = [...this.groups.values()];
    this.groups.clear();
    if (groups.length === 0) return;
    const emitter = await this.emitter();
    for (const { dimensions, values } of groups) {
      const series = [...values.values()];
      for (let start = 0; series.some((s) => s.values.length > start); start += VALUES_PER_DOCUMENT) {
        for (const [name, value] of Object.entries(dimensions)) emitter.addDimension(name, value);
        for (const { metric, values: points } of series) {
          for (const point of points.slice(start, start + VALUES_PER_DOCUMENT)) emitter.addMetric(metric.name, metric.unit, point);
        }
        emitter.publishStoredMetrics();
      }
    }
  }
}
