/**
 * Counted stops of a service, per minute (pk SERVICE#<cluster>/<service>, sk STOPS#<minute>). A burst of
 * a thousand stops lands on few items with atomic ADDs, so concurrent invocations never lose a count
 * nor fail on a lock; the window is the sum of its minutes.
 */
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { STOP_CATEGORIES, type StopCategory } from '../stopped-tasks/categories.ts';
import type { StopWindow } from '../stopped-tasks/decide-service-stop.ts';

const attributeOf = (category: StopCategory) => `stops_${category.replace(/-/g, '_')}`;

export class ServiceStopWindows {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** Counts one stop at `at` and returns the window ending then, this stop included. */
  async count(cluster: string, service: string, category: StopCategory, at: Date, windowSeconds: number): Promise<StopWindow> {
    const pk = `SERVICE#${cluster}/${service}`;
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk, sk: `STOPS#${minute}` },
        UpdateExpression: 'ADD stops :one, #category :one SET expiresAt = :expires',
        ExpressionAttributeNames: { '#category': attributeOf(category) },
        ExpressionAttributeValues: { ':one': 1, ':expires': Math.floor(at.getTime() / 1000) + windowSeconds + 3_600 },
      }),
    );
    const from = new Date(at.getTime() - windowSeconds * 1000 + 1).toISOString();
    const { Items = [] } = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ':from': `STOPS#${minuteOf(from)}`, ':to': `STOPS#${minute}` },
        ConsistentRead: true,
      }),
    );
    const window: StopWindow = { total: 0, byCategory: {} };
    for (const item of Items) {
      window.total += Number(item.stops ?? 0);
      for (const category of STOP_CATEGORIES) {
        const count = Number(item[attributeOf(category)] ?? 0);
        if (count > 0) window.byCategory[category] = (window.byCategory[category] ?? 0) + count;
      }
    }
    return window;
  }
}

function minuteOf(iso: string): string {
  const time = Date.parse(iso);
  return new Date(Math.ceil(time / 60_000) * 60_000).toISOString();
}
