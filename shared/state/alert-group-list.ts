/**
 * Alert groups as a list, read through ALERT_GROUP_INDEX (keys.ts): the groups firing now — of one
 * cluster, for inhibition — and the ones resolved since, until their decisions item expires. The index
 * holds keys only; what a group is (its labels, counts and messages) is read from its two items
 * (alert-groups.ts), in batches.
 */
import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { AlertSample, EndedEpisode, Episode } from '../alerts/decide.ts';
import type { AlertBlock } from '../events/alert.ts';
import { ALERT_GROUP_INDEX, type AlertGroupStatus, keys } from './keys.ts';

/** A group as `ecs-autopilot alerts` shows it: the open episode, or the one that ended last. */
export interface ListedGroup {
  groupKey: string;
  status: AlertGroupStatus;
  /** The labels of its newest event; undefined when its inbox has expired. */
  alert: AlertBlock | undefined;
  /** The episode shown: the open one, or the last one ended (absent for a group that never ended one it kept). */
  episode: Episode | EndedEpisode | undefined;
  /** Events counted in that episode. */
  events: number | undefined;
  lastEventAt: string | undefined;
  resolvedAt: string | undefined;
}

/** A firing group and the labels of its newest event. */
export interface LabelledGroup {
  groupKey: string;
  alert: AlertBlock;
}

/** BatchGetItem takes at most 100 keys a call. */
const BATCH_KEYS = 100;
/** How often unprocessed keys are asked for again before the read fails (and its caller retries). */
const BATCH_ROUNDS = 5;

export class AlertGroupList {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** The keys of the groups listed with `status`; only those of `cluster` when one is named. */
  async groupKeys(status: AlertGroupStatus, cluster?: string): Promise<string[]> {
    const { pk, skPrefix } = keys.alertGroupsListed(status, cluster);
    const groupKeys: string[] = [];
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.tableName,
        IndexName: ALERT_GROUP_INDEX.name,
        KeyConditionExpression: '#list = :list AND begins_with(#status, :prefix)',
        ExpressionAttributeNames: { '#list': ALERT_GROUP_INDEX.partition, '#status': ALERT_GROUP_INDEX.sort },
        ExpressionAttributeValues: { ':list': pk, ':prefix': skPrefix },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) groupKeys.push(keys.alertGroupOf(String(item.pk)));
    return groupKeys;
  }

  /** The labels of each group's newest event; a group whose inbox has expired is left out. */
  async labelled(groupKeys: readonly string[]): Promise<LabelledGroup[]> {
    const items = await this.batchGet(
      groupKeys.map((groupKey) => keys.alertInbox(groupKey)),
      'pk, sk, latest',
    );
    return groupKeys.flatMap((groupKey) => {
      const inbox = items.get(keyText(keys.alertInbox(groupKey)));
      return inbox ? [{ groupKey, alert: latestOf(inbox).detail.alert }] : [];
    });
  }

  /** Each group whole, as listed with `status`: its episode and counts from its two items. */
  async read(groupKeys: readonly string[], status: AlertGroupStatus): Promise<ListedGroup[]> {
    const items = await this.batchGet(
      groupKeys.flatMap((groupKey) => [keys.alertInbox(groupKey), keys.alertDecisions(groupKey)]),
      undefined,
    );
    return groupKeys.map((groupKey) => {
      const inbox = items.get(keyText(keys.alertInbox(groupKey)));
      const decisions = items.get(keyText(keys.alertDecisions(groupKey)));
      // Counts refer to the inbox they were decided about: one that expired and began again counts afresh.
      const counted = inbox !== undefined && decisions !== undefined && decisions.countingSince === inbox.countingSince;
      const alert = inbox ? latestOf(inbox).detail.alert : undefined;
      if (status === 'firing') {
        const episode = decisions?.episode as Episode | undefined;
        return {
          groupKey,
          status,
          alert,
          episode,
          events: counted ? Number(inbox.total) - Number(decisions.closedUpTo ?? 0) : undefined,
          lastEventAt: inbox?.lastEventAt as string | undefined,
          resolvedAt: undefined,
        };
      }
      const ended = decisions?.lastEpisode as EndedEpisode | undefined;
      return {
        groupKey,
        status,
        alert,
        episode: ended,
        events: ended?.events,
        // The inbox's newest event may be of a later episode that has not begun yet; the ended one's last is before its end.
        lastEventAt: inbox && ended && String(inbox.lastEventAt) <= ended.resolvedAt ? String(inbox.lastEventAt) : undefined,
        resolvedAt: ended?.resolvedAt,
      };
    });
  }

  private async batchGet(
    itemKeys: { pk: string; sk: string }[],
    projection: string | undefined,
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    for (let start = 0; start < itemKeys.length; start += BATCH_KEYS) {
      let wanted: Record<string, unknown>[] | undefined = itemKeys.slice(start, start + BATCH_KEYS);
      for (let round = 1; wanted && wanted.length > 0; round++) {
        if (round > BATCH_ROUNDS) throw new Error(`alert groups: ${wanted.length} items still unread after ${BATCH_ROUNDS} rounds`);
        const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await this.dynamo.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: wanted,
                ConsistentRead: true,
                ...(projection !== undefined && { ProjectionExpression: projection }),
              },
            },
          }),
        );
        for (const item of Responses?.[this.tableName] ?? []) found.set(keyText(item), item);
        wanted = UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }
}

/** An item's key as one text, to find a batch's answers by. */
function keyText(key: { pk?: unknown; sk?: unknown }): string {
  return `${String(key.pk)}\n${String(key.sk)}`;
}

function latestOf(inbox: Record<string, unknown>): AlertSample {
  return JSON.parse(inbox.latest as string) as AlertSample;
}
