/**
 * The `alert` block a bus event carries when a person should hear about it. The notify function's rule
 * matches events that have one; notify groups them (cluster + subject + category, like Alertmanager's
 * group_by) and renders the message from the rest of the event's detail. Events without it are facts
 * for pipelines and dashboards only.
 */
export type AlertSubjectKind = 'job' | 'watched-task' | 'service' | 'app';

export interface AlertBlock {
  /** Cluster name. */
  cluster: string;
  subject: { kind: AlertSubjectKind; name: string };
  /** A stop category, or what went wrong otherwise: "crash-loop", "launch-failed". */
  category: string;
  severity: 'critical' | 'warning';
  /**
   * How the group resolves: after `resolveAfter` without events (the default), or only when an event
   * with `resolves: true` for the same group arrives — for conditions that last until someone acts,
   * such as restarts paused by a crash loop (resolved by the resume).
   */
  resolvedBy?: 'quiet-period' | 'resolving-event' | undefined;
  /** This event ends the group's episode instead of counting into it (e.g. restarts resumed). */
  resolves?: boolean | undefined;
}

/** The group an alert belongs to: one message stream per group. */
export function alertGroupKey(alert: AlertBlock): string {
  return `${alert.cluster}|${alert.subject.kind}:${alert.subject.name}|${alert.category}`;
}
