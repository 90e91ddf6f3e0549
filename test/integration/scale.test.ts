/**
 * Issue 16 §1 against moto, one emulator for the file. The deploy-time schedule reconciler against moto's
 * EventBridge Scheduler: it creates the schedules automation.yml asks for, changes and deletes them as the
 * file does, writes nothing when run again, finishes what a run that failed half-way left; and the custom
 * resource handler answers CloudFormation by PUTting to the request's pre-signed URL (a local HTTP server
 * here), a failure too. And a burst of jobs firing at the same minute under injected RunTask throttling
 * (test/helpers/launch-burst.ts; bench/launch-burst.ts runs the 300 jobs of the issue).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileSchedulesHandler } from '../../functions/reconcile-schedules.ts';
import { EMULATOR_ACCOUNT, type Emulator, emulatorClientConfig, resetEmulator, startEmulator } from '../../sandbox/emulator.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { AutomationInput } from '../../shared/config/schema.ts';
import { desiredSchedules, type ScheduleTargets } from '../../shared/schedules/desired.ts';
import { reconcileSchedules } from '../../shared/schedules/reconcile.ts';
import { launchBurst } from '../helpers/launch-burst.ts';

const GROUP = 'ecs-autopilot-test-schedules';
const NOW = new Date('2026-12-07T12:00:00Z');
const ARN = `arn:aws:lambda:us-east-1:${EMULATOR_ACCOUNT}:function`;
const TARGETS: ScheduleTargets = {
  groupName: GROUP,
  runBatchJobArn: `${ARN}:ecs-autopilot-test-run-batch-job`,
  scaleServiceArn: `${ARN}:ecs-autopilot-test-scale-service`,
  roleArn: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/scheduler`,
  deadLetterArn: `arn:aws:sqs:us-east-1:${EMULATOR_ACCOUNT}:ecs-autopilot-test-schedule-dlq`,
};

const jobs = (count: number, schedule = 'cron(0 2 * * ? *)') =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`job-${i}`, { schedule, cluster: 'batch', taskDefinition: `job-${i}` }]));
const CONFIG: AutomationInput = {
  jobs: jobs(12),
  services: {
    web: {
      cluster: 'web',
      scaling: { timezone: 'Europe/Berlin', periods: { day: { days: 'MON-FRI', from: '08:00', to: '18:00', min: 2, max: 10 } } },
    },
  },
};
const desiredOf = (config: AutomationInput) => desiredSchedules(validateAutomation(config), NOW, TARGETS);

/** Counts the Scheduler writes a run sends (and can fail the nth), at the SDK boundary in front of moto. */
function countingScheduler(endpoint: string) {
  const client = new SchedulerClient(emulatorClientConfig(endpoint));
  const writes: string[] = [];
  let failAt: number | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      if (/^(Create|Update|Delete)Schedule/.test(command)) {
        writes.push(command);
        if (failAt !== undefined && writes.length === failAt)
          throw Object.assign(new Error('injected'), { name: 'InternalServerException' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'countWrites' },
  );
  return {
    client,
    writes,
    failAtWrite(n: number | undefined) {
      failAt = n;
    },
    reset() {
      writes.length = 0;
    },
  };
}

async function held(client: SchedulerClient): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListSchedulesCommand({ GroupName: GROUP, NextToken: nextToken }));
    for (const s of page.Schedules ?? []) {
      const full = await client.send(new GetScheduleCommand({ GroupName: GROUP, Name: s.Name }));
      byName.set(s.Name ?? '', `${full.ScheduleExpression} ${full.State} ${full.Target?.Arn?.split(':').at(-1)}`);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return byName;
}

describe('the schedule reconciler against moto', () => {
  let emulator: Emulator;
  let scheduler: ReturnType<typeof countingScheduler>;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  beforeEach(async () => {
    await resetEmulator(emulator);
    scheduler = countingScheduler(emulator.endpoint);
    await scheduler.client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  });

  it('creates every schedule, then writes nothing when run again', async () => {
    const desired = desiredOf(CONFIG);

    expect(await reconcileSchedules(scheduler.client, GROUP, desired)).toEqual({ created: 13, updated: 0, deleted: 0, unchanged: 0 });
    expect([...(await held(scheduler.client)).entries()].sort()).toEqual(
      [
        ...Array.from({ length: 12 }, (_, i) => [`job-${i}`, 'cron(0 2 * * ? *) ENABLED ecs-autopilot-test-run-batch-job']),
        // Both boundaries of web's period in one expression: one schedule.
        ['scale-web-0', 'cron(0 8,18 ? * MON-FRI *) ENABLED ecs-autopilot-test-scale-service'],
      ].sort(),
    );

    scheduler.reset();
    expect(await reconcileSchedules(scheduler.client, GROUP, desired)).toEqual({ created: 0, updated: 0, deleted: 0, unchanged: 13 });
    expect(scheduler.writes).toEqual([]);
  });

  it('changes what the file changed, deletes what it dropped, and puts back a schedule changed by hand', async () => {
    await reconcileSchedules(scheduler.client, GROUP, desiredOf(CONFIG));
    const [first] = desiredOf(CONFIG);
    if (!first) throw new Error('no schedule');
    await scheduler.client.send(new UpdateScheduleCommand({ ...first, Name: 'job-5', ScheduleExpression: 'rate(5 minutes)' }));
    scheduler.reset();

    const changed: AutomationInput = {
      jobs: { ...jobs(10), 'job-0': { schedule: 'rate(1 hour)', cluster: 'batch', taskDefinition: 'job-0', suspended: true } },
    };
    const result = await reconcileSchedules(scheduler.client, GROUP, desiredOf(changed));

    expect(result).toEqual({ created: 0, updated: 2, deleted: 3, unchanged: 8 });
    const now = await held(scheduler.client);
    expect(now.get('job-0')).toBe('rate(1 hour) DISABLED ecs-autopilot-test-run-batch-job');
    expect(now.get('job-5')).toBe('cron(0 2 * * ? *) ENABLED ecs-autopilot-test-run-batch-job');
    expect([...now.keys()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `job-${i}`).sort());
  });

  it('finishes, when run again, what a run that failed half-way left', async () => {
    const desired = desiredOf(CONFIG);
    scheduler.failAtWrite(6);

    await expect(reconcileSchedules(scheduler.client, GROUP, desired)).rejects.toThrow('injected');
    const partial = (await held(scheduler.client)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(13);

    scheduler.failAtWrite(undefined);
    scheduler.reset();
    expect(await reconcileSchedules(scheduler.client, GROUP, desired)).toEqual({
      created: 13 - partial,
      updated: 0,
      deleted: 0,
      unchanged: partial,
    });
    expect((await held(scheduler.client)).size).toBe(13);
  });

  describe('as the custom resource CloudFormation invokes', () => {
    let server: Server;
    let responses: { method: string | undefined; contentType: string | undefined; body: Record<string, unknown> }[];
    let url: string;
    beforeAll(async () => {
      server = createServer((request: IncomingMessage, response) => {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          responses.push({ method: request.method, contentType: request.headers['content-type'], body: JSON.parse(body) });
          response.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=abc`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      responses = [];
    });

    const request = (requestType: 'Create' | 'Update' | 'Delete') => ({
      RequestType: requestType,
      ResponseURL: url,
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/ecs-autopilot-test/1',
      RequestId: `request-${requestType}`,
      LogicalResourceId: 'ReconciledSchedules',
      ...(requestType !== 'Create' && { PhysicalResourceId: GROUP }),
      ResourceProperties: {
        ServiceToken: `${ARN}:ecs-autopilot-test-reconcile-schedules`,
        GroupName: GROUP,
        RoleArn: TARGETS.roleArn,
        DeadLetterArn: TARGETS.deadLetterArn,
        RunBatchJobArn: TARGETS.runBatchJobArn,
        ScaleServiceArn: TARGETS.scaleServiceArn,
        Digest: 'abc',
      },
    });
    const runtime = (automation: () => ReturnType<typeof validateAutomation>) => ({
      scheduler: scheduler.client,
      automation,
      now: () => NOW,
      fetch,
      log: { info: () => {}, error: () => {} },
    });

    it('reconciles on Create and answers SUCCESS with the counts, keeping the group as the physical id; Delete empties the group', async () => {
      await reconcileSchedulesHandler(
        request('Create'),
        runtime(() => validateAutomation(CONFIG)),
      );

      expect(responses).toEqual([
        {
          method: 'PUT',
          contentType: '',
          body: {
            Status: 'SUCCESS',
            Reason: 'schedules reconciled',
            PhysicalResourceId: GROUP,
            StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/ecs-autopilot-test/1',
            RequestId: 'request-Create',
            LogicalResourceId: 'ReconciledSchedules',
            Data: { created: 13, updated: 0, deleted: 0, unchanged: 0 },
          },
        },
      ]);

      await reconcileSchedulesHandler(
        request('Delete'),
        runtime(() => validateAutomation(CONFIG)),
      );
      expect(responses[1]?.body).toMatchObject({ Status: 'SUCCESS', Data: { deleted: 13 } });
      expect((await held(scheduler.client)).size).toBe(0);
    });

    it('answers FAILED with the reason when reconciling fails, rather than leaving CloudFormation waiting', async () => {
      await reconcileSchedulesHandler(
        request('Update'),
        runtime(() => {
          throw new Error('automation.json is not an automation file');
        }),
      );

      expect(responses).toEqual([
        {
          method: 'PUT',
          contentType: '',
          body: expect.objectContaining({
            Status: 'FAILED',
            Reason: 'Error: automation.json is not an automation file',
            PhysicalResourceId: GROUP,
          }),
        },
      ]);
    });
  });
  it('launches every job of a burst exactly once, none failing its invocation, while RunTask is throttled above its rate', async () => {
    // 40 jobs at once against a bucket of 5 refilled at 2 a second, twice as fast as real time (the ECS retries'
    // waits too; moto's own pace sets the limit of the scaling). In real time the SDK's default retries (5
    // attempts, 7.5 s of waits at most) left 2 of 30 such jobs to fail their invocation: Lambda would retry
    // them minutes later, into the next burst, and dead-letter them at last.
    const result = await launchBurst(emulator, { jobs: 40, burst: 5, perSecond: 2, timeScale: 2 });

    expect(result.thrown).toEqual([]);
    expect(result.tasksPerJob.size).toBe(40);
    expect([...result.tasksPerJob.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(result.runStatuses.values())).toEqual(new Set(['launched']));
    // Throttled for real: on average more than once per job.
    expect(result.throttled).toBeGreaterThan(40);
    expect(result.runTaskCalls).toBe(40 + result.throttled);
    console.log(
      `burst: 40 jobs launched, ${result.throttled} RunTask calls throttled, last launch after ${(result.lastLaunchMs / 1000).toFixed(1)} s of burst time`,
    );
  }, 120_000);
});
