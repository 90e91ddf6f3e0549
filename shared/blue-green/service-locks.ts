/**
 * The BLUE_GREEN lock on a service, written as the contract in shared/scaling/blue-green-lock.ts says:
 * scale-service defers while it reads 'in-progress' before its expiresAt (epoch seconds, also the
 * table's TTL attribute).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { BLUE_GREEN_SORT_KEY } from '../scaling/blue-green-lock.ts';
import { serviceKey } from '../state/scaling-memory.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from '../state/table-definition.ts';

export interface ServiceLockHolder {
  /** The cluster and service names (not ARNs). */
  cluster: string;
  service: string;
  deploymentId: string;
  startedAt: string;
}

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

export class ServiceLocks {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** Holds the service until `until`: past it the lock counts as released, so a crashed deployment blocks scaling for a bounded time. */
  async hold(holder: ServiceLockHolder, until: Date | undefined): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...serviceKey(holder.cluster, holder.service),
          sk: BLUE_GREEN_SORT_KEY,
          kind: 'blue-green-lock',
          status: 'in-progress',
          deploymentId: holder.deploymentId,
          startedAt: holder.startedAt,
          ...(until && { [STATE_TABLE_TTL_ATTRIBUTE]: epochSeconds(until) }),
        },
      }),
    );
  }

  /**
   * Releases the service at `at` (the TTL then deletes the item). A lock another deployment holds is
   * left alone: a late retry of an old deployment must not free a service a newer one is shifting.
   */
  async release(holder: ServiceLockHolder, at: Date): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...serviceKey(holder.cluster, holder.service),
            sk: BLUE_GREEN_SORT_KEY,
            kind: 'blue-green-lock',
            status: 'released',
            deploymentId: holder.deploymentId,
            startedAt: holder.startedAt,
            [STATE_TABLE_TTL_ATTRIBUTE]: epochSeconds(at),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR deploymentId = :mine OR #status <> :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':mine': holder.deploymentId, ':inProgress': 'in-progress' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
