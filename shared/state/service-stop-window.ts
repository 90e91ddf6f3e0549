/**
 * The stops of a watched service (pk SERVICE#<cluster>/<service>).
 *
 * The window: per minute (sk STOP-WINDOW#<minute>), the ids of the tasks that stopped then, a string set
 * per category. Counting a stop adds its task id to the set: a redelivered stop adds nothing (a set holds an
 * id once), concurrent stops never contend for a lock, and a burst of a thousand lands on a few items; the
 * window is the sum of its minutes.
 *
 * The decision: per stopped task (sk STOP#<task ARN>), what was decided from the window and the events that
 * decision publishes until they are (the outbox), written as the next version of the one read. It carries
 * the stop's record for the stop history (stop-history.ts), so the history costs no write of its own.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingEvent } from '../events/pending-event.ts';
import { STOP_CATEGORIES, type StopCategory } from '../stopped-tasks/categories.ts';
import type { StopWindow } from '../stopped-tasks/decide-service-stop.ts';
import type { StopRecord } from '../stopped-tasks/stop-record.ts';
import { keys } from './keys.ts';
import { isStaleWrite, nextVersionPut, putNextVersion } from './versioned.ts';

/** What was decided about one counted stop. */
export interface ServiceStopDecision {
  cluster: string;
  service: string;
  taskArn: string;
  /** The counted stops in the window when it was decided, this one included. */
  stopsInWindow: number;
  /** The events decided for it and not yet known to be published. */
  outbox: PendingEvent[];
  /** The stop as the stop history shows it (absent from decisions stored before the history existed). */
  stop?: StopRecord | undefined;
  /** The state table's TTL. */
  expiresAt: number;
  /** 0: not stored yet. */
  version: number;
}

type StopKey = Pick<ServiceStopDecision, 'cluster' | 'service' | 'taskArn'>;

const decisionKey = (stop: StopKey) => keys.serviceStop(stop.cluster, stop.service, stop.taskArn);
const attributeOf = (category: StopCategory) => `tasks_${category.replace(/-/g, '_')}`;

export class ServiceStopWindows {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** Counts the stop of task `taskId` at `at` in its minute; counting it again changes nothing. */
  async count(stop: {
    cluster: string;
    service: string;
    taskId: string;
    category: StopCategory;
    at: Date;
    keepSeconds: number;
  }): Promise<void> {
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.stopWindowMinute(stop.cluster, stop.service, stop.at),
        UpdateExpression: 'ADD #category :task SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeNames: { '#category': attributeOf(stop.category) },
        ExpressionAttributeValues: { ':task': new Set([stop.taskId]), ':expires': Math.floor(stop.at.getTime() / 1000) + stop.keepSeconds },
      }),
    );
  }

  /** The counted stops in the minutes from the one of `since` on. */
  async window(cluster: string, service: string, since: Date): Promise<StopWindow> {
    const window: StopWindow = { total: 0, byCategory: {} };
    const minutes = keys.stopWindowsSince(cluster, service, since);
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': minutes.pk, ':from': minutes.from, ':to': minutes.to },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        for (const category of STOP_CATEGORIES) {
          const tasks = item[attributeOf(category)] as Set<string> | undefined;
          if (!tasks?.size) continue;
          window.total += tasks.size;
          window.byCategory[category] = (window.byCategory[category] ?? 0) + tasks.size;
        }
      }
    }
    return window;
  }

  /** What was decided about the stop of this task, or undefined. */
  async decision(stop: StopKey): Promise<ServiceStopDecision | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: decisionKey(stop), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...stored } = Item;
    return stored as ServiceStopDecision;
  }

  /** Writes the next version of the decision; throws StaleWriteError when another invocation wrote first. */
  async save(decision: ServiceStopDecision): Promise<ServiceStopDecision> {
    const { version: read, ...item } = decision;
    const version = await putNextVersion(this.dynamo, this.tableName, decisionKey(decision), item, read, `the stop of ${decision.taskArn}`);
    return { ...decision, version };
  }

  /**
   * Records a stop that was not counted (its category is in the service's ignore list), for the stop
   * history only: written once, never over a decision already there, so a redelivery writes nothing new.
   */
  async recordUncounted(decision: Omit<ServiceStopDecision, 'version'>): Promise<void> {
    const { put } = nextVersionPut(this.tableName, decisionKey(decision), { ...decision }, 0);
    try {
      await this.dynamo.send(new PutCommand(put));
    } catch (error) {
      if (!isStaleWrite(error)) throw error;
    }
  }
}
