/**
 * The BLUE_GREEN lock on a service: one item in the state table, written here while a blue/green
 * deployment shifts its traffic, and read by scale-service, which defers its changes while it holds.
 *   pk        SERVICE#<cluster name>/<service name>
 *   sk        BLUE_GREEN
 *   status    'in-progress' while traffic is being shifted or baked; anything else ('released', …) frees it
 *   expiresAt epoch seconds (the table's TTL attribute): the latest time the deployment can still be
 *             running. Past it the lock counts as released even before DynamoDB's TTL deletes the item
 *             (that can take days), so a crashed deployment blocks scaling for a bounded time only.
 *   deploymentId, startedAt (ISO 8601): quoted in scaling's deferral reason.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from './table-definition.ts';

/** The lock item as read: any of it may be missing or malformed. */
export interface ServiceLockItem {
  status?: unknown;
  expiresAt?: unknown;
  deploymentId?: unknown;
  startedAt?: unknown;
}

/**
 * The deployment holding the service at `now`, in words; undefined when none does. Pure. A lock without
 * a valid expiresAt is taken as held: scaling under a deployment is the worse mistake.
 */
export function blueGreenInProgress(item: ServiceLockItem | undefined, now: Date): string | undefined {
  if (item?.status !== 'in-progress') return undefined;
  const expiresAt = typeof item.expiresAt === 'number' && Number.isFinite(item.expiresAt) ? item.expiresAt : undefined;
  if (expiresAt !== undefined && expiresAt * 1000 <= now.getTime()) return undefined;
  const which = typeof item.deploymentId === 'string' ? ` ${item.deploymentId}` : '';
  const since = typeof item.startedAt === 'string' ? ` since ${item.startedAt}` : '';
  const until = expiresAt !== undefined ? `, at the latest until ${new Date(expiresAt * 1000).toISOString()}` : '';
  return `an ecs-autopilot blue/green deployment${which} is in progress${since}${until}`;
}

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

  /** The deployment holding the service at `now`, in words (see blueGreenInProgress); undefined when none does. */
  async inProgress(cluster: string, service: string, now: Date): Promise<string | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.blueGreenLock(cluster, service),
        ConsistentRead: true,
      }),
    );
    return blueGreenInProgress(Item, now);
  }

  /** Holds the service until `until`: past it the lock counts as released, so a crashed deployment blocks scaling for a bounded time. */
  async hold(holder: ServiceLockHolder, until: Date | undefined): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: lockItem(holder, 'in-progress', until),
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
          Item: lockItem(holder, 'released', at),
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

/** The lock item as written; without `until` it has no expiresAt (see blueGreenInProgress). */
function lockItem(holder: ServiceLockHolder, status: 'in-progress' | 'released', until: Date | undefined): Record<string, unknown> {
  return {
    ...keys.blueGreenLock(holder.cluster, holder.service),
    kind: 'blue-green-lock',
    status,
    deploymentId: holder.deploymentId,
    startedAt: holder.startedAt,
    ...(until && { [STATE_TABLE_TTL_ATTRIBUTE]: epochSeconds(until) }),
  };
}
