/** A runtime whose bus adds the metrics of each event it publishes (of-events.ts) to an invocation's metrics. */
import type { EventBus } from '../events/bus.ts';
import type { MetricsBuffer } from './buffer.ts';
import { metricsOfEvents } from './of-events.ts';

export function withEventMetrics<T extends { bus: EventBus }>(runtime: T, buffer: MetricsBuffer): T {
  return { ...runtime, bus: runtime.bus.observed((events) => buffer.add(metricsOfEvents(events))) };
}
