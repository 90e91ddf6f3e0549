/**
 * What the ECS bridge changes in moto beyond ECS, held to AWS's behaviour.
 *
 * moto's models are not thread-safe, and moto_server answers requests on threads. Under load that broke
 * what AWS guarantees and every side-by-side test relies on: a DynamoDB query walking the table while
 * another request wrote to it failed with an HTML 500 ("dictionary changed size during iteration", seen
 * in CI), two conditional writes of one key could both pass, two RunTask calls with one clientToken could
 * both start a task. The bridge answers one request at a time; these tests hold it to AWS's behaviour,
 * with Python switching threads far more often than it does by itself, so that a race shows.
 *
 * moto answered a table query by walking (and measuring) every item of the table: a burst whose partition
 * grows with each request was quadratic. The bridge gives the walk only the partition's items within the
 * range condition; every kind of query must answer exactly as DynamoDB does.
 */
import { ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, emulatorClientConfig, startEmulator } from '../../sandbox/emulator.ts';

const ROUNDS = 40;
const SIDE_BY_SIDE = 20;

let emulator: Emulator;
let dynamo: DynamoDBDocumentClient;
let ecs: ECSClient;
const TableName = 'bridge';

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
        { AttributeName: 'colour', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byColour',
          KeySchema: [
            { AttributeName: 'colour', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
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

describe('the emulator under concurrent requests', () => {
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

describe("the emulator's table queries", () => {
  /** Three partitions of 40 items, the middle one queried; the others must never show. */
  const items = ['a', 'b', 'c'].flatMap((pk) =>
    Array.from({ length: 40 }, (_, i) => ({
      pk: `query-${pk}`,
      sk: `${i % 2 === 0 ? 'STOP' : 'WINDOW'}#${String(i).padStart(3, '0')}`,
      n: i,
      colour: i % 3 === 0 ? 'blue' : 'green',
      tasks: new Set([`task-${i}`, `task-${i + 1}`]),
    })),
  );
  const partition = items.filter((item) => item.pk === 'query-b');

  beforeAll(async () => {
    for (let i = 0; i < items.length; i += 25) {
      const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      await dynamo.send(new BatchWriteCommand({ RequestItems: { [TableName]: batch } }));
    }
  });

  /** Every page of a query, as the SDK's paginator would read them. */
  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ sks: string[]; pages: number; count: number }> {
    const sks: string[] = [];
    let pages = 0;
    let count = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(new QueryCommand({ TableName, ...input, ExclusiveStartKey }));
      pages++;
      count += page.Count ?? 0;
      sks.push(...(page.Items ?? []).map((item) => String(item.sk)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return { sks, pages, count };
  }

  const sksOf = (selected: typeof partition) => selected.map((item) => item.sk).sort();
  const partitionKey = { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'query-b' } };

  it('answers a partition whole, in order, either way', async () => {
    expect((await queryAll(partitionKey)).sks).toEqual(sksOf(partition));
    expect((await queryAll({ ...partitionKey, ScanIndexForward: false })).sks).toEqual(sksOf(partition).reverse());
  });

  it('answers each range condition with the items within it', async () => {
    const within = async (condition: string, values: Record<string, string>) =>
      (await queryAll({ KeyConditionExpression: `pk = :pk AND ${condition}`, ExpressionAttributeValues: { ':pk': 'query-b', ...values } }))
        .sks;
    expect(await within('begins_with(sk, :prefix)', { ':prefix': 'WINDOW#' })).toEqual(
      sksOf(partition.filter((i) => i.sk.startsWith('WINDOW#'))),
    );
    expect(await within('sk BETWEEN :from AND :to', { ':from': 'STOP#010', ':to': 'STOP#020' })).toEqual(
      sksOf(partition.filter((i) => i.sk >= 'STOP#010' && i.sk <= 'STOP#020')),
    );
    expect(await within('sk < :to', { ':to': 'STOP#006' })).toEqual(sksOf(partition.filter((i) => i.sk < 'STOP#006')));
    expect(await within('sk >= :from', { ':from': 'WINDOW#031' })).toEqual(sksOf(partition.filter((i) => i.sk >= 'WINDOW#031')));
    expect(await within('sk = :sk', { ':sk': 'STOP#012' })).toEqual(['STOP#012']);
    expect(await within('sk = :sk', { ':sk': 'STOP#013' })).toEqual([]);
  });

  it('pages by Limit from where the last page ended, and filters after the key condition', async () => {
    const stops = sksOf(partition.filter((i) => i.sk.startsWith('STOP#')));
    const paged = await queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'query-b', ':prefix': 'STOP#' },
      Limit: 7,
    });
    expect(paged.sks).toEqual(stops);
    expect(paged.pages).toBe(Math.ceil(stops.length / 7) + (stops.length % 7 === 0 ? 1 : 0));
    const filtered = await queryAll({
      ...partitionKey,
      FilterExpression: 'n > :n AND contains(tasks, :task)',
      ExpressionAttributeValues: { ':pk': 'query-b', ':n': 30, ':task': 'task-35' },
    });
    expect(filtered.sks).toEqual(sksOf(partition.filter((i) => i.n > 30 && i.tasks.has('task-35'))));
  });

  it('counts without items, and answers an index and a missing partition as before', async () => {
    const counted = await dynamo.send(new QueryCommand({ TableName, ...partitionKey, Select: 'COUNT' }));
    expect({ count: counted.Count, items: counted.Items }).toEqual({ count: partition.length, items: undefined });
    const blue = await queryAll({
      IndexName: 'byColour',
      KeyConditionExpression: 'colour = :colour AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':colour': 'blue', ':prefix': 'STOP#' },
    });
    expect(blue.sks).toEqual(
      items
        .filter((i) => i.colour === 'blue' && i.sk.startsWith('STOP#'))
        .map((i) => i.sk)
        .sort(),
    );
    expect((await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'query-none' } })).sks).toEqual([]);
  });
});
