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
  },
};

const START = new Date('2026-11-22T01:00:30Z');
const firing = (job: string, scheduledTime = '2026-11-22T01:00:00Z') => ({ job, scheduledTime, executionId: 'e-1' });

describe('run-batch-job against moto', () => {
  // The missing task definition must stay missing: seed everything but that job.
  const t = useEmulatorWorld(config, START, { notSeeded: ['missing-definition'] });

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
      environment: [{ name: 'DAY', value: 'yesterday' }],
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

  it('rejects a malformed firing and a job that automation.yml does not name with specific errors', async () => {
    await expect(runBatchJob({ job: 'report', scheduledTime: 'yesterday' }, t.runtime)).rejects.toThrow(BadEventError);
    await expect(runBatchJob(firing('nightly-typo'), t.runtime)).rejects.toThrow(/job "nightly-typo" is not in automation.yml/);
    expect(await t.tasks('batch-it')).toHaveLength(0);
  });
});
