/**
 * The stop history of a watched service or watched task: its items whose sort key begins with STOP#, one
 * per stopped task (SERVICE#…/STOP#<task ARN>: the decision about a service's stop; WATCH#<name>/STOP#<task ARN>:
 * a watched task's stop), each carrying a StopRecord in `stop`.
 *
 * The sort key is the task ARN, which the decisions look a stop up by, not its time: the partition is read
 * whole and sorted here. That is cheap enough for what a partition can hold. Items live STOP_HISTORY_SECONDS
 * (8 days); even a service replacing a task every three minutes all week holds about 3,800, at some 900 bytes
 * each (a decision with its record, measured over test/fixtures/task-events: 700 to 1,600) about 3.5 MB: four
 * 1 MB query pages, some 450 read units eventually consistent, for a command a person runs. Items written
 * before the history existed carry no record and are skipped.
 */
import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { StopRecord } from '../stopped-tasks/stop-record.ts';
import type { KeyPrefix } from './keys.ts';

export class StopHistory {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** The stops of the partition that stopped at or after `since`, newest first. */
  async since(stops: KeyPrefix, since: Date): Promise<StopRecord[]> {
    const records: StopRecord[] = [];
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': stops.pk, ':prefix': stops.skPrefix },
        ProjectionExpression: '#stop',
        ExpressionAttributeNames: { '#stop': 'stop' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const record = item.stop as StopRecord | undefined;
        // TTL deletes late (up to days): an expired item may still be read, so the time decides.
        if (record?.stoppedAt && Date.parse(record.stoppedAt) >= since.getTime()) records.push(record);
      }
    }
    return records.sort((a, b) => b.stoppedAt.localeCompare(a.stoppedAt) || a.taskArn.localeCompare(b.taskArn));
  }
}
