/**
 * The `alert` block a bus event carries when a person should hear about it. The notify function's rule
 * matches events that have one; notify groups them (cluster + subject + category, like Alertmanager's
 * group_by) and renders the message from the rest of the event's detail. Events without it are facts
 * for pipelines and dashboards only.
 */
export type AlertSubjectKind = 'job' | 'watched-task' | 'service';

export interface AlertBlock {
  /** Cluster name. */
  cluster: string;
  subject: { kind: AlertSubjectKind; name: string };
  /** A stop category, or what went wrong otherwise: "crash-loop", "launch-failed". */
  category: string;
  severity: 'critical' | 'warning';
}

/** The group an alert belongs to: one message stream per group. */
export function alertGroupKey(alert: AlertBlock): string {
  return `${alert.cluster}|${alert.subject.kind}:${alert.subject.name}|${alert.category}`;
}
