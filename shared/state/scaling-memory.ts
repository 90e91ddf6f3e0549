/**
 * What scale-service remembers about a service (pk SERVICE#<cluster>/<service>, sk SCALING): the
 * baseline a `restore` returns to, the deferral waiting for its retry, the last thing done (scaled,
 * deferred, failed), and the outbox: the effects of the last decision not yet known to be applied. One
 * item per service, written whole as the next version of what was read (putNextVersion), so two
 * firings can never both act on one reading. No TTL: a baseline must outlive the longest period (a
 * service stopped over a holiday).
 *
 * Item:
 *   { pk, sk: 'SCALING', kind: 'scaling', cluster, service, version,
 *     baseline?: { desiredCount, bounds?: { min, max }, rememberedAt },
 *     deferral?: { since, attempt, retryAt, reason },
 *     last?: { kind: 'scaled', at, from, to, why } | { kind: 'deferred', at, reason, attempt, retryAt } | { kind: 'failed', at, reason },
 *     outbox?: [ register-bounds | update-desired-count | set-retry-timer | publish, … ] }
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ScalingEffect, ScalingState } from '../scaling/decide.ts';
import { keys } from './keys.ts';
import { putNextVersion } from './versioned.ts';

export interface ScalingMemory extends ScalingState {
  /** The cluster and service names (not ARNs). */
  cluster: string;
  service: string;
  /** Effects decided and not yet known to be applied; empty once they are. */
  outbox: ScalingEffect[];
  /** 0: not stored yet. */
  version: number;
}

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
      new GetCommand({ TableName: this.tableName, Key: keys.scalingMemory(cluster, service), ConsistentRead: true }),
    );
    if (!Item) return { cluster, service, outbox: [], version: 0 };
    const { pk: _pk, sk: _sk, kind: _kind, ...memory } = Item;
    return { outbox: [], ...(memory as Omit<ScalingMemory, 'outbox'>) };
  }

  /** Writes the next version and returns what is stored; throws StaleWriteError when another invocation wrote first. */
  async save(memory: ScalingMemory): Promise<ScalingMemory> {
    const { version, ...item } = memory;
    const next = await putNextVersion(
      this.dynamo,
      this.tableName,
      keys.scalingMemory(memory.cluster, memory.service),
      { kind: 'scaling', ...item, outbox: item.outbox.length > 0 ? item.outbox : undefined },
      version,
      `the scaling memory of ${memory.cluster}/${memory.service}`,
    );
    return { ...memory, version: next };
  }
}
