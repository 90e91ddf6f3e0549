/**
 * The deployments in the state table. One active item per app (pk APP#<app>, sk DEPLOYMENT): the
 * deployment under way, or the last one once final, written whole as the next version of the one read
 * (the versioned put, versioned.ts). A deployment that reaches a final stage is also kept as history
 * (sk DEPLOYMENT#<requestedAt>#<id>, so an app's deployments sort by request time) for 90 days.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Deployment, FINAL_STAGES, isFinal } from '../blue-green/model.ts';
import { keys } from './keys.ts';
import { STATE_TABLE_TTL_ATTRIBUTE } from './table-definition.ts';
import { isStaleWrite, nextVersionPut, StaleWriteError } from './versioned.ts';

const HISTORY_SECONDS = 90 * 86_400;
const historyKey = (deployment: Deployment) => keys.deploymentHistory(deployment.app, deployment.requestedAt, deployment.id);

export type CreateResult = { created: true; deployment: Deployment } | { created: false; active: Deployment };

export class DeploymentStore {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  /** The app's deployment under way, or its last one. */
  async get(app: string): Promise<Deployment | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: keys.deployment(app), ConsistentRead: true }));
    return Item ? toDeployment(Item) : undefined;
  }

  /**
   * Stores a new deployment as version 1 in place of `replacing`, the app's last deployment as it was
   * read (final), or of nothing. A new deployment is decided on what was read (the earlier ids it
   * keeps, whether its request is stale), so any write since makes it stale: when another deployment
   * that is not final holds the app, that one is returned; otherwise StaleWriteError (decide again).
   */
  async create(deployment: Deployment, replacing: Deployment | undefined): Promise<CreateResult> {
    const stored: Deployment = { ...deployment, version: 1 };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.deployment(deployment.app), kind: 'deployment', ...stored },
          ...(replacing
            ? {
                ConditionExpression: `#version = :read AND #stage IN (${FINAL_STAGES.map((_, i) => `:final${i}`).join(', ')})`,
                ExpressionAttributeNames: { '#version': 'version', '#stage': 'stage' },
                ExpressionAttributeValues: {
                  ':read': replacing.version,
                  ...Object.fromEntries(FINAL_STAGES.map((stage, i) => [`:final${i}`, stage])),
                },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      return { created: true, deployment: stored };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const active = await this.get(deployment.app);
      if (active && !isFinal(active.stage) && active.id !== deployment.id) return { created: false, active };
      throw new StaleWriteError(`the deployment of app ${deployment.app} changed meanwhile`, { cause: error });
    }
  }

  /**
   * Writes the next version and returns it; throws StaleWriteError when another invocation wrote first.
   * Reaching a final stage also writes the history item, in the same transaction.
   */
  async save(deployment: Deployment): Promise<Deployment> {
    const { put, version } = nextVersionPut(
      this.tableName,
      keys.deployment(deployment.app),
      { kind: 'deployment', ...deployment },
      deployment.version,
    );
    const next: Deployment = { ...deployment, version };
    try {
      if (isFinal(next.stage)) {
        const finishedAt = new Date(next.outcome?.at ?? next.updatedAt).getTime();
        const history = {
          ...historyKey(next),
          kind: 'deployment-history',
          ...next,
          [STATE_TABLE_TTL_ATTRIBUTE]: Math.floor(finishedAt / 1000) + HISTORY_SECONDS,
        };
        await this.dynamo.send(
          new TransactWriteCommand({ TransactItems: [{ Put: put }, { Put: { TableName: this.tableName, Item: history } }] }),
        );
      } else {
        await this.dynamo.send(new PutCommand(put));
      }
      return next;
    } catch (error) {
      if (!isStaleWrite(error)) throw error;
      throw new StaleWriteError(`deployment ${deployment.id} of app ${deployment.app} changed meanwhile`, { cause: error });
    }
  }

  /** The app's final deployments, newest request first. */
  async history(app: string, limit: number): Promise<Deployment[]> {
    const finished = keys.deploymentHistories(app);
    const { Items = [] } = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :history)',
        ExpressionAttributeValues: { ':pk': finished.pk, ':history': finished.skPrefix },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toDeployment);
  }
}

function toDeployment(item: Record<string, unknown>): Deployment {
  const { pk: _pk, sk: _sk, kind: _kind, [STATE_TABLE_TTL_ATTRIBUTE]: _expires, ...deployment } = item;
  return deployment as unknown as Deployment;
}
