/**
 * Alert groups in the state table, two items per group (pk ALERT#<group key>):
 *
 * - the inbox (sk EVENTS): every event that reached the group, counted once by its id. A burst of stops
 *   reaches notify as hundreds of concurrent invocations for one group, so counting never reads and
 *   writes back: one conditional UpdateItem adds the event's id to the ids remembered and 1 to the count,
 *   unless the id is remembered already (a redelivery, or a republished decision). The inbox also says
 *   which version of the decisions is settled (its actions all carried out) and the flush it left armed,
 *   so that the count alone tells an event whether anything is left for it to do. A group that gathers
 *   subjects closed by their own events (keepsOpenSubjects) also keeps which are open: the count adds
 *   the event's subject to a set in the same UpdateItem, and a resolving event removes its own (close).
 * - the decisions (sk GROUP): the current episode, its timers and messages, and the actions decided with
 *   them (the outbox), written whole with putNextVersion, with the keys that list the group firing or
 *   resolved (ALERT_GROUP_INDEX, read by alert-group-list.ts): decisions are few (a group's first event, a
 *   flush, a resolution), and the loser of a race starts over from what the winner wrote. Its actions
 *   are pending until the inbox says its version is settled.
 *
 * Remembering ids without an unbounded item: the ids (a 72-bit hash each, 12 characters) are kept in two
 * generations; a new one starts when the current holds REMEMBERED_IDS_PER_GENERATION ids or is
 * REMEMBERED_FOR_SECONDS old, and the one before it is forgotten. So an id is forgotten only after at
 * least 200 more events of its group, or 6 hours, and the inbox holds at most 500 ids (~6 KB: every write
 * of it costs a write unit per KB). A repeated delivery comes within notify's maximum event age (an
 * hour), a republished decision within its publisher's retries: only a flood of more than 200 events of
 * one group before it comes would let it count twice — one too many in a message that says "200 times".
 * One claim item per event id with a TTL would remember longer, but costs a second write per event and,
 * to count atomically with the claim, a transaction on the group's hot inbox, which DynamoDB refuses
 * (TransactionConflict) while another one on the same item is under way — all the time in a burst.
 *
 * The TTL removes an inbox a day after its group's last event, and the decisions a day after the last
 * decision (a job's failure group: 35 days, see JOB_FAILING_RETENTION_SECONDS); an inbox that expired
 * and began again is told by its countingSince (see alerts/decide.ts).
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AlertAction,
  type AlertGroup,
  type AlertSample,
  type AlertTiming,
  type GroupDecisions,
  type GroupInbox,
  groupView,
} from '../alerts/decide.ts';
import { RetryableAwsError } from '../errors.ts';
import { keepsOpenSubjects, subjectLabel } from '../events/alert.ts';
import { JOB_FAILING_CATEGORY } from '../jobs/trigger.ts';
import { keys } from './keys.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from './table-definition.ts';
import { putNextVersion } from './versioned.ts';

const REMEMBERED_IDS_PER_GENERATION = 200;
const REMEMBERED_FOR_SECONDS = 6 * 3_600;

/** How long a group's items outlive its last event: a day past the latest timer it can have armed. */
export function alertGroupRetentionSeconds(timing: AlertTiming): number {
  return timing.groupWaitSeconds + timing.repeatIntervalSeconds + timing.resolveAfterSeconds + 86_400;
}

/**
 * A job's failure group ends only at the job's next success, which a weekly or monthly job brings days
 * later: its items outlive its last write by 35 days (a month's longest gap between firings, and some
 * retries), so that success still finds the group and resolves it. At most two items of a few KB per
 * failing job, kept a month: storage of cents a year, where a schedule-derived time would add work per event.
 */
export const JOB_FAILING_RETENTION_SECONDS = 35 * 86_400;

/** A group of several subjects closed by their own events may hold a job's failures: it waits for their successes as long. */
function retentionOf(groupKey: string, retentionSeconds: number): number {
  return groupKey.endsWith(`|${JOB_FAILING_CATEGORY}`) || keepsOpenSubjects(groupKey)
    ? Math.max(retentionSeconds, JOB_FAILING_RETENTION_SECONDS)
    : retentionSeconds;
}

/** The last action AWS refused for good (see alerts/apply.ts), kept where an operator reading the group finds it. */
export interface Refused {
  /** The action, in words: "the firing message", "the alert-flush timer of <time>". */
  what: string;
  reason: string;
  at: string;
}

/** The decisions item as stored: version 0 when there is none yet. */
export interface StoredDecisions {
  version: number;
  decisions: GroupDecisions;
  /** The actions decided with this version: pending until the inbox says this version is settled. */
  actions: AlertAction[];
  /** Until when the invocation that wrote this version may still be carrying its actions out. */
  leaseUntil: string | undefined;
}

/** The decisions version whose actions are all carried out, the flush they left armed, and the last action refused. */
export interface Settled {
  version: number;
  flushAt: string | undefined;
  lastRefused?: Refused | undefined;
}

/** The inbox as read, with what it says is settled. */
export interface InboxRead {
  inbox: GroupInbox;
  settled: Settled;
}

const NO_DECISIONS: Omit<StoredDecisions, 'version'> = {
  decisions: { countingSince: undefined, closedUpTo: 0, episode: undefined },
  actions: [],
  leaseUntil: undefined,
};

/** A repeated delivery's id is one of these. */
const NOT_REMEMBERED = 'NOT contains(seen, :id) AND NOT contains(seenBefore, :id)';
/**
 * A generation takes a little more than its size while the count that filled it starts the next one, so
 * that the counts arriving meanwhile do not all fail; past that, a count fails and starts it itself.
 */
const GENERATION_HAS_ROOM = 'attribute_not_exists(seen) OR size(seen) < :overfull';
const GENERATION_OVERFULL = REMEMBERED_IDS_PER_GENERATION + 50;

/** How often a count starts a new generation and tries again before the invocation is retried instead. */
const COUNT_ATTEMPTS = 3;

/** What is read of an inbox: everything but the ids. */
const INBOX_ATTRIBUTES = '#total, countingSince, latest, lastEventAt, settledVersion, settledFlushAt, lastRefused, openSubjects';

export class AlertGroups {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;
  /** See alertGroupRetentionSeconds: the TTL only removes groups that are over. */
  private readonly retentionSeconds: number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, retentionSeconds: number) {
    this.dynamo = dynamo;
    this.tableName = tableName;
    this.retentionSeconds = retentionSeconds;
  }

  /**
   * Counts the event `eventId` into its group's inbox, unless it was counted before, and returns the
   * inbox after. The count that fills the ids' generation, or finds it old, starts the next one.
   */
  async count(groupKey: string, eventId: string, sample: AlertSample, now: Date): Promise<InboxRead & { counted: 'now' | 'before' }> {
    const id = rememberedId(eventId);
    // The subject stays open until its own resolving event removes it (close); no other group keeps them.
    const opens = keepsOpenSubjects(groupKey) && sample.detail.alert.resolvedBy === 'resolving-event';
    for (let attempt = 1; attempt <= COUNT_ATTEMPTS; attempt++) {
      try {
        const { Attributes = {} } = await this.dynamo.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.alertInbox(groupKey),
            UpdateExpression:
              'SET latest = :sample, lastEventAt = :now, countingSince = if_not_exists(countingSince, :now), ' +
              `seenSince = if_not_exists(seenSince, :now), #kind = :kind, #expires = :expiresAt ADD #total :one, seen :ids${opens ? ', openSubjects :subjects' : ''}`,
            ConditionExpression: `${NOT_REMEMBERED} AND (${GENERATION_HAS_ROOM})`,
            ExpressionAttributeNames: { '#total': 'total', '#kind': 'kind', '#expires': STATE_TABLE_TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':sample': JSON.stringify(sample),
              ':now': now.toISOString(),
              ':kind': 'alert-inbox',
              ':expiresAt': this.expiresAt(groupKey, now),
              ':one': 1,
              ':ids': new Set([id]),
              ':id': id,
              ':overfull': GENERATION_OVERFULL,
              ...(opens && { ':subjects': new Set([subjectLabel(sample.detail.alert)]) }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const generation = { size: (Attributes.seen as Set<string>).size, since: Attributes.seenSince as string };
        if (generation.size === REMEMBERED_IDS_PER_GENERATION || isOld(generation.since, now)) {
          await this.startGeneration(groupKey, generation.since, now);
        }
        return { counted: 'now', ...(toInboxRead(Attributes) as InboxRead) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const { Item } = await this.dynamo.send(
        new GetCommand({ TableName: this.tableName, Key: keys.alertInbox(groupKey), ConsistentRead: true }),
      );
      const read = toInboxRead(Item);
      const remembered = [...((Item?.seen as Set<string> | undefined) ?? []), ...((Item?.seenBefore as Set<string> | undefined) ?? [])];
      if (read && remembered.includes(id)) return { counted: 'before', ...read };
      await this.startGeneration(groupKey, Item?.seenSince as string | undefined, now);
    }
    throw new RetryableAwsError(`alert group ${groupKey}: the event ${eventId} could not be counted in ${COUNT_ATTEMPTS} attempts`);
  }

  /** Forgets the generation before the one begun at `observed` (unless another invocation started a new one first). */
  private async startGeneration(groupKey: string, observed: string | undefined, now: Date): Promise<void> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.alertInbox(groupKey),
          UpdateExpression: 'SET seenBefore = seen, seenSince = :now REMOVE seen',
          ConditionExpression: 'attribute_exists(seen) AND seenSince = :observed',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':observed': observed ?? '' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * A resolving event of `subject` closes it in a group that keeps its open subjects: removes it from
   * the set (removing it twice, or one never there, changes nothing) and returns the inbox after, whose
   * openSubjects are those still open; undefined when the inbox is gone. No item is created. The set
   * keeps no times: a failure counted after its subject's success (delivered late) opens the subject
   * again, until its next resolving event — as a late failure opens a new episode of a one-subject group.
   */
  async close(groupKey: string, subject: string): Promise<InboxRead | undefined> {
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.alertInbox(groupKey),
          UpdateExpression: 'DELETE openSubjects :subjects',
          ConditionExpression: 'attribute_exists(#total)',
          ExpressionAttributeNames: { '#total': 'total' },
          ExpressionAttributeValues: { ':subjects': new Set([subject]) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toInboxRead(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async inbox(groupKey: string): Promise<InboxRead | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.alertInbox(groupKey),
        ConsistentRead: true,
        ProjectionExpression: INBOX_ATTRIBUTES,
        ExpressionAttributeNames: { '#total': 'total' },
      }),
    );
    return toInboxRead(Item);
  }

  /**
   * Records that the actions of decisions `version` are all carried out, the flush they left armed
   * (undefined: none) and an action among them AWS refused for good. Only the invocation holding
   * that version's lease settles it, and a version is written only once the one before is settled or its
   * lease is over (notify's timeout has passed), so no slower invocation settles an older version after
   * a newer one. Answers with the inbox as it is after the write (the events counted meanwhile included),
   * so that looking again needs no read of its own; undefined when the inbox expired meanwhile.
   */
  async settle(groupKey: string, settled: Settled): Promise<InboxRead | undefined> {
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.alertInbox(groupKey),
          UpdateExpression: [
            'SET settledVersion = :version',
            settled.flushAt !== undefined && ', settledFlushAt = :flushAt',
            settled.lastRefused !== undefined && ', lastRefused = :refused',
            settled.flushAt === undefined && ' REMOVE settledFlushAt',
          ]
            .filter(Boolean)
            .join(''),
          // An inbox that expired meanwhile is not brought back by this.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':version': settled.version,
            ...(settled.flushAt !== undefined && { ':flushAt': settled.flushAt }),
            ...(settled.lastRefused !== undefined && { ':refused': settled.lastRefused }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toInboxRead(Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return undefined;
    }
  }

  async decisions(groupKey: string): Promise<StoredDecisions> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keys.alertDecisions(groupKey), ConsistentRead: true }),
    );
    if (!Item) return { version: 0, ...NO_DECISIONS };
    return {
      version: Number(Item.version),
      decisions: {
        countingSince: Item.countingSince as string | undefined,
        closedUpTo: Number(Item.closedUpTo ?? 0),
        episode: Item.episode as GroupDecisions['episode'],
        lastEpisode: Item.lastEpisode as GroupDecisions['lastEpisode'],
      },
      actions: Item.actions === undefined ? [] : (JSON.parse(Item.actions as string) as AlertAction[]),
      leaseUntil: Item.leaseUntil as string | undefined,
    };
  }

  /**
   * Writes the group's decisions with their actions as the version after `expectedVersion` and returns
   * it; StaleWriteError when another invocation wrote first. The actions are kept as JSON text: they are
   * only ever read back whole, and a message's detail can be any shape.
   */
  async save(groupKey: string, stored: Omit<StoredDecisions, 'version'>, expectedVersion: number, now: Date): Promise<number> {
    const { decisions, actions, leaseUntil } = stored;
    return putNextVersion(
      this.dynamo,
      this.tableName,
      keys.alertDecisions(groupKey),
      {
        kind: 'alert-group',
        ...decisions,
        // Listed firing while an episode is open, resolved after (ALERT_GROUP_INDEX): no write of its own.
        ...keys.alertListing(groupKey, decisions.episode ? 'firing' : 'resolved'),
        actions: actions.length > 0 ? JSON.stringify(actions) : undefined,
        leaseUntil,
        [STATE_TABLE_TTL_ATTRIBUTE]: this.expiresAt(groupKey, now),
      },
      expectedVersion,
      `alert group ${groupKey}`,
    );
  }

  /** The group's current episode as its messages show it; undefined when none is open. */
  async get(groupKey: string): Promise<AlertGroup | undefined> {
    const [read, { decisions }] = await Promise.all([this.inbox(groupKey), this.decisions(groupKey)]);
    if (!read || !decisions.episode || decisions.countingSince !== read.inbox.countingSince) return undefined;
    return groupView(groupKey, read.inbox, decisions.closedUpTo, decisions.episode);
  }

  private expiresAt(groupKey: string, now: Date): number {
    return Math.floor(now.getTime() / 1000) + retentionOf(groupKey, this.retentionSeconds);
  }
}

function isOld(generationSince: string, now: Date): boolean {
  return Date.parse(generationSince) <= now.getTime() - REMEMBERED_FOR_SECONDS * 1000;
}

function toInboxRead(item: Record<string, unknown> | undefined): InboxRead | undefined {
  if (!item) return undefined;
  return {
    inbox: {
      total: Number(item.total),
      countingSince: item.countingSince as string,
      latest: JSON.parse(item.latest as string) as AlertSample,
      lastEventAt: item.lastEventAt as string,
      ...(item.openSubjects !== undefined && { openSubjects: [...(item.openSubjects as Set<string>)].sort() }),
    },
    settled: {
      version: Number(item.settledVersion ?? 0),
      flushAt: item.settledFlushAt as string | undefined,
      lastRefused: item.lastRefused as Refused | undefined,
    },
  };
}

/** An event id as the inbox remembers it: short whatever the id's length (a publisher's id can be long). */
function rememberedId(eventId: string): string {
  return createHash('sha256').update(eventId).digest('base64url').slice(0, 12);
}
