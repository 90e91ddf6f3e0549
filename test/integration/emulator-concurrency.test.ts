/**
 * moto's models are not thread-safe, and moto_server answers requests on threads. Under load that broke
 * what AWS guarantees and every side-by-side test relies on: a DynamoDB query walking the table while
 * another request wrote to it failed with an HTML 500 ("dictionary changed size during iteration", seen
 * in CI), two conditional writes of one key could both pass, two RunTask calls with one clientToken could
 * both start a task. The bridge answers one request at a time; these tests hold it to AWS's behaviour,
 * with Python switching threads far more often than it does by itself, so that a race shows.
 */
import { ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, emulatorClientConfig, startEmulator } from '../../sandbox/emulator.ts';

const ROUNDS = 40;
const SIDE_BY_SIDE = 20;

describe('the emulator under concurrent requests', () => {
  let emulator: Emulator;
  let dynamo: DynamoDBDocumentClient;
  let ecs: ECSClient;
  const TableName = 'concurrency';

  beforeAll(async () => {
    process.env.ECS_BRIDGE_SWITCH_INTERVAL = '0.00001';
    try {
      emulator = await startEmulator();
    } finally {
      delete process.env.ECS_BRIDGE_SWITCH_INTERVAL;
    }
    const client = new DynamoDBClient(emulatorClientConfig(emulator.endpoint));
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    dynamo = DynamoDBDocumentClient.from(client);
    ecs = new ECSClient(emulatorClientConfig(emulator.endpoint));
    await ecs.send(new CreateClusterCommand({ clusterName: 'race' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'race',
        containerDefinitions: [{ name: 'app', image: 'app:1', essential: true, memory: 512 }],
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  /** The first line of each rejection's message: what a failed request said. */
  function failuresOf(outcomes: PromiseSettledResult<unknown>[]): string[] {
    return outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message).split('\n')[0] ?? ''] : []));
  }

  it('lets exactly one of many conditional writes of one key pass its condition', { timeout: 120_000 }, async () => {
    const counts: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: SIDE_BY_SIDE }, (_, writer) =>
          dynamo.send(
            new PutCommand({
              TableName,
              Item: { pk: 'claim', sk: String(round), writer },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        ),
      );
      const passed = outcomes.filter((o) => o.status === 'fulfilled').length;
      const refused = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof ConditionalCheckFailedException).length;
      counts.push(`${passed} passed, ${refused} refused`);
    }
    expect(new Set(counts)).toEqual(new Set([`1 passed, ${SIDE_BY_SIDE - 1} refused`]));
  });

  it('starts one task for many RunTask calls that carry one clientToken', { timeout: 120_000 }, async () => {
    const started: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: SIDE_BY_SIDE }, () =>
          ecs.send(
            new RunTaskCommand({
              cluster: 'race',
              taskDefinition: 'race',
              launchType: 'FARGATE',
              clientToken: `round-${round}`,
              startedBy: `round-${round}`,
            }),
          ),
        ),
      );
      expect(failuresOf(outcomes)).toEqual([]);
      const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: 'race', startedBy: `round-${round}` }));
      started.push(taskArns.length);
    }
    expect(new Set(started)).toEqual(new Set([1]));
  });
});
