/**
 * `alerts [--all]`: the alert groups firing now (with --all, those resolved in the last day too), read
 * from the deployed state table through its alert group index: what each is, how much it counted, sent
 * and held back, and when it speaks next; which groups are inhibited now, by the rules of the automation
 * file; and the active silences.
 */
import { describeHold, type Hold } from '../shared/alerts/hold.ts';
import { inhibitorOf } from '../shared/alerts/inhibition.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import type { InhibitRule } from '../shared/config/inhibit-schema.ts';
import { AlertGroupList, type LabelledGroup, type ListedGroup } from '../shared/state/alert-group-list.ts';
import { isActive, type Silence, Silences } from '../shared/state/silences.ts';

export interface AlertsOptions {
  all: boolean;
  inhibit: readonly InhibitRule[];
  tableName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  now: Date;
}

/** How long a resolved group is shown by --all. */
const RECENT_SECONDS = 86_400;

/** One group, as `alerts --json` prints it. */
export interface AlertGroupReport {
  groupKey: string;
  /** The labels of its newest event (null: its events' record has expired). */
  cluster: string | null;
  subject: string | null;
  category: string | null;
  severity: string | null;
  status: 'firing' | 'resolved';
  firstEventAt: string | null;
  lastEventAt: string | null;
  /** Events counted in the episode. */
  events: number | null;
  messagesSent: number;
  lastSentAt: string | null;
  /** Events whose message was held back (silenced, muted, inhibited). */
  held: number;
  lastHold: (Hold & { at: string; text: string }) | null;
  /** The next message, while firing: the armed flush. */
  flushAt: string | null;
  /** When it is checked for quiet, while firing. */
  resolveAt: string | null;
  resolvedAt: string | null;
  /** The firing group that inhibits it now, by the automation file's rules (firing groups only). */
  inhibitedBy: { groupKey: string; rule: string } | null;
}

export interface AlertsReport {
  groups: AlertGroupReport[];
  /** The silences active now. */
  silences: Silence[];
}

export async function readAlerts(options: AlertsOptions): Promise<AlertsReport> {
  const { dynamo } = createAwsClients({ region: options.region, endpoint: options.endpoint });
  const list = new AlertGroupList(dynamo, options.tableName);
  const [firingKeys, resolvedKeys, silences] = await Promise.all([
    list.groupKeys('firing'),
    options.all ? list.groupKeys('resolved') : Promise.resolve([]),
    new Silences(dynamo, options.tableName).list(),
  ]);
  const firing = await list.read(firingKeys, 'firing');
  const since = options.now.getTime() - RECENT_SECONDS * 1000;
  const resolved = (await list.read(resolvedKeys, 'resolved')).filter(
    (group) => group.resolvedAt !== undefined && Date.parse(group.resolvedAt) >= since,
  );
  const labelled = firing.flatMap((group): LabelledGroup[] => (group.alert ? [{ groupKey: group.groupKey, alert: group.alert }] : []));
  const inhibitedBy = new Map(
    labelled.flatMap((group) => {
      const inhibitor = inhibitorOf(options.inhibit, group, labelled);
      return inhibitor ? [[group.groupKey, { groupKey: inhibitor.by, rule: inhibitor.rule }] as const] : [];
    }),
  );
  return {
    groups: [...firing, ...resolved].map((group) => report(group, inhibitedBy.get(group.groupKey))),
    silences: silences.filter((silence) => isActive(silence, options.now)),
  };
}

function report(group: ListedGroup, inhibitedBy: AlertGroupReport['inhibitedBy'] | undefined): AlertGroupReport {
  const { alert, episode } = group;
  const lastHold = episode?.lastHold;
  return {
    groupKey: group.groupKey,
    cluster: alert?.cluster ?? null,
    subject: alert ? `${alert.subject.kind}:${alert.subject.name}` : null,
    category: alert?.category ?? null,
    severity: alert?.severity ?? null,
    status: group.status,
    firstEventAt: episode?.firstEventAt ?? null,
    lastEventAt: group.lastEventAt ?? null,
    events: group.events ?? null,
    messagesSent: episode?.messagesSent ?? 0,
    lastSentAt: episode?.lastSentAt ?? null,
    held: episode?.held ?? 0,
    lastHold: lastHold ? { ...lastHold.hold, at: lastHold.at, text: describeHold(lastHold.hold) } : null,
    flushAt: group.status === 'firing' ? (episode?.flushAt ?? null) : null,
    resolveAt: group.status === 'firing' ? (episode?.resolveAt ?? null) : null,
    resolvedAt: group.resolvedAt ?? null,
    inhibitedBy: inhibitedBy ?? null,
  };
}

export const ALERT_COLUMNS = [
  'STATUS',
  'CLUSTER',
  'SUBJECT',
  'CATEGORY',
  'SEVERITY',
  'FIRST EVENT',
  'LAST EVENT',
  'EVENTS',
  'SENT',
  'HELD',
  'NEXT',
];

export function alertRows(groups: readonly AlertGroupReport[]): string[][] {
  const text = (value: string | number | null) => (value === null ? '-' : String(value));
  return groups.map((group) => [
    group.inhibitedBy ? 'inhibited' : group.status,
    text(group.cluster),
    text(group.subject),
    text(group.category),
    text(group.severity),
    text(group.firstEventAt),
    text(group.lastEventAt),
    text(group.events),
    String(group.messagesSent),
    String(group.held),
    group.status === 'resolved' ? `resolved ${text(group.resolvedAt)}` : nextOf(group),
  ]);
}

function nextOf(group: AlertGroupReport): string {
  if (group.flushAt) return `message ${group.flushAt}`;
  if (group.resolveAt) return `resolve check ${group.resolveAt}`;
  return 'until its resolving event';
}

/** The lines under the table: each group's last hold and its inhibitor now, then the silences. */
export function alertNotes(report: AlertsReport): string[] {
  const lines: string[] = [];
  for (const group of report.groups) {
    if (group.inhibitedBy) {
      lines.push(`${group.groupKey}: inhibited now by the firing group ${group.inhibitedBy.groupKey} (rule ${group.inhibitedBy.rule})`);
    }
    if (group.lastHold) lines.push(`${group.groupKey}: last held ${group.lastHold.at}: ${group.lastHold.text}`);
  }
  if (report.silences.length === 0) lines.push('no active silences');
  for (const silence of report.silences) {
    const comment = silence.comment ? ` (${silence.comment})` : '';
    lines.push(`silence ${silence.id}: ${silence.matchers.join(' ')} until ${silence.endsAt}, by ${silence.createdBy}${comment}`);
  }
  return lines;
}
