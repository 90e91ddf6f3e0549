/**
 * The one optimistic-locking write of the state table. Every item that a decision moves carries a
 * `version`; a write names the version it was decided from, and loses (StaleWriteError) when another
 * invocation wrote first. The loser starts over from what the winner wrote (retryOnStaleWrite), so two
 * invocations for the same thing can never both act on what they read.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

export class StaleWriteError extends Error {
  override name = 'StaleWriteError';
}

/** The key of one item of the state table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/**
 * Puts `item` at `key` as the version after `expectedVersion` (0: the item must not exist yet) and
 * returns that version. `what` names the item in the StaleWriteError.
 */
export async function putNextVersion(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  item: Record<string, unknown>,
  expectedVersion: number,
  what: string,
): Promise<number> {
  const version = expectedVersion + 1;
  // A value left undefined is an absent attribute, not a stored null: a cleared field disappears.
  const attributes = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
  try {
    await dynamo.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...attributes, ...key, version },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
        ...(expectedVersion !== 0 && { ExpressionAttributeValues: { ':expected': expectedVersion } }),
      }),
    );
    return version;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new StaleWriteError(`${what} changed meanwhile`, { cause: error });
    throw error;
  }
}

/** How often a loser of a write race starts over before the invocation fails (and is retried by its trigger). */
export const STALE_WRITE_ROUNDS = 5;

/** Runs `attempt` (load → decide → persist → apply) again from the start each time it loses a write race. */
export async function retryOnStaleWrite<T>(attempt: () => Promise<T>, rounds = STALE_WRITE_ROUNDS): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof StaleWriteError && round < rounds) continue;
      throw error;
    }
  }
}
