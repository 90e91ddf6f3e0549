/**
 * The state of each watched task (pk WATCH#<name>, sk STATE): restarts in the window, the back-off, a
 * pause, the stops decided, and the outbox of actions decided and not yet known to be done. Written
 * whole, as the next version of the one read (putNextVersion).
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { WatchState } from '../stopped-tasks/decide-restart.ts';
import { keys } from './keys.ts';
import { putNextVersion } from './versioned.ts';

export class WatchStates {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  async get(name: string): Promise<WatchState | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keys.watchState(name), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = Item;
    return state as WatchState;
  }

  /** Writes `state` as the version after the one it was read at; throws StaleWriteError when another invocation wrote first. */
  async save(state: WatchState): Promise<WatchState> {
    const { version: read, ...item } = state;
    const version = await putNextVersion(
      this.dynamo,
      this.tableName,
      keys.watchState(state.name),
      item,
      read,
      `watched task ${state.name}`,
    );
    return { ...state, version };
  }
}
