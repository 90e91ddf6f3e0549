/**
 * A stored run the maxRuntime watchdog cannot read (issue 12, found by the fuzz): an older version's
 * record or a hand edit without taskArns, with an outbox that is no list. Before, every one-minute tick
 * failed on it with a TypeError and was retried for ever, and the other overdue runs waited behind it.
 * Now the tick stops the runs it can read, says once, in one line, which item it cannot read and why,
 * and no longer watches that item (left as it is for a person).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { enforceMaxRuntimeTick } from '../../functions/enforce-max-runtime.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { emulatorClientConfig } from '../../sandbox/emulator.ts';
import { keys } from '../../shared/state/keys.ts';
import { useEmulatorWorld } from './world.ts';

const network = { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] };
const config = {
  defaults: { cluster: 'batch-it', network, capacityProviders: ['FARGATE'] },
  jobs: {
    report: { schedule: 'rate(1 hour)', taskDefinition: 'report', maxRuntime: '1h' },
    export: { schedule: 'rate(1 hour)', taskDefinition: 'report', maxRuntime: '1h' },
  },
};

const START = new Date('2026-11-22T01:00:30Z');
const SCHEDULED = '2026-11-22T01:00:00.000Z';

describe('a stored run the maxRuntime watchdog cannot read (issue 12)', () => {
  const t = useEmulatorWorld(config, START);

  it('stops the runs it can read, says which item it cannot read and why, and stops watching that one', async () => {
    const errors: { message: string; fields: Record<string, unknown> }[] = [];
    const rt = {
      ...t.runtime,
      log: { ...t.runtime.log, error: (message: string, fields: Record<string, unknown>) => errors.push({ message, fields }) },
    };
    await runBatchJob({ job: 'report', scheduledTime: SCHEDULED }, rt);
    await runBatchJob({ job: 'export', scheduledTime: SCHEDULED }, rt);
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(t.world.endpoint)));
    const broken = keys.jobRun('report', SCHEDULED, 1);
    await dynamo.send(
      new UpdateCommand({
        TableName: t.world.tableName,
        Key: broken,
        UpdateExpression: 'REMOVE taskArns SET outbox = :none',
        ExpressionAttributeValues: { ':none': null },
      }),
    );

    t.clock.advance(3601);
    const settled = await enforceMaxRuntimeTick(rt);

    expect(settled.map((run) => [run.job, run.status])).toEqual([['export', 'timed-out']]);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^a stored run cannot be read \(JOB#report RUN#2026-11-22T01:00:00.000Z#001\): taskArns: .*; outbox: .*; it is no longer watched for maxRuntime: stop its tasks by hand if they still run$/,
      ),
    ]);
    expect(errors[0]?.message).not.toMatch(/\n/);
    const { Item } = await dynamo.send(new GetCommand({ TableName: t.world.tableName, Key: broken }));
    expect(Item).toMatchObject({ job: 'report', status: 'launched', outbox: null });
    expect(Item?.deadlineBucket).toBeUndefined();

    t.clock.advance(60);
    expect(await enforceMaxRuntimeTick(rt)).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});
