/**
 * Chains of jobs against moto (issue 15 §3): the end of an upstream's run, as the job-chains rule
 * delivers it to run-batch-job, starts the chained job's run for the same firing — once, however often
 * and however concurrently the event is delivered — or records it skipped when the upstream failed; a
 * chain of three runs through. moto does not deliver EventBridge events: the test hands run-batch-job
 * the events the bus captured, as the rule would.
 */
import { describe, expect, it } from 'vitest';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { stopTaskAs, type TaskEnding } from '../../sandbox/emulator.ts';
import type { PublishedEvent } from '../../sandbox/seed.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { LaunchInProgressError } from '../../shared/jobs/handle.ts';
import { useEmulatorWorld } from './world.ts';

const CLUSTER = 'chains-it';
const SCHEDULED_TIME = '2026-11-22T02:00:00.000Z';

const config = {
  defaults: {
    cluster: CLUSTER,
    launchType: 'FARGATE',
    network: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] },
  },
  jobs: {
    extract: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'extract', retry: { attempts: 1 } },
    transform: { after: ['extract'], taskDefinition: 'transform' },
    load: { after: ['transform'], taskDefinition: 'load' },
    left: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'left' },
    right: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'right' },
    joined: { after: ['left', 'right'], taskDefinition: 'joined' },
  },
};

describe('job chains against moto', () => {
  const t = useEmulatorWorld(config, new Date('2026-11-22T02:00:05Z'));
  let version = 10;

  const tasksOf = async (job: string) => (await t.tasks(CLUSTER)).filter((task) => task.startedBy === `ecs-autopilot/${job}`);

  /** Ends the job's one running task as ECS reports it, through on-task-stopped; the run's events, drained. */
  async function end(job: string, ending: TaskEnding): Promise<PublishedEvent[]> {
    const [task] = await tasksOf(job);
    t.clock.advance(600);
    await stopTaskAs(t.emulator, task?.taskArn ?? '', ending);
    version += 1;
    await onTaskStopped(await taskStateChangeEvent(t.ecs, CLUSTER, task?.taskArn ?? '', { at: t.clock.now(), version }), t.stopRuntime);
    return t.events();
  }

  const endOf = (events: PublishedEvent[], job: string) => {
    const event = events.find((e) => e.detail.job === job && e['detail-type'] !== 'Job Run Launched');
    if (!event) throw new Error(`no end of ${job} among ${events.map((e) => e['detail-type']).join(', ')}`);
    return event;
  };

  it('starts the chained job once when its upstream succeeds, though the event is delivered twice at once and again later; a chain of three runs through', async () => {
    await runBatchJob({ job: 'extract', scheduledTime: '2026-11-22T02:00:00Z' }, t.runtime);
    const extracted = endOf(await end('extract', { exitCode: 0 }), 'extract');
    expect(extracted['detail-type']).toBe('Job Run Succeeded');

    // EventBridge delivers at least once: twice at the same time, then once more.
    const concurrent = await Promise.allSettled([runBatchJob(extracted, t.runtime), runBatchJob(extracted, t.runtime)]);
    const refused = concurrent.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(refused.every((error) => error instanceof LaunchInProgressError)).toBe(true);
    t.clock.advance(30);
    const again = await runBatchJob(extracted, t.runtime);

    expect(again).toEqual({
      upstream: 'extract',
      scheduledTime: SCHEDULED_TIME,
      chained: [{ job: 'transform', decision: 'run', reason: 'after extract succeeded', status: 'launched' }],
    });
    expect(await tasksOf('transform')).toHaveLength(1);
    const run = await t.runtime.runs.get('transform', SCHEDULED_TIME, 1);
    expect(run).toMatchObject({ status: 'launched', scheduledTime: SCHEDULED_TIME, attempt: 1 });
    const transformed = await end('transform', { exitCode: 0 });
    // An invocation that finds the launch settled with its event not yet marked published publishes it again,
    // under the same id, which consumers take once (EventBridge does not de-duplicate): one decision each.
    const decisions = new Set(transformed.filter((e) => e.detail.job === 'transform').map((e) => String(e.detail.eventId)));
    expect([...decisions].sort()).toEqual([`transform:${SCHEDULED_TIME}:1:launched`, `transform:${SCHEDULED_TIME}:1:succeeded`]);

    await runBatchJob(endOf(transformed, 'transform'), t.runtime);

    expect(await tasksOf('load')).toHaveLength(1);
    expect(await t.runtime.runs.get('load', SCHEDULED_TIME, 1)).toMatchObject({ status: 'launched' });
  });

  it('records the chained job skipped, with why, when its upstream fails for good, and the skip skips the next in the chain', async () => {
    await runBatchJob({ job: 'extract', scheduledTime: '2026-11-22T02:00:00Z' }, t.runtime);
    const failed = endOf(await end('extract', { exitCode: 1 }), 'extract');
    expect(failed['detail-type']).toBe('Job Run Failed');

    const result = await runBatchJob(failed, t.runtime);
    await runBatchJob(failed, t.runtime);

    expect(result).toMatchObject({ chained: [{ job: 'transform', decision: 'skip', status: 'skipped' }] });
    const skipped = await t.runtime.runs.get('transform', SCHEDULED_TIME, 1);
    expect(skipped?.status).toBe('skipped');
    expect(skipped?.reason).toMatch(/^upstream extract failed \(app-error: .*exited 1/);
    const events = await t.events();
    expect(events.map((e) => [e.detail.job, e['detail-type']])).toEqual([['transform', 'Job Run Skipped']]);

    await runBatchJob(endOf(events, 'transform'), t.runtime);

    expect(await t.runtime.runs.get('load', SCHEDULED_TIME, 1)).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^upstream transform was skipped \(upstream extract failed/),
    });
    expect(await tasksOf('transform')).toHaveLength(0);
    expect(await tasksOf('load')).toHaveLength(0);
  });

  it('starts a job after two upstreams once both have succeeded for the firing, whichever ends last, and once', async () => {
    await runBatchJob({ job: 'left', scheduledTime: '2026-11-22T02:00:00Z' }, t.runtime);
    await runBatchJob({ job: 'right', scheduledTime: '2026-11-22T02:00:00Z' }, t.runtime);
    const leftEnded = endOf(await end('left', { exitCode: 0 }), 'left');

    expect(await runBatchJob(leftEnded, t.runtime)).toMatchObject({
      chained: [{ job: 'joined', decision: 'wait', reason: 'waiting for right to end for the period' }],
    });
    const rightEnded = endOf(await end('right', { exitCode: 0 }), 'right');
    expect(await runBatchJob(rightEnded, t.runtime)).toMatchObject({ chained: [{ job: 'joined', decision: 'run', status: 'launched' }] });
    // The first upstream's end, delivered again now that both have ended, finds the run started.
    await runBatchJob(leftEnded, t.runtime);

    expect(await tasksOf('joined')).toHaveLength(1);
    expect((await t.events()).filter((e) => e.detail.job === 'joined').map((e) => e['detail-type'])).toEqual(['Job Run Launched']);
  });
});
