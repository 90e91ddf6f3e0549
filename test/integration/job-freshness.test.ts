/**
 * A job's work not done, against moto (issue 13 §1): expectSuccessWithin's timers, set as real Scheduler
 * schedules by the success and the firing that arm them and delivered by the test when due (moto stores
 * schedules and never fires them), and skips in a row under forbid behind a hung run.
 */
import { describe, expect, it } from 'vitest';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { stopTaskAs, type TaskEnding } from '../../sandbox/emulator.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { type TestWorld, useEmulatorWorld } from './world.ts';

const network = { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] };
const CLUSTER = 'fresh-it';
const START = new Date('2026-11-22T02:00:05Z');

const config = {
  defaults: { cluster: CLUSTER, network, launchType: 'FARGATE', expectSuccessWithin: '26h' },
  jobs: {
    report: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report' },
    sync: { schedule: 'rate(1 hour)', taskDefinition: 'sync', alertOn: { skipped: 3 }, expectSuccessWithin: '1d' },
  },
};

function toolsFor(t: TestWorld) {
  let version = 10;
  return {
    /** Delivers the job's firing at its scheduled time (plus five seconds). */
    async fire(job: string, scheduledTime: string) {
      t.clock.advanceTo(new Date(Date.parse(scheduledTime) + 5_000));
      return runBatchJob({ job, scheduledTime }, t.runtime);
    },
    /** Ends the run's task the way ECS reports it and hands on-task-stopped the event EventBridge would deliver. */
    async end(taskArn: string, ending: TaskEnding) {
      await stopTaskAs(t.emulator, taskArn, ending);
      version += 1;
      return onTaskStopped(await taskStateChangeEvent(t.ecs, CLUSTER, taskArn, { at: t.clock.now(), version }), t.stopRuntime);
    },
    /** The timers Scheduler holds for run-batch-job, by name and time. */
    async timers() {
      return (await t.timers.pending())
        .filter((timer) => timer.target === 'run-batch-job')
        .map(({ name, at, input }) => ({ name, at: at.toISOString(), input }));
    },
    /** Delivers every timer due by `at` to run-batch-job, as Scheduler would, and answers what each check came to. */
    async deliverTimersDueBy(at: string) {
      t.clock.advanceTo(new Date(at));
      const outcomes: unknown[] = [];
      for (let timer = await t.timers.takeDue(t.clock.now()); timer; timer = await t.timers.takeDue(t.clock.now())) {
        outcomes.push(await runBatchJob(timer.input, t.runtime));
      }
      return outcomes;
    },
  };
}

describe('expectSuccessWithin against moto', () => {
  const t = useEmulatorWorld(config, START);
  const tools = toolsFor(t);

  it('a success arms its check a window later; a day without success publishes Job Success Overdue once, in the job-failing group', async () => {
    const first = await tools.fire('report', '2026-11-22T02:00:00.000Z');
    await tools.end(first?.taskArns?.[0] ?? '', { exitCode: 0 });
    expect(await tools.timers()).toEqual([
      expect.objectContaining({ at: '2026-11-23T04:00:00.000Z', input: expect.objectContaining({ armedBy: 'firing' }) }),
      expect.objectContaining({ at: '2026-11-23T05:00:00.000Z', input: expect.objectContaining({ armedBy: 'success' }) }),
    ]);
    // The next day's firing finds its check armed already, and fails.
    const second = await tools.fire('report', '2026-11-23T02:00:00.000Z');
    t.clock.advance(600);
    await tools.end(second?.taskArns?.[0] ?? '', { exitCode: 1 });
    expect(await tools.timers()).toHaveLength(2);
    await t.events();

    // 04:00: the firing's check finds the success of the day before recent enough; 05:00: the success's own check finds none since.
    expect(await tools.deliverTimersDueBy('2026-11-23T04:00:00.000Z')).toEqual([{ job: 'report', check: 'fresh' }]);
    expect(await t.events()).toEqual([]);
    expect(await tools.deliverTimersDueBy('2026-11-23T05:00:30.000Z')).toEqual([{ job: 'report', check: 'overdue' }]);

    const [overdue, ...others] = await t.events();
    expect(others).toEqual([]);
    expect(overdue).toMatchObject({
      'detail-type': 'Job Success Overdue',
      detail: {
        job: 'report',
        expectSuccessWithin: '1d2h',
        armedBy: 'success',
        alert: { cluster: CLUSTER, subject: { kind: 'job', name: 'report' }, category: 'job-failing', resolvedBy: 'resolving-event' },
      },
    });
    expect(String(overdue?.detail.eventId)).toMatch(/^report:success-overdue:2026-11-22T02:00:05/);
    expect(await tools.timers()).toEqual([]);
  });

  it('checks a job that never succeeded from its first firing (the first deploy), and a timer delivered twice publishes one event id', async () => {
    const first = await tools.fire('report', '2026-11-22T02:00:00.000Z');
    t.clock.advance(120);
    await tools.end(first?.taskArns?.[0] ?? '', { exitCode: 1 });
    const [armed] = await tools.timers();
    await t.events();

    expect(await tools.deliverTimersDueBy('2026-11-23T04:00:00.000Z')).toEqual([{ job: 'report', check: 'overdue' }]);
    await runBatchJob(armed?.input, t.runtime);

    const events = await t.events();
    expect(events.map((event) => event['detail-type'])).toEqual(['Job Success Overdue', 'Job Success Overdue']);
    expect(new Set(events.map((event) => event.detail.eventId))).toEqual(new Set(['report:success-overdue:2026-11-22T02:00:00.000Z']));
  });
});

describe('alertOn.skipped against moto', () => {
  const t = useEmulatorWorld(config, START);
  const tools = toolsFor(t);

  it('behind a hung run under forbid, the third skip in a row alerts and the ones after it too; the success after resolves the group', async () => {
    const hung = await tools.fire('sync', '2026-11-22T02:00:00.000Z');
    await t.events();

    for (const hour of ['03', '04', '05', '06']) await tools.fire('sync', `2026-11-22T${hour}:00:00.000Z`);

    const skips = await t.events();
    const alertOf = (event: (typeof skips)[number]) => event.detail.alert as { category: string } | undefined;
    skips.sort((a, b) => Number(a.detail.consecutiveSkips) - Number(b.detail.consecutiveSkips));
    expect(skips.map((event) => [event['detail-type'], event.detail.consecutiveSkips, alertOf(event)?.category])).toEqual([
      ['Job Run Skipped', 1, undefined],
      ['Job Run Skipped', 2, undefined],
      ['Job Run Skipped', 3, 'job-failing'],
      ['Job Run Skipped', 4, 'job-failing'],
    ]);
    expect(String(skips[2]?.detail.reason)).toMatch(
      /concurrency is forbid and the run scheduled at 2026-11-22T02:00:00.000Z .* is still running/,
    );

    await tools.end(hung?.taskArns?.[0] ?? '', { exitCode: 0 });
    const [success] = await t.events();
    expect(success).toMatchObject({ 'detail-type': 'Job Run Succeeded', detail: { alert: { category: 'job-failing', resolves: true } } });
    // The streak is over: the next firing launches.
    expect(await tools.fire('sync', '2026-11-22T07:00:00.000Z')).toMatchObject({ status: 'launched' });
  });
});
