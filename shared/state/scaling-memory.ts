/**
 * What scale-service remembers about a service (pk SERVICE#<cluster>/<service>, sk SCALING): the
 * baseline a `restore` returns to, the deferral waiting for its retry, and the last thing done (scaled,
 * deferred, failed). One item per service, written whole and conditionally on the version read
 * (optimistic locking), so two firings can never both remember a baseline or lose one. No TTL: a
 * baseline must outlive the longest period (a service stopped over a holiday).
 *
 * Item:
 *   { pk, sk: 'SCALING', kind: 'scaling', cluster, service, version,
 *     baseline?: { desiredCount, bounds?: { min, max }, rememberedAt },
 *     deferral?: { since, attempt, retryAt, reason },
 *     last?: { kind: 'scaled', at, from, to, why } | { kind: 'deferred', at, reason, attempt, retryAt } | { kind: 'failed', at, reason } }
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Baseline, Deferral, LastScaling } from '../scaling/decide-scaling.ts';
import { StaleWriteError } from './versioned.ts';

export interface ScalingMemory {
  /** The cluster and service names (not ARNs). */
  cluster: string;
  service: string;
  baseline?: Baseline | undefined;
  deferral?: Deferral | undefined;
  last?: LastScaling | undefined;
  /** 0: not stored yet. */
  version: number;
}

export function serviceKey(cluster: string, service: string) {
  return { pk: `SERVICE#${cluster}/${service}` };
}

const key = (cluster: string, service: string) => ({ ...serviceKey(cluster, service), sk: 'SCALING' });

export class ScalingMemories {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** The service's memory, or an empty one (version 0) when nothing is stored. */
  async get(cluster: string, service: string): Promise<ScalingMemory> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: key(cluster, service), ConsistentRead: true }),
    );
    if (!Item) return { cluster, service, version: 0 };
    const { pk: _pk, sk: _sk, kind: _kind, ...memory } = Item;
    return memory as ScalingMemory;
  }

  /** Writes the next version; throws StaleWriteError when another invocation wrote first. */
  async save(memory: ScalingMemory): Promise<ScalingMemory> {
    const next: ScalingMemory = withoutUndefined({ ...memory, version: memory.version + 1 });
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(memory.cluster, memory.service), kind: 'scaling', ...next },
          ConditionExpression: memory.version === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(memory.version !== 0 && { ExpressionAttributeValues: { ':expected': memory.version } }),
        }),
      );
      return next;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new StaleWriteError(`the scaling memory of ${memory.cluster}/${memory.service} changed meanwhile`, { cause: error });
      }
      throw error;
    }
  }
}

/** A forgotten baseline or a cleared deferral is an absent attribute, not a stored null. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
