/**
 * Whether an ecs-autopilot blue/green deployment (issue 5's shift-traffic) is in progress for a
 * service; scale-service defers its changes while one is.
 *
 * The contract, written by the blue/green side and only read here — one item in the state table:
 *   pk        SERVICE#<cluster name>/<service name>
 *   sk        BLUE_GREEN
 *   status    'in-progress' while traffic is being shifted or baked; anything else ('completed',
 *             'rolled-back', …) means no deployment is in progress
 *   expiresAt epoch seconds (the table's TTL attribute): the latest time the deployment can still be
 *             running (its start plus its longest shift and bake). Past it the lock counts as released
 *             even before DynamoDB's TTL deletes the item (that can take days), so a crashed deployment
 *             blocks scaling for a bounded time only.
 *   deploymentId, startedAt (ISO 8601): optional, quoted in the deferral's reason.
 * A lock without a valid expiresAt is taken as in progress: scaling under a deployment is the worse mistake.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { serviceKey } from '../state/scaling-memory.ts';

export const BLUE_GREEN_SORT_KEY = 'BLUE_GREEN';

export interface BlueGreenLockItem {
  status?: unknown;
  expiresAt?: unknown;
  deploymentId?: unknown;
  startedAt?: unknown;
}

/** The deployment in progress, in words; undefined when there is none. Pure. */
export function blueGreenInProgress(item: BlueGreenLockItem | undefined, now: Date): string | undefined {
  if (item?.status !== 'in-progress') return undefined;
  const expiresAt = typeof item.expiresAt === 'number' && Number.isFinite(item.expiresAt) ? item.expiresAt : undefined;
  if (expiresAt !== undefined && expiresAt * 1000 <= now.getTime()) return undefined;
  const which = typeof item.deploymentId === 'string' ? ` ${item.deploymentId}` : '';
  const since = typeof item.startedAt === 'string' ? ` since ${item.startedAt}` : '';
  const until = expiresAt !== undefined ? `, at the latest until ${new Date(expiresAt * 1000).toISOString()}` : '';
  return `an ecs-autopilot blue/green deployment${which} is in progress${since}${until}`;
}

export class BlueGreenLocks {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  async inProgress(cluster: string, service: string, now: Date): Promise<string | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { ...serviceKey(cluster, service), sk: BLUE_GREEN_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    return blueGreenInProgress(Item, now);
  }
}
