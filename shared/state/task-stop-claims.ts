/**
 * Event hygiene for task state changes. EventBridge delivers at least once and out of order; a task's
 * `detail.version` grows with each state. One item per task (pk TASK#<arn>) remembers which stage was
 * handled (the Spot notice, then the stop) and at which version, so a duplicate or an older event does
 * nothing. Handling is claimed with a lease, like a launch: if the invocation dies midway, the lease
 * runs out and the redelivered event is handled again; while it lives, a concurrent copy backs off.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export type StopStage = 'notice' | 'stopped';

export type ClaimResult =
  | { kind: 'claimed'; replacementStarted: boolean }
  /** Handled already (this event, a later state, or the stop after a notice). */
  | { kind: 'duplicate'; reason: string }
  /** Another invocation is handling this task right now. */
  | { kind: 'busy'; reason: string };

const KEEP_SECONDS = 7 * 86_400;

export class TaskStopClaims {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  async claim(taskArn: string, stage: StopStage, version: number, now: Date, leaseSeconds: number): Promise<ClaimResult> {
    const key = { pk: `TASK#${taskArn}`, sk: 'STOP' };
    // A notice can only be claimed fresh; a stop can follow a handled notice. A dead claim is taken over.
    const takeable =
      stage === 'notice'
        ? 'attribute_not_exists(pk) OR (#stage = :notice AND #status = :processing AND leaseUntil < :now)'
        : 'attribute_not_exists(pk) OR (#stage = :notice AND #status = :done AND #version < :version) OR (#stage = :stopped AND #status = :processing AND leaseUntil < :now)';
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #stage = :stage, #status = :processing, #version = :version, leaseUntil = :lease, expiresAt = :expires',
          ConditionExpression: takeable,
          ExpressionAttributeNames: { '#stage': 'stage', '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':stage': stage,
            ':notice': 'notice',
            ':processing': 'processing',
            // DynamoDB refuses values the expressions do not use.
            ...(stage === 'stopped' && { ':stopped': 'stopped', ':done': 'done' }),
            ':version': version,
            ':now': now.toISOString(),
            ':lease': new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
            ':expires': Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed', replacementStarted: Attributes?.replacementStarted === true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const seen = `${String(Item?.stage)} (version ${String(Item?.version)}, ${String(Item?.status)})`;
    if (Item?.status === 'processing' && String(Item.leaseUntil) >= now.toISOString()) {
      return { kind: 'busy', reason: `another invocation is handling ${taskArn} until ${String(Item.leaseUntil)}` };
    }
    return { kind: 'duplicate', reason: `already handled ${seen}; this event is ${stage} version ${version}` };
  }

  /** Marks the claimed stage handled; `replacementStarted` tells the later stop that a Spot notice restarted it. */
  async complete(taskArn: string, options: { replacementStarted?: boolean } = {}): Promise<void> {
    const set = ['#status = :done', ...(options.replacementStarted ? ['replacementStarted = :true'] : [])];
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `TASK#${taskArn}`, sk: 'STOP' },
        UpdateExpression: `SET ${set.join(', ')} REMOVE leaseUntil`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'done', ...(options.replacementStarted && { ':true': true }) },
      }),
    );
  }
}
