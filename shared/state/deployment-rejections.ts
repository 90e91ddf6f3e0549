/**
 * A deployment request that was not started leaves no deployment behind, so `deploy --wait` could
 * only guess why its id never appears. shift-traffic records each rejection (pk APP#<app>,
 * sk REJECTED#<request id>) beside publishing `Deployment Rejected`; the CLI reads it. A rejection is
 * final: a redelivery of the request finds it and does not start.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from './table-definition.ts';

/**
 * As long as the request can still arrive: EventBridge retries for a day, Lambda's own retries add
 * hours, and an event sent back from a dead-letter queue may come as late as the queue keeps it (14 days).
 */
const KEEP_SECONDS = 14 * 86_400;

export interface Rejection {
  app: string;
  id: string;
  reason: string;
  at: string;
}

export class Rejections {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  async record(rejection: Rejection): Promise<void> {
    const expires = Math.floor(new Date(rejection.at).getTime() / 1000) + KEEP_SECONDS;
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.deploymentRejection(rejection.app, rejection.id),
          kind: 'deployment-rejection',
          ...rejection,
          [STATE_TABLE_TTL_ATTRIBUTE]: expires,
        },
      }),
    );
  }

  async get(app: string, id: string): Promise<Rejection | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keys.deploymentRejection(app, id), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { app: String(Item.app), id: String(Item.id), reason: String(Item.reason), at: String(Item.at) };
  }
}
