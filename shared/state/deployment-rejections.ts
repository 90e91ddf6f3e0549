/**
 * A deployment request that was not started leaves no deployment behind, so `deploy --wait` could
 * only guess why its id never appears. shift-traffic records each rejection (pk APP#<app>,
 * sk REJECTED#<request id>, a day's TTL) beside publishing `Deployment Rejected`; the CLI reads it.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from './table-definition.ts';

const KEEP_SECONDS = 86_400;

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
