import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { enforceMaxRuntimeTick } from '../../functions/enforce-max-runtime.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { injectCapacityOutage } from '../../sandbox/emulator.ts';
import { BadEventError } from '../../shared/errors.ts';
import { useEmulatorWorld } from './world.ts';

const network = { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] };
const ROLE = 'arn:aws:iam::123456789012:role/report-task';

const config = {
  defaults: { cluster: 'batch-it', timezone: 'Europe/Berlin', network, capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
  jobs: {
    report: {
      schedule: 'cron(0 2 * * ? *)',
      taskDefinition: 'report:2',
      taskRole: ROLE,
      overrides: { cpu: 512, memory: 1024, containers: { app: { command: ['node', 'report.js'], environment: { DAY: 'yesterday' } } } },
      tags: { team: 'data' },
      startingDeadline: '10m',
      maxRuntime: '2h',
      launchRetry: { attempts: 3, backoff: '10s', maxBackoff: '1m' },
    },
    'report-replace': { schedule: 'rate(1 hour)', taskDefinition: 'report', concurrency: 'replace' },
    'report-allow': { schedule: 'rate(1 hour)', taskDefinition: 'report', concurrency: 'allow' },
    'missing-definition': { schedule: 'rate(1 hour)', taskDefinition: 'does-not-exist:7' },
    shards: {
      schedule: 'rate(1 hour)',
      taskDefinition: 'shards',
      count: 3,
      overrides: { containers: { app: { command: ['sync', '--shard', '{{taskIndex}}/{{taskCount}}', '--since', '{{scheduledTime}}'] } } },
    },
    'report-retry': {
      schedule: 'rate(1 hour)',
      taskDefinition: 'report',
      launchRetry: { attempts: 1 },
      retry: { attempts: 2, backoff: '1m' },
    },
    'report-wait': {
      schedule: 'rate(1 hour)',
      taskDefinition: 'report',
      launchRetry: { attempts: 1, backoff: '10s', maxBackoff: '1m' },
      waitForCapacity: '5m',
    },
  },
};

const START = new Date('2026-11-22T01:00:30Z');
const firing = (job: string, scheduledTime = '2026-11-22T01:00:00Z') => ({ job, scheduledTime, executionId: 'e-1' });

describe('run-batch-job against moto', () => {
  // The missing task definition must stay missing: seed everything but that job.
  const t = useEmulatorWorld(config, START, { notSeeded: ['missing-definition', 'shards'] });

  it('launches the job with every RunTask parameter from automation.yml and records and announces the run', async () => {
    const result = await runBatchJob(firing('report'), t.runtime);

    expect(result?.status).toBe('launched');
    const [task, ...others] = await t.tasks('batch-it');
    expect(others).toHaveLength(0);
    expect(task?.taskDefinitionArn).toMatch(/task-definition\/report:2$/);
    expect(task?.startedBy).toBe('ecs-autopilot/report');
    expect(task?.capacityProviderName).toBe('FARGATE_SPOT');
    expect(task?.overrides?.cpu).toBe('512');
    expect(task?.overrides?.memory).toBe('1024');
    expect(task?.overrides?.containerOverrides?.[0]).toMatchObject({
      name: 'app',
      command: ['node', 'report.js'],
      // The job's own environment, then the run's (the job's count is 1: no index).
      environment: [
        { name: 'DAY', value: 'yesterday' },
        { name: 'ECS_AUTOPILOT_SCHEDULED_TIME', value: '2026-11-22T01:00:00.000Z' },
        { name: 'ECS_AUTOPILOT_ATTEMPT', value: '1' },
        { name: 'ECS_AUTOPILOT_RUN_ID', value: 'report:2026-11-22T01:00:00.000Z:1' },
        { name: 'ECS_AUTOPILOT_JOB', value: 'report' },
      ],
    });
    expect(Object.fromEntries((task?.tags ?? []).map((tag) => [tag.key, tag.value]))).toMatchObject({
      team: 'data',
      'ecs-autopilot:job': 'report',
      'ecs-autopilot:scheduled-time': '2026-11-22T01:00:00.000Z',
      'ecs-autopilot:attempt': '1',
    });
    const [history] = await t.runtime.runs.list('report', 5);
    expect(history).toMatchObject({
      status: 'launched',
      attempt: 1,
      taskArns: [task?.taskArn],
      capacityProvider: 'FARGATE_SPOT',
      eventPublished: true,
    });
    expect(history?.maxRuntimeDeadline).toBe('2026-11-22T03:00:30.000Z');
    const events = await t.events();
    expect(events.map((e) => e['detail-type'])).toEqual(['Job Run Launched']);
    expect(events[0]?.detail).toMatchObject({ job: 'report', status: 'launched', taskArns: [task?.taskArn] });
  });

  it('launches nothing new when the same firing is delivered twice', async () => {
    await runBatchJob(firing('report'), t.runtime);
    t.clock.advance(30);
    const second = await runBatchJob(firing('report'), t.runtime);

    expect(second?.status).toBe('launched');
    expect(await t.tasks('batch-it')).toHaveLength(1);
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Job Run Launched']);
  });

  it('skips a firing while the previous run is still RUNNING when concurrency is forbid', async () => {
    await runBatchJob(firing('report'), t.runtime);
    t.clock.advance(3600);
    const next = await runBatchJob(firing('report', '2026-11-22T02:00:00Z'), t.runtime);

    expect(next?.status).toBe('skipped');
    expect(next?.reason).toMatch(
      /concurrency is forbid and the run scheduled at 2026-11-22T01:00:00.000Z \(task [\w-]+\) is still running/,
    );
    expect(await t.tasks('batch-it')).toHaveLength(1);
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Job Run Launched', 'Job Run Skipped']);
  });

  it('stops the running run with a clear reason before launching when concurrency is replace', async () => {
    await runBatchJob(firing('report-replace'), t.runtime);
    const [old] = await t.tasks('batch-it');
    t.clock.advance(3600);
    const next = await runBatchJob(firing('report-replace', '2026-11-22T02:00:00Z'), t.runtime);

    expect(next?.status).toBe('launched');
    const [stopped] = await t.tasks('batch-it', 'STOPPED');
    expect(stopped?.taskArn).toBe(old?.taskArn);
    expect(stopped?.stoppedReason).toBe('ecs-autopilot: replaced by the run scheduled at 2026-11-22T02:00:00.000Z (concurrency: replace)');
    const running = await t.tasks('batch-it');
    expect(running.map((task) => task.taskArn)).toEqual(next?.taskArns);
    const history = await t.runtime.runs.list('report-replace', 5);
    expect(history.map((run) => run.status)).toEqual(['launched', 'replaced']);
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Job Run Launched', 'Job Run Replaced', 'Job Run Launched']);
  });

  it('lets runs overlap when concurrency is allow', async () => {
    await runBatchJob(firing('report-allow'), t.runtime);
    await runBatchJob(firing('report-allow', '2026-11-22T02:00:00Z'), t.runtime);

    expect(await t.tasks('batch-it')).toHaveLength(2);
  });

  it('stops a task that runs past maxRuntime and records the run timed-out', async () => {
    await runBatchJob(firing('report'), t.runtime);
    t.clock.advance(3600);
    expect(await enforceMaxRuntimeTick(t.runtime)).toEqual([]);
    t.clock.advance(3601);
    const settled = await enforceMaxRuntimeTick(t.runtime);

    expect(settled.map((run) => run.status)).toEqual(['timed-out']);
    const [stopped] = await t.tasks('batch-it', 'STOPPED');
    expect(stopped?.stoppedReason).toBe('ecs-autopilot: exceeded maxRuntime 2h');
    const [history] = await t.runtime.runs.list('report', 1);
    expect(history).toMatchObject({ status: 'timed-out', reason: 'ecs-autopilot: exceeded maxRuntime 2h' });
    expect(await enforceMaxRuntimeTick(t.runtime)).toEqual([]);
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Job Run Launched', 'Job Run Timed Out']);
  });

  it('falls back to the next capacity provider when RunTask answers 200 with failures[]', async () => {
    await injectCapacityOutage(t.emulator, 'FARGATE_SPOT', 1);
    const result = await runBatchJob(firing('report'), t.runtime);

    expect(result?.status).toBe('launched');
    const [task] = await t.tasks('batch-it');
    expect(task?.capacityProviderName).toBe('FARGATE');
    expect(t.clock.sleeps).toEqual([]);
  });

  it('retries with exponential back-off when no provider has capacity, then records and announces the failure', async () => {
    await injectCapacityOutage(t.emulator, 'FARGATE_SPOT', 10);
    await injectCapacityOutage(t.emulator, 'FARGATE', 10);
    const result = await runBatchJob(firing('report'), t.runtime);

    expect(result?.status).toBe('failed');
    expect(result?.reason).toMatch(/^no capacity after 3 rounds over FARGATE_SPOT → FARGATE: Capacity is unavailable/);
    expect(t.clock.sleeps).toEqual([10, 20]);
    expect(await t.tasks('batch-it')).toHaveLength(0);
    const events = await t.events();
    expect(events.map((e) => e['detail-type'])).toEqual(['Job Run Failed']);
  });

  it('fails at once, without retries, when the task definition does not exist', async () => {
    const result = await runBatchJob(firing('missing-definition'), t.runtime);

    expect(result?.status).toBe('failed');
    expect(result?.reason).toMatch(/^ClientException: .*task definition.* — check that the task definition family or revision/i);
    expect(t.clock.sleeps).toEqual([]);
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Job Run Failed']);
  });

  it('records a firing delivered past its startingDeadline as missed and launches nothing', async () => {
    t.clock.advance(11 * 60);
    const result = await runBatchJob(firing('report'), t.runtime);

    expect(result?.status).toBe('missed');
    expect(result?.reason).toBe('delivered 11m30s after its scheduled time, past the startingDeadline of 10m');
    expect(await t.tasks('batch-it')).toHaveLength(0);
  });

  it("gives each of count: 3's tasks its index on the essential container only, and fills its command's placeholders", async () => {
    await t.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'shards',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'app', image: 'busybox', essential: true, memory: 256 },
          { name: 'log-router', image: 'fluent-bit', essential: false, memory: 128 },
        ],
      }),
    );

    const result = await runBatchJob(firing('shards'), t.runtime);

    expect(result?.status).toBe('launched');
    const tasks = await t.tasks('batch-it');
    const shards = tasks.map((task) => {
      const overrides = task.overrides?.containerOverrides ?? [];
      const env = Object.fromEntries((overrides.find((c) => c.name === 'app')?.environment ?? []).map((e) => [e.name, e.value]));
      return {
        index: env.ECS_AUTOPILOT_TASK_INDEX,
        count: env.ECS_AUTOPILOT_TASK_COUNT,
        command: overrides.find((c) => c.name === 'app')?.command,
        others: overrides.filter((c) => c.name !== 'app'),
      };
    });
    expect(shards.sort((a, b) => String(a.index).localeCompare(String(b.index)))).toEqual(
      ['0', '1', '2'].map((index) => ({
        index,
        count: '3',
        command: ['sync', '--shard', `${index}/3`, '--since', '2026-11-22T01:00:00.000Z'],
        others: [],
      })),
    );
    expect(new Set(result?.taskArns)).toEqual(new Set(tasks.map((task) => task.taskArn)));
  });

  it("retries a launch that found no capacity as a failed attempt of the job's retry policy, by its timer", async () => {
    await injectCapacityOutage(t.emulator, 'FARGATE_SPOT', 1);
    await injectCapacityOutage(t.emulator, 'FARGATE', 1);

    await runBatchJob(firing('report-retry'), t.runtime);

    const first = await t.runtime.runs.get('report-retry', '2026-11-22T01:00:00.000Z', 1);
    expect(first).toMatchObject({ status: 'failed', category: 'capacity', retry: { willRetry: true, nextAttempt: 2 } });
    t.clock.advance(60);
    const timer = await t.timers.takeDue(t.clock.now());
    expect(timer?.input).toEqual({ job: 'report-retry', scheduledTime: '2026-11-22T01:00:00.000Z', attempt: 2 });
    const second = await runBatchJob(timer?.input, t.runtime);

    expect(second).toMatchObject({ status: 'launched', attempt: 2 });
    expect(await t.tasks('batch-it')).toHaveLength(1);
    const events = await t.events();
    expect(events.map((e) => e['detail-type'])).toEqual(['Job Run Failed', 'Job Run Launched']);
    expect(events[0]?.detail.alert).toBeUndefined();
  });

  it('waits out an outage with waitForCapacity, launching once when its timer fires after capacity returns', async () => {
    await injectCapacityOutage(t.emulator, 'FARGATE_SPOT', 1);
    await injectCapacityOutage(t.emulator, 'FARGATE', 1);

    await runBatchJob(firing('report-wait'), t.runtime);
    const waiting = await t.runtime.runs.get('report-wait', '2026-11-22T01:00:00.000Z', 1);
    expect(waiting).toMatchObject({ status: 'waiting-for-capacity', capacityWait: { waits: 1 } });
    t.clock.advance(60);
    const timer = await t.timers.takeDue(t.clock.now());
    const resumed = await runBatchJob(timer?.input, t.runtime);
    // The timer delivered again launches nothing more.
    const again = await runBatchJob(timer?.input, t.runtime);

    expect(resumed).toMatchObject({ status: 'launched', attempt: 1 });
    expect(again?.status).toBe('launched');
    expect(await t.tasks('batch-it')).toHaveLength(1);
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Job Run Waiting For Capacity', 'Job Run Launched']);
  });

  it('fails with one alert when capacity does not return within waitForCapacity', async () => {
    await injectCapacityOutage(t.emulator, 'FARGATE_SPOT', 100);
    await injectCapacityOutage(t.emulator, 'FARGATE', 100);

    let run = await runBatchJob(firing('report-wait'), t.runtime);
    while (run?.status === 'waiting-for-capacity') {
      t.clock.advance(60);
      const timer = await t.timers.takeDue(t.clock.now());
      run = await runBatchJob(timer?.input, t.runtime);
    }

    expect(await t.runtime.runs.get('report-wait', '2026-11-22T01:00:00.000Z', 1)).toMatchObject({
      status: 'failed',
      category: 'capacity',
      capacityWait: { until: '2026-11-22T01:05:30.000Z', waits: 4 },
    });
    expect(await t.timers.pending()).toEqual([]);
    const events = await t.events();
    expect(events.map((e) => e['detail-type'])).toEqual(['Job Run Waiting For Capacity', 'Job Run Failed']);
    expect(events.map((e) => e.detail.alert !== undefined)).toEqual([false, true]);
  });

  it('rejects a malformed firing and a job that automation.yml does not name with specific errors', async () => {
    await expect(runBatchJob({ job: 'report', scheduledTime: 'yesterday' }, t.runtime)).rejects.toThrow(BadEventError);
    await expect(runBatchJob(firing('nightly-typo'), t.runtime)).rejects.toThrow(/job "nightly-typo" is not in automation.yml/);
    expect(await t.tasks('batch-it')).toHaveLength(0);
  });
});
