/**
 * The one optimistic-locking write of the state table. Every item that a decision moves carries a
 * `version`; a write names the version it was decided from, and loses (StaleWriteError) when another
 * invocation wrote first. The loser starts over from what the winner wrote (retryOnStaleWrite), so two
 * invocations for the same thing can never both act on what they read.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys.ts';

export class StaleWriteError extends Error {
  override name = 'StaleWriteError';
}

/**
 * The put that writes `item` at `key` as the version after `expectedVersion` (0: the item must not exist
 * yet), and that version: sent alone by putNextVersion, or as one item of a transaction.
 */
export function nextVersionPut(
  tableName: string,
  key: ItemKey,
  item: Record<string, unknown>,
  expectedVersion: number,
): { put: PutCommandInput; version: number } {
  const version = expectedVersion + 1;
  // A value left undefined is an absent attribute, not a stored null: a cleared field disappears.
  const attributes = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
  const put = {
    TableName: tableName,
    Item: { ...attributes, ...key, version },
    ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
    ...(expectedVersion !== 0 && { ExpressionAttributeValues: { ':expected': expectedVersion } }),
  };
  return { put, version };
}

/** Whether `error` is a versioned put losing its race: its condition failed, sent alone or first in a transaction. */
export function isStaleWrite(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  return error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
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
  const { put, version } = nextVersionPut(tableName, key, item, expectedVersion);
  try {
    await dynamo.send(new PutCommand(put));
    return version;
  } catch (error) {
    if (isStaleWrite(error)) throw new StaleWriteError(`${what} changed meanwhile`, { cause: error });
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
