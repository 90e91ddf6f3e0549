/** The snapshots the sweeps start from: a restore must leave nothing of what happened after the save. */
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, emulatorClientConfig, setCapacityRoom } from '../../sandbox/emulator.ts';
import { type SandboxWorld, seedSandbox } from '../../sandbox/seed.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { restoreSnapshot, saveSnapshot, startSnapshottingEmulator } from './emulator-snapshots.ts';

const CLUSTER = 'snapshots';
const network = { subnets: ['subnet-0a1b2c3d4e5f60031'], securityGroups: ['sg-0a1b2c3d4e5f60031'] };
const automation = validateAutomation({
  defaults: { cluster: CLUSTER, network, capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
  jobs: { report: { schedule: 'rate(1 hour)', taskDefinition: 'report' } },
});

describe('snapshots of the emulator', () => {
  let emulator: Emulator;
  let world: SandboxWorld;
  let config: ReturnType<typeof emulatorClientConfig>;
  const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'x' } });
  const runTask = (clientToken: string) =>
    new ECSClient(config).send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: 'report',
        clientToken,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
        networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups } },
      }),
    );
  const running = async () => (await new ECSClient(config).send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns ?? [];

  beforeAll(async () => {
    emulator = await startSnapshottingEmulator();
    world = await seedSandbox(emulator, automation, { stage: 'snapshots' });
    config = emulatorClientConfig(world.endpoint);
    await new DynamoDBClient(config).send(new PutItemCommand({ TableName: world.tableName, Item: key('before') }));
    await setCapacityRoom(emulator, 'FARGATE_SPOT', 1);
    await saveSnapshot(emulator, 'seeded');
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('brings back what was there and forgets what came after, in every service and in the ECS bridge', async () => {
    const dynamo = new DynamoDBClient(config);
    await dynamo.send(new PutItemCommand({ TableName: world.tableName, Item: key('after') }));
    await new SQSClient(config).send(new SendMessageCommand({ QueueUrl: world.eventQueueUrl, MessageBody: 'after' }));
    const first = await runTask('token-1');
    expect(first.tasks).toHaveLength(1);
    expect((await runTask('token-2')).failures).toHaveLength(1);

    await restoreSnapshot(emulator, 'seeded');

    expect((await dynamo.send(new GetItemCommand({ TableName: world.tableName, Key: key('before') }))).Item).toBeDefined();
    expect((await dynamo.send(new GetItemCommand({ TableName: world.tableName, Key: key('after') }))).Item).toBeUndefined();
    expect((await new SQSClient(config).send(new ReceiveMessageCommand({ QueueUrl: world.eventQueueUrl }))).Messages).toBeUndefined();
    expect(await running()).toEqual([]);
    // The bridge's room (one task) and its RunTask answers by clientToken are as they were too.
    const again = await runTask('token-1');
    expect(again.tasks?.[0]?.taskArn).not.toBe(first.tasks?.[0]?.taskArn);
    expect((await runTask('token-2')).failures).toHaveLength(1);
  });

  it('can be restored again and again, and empties a service first used after the save', async () => {
    const cloudWatch = new CloudWatchClient(config);
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'after',
        MetricName: 'Errors',
        Namespace: 'x',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await restoreSnapshot(emulator, 'seeded');
    await restoreSnapshot(emulator, 'seeded');
    expect((await cloudWatch.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    expect(await running()).toEqual([]);
  });

  it('says so when there is no such snapshot', async () => {
    await expect(restoreSnapshot(emulator, 'never saved')).rejects.toThrow(/could not restore snapshot never saved \(404/);
  });
});
