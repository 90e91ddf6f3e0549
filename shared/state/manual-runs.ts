/**
 * Manual runs' ids (`ecs-autopilot run <job> --id ID`): one item per id (pk JOB#<job>, sk MANUAL#<id>)
 * naming the time that stands as the run's scheduled time, claimed with a conditional put. The run
 * itself is an ordinary run record under that time, so repeating the command with the same id finds the
 * same time, hence the same run, and launches nothing twice. Kept as long as run history.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from './table-definition.ts';

export interface ManualRunId {
  job: string;
  id: string;
  /** The run's identity: its scheduled time (the time it was first requested). */
  scheduledTime: string;
  requestedBy: string;
}

export class ManualRuns {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, retentionSeconds: number) {
    this.dynamo = dynamo;
    this.tableName = tableName;
    this.retentionSeconds = retentionSeconds;
  }

  /** The id claimed for `wanted`, or as an earlier request claimed it (`existing`: the run may be under way). */
  async claim(wanted: ManualRunId): Promise<{ manual: ManualRunId; existing: boolean }> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.manualRun(wanted.job, wanted.id),
            kind: 'manual-run',
            ...wanted,
            [STATE_TABLE_TTL_ATTRIBUTE]: Math.floor(Date.parse(wanted.scheduledTime) / 1000) + this.retentionSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { manual: wanted, existing: false };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keys.manualRun(wanted.job, wanted.id), ConsistentRead: true }),
    );
    if (!Item) throw new Error(`the manual run ${wanted.id} of ${wanted.job} was claimed and is gone; run the command again`);
    return {
      manual: { job: wanted.job, id: wanted.id, scheduledTime: String(Item.scheduledTime), requestedBy: String(Item.requestedBy) },
      existing: true,
    };
  }
}
