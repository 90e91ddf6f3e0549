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
 * are resumed, a service's problem until it is steady — is grouped as groupBy says too, with two
 * differences, so that the event that closes it finds its group:
 * - severity is left out: a resolving event has a severity of its own (a resume says warning of a
 *   critical pause, a steady state warning of every problem it ends), not the one of what it closes;
 * - a grouping without subject adds CLOSED_BY_OWN_EVENTS to the key: such a group may gather several
 *   subjects, keeps which of them are open (alert-groups.ts) and resolves when none is, like an
 *   Alertmanager group when all its alerts are; it never shares a key with alerts that resolve after
 *   a quiet period, whose group would otherwise never close while a job keeps failing, or close by quiet.
 * A grouping with subject keeps such alerts one per cluster, subject and category (today's key), as before.
 */
export function alertGroupKey(alert: AlertBlock, groupBy: readonly GroupLabel[] = DEFAULT_GROUP_BY): string {
  const closedByEvent = closedByItsOwnEvent(alert);
  const labels = closedByEvent && groupBy.includes('subject') ? DEFAULT_GROUP_BY : groupBy;
  if (sameLabels(labels, DEFAULT_GROUP_BY)) return `${alert.cluster}|${alert.subject.kind}:${alert.subject.name}|${alert.category}`;
  const parts = GROUP_LABELS.filter((label) => labels.includes(label) && !(closedByEvent && label === 'severity')).map(
    (label) => `${label}=${labelValue(alert, label)}`,
  );
  return [...parts, ...(closedByEvent ? [CLOSED_BY_OWN_EVENTS] : [])].join('|');
}

/** The part of a group key that says the group gathers subjects its own events close (see alertGroupKey). */
export const CLOSED_BY_OWN_EVENTS = 'resolvedBy=resolving-event';

/** Whether the group keeps the subjects that are open, and resolves when none is left (see alertGroupKey). */
export function keepsOpenSubjects(groupKey: string): boolean {
  return groupKey === CLOSED_BY_OWN_EVENTS || groupKey.endsWith(`|${CLOSED_BY_OWN_EVENTS}`);
}

/** The subject as a group key and its open subjects name it: `<kind>:<name>`. */
export function subjectLabel(alert: AlertBlock): string {
  return labelValue(alert, 'subject');
}

/** The labels of a group key that may gather alerts of several subjects (groupBy without subject); undefined for any other. */
export function groupLabelsOf(groupKey: string): GroupLabel[] | undefined {
  const parts = groupKey.split('|').filter((part) => part !== CLOSED_BY_OWN_EVENTS && part !== '');
  const labels = parts.map((part) => GROUP_LABELS.find((label) => part.startsWith(`${label}=`)));
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
