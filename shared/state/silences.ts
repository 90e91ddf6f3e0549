/**
 * Operators' silences (`ecs-autopilot silence`), each an item of one partition (pk SILENCES,
 * sk SILENCE#<id>), so notify reads them all with one Query: enough for the tens of silences a team
 * keeps at once. A silence ends at `endsAt`; `unsilence` moves its end to now rather than deleting it,
 * so `silences --all` still shows who silenced what, and the table lets it go a week after its end.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from './table-definition.ts';

/** How long an ended silence stays visible to `silences --all` before the table's TTL removes it. */
export const ENDED_SILENCE_KEPT_SECONDS = 7 * 86_400;

export interface Silence {
  id: string;
  /** As written back by formatMatcher: `cluster="prod"`, `category=~"crash-loop|app-error"`. */
  matchers: string[];
  startsAt: string;
  endsAt: string;
  comment?: string | undefined;
  /** Who silenced: the operator's login name on the machine that ran the CLI. */
  createdBy: string;
  createdAt: string;
}

/** Whether a silence holds alerts at `now`: from its start until (not including) its end. */
export function isActive(silence: Silence, now: Date): boolean {
  return Date.parse(silence.startsAt) <= now.getTime() && now.getTime() < Date.parse(silence.endsAt);
}

const expiresAt = (endsAt: string) => Math.floor(Date.parse(endsAt) / 1000) + ENDED_SILENCE_KEPT_SECONDS;

export class Silences {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** Stores a new silence; false when its id is taken (the caller draws another). */
  async create(silence: Silence): Promise<boolean> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.silence(silence.id), kind: 'silence', ...silence, [STATE_TABLE_TTL_ATTRIBUTE]: expiresAt(silence.endsAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Every silence the table still keeps, active or ended, in id order. */
  async list(): Promise<Silence[]> {
    const { pk, skPrefix } = keys.silences();
    const silences: Silence[] = [];
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) silences.push(silenceOf(item));
    return silences;
  }

  async get(id: string): Promise<Silence | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: keys.silence(id), ConsistentRead: true }));
    return Item ? silenceOf(Item) : undefined;
  }

  /**
   * Ends the silence now: its end moves to `now` unless it has ended already, so ending it twice (or
   * after it expired) changes nothing. Undefined: no such silence.
   */
  async end(id: string, now: Date): Promise<Silence | undefined> {
    const endsAt = now.toISOString();
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.silence(id),
          UpdateExpression: 'SET endsAt = :now, #ttl = :ttl',
          // ISO 8601 instants in UTC compare as strings.
          ConditionExpression: 'attribute_exists(pk) AND endsAt > :now',
          ExpressionAttributeNames: { '#ttl': STATE_TABLE_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': endsAt, ':ttl': expiresAt(endsAt) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? silenceOf(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return this.get(id);
      throw error;
    }
  }
}

function silenceOf(item: Record<string, unknown>): Silence {
  return {
    id: String(item.id),
    matchers: Array.isArray(item.matchers) ? item.matchers.map(String) : [],
    startsAt: String(item.startsAt),
    endsAt: String(item.endsAt),
    comment: typeof item.comment === 'string' ? item.comment : undefined,
    createdBy: String(item.createdBy),
    createdAt: String(item.createdAt),
  };
}
