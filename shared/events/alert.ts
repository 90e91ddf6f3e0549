/**
 * The `alert` block a bus event carries when a person should hear about it. The notify function's rule
 * matches events that have one; notify groups them (cluster + subject + category, or the labels of
 * notifications.groupBy, like Alertmanager's group_by) and renders the message from the rest of the event's detail. Events without it are facts
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

/** The labels of an alert that notifications.groupBy may name, in the order a group key lists them. */
export const GROUP_LABELS = ['cluster', 'subject', 'category', 'severity'] as const;
export type GroupLabel = (typeof GROUP_LABELS)[number];

/** One message stream per cluster, subject and category: the grouping before groupBy, and its default. */
export const DEFAULT_GROUP_BY: readonly GroupLabel[] = ['cluster', 'subject', 'category'];

/**
 * The group an alert belongs to: one message stream per group, by the labels of `groupBy`
 * (notifications.groupBy). The default grouping keeps the key it always had, so that groups open at a
 * deployment keep their count and timers; another grouping names its labels (`cluster=prod|category=capacity`),
 * so that no key of one grouping can be taken for a key of another.
 *
 * An alert closed by its own event — a job failing until its next success, restarts paused until they
 * are resumed, a service's problem until it is steady — is grouped by cluster, subject and category
 * whatever groupBy says: the event that closes it speaks for one subject and one category (and has a
 * severity of its own), so it must find the group of exactly the alerts it ends. Were the subject left
 * out, one job's success would resolve another job's failure.
 */
export function alertGroupKey(alert: AlertBlock, groupBy: readonly GroupLabel[] = DEFAULT_GROUP_BY): string {
  const labels = closedByItsOwnEvent(alert) ? DEFAULT_GROUP_BY : groupBy;
  if (sameLabels(labels, DEFAULT_GROUP_BY)) return `${alert.cluster}|${alert.subject.kind}:${alert.subject.name}|${alert.category}`;
  return GROUP_LABELS.filter((label) => labels.includes(label))
    .map((label) => `${label}=${labelValue(alert, label)}`)
    .join('|');
}

/** The labels of a group key that may gather alerts of several subjects (groupBy without subject); undefined for any other. */
export function groupLabelsOf(groupKey: string): GroupLabel[] | undefined {
  const labels = groupKey.split('|').map((part) => GROUP_LABELS.find((label) => part.startsWith(`${label}=`)));
  if (labels.includes(undefined) || labels.includes('subject')) return undefined;
  return labels as GroupLabel[];
}

function closedByItsOwnEvent(alert: AlertBlock): boolean {
  return alert.resolvedBy === 'resolving-event' || alert.resolves === true;
}

function sameLabels(a: readonly GroupLabel[], b: readonly GroupLabel[]): boolean {
  return a.length === b.length && a.every((label) => b.includes(label));
}

function labelValue(alert: AlertBlock, label: GroupLabel): string {
  return label === 'subject' ? `${alert.subject.kind}:${alert.subject.name}` : alert[label];
}
