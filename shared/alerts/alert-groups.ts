/**
 * Alert groups in the state table: one item per group, pk = ALERT#<group key>, sk = GROUP.
 * A burst of stops reaches notify as hundreds of concurrent invocations on one item, so nothing here
 * reads, modifies and writes back: events are counted with atomic ADDs, each timer is claimed with a
 * conditional write (exactly one invocation wins), and a flush subtracts exactly the count it reported,
 * leaving what arrived meanwhile pending. The newest event is kept as JSON text: it is only ever read
 * back whole, to render a message, and a string is cheaper to write hundreds of times than a deep map.
 * Resolving clears the episode's attributes rather than deleting the item (notify's role may read, put
 * and update items, not delete them); the TTL removes it later.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertGroup, AlertSample, AlertTiming } from './decide-alert.ts';

/** The attributes of a group's episode: resolving removes them all, so the next event starts afresh. */
const EPISODE_ATTRIBUTES = [
  'pending',
  'total',
  'firstEventAt',
  'lastEventAt',
  'latest',
  'messagesSent',
  'lastSentAt',
  'flushAt',
  'resolveAt',
] as const;

export type GroupTimer = 'flushAt' | 'resolveAt';

/** How long a group's item outlives its last event: a day past the latest timer it can have armed. */
export function alertGroupRetentionSeconds(timing: AlertTiming): number {
  return timing.groupWaitSeconds + timing.repeatIntervalSeconds + timing.resolveAfterSeconds + 86_400;
}

const GROUP_PREFIX = 'ALERT#';

export function alertGroupItemKey(groupKey: string) {
  return { pk: `${GROUP_PREFIX}${groupKey}`, sk: 'GROUP' };
}

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

  async get(groupKey: string): Promise<AlertGroup | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: alertGroupItemKey(groupKey), ConsistentRead: true }),
    );
    return toGroup(Item);
  }

  /** Counts one event into its group (creating the group, or a new episode of it) and returns the group after. */
  async count(groupKey: string, sample: AlertSample, now: Date): Promise<AlertGroup> {
    const at = now.toISOString();
    const { Attributes } = await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: alertGroupItemKey(groupKey),
        UpdateExpression:
          'SET latest = :sample, lastEventAt = :now, firstEventAt = if_not_exists(firstEventAt, :now), expiresAt = :expiresAt ' +
          'ADD pending :one, #total :one',
        ExpressionAttributeNames: { '#total': 'total' },
        ExpressionAttributeValues: {
          ':sample': JSON.stringify(sample),
          ':now': at,
          ':expiresAt': Math.floor(now.getTime() / 1000) + this.retentionSeconds,
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const group = toGroup(Attributes);
    if (!group) throw new Error(`counting an event into alert group ${groupKey} returned no group`);
    return group;
  }

  /**
   * Moves a timer from `from` (undefined: none armed) to `to` (undefined: disarm). False when the group's
   * timer is no longer `from`: another invocation moved it first.
   */
  async moveTimer(groupKey: string, timer: GroupTimer, from: string | undefined, to: string | undefined): Promise<boolean> {
    return conditionally(() =>
      this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: alertGroupItemKey(groupKey),
          UpdateExpression: to === undefined ? 'REMOVE #timer' : 'SET #timer = :to',
          // Only on a live episode: a claim must not outlive the episode it was made for.
          ConditionExpression: `attribute_exists(firstEventAt) AND ${from === undefined ? 'attribute_not_exists(#timer)' : '#timer = :from'}`,
          ExpressionAttributeNames: { '#timer': timer },
          ...((to !== undefined || from !== undefined) && {
            ExpressionAttributeValues: { ...(to !== undefined && { ':to': to }), ...(from !== undefined && { ':from': from }) },
          }),
        }),
      ),
    );
  }

  /**
   * Records a firing message reporting `count` events, sent by the flush armed for `flushAt`, and
   * disarms that flush. Undefined when that flush was not armed any more (a concurrent duplicate).
   */
  async recordSent(groupKey: string, flushAt: string, count: number, now: Date): Promise<AlertGroup | undefined> {
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: alertGroupItemKey(groupKey),
          UpdateExpression: 'SET lastSentAt = :now ADD pending :minusCount, messagesSent :one REMOVE flushAt',
          ConditionExpression: 'flushAt = :flushAt',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':minusCount': -count, ':one': 1, ':flushAt': flushAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toGroup(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Ends the group's episode as decided from `seen`: only if no event arrived since (its total is unchanged)
   * and the resolve check is still the armed one. Returns the episode ended, undefined when it changed.
   */
  async resolve(seen: AlertGroup): Promise<AlertGroup | undefined> {
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: alertGroupItemKey(seen.groupKey),
          UpdateExpression: `REMOVE ${EPISODE_ATTRIBUTES.map((name) => `#${name}`).join(', ')}`,
          ConditionExpression: '#resolveAt = :resolveAt AND #total = :total',
          ExpressionAttributeNames: Object.fromEntries(EPISODE_ATTRIBUTES.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: { ':resolveAt': seen.resolveAt, ':total': seen.total },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return toGroup(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Puts back an episode that `resolve` ended (its resolved message could not be sent), unless a new
   * episode has begun meanwhile. True when it was put back.
   */
  async restore(group: AlertGroup, now: Date): Promise<boolean> {
    const { groupKey: _groupKey, ...fields } = group;
    const episode = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    return conditionally(() =>
      this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...alertGroupItemKey(group.groupKey),
            ...episode,
            latest: JSON.stringify(group.latest),
            expiresAt: Math.floor(now.getTime() / 1000) + this.retentionSeconds,
          },
          ConditionExpression: 'attribute_not_exists(firstEventAt)',
        }),
      ),
    );
  }
}

/** True when the write happened, false when its condition did not hold. */
async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

function toGroup(item: Record<string, unknown> | undefined): AlertGroup | undefined {
  if (!item || item.firstEventAt === undefined) return undefined;
  return {
    groupKey: String(item.pk).slice(GROUP_PREFIX.length),
    pending: Number(item.pending ?? 0),
    total: Number(item.total ?? 0),
    firstEventAt: item.firstEventAt as string,
    lastEventAt: item.lastEventAt as string,
    latest: JSON.parse(item.latest as string) as AlertSample,
    messagesSent: Number(item.messagesSent ?? 0),
    lastSentAt: item.lastSentAt as string | undefined,
    flushAt: item.flushAt as string | undefined,
    resolveAt: item.resolveAt as string | undefined,
  };
}
