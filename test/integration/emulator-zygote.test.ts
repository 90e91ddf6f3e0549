/**
 * The suite's moto_servers are forked from one zygote (sandbox/emulator-zygote.ts): each must be as
 * separate from the others as a started one. (That a forked server ends with a process killed outright is
 * sandbox-signal's test: the CLI it kills inherits the zygote.)
 */
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { emulatorClientConfig, startEmulator } from '../../sandbox/emulator.ts';
import { zygoteFromEnv } from '../../sandbox/emulator-zygote.ts';

describe('moto_servers forked from the zygote', () => {
  // Skipped only when the run was asked to start each server instead (ECS_AUTOPILOT_MOTO_ZYGOTE=off).
  it.skipIf(!process.env.ECS_AUTOPILOT_MOTO_ZYGOTE)('are forked in this suite, each with nothing of the state of another', async () => {
    expect(zygoteFromEnv()).toBeDefined();
    const said: string[] = [];
    const [one, two] = await Promise.all([startEmulator({ log: (line) => said.push(line) }), startEmulator()]);
    try {
      expect(said).toEqual([expect.stringMatching(/forked\) listening on http:\/\/127\.0\.0\.1:\d+$/)]);
      const first = new DynamoDBClient(emulatorClientConfig(one.endpoint));
      await first.send(
        new CreateTableCommand({
          TableName: 'only-in-one',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      expect((await first.send(new ListTablesCommand({}))).TableNames).toEqual(['only-in-one']);
      expect((await new DynamoDBClient(emulatorClientConfig(two.endpoint)).send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
    const answering = await fetch(`${one.endpoint}/moto-api/x-ecs/reset`, { method: 'POST', body: '{}' }).then(
      () => true,
      () => false,
    );
    expect(answering).toBe(false);
  });
});
