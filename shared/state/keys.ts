/**
 * Every key of the state table, built here and nowhere else. One table holds every kind of item, told
 * apart by its partition (pk) and sort (sk) key:
 *
 *   pk                            sk                                         the item
 *   JOB#<job>                     RUN#<scheduled time>#<attempt, 3 digits>   a batch job's run
 *                                 SUSPENSION                                 the job's suspension at run time (suspend/unsuspend)
 *                                 MANUAL#<id>                                a manual run's id (`run --id`) and the time it names
 *   WATCH#<name>                  STATE                                      a watched task's state
 *                                 STOP#<task ARN>                            one of its stops, kept for the stop history
 *   SERVICE#<cluster>/<service>   SCALING                                    scale-service's memory of the service
 *                                 BLUE_GREEN                                 the blue/green lock on the service
 *                                 STOP-WINDOW#<minute, ISO 8601>             the service's stops counted in a minute
 *                                 STOP#<task ARN>                            what was decided about one stop (the stop history)
 *   APP#<app>                     DEPLOYMENT                                 the app's deployment under way, or its last
 *                                 DEPLOYMENT#<requested at>#<id>             a final deployment, kept as history
 *                                 REJECTED#<request id>                      a deployment request that was not started
 *   ALERT#<group key>             EVENTS                                     an alert group's inbox
 *                                 GROUP                                      an alert group's decisions
 *                                                                            (listed in ALERT_GROUP_INDEX)
 *   SILENCES                      SILENCE#<id>                               an operator's silence (one partition: notify reads all in one Query)
 *
 * Deployed tables hold items under these exact strings: changing one strands every item stored under it
 * (test/unit/state-keys.test.ts pins them).
 */

/** The state table's key attributes and its TTL attribute. */
export const STATE_TABLE_KEYS = { partition: 'pk', sort: 'sk', ttl: 'expiresAt' } as const;

/** The sparse index the maxRuntime watchdog queries; a run is in it while it carries deadlineBucket. */
export const DEADLINE_INDEX = { name: 'by-deadline', partition: 'deadlineBucket', sort: 'maxRuntimeDeadline' } as const;

/** The deadline index's one partition: the runs the maxRuntime watchdog watches. */
export const WATCHED_RUNS_BUCKET = 'MAX_RUNTIME';

/**
 * The index of alert groups (`ecs-autopilot alerts`, inhibition): a group's decisions item carries its
 * keys, written with the decisions it is written for anyway, so listing costs no write of its own. One
 * partition, sorted by status, cluster and group key: `FIRING#<cluster>|<group key>` while an episode is
 * open (one Query finds what fires in a cluster), `RESOLVED#<cluster>|<group key>` after, until the
 * item's TTL removes it. A group of several clusters (a groupBy without cluster) is listed under no
 * cluster. Decisions are few (a group's first event, a flush, a resolution), far below what one index
 * partition takes.
 */
export const ALERT_GROUP_INDEX = { name: 'alert-groups', partition: 'alertList', sort: 'alertStatus' } as const;

/** The alert group index's one partition. */
export const ALERT_GROUPS_LISTED = 'ALERT_GROUPS';

export type AlertGroupStatus = 'firing' | 'resolved';

/** The key of one item of the state table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** One partition's items whose sort key begins with `skPrefix`. */
export interface KeyPrefix {
  pk: string;
  skPrefix: string;
}

/** One partition's items whose sort key lies between `from` and `to` (both included). */
export interface KeyRange {
  pk: string;
  from: string;
  to: string;
}

const jobPk = (job: string) => `JOB#${job}`;
const servicePk = (cluster: string, service: string) => `SERVICE#${cluster}/${service}`;
const appPk = (app: string) => `APP#${app}`;
const alertGroupPk = (groupKey: string) => `ALERT#${groupKey}`;
const alertStatusPrefix = (status: AlertGroupStatus) => (status === 'firing' ? 'FIRING#' : 'RESOLVED#');
/**
 * The cluster a group key names (shared/events/alert.ts): the first of its three parts in the default
 * grouping (`prod|service:web|crash-loop`), its cluster= label in another (`cluster=prod|category=…`);
 * '' when the grouping leaves the cluster out.
 */
const clusterOfGroup = (groupKey: string): string => {
  const parts = groupKey.split('|');
  const named = parts.find((part) => part.startsWith('cluster='));
  if (named) return named.slice('cluster='.length);
  return parts.length === 3 && !parts[0]?.includes('=') ? (parts[0] ?? '') : '';
};

const RUN = 'RUN#';
/** Not a prefix of STOP-WINDOW#: a query of a service's stops reads no window. */
const STOP = 'STOP#';
const STOP_WINDOW = 'STOP-WINDOW#';
const DEPLOYMENT = 'DEPLOYMENT';
const DEPLOYMENT_HISTORY = `${DEPLOYMENT}#`;
const SILENCES = 'SILENCES';
const SILENCE = 'SILENCE#';

/** The minute `at` falls in, as a stop window's sort key spells it. */
const minuteOf = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();

export const keys = {
  /** Runs sort by scheduled time, then attempt (zero-padded so that attempt 10 sorts after 9). */
  jobRun: (job: string, scheduledTime: string, attempt: number): ItemKey => ({
    pk: jobPk(job),
    sk: `${RUN}${scheduledTime}#${String(attempt).padStart(3, '0')}`,
  }),
  jobRuns: (job: string): KeyPrefix => ({ pk: jobPk(job), skPrefix: RUN }),
  /** Every attempt of one firing of the job (a chained job reads its upstreams' runs for a period). */
  jobRunsOfFiring: (job: string, scheduledTime: string): KeyPrefix => ({ pk: jobPk(job), skPrefix: `${RUN}${scheduledTime}#` }),
  /** A job's runs scheduled from `from` on; the upper bound sorts after every run. */
  jobRunsSince: (job: string, from: string): KeyRange => ({ pk: jobPk(job), from: `${RUN}${from}`, to: `${RUN}~` }),
  jobSuspension: (job: string): ItemKey => ({ pk: jobPk(job), sk: 'SUSPENSION' }),
  manualRun: (job: string, id: string): ItemKey => ({ pk: jobPk(job), sk: `MANUAL#${id}` }),
  /** The time a manual run of the job stands at, held by one id: no two manual runs share a run. */
  manualRunTime: (job: string, time: string): ItemKey => ({ pk: jobPk(job), sk: `MANUALTIME#${time}` }),

  watchState: (name: string): ItemKey => ({ pk: `WATCH#${name}`, sk: 'STATE' }),
  watchStop: (name: string, taskArn: string): ItemKey => ({ pk: `WATCH#${name}`, sk: `${STOP}${taskArn}` }),
  /** By task ARN, not time: the history is a few thousand items a week at most, read whole and sorted (stop-history.ts). */
  watchStops: (name: string): KeyPrefix => ({ pk: `WATCH#${name}`, skPrefix: STOP }),

  scalingMemory: (cluster: string, service: string): ItemKey => ({ pk: servicePk(cluster, service), sk: 'SCALING' }),
  blueGreenLock: (cluster: string, service: string): ItemKey => ({ pk: servicePk(cluster, service), sk: 'BLUE_GREEN' }),
  stopWindowMinute: (cluster: string, service: string, at: Date): ItemKey => ({
    pk: servicePk(cluster, service),
    sk: `${STOP_WINDOW}${minuteOf(at)}`,
  }),
  /** The minutes from the one of `since` on; the upper bound sorts after every minute, so a stop stamped later than the reader's clock still counts. */
  stopWindowsSince: (cluster: string, service: string, since: Date): KeyRange => ({
    pk: servicePk(cluster, service),
    from: `${STOP_WINDOW}${minuteOf(since)}`,
    to: `${STOP_WINDOW}~`,
  }),
  serviceStop: (cluster: string, service: string, taskArn: string): ItemKey => ({
    pk: servicePk(cluster, service),
    sk: `${STOP}${taskArn}`,
  }),
  serviceStops: (cluster: string, service: string): KeyPrefix => ({ pk: servicePk(cluster, service), skPrefix: STOP }),

  deployment: (app: string): ItemKey => ({ pk: appPk(app), sk: DEPLOYMENT }),
  /** An app's final deployments sort by request time. */
  deploymentHistory: (app: string, requestedAt: string, id: string): ItemKey => ({
    pk: appPk(app),
    sk: `${DEPLOYMENT_HISTORY}${requestedAt}#${id}`,
  }),
  deploymentHistories: (app: string): KeyPrefix => ({ pk: appPk(app), skPrefix: DEPLOYMENT_HISTORY }),
  deploymentRejection: (app: string, requestId: string): ItemKey => ({ pk: appPk(app), sk: `REJECTED#${requestId}` }),

  alertInbox: (groupKey: string): ItemKey => ({ pk: alertGroupPk(groupKey), sk: 'EVENTS' }),
  alertDecisions: (groupKey: string): ItemKey => ({ pk: alertGroupPk(groupKey), sk: 'GROUP' }),
  /** The group key of an alert group's item. */
  alertGroupOf: (pk: string): string => pk.slice(alertGroupPk('').length),
  /** The alert group index's keys, carried by the group's decisions item. */
  alertListing: (groupKey: string, status: AlertGroupStatus) => ({
    [ALERT_GROUP_INDEX.partition]: ALERT_GROUPS_LISTED,
    [ALERT_GROUP_INDEX.sort]: `${alertStatusPrefix(status)}${clusterOfGroup(groupKey)}|${groupKey}`,
  }),
  /** The groups of `status` in the index (their pk is alertDecisions'); of one cluster only when named. */
  alertGroupsListed: (status: AlertGroupStatus, cluster?: string): KeyPrefix => ({
    pk: ALERT_GROUPS_LISTED,
    skPrefix: `${alertStatusPrefix(status)}${cluster === undefined ? '' : `${cluster}|`}`,
  }),

  silence: (id: string): ItemKey => ({ pk: SILENCES, sk: `${SILENCE}${id}` }),
  silences: (): KeyPrefix => ({ pk: SILENCES, skPrefix: SILENCE }),
} as const;
