/**
 * The metrics of what notify did with an alert: the messages it sent, by status, and those a hold kept
 * back (silenced, muted, inhibited), by hold. notify publishes to the alert topic, not to the bus, so its
 * result is read here rather than its events.
 */
import { datum, type MetricDatum } from './catalogue.ts';

/** What of notify's result (shared/alerts/handle.ts NotifyResult) the metrics read. */
export interface NotifyOutcome {
  published: readonly { status: string }[];
  held?: readonly { hold: { kind: string } }[] | undefined;
}

export function metricsOfNotifyResult(result: NotifyOutcome): MetricDatum[] {
  return [
    ...result.published.map(({ status }) => datum('alertsSent', { status })),
    ...(result.held ?? []).map(({ hold }) => datum('alertsHeld', { hold: hold.kind })),
  ];
}
