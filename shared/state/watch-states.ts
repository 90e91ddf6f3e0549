/**
 * The state of each watched task (pk WATCH#<name>, sk STATE): restarts in the window, the back-off, a
 * pause, the stops decided, and the outbox of actions decided and not yet known to be done. Written
 * whole, as the next version of the one read (putNextVersion). A decision about a stop writes the stop's
 * record (sk STOP#<task ARN>, the stop history) in the same transaction: both or neither.
 */
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { WatchState } from '../stopped-tasks/decide-restart.ts';
import { STOP_HISTORY_SECONDS, type StopRecord } from '../stopped-tasks/stop-record.ts';
import { keys } from './keys.ts';
import { isStaleWrite, nextVersionPut, putNextVersion, StaleWriteError } from './versioned.ts';

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

  /**
   * Writes `state` as the version after the one it was read at, with `stop` when a stop was decided (a
   * later stage of the same task, the stop after its Spot notice, replaces its record); throws
   * StaleWriteError when another invocation wrote first, and then writes neither.
   */
  async save(state: WatchState, stop?: StopRecord): Promise<WatchState> {
    const { version: read, ...item } = state;
    if (stop) {
      const { put, version } = nextVersionPut(this.tableName, keys.watchState(state.name), item, read);
      const expiresAt = Math.floor(Date.parse(stop.stoppedAt) / 1000) + STOP_HISTORY_SECONDS;
      const record = { ...keys.watchStop(state.name, stop.taskArn), stop, expiresAt };
      try {
        await this.dynamo.send(
          new TransactWriteCommand({ TransactItems: [{ Put: put }, { Put: { TableName: this.tableName, Item: record } }] }),
        );
      } catch (error) {
        if (isStaleWrite(error)) throw new StaleWriteError(`watched task ${state.name} changed meanwhile`, { cause: error });
        throw error;
      }
      return { ...state, version };
    }
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
