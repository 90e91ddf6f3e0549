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

  /**
   * The id claimed for `wanted`, or as an earlier request claimed it (`existing`: the run may be under
   * way). The time is held for the id first, so two ids asked for in the same millisecond get different
   * times (the later one a millisecond on), and never a whole second, the only times Scheduler fires at:
   * a manual run is a run of its own, never taken for a firing's or another manual run's. A crash between
   * the two puts leaves a time held for no run; the same id asked again holds a new one.
   */
  async claim(wanted: ManualRunId): Promise<{ manual: ManualRunId; existing: boolean }> {
    const earlier = await this.get(wanted.job, wanted.id);
    if (earlier) return { manual: earlier, existing: true };
    const scheduledTime = await this.holdTime(wanted.job, wanted.id, new Date(wanted.scheduledTime));
    const manual = { ...wanted, scheduledTime };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.manualRun(wanted.job, wanted.id),
            kind: 'manual-run',
            ...manual,
            [STATE_TABLE_TTL_ATTRIBUTE]: this.expiry(scheduledTime),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { manual, existing: false };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // The same id, asked for at the same moment, was claimed first: its time is the run's.
    const winner = await this.get(wanted.job, wanted.id);
    if (!winner) throw new Error(`the manual run ${wanted.id} of ${wanted.job} was claimed and is gone; run the command again`);
    return { manual: winner, existing: true };
  }

  private async get(job: string, id: string): Promise<ManualRunId | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keys.manualRun(job, id), ConsistentRead: true }),
    );
    return Item ? { job, id, scheduledTime: String(Item.scheduledTime), requestedBy: String(Item.requestedBy) } : undefined;
  }

  /** The first time from `from` (a millisecond on at each one taken, never a whole second) that no other id holds, held for `id`. */
  private async holdTime(job: string, id: string, from: Date): Promise<string> {
    let at = manualRunTime(from);
    for (let tries = 0; tries < MAX_TIME_TRIES; tries++, at = manualRunTime(new Date(at.getTime() + 1))) {
      const time = at.toISOString();
      try {
        await this.dynamo.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.manualRunTime(job, time), kind: 'manual-run-time', id, [STATE_TABLE_TTL_ATTRIBUTE]: this.expiry(time) },
            ConditionExpression: 'attribute_not_exists(pk) OR id = :id',
            ExpressionAttributeValues: { ':id': id },
          }),
        );
        return time;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new Error(`no free time for a manual run of ${job} within ${MAX_TIME_TRIES} ms of ${from.toISOString()}; run the command again`);
  }

  private expiry(time: string): number {
    return Math.floor(Date.parse(time) / 1000) + this.retentionSeconds;
  }
}

/** How many milliseconds on a manual run's time is looked for when others hold the first ones. */
const MAX_TIME_TRIES = 50;

/** A manual run's time: its request's, but never a whole second (a firing's time), so it is never a firing's run. */
export function manualRunTime(requested: Date): Date {
  return requested.getUTCMilliseconds() === 0 ? new Date(requested.getTime() + 1) : requested;
}
