/** Restart bookkeeping of watched tasks (pk WATCH#<name>): restarts in the window, back-off, pause. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WatchState } from '../stopped-tasks/decide-restart.ts';
import { StaleWriteError } from './versioned.ts';

export class WatchStates {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  async get(name: string): Promise<WatchState | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: key(name), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = Item;
    return state as WatchState;
  }

  /** Writes the next version; throws StaleWriteError when another invocation wrote first. */
  async save(state: WatchState): Promise<WatchState> {
    const next = { ...state, version: state.version + 1 };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(state.name), ...next },
          ConditionExpression: state.version === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(state.version !== 0 && { ExpressionAttributeValues: { ':expected': state.version } }),
        }),
      );
      return next;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new StaleWriteError(`watched task ${state.name} changed meanwhile`, { cause: error });
      }
      throw error;
    }
  }
}

const key = (name: string) => ({ pk: `WATCH#${name}`, sk: 'STATE' });
