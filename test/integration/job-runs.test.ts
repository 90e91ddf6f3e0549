/**
 * A job run from its firing to its end, against moto, where the launch and the stops of its tasks meet:
 * a run of several tasks whose capacity runs short, a RunTask throttled half-way, an invocation killed
 * right after RunTask, and the attempt that follows a Spot interruption.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { setCapacityRoom, stopTaskAs, type TaskEnding } from '../../sandbox/emulator.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { InvocationCrashed, installFaults, invoke } from '../helpers/faults.ts';
import { type TestWorld, useEmulatorWorld } from './world.ts';

const network = { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] };
const CLUSTER = 'jobs-it';
const START = new Date('2026-11-22T02:00:05Z');
const SPOT_INTERRUPTION: TaskEnding = { exitCode: 143, stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' };

const config = {
  defaults: { cluster: CLUSTER, network, capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
  jobs: {
    // Two shards; when no provider has room, three rounds 10s and 20s apart.
    shards: {
      schedule: 'cron(0 2 * * ? *)',
      taskDefinition: 'shards',
      count: 2,
      launchRetry: { attempts: 3, backoff: '10s', maxBackoff: '1m' },
    },
    report: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report', retry: { attempts: 2, backoff: '1m' } },
  },
};

const firing = (job: string) => ({ job, scheduledTime: '2026-11-22T02:00:00Z' });

/** Test tools over the world: tasks of a job, stops delivered as EventBridge would, the run record. */
function toolsFor(t: TestWorld) {
  let version = 10;
  return {
    async running(job: string) {
      return (await t.tasks(CLUSTER)).filter((task) => task.startedBy === `ecs-autopilot/${job}` && task.lastStatus === 'RUNNING');
    },
    /** Ends a task the way ECS reports it and hands on-task-stopped the event EventBridge would deliver. */
    async stop(taskArn: string, ending: TaskEnding) {
      await stopTaskAs(t.emulator, taskArn, ending);
      version += 1;
      return onTaskStopped(await taskStateChangeEvent(t.ecs, CLUSTER, taskArn, { at: t.clock.now(), version }), t.stopRuntime);
    },
    async run(job: string, attempt = 1) {
      return t.runtime.runs.get(job, '2026-11-22T02:00:00.000Z', attempt);
    },
  };
}

describe('job runs against moto', () => {
  const t = useEmulatorWorld(config, START);
  const faults = installFaults();
  afterAll(() => faults.uninstall());
  const tools = toolsFor(t);

  describe('a run of several tasks whose capacity runs short', () => {
    it('records the stop of a task while the run still waits for capacity for its other task, and settles the run when the last one stops', async () => {
      await setCapacityRoom(t.emulator, 'FARGATE_SPOT', 1);
      await setCapacityRoom(t.emulator, 'FARGATE', 0);
      const stopsDuringTheLaunch: Awaited<ReturnType<typeof invoke>>[] = [];
      const sleep = async (seconds: number) => {
        if (stopsDuringTheLaunch.length === 0) {
          // While the launch waits for the next round, its first task is done; then room appears.
          const [first] = await tools.running('shards');
          stopsDuringTheLaunch.push(await invoke(() => tools.stop(first?.taskArn ?? '', { exitCode: 0 })));
          await setCapacityRoom(t.emulator, 'FARGATE_SPOT', null);
        }
        await t.clock.sleep(seconds);
      };

      const launched = await runBatchJob(firing('shards'), { ...t.runtime, sleep });

      expect(stopsDuringTheLaunch.map(({ error }) => error)).toEqual([undefined]);
      expect(stopsDuringTheLaunch[0]?.result).toMatchObject({ subject: 'job', category: 'completed' });
      expect(launched).toMatchObject({ status: 'launched' });
      expect(launched?.taskArns).toHaveLength(2);
      const [second] = await tools.running('shards');
      expect(await tools.stop(second?.taskArn ?? '', { exitCode: 0 })).toMatchObject({ action: expect.stringMatching(/succeeded/) });
      expect(await tools.run('shards')).toMatchObject({ status: 'succeeded', reason: 'all 2 tasks exited 0' });
      expect(Object.keys((await tools.run('shards'))?.taskOutcomes ?? {})).toHaveLength(2);
      expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Job Run Launched', 'Job Run Succeeded']);
    });

    it('settles the run when its launch gives up after its only task stopped: failed, saying which task never started', async () => {
      await setCapacityRoom(t.emulator, 'FARGATE_SPOT', 1);
      await setCapacityRoom(t.emulator, 'FARGATE', 0);
      const stopsDuringTheLaunch: Awaited<ReturnType<typeof invoke>>[] = [];
      const sleep = async (seconds: number) => {
        if (stopsDuringTheLaunch.length === 0) {
          const [first] = await tools.running('shards');
          stopsDuringTheLaunch.push(await invoke(() => tools.stop(first?.taskArn ?? '', { exitCode: 0 })));
        }
        await t.clock.sleep(seconds);
      };

      await runBatchJob(firing('shards'), { ...t.runtime, sleep });

      expect(stopsDuringTheLaunch.map(({ error }) => error)).toEqual([undefined]);
      const run = await tools.run('shards');
      expect(run).toMatchObject({ status: 'failed', missingTasks: 1 });
      expect(run?.reason).toMatch(/^1 of 2 tasks never started: no capacity after 3 rounds over FARGATE_SPOT → FARGATE/);
      const events = await t.events();
      expect(events.map((e) => e['detail-type'])).toEqual(['Job Run Launched', 'Job Run Failed']);
      expect(events[1]?.detail).toMatchObject({ missingTasks: 1, alert: { subject: { kind: 'job', name: 'shards' } } });
    });

    it('launches the missing task when RunTask is throttled after the first one started: never fewer tasks than count', async () => {
      await setCapacityRoom(t.emulator, 'FARGATE_SPOT', 1);

      const throttled = await invoke(
        () => runBatchJob(firing('shards'), t.runtime),
        [{ kind: 'fail', at: { command: 'RunTask', occurrence: 2 } }],
      );
      expect(throttled.error).toMatchObject({ name: 'RetryableAwsError' });
      t.clock.advance(60);
      const retried = await runBatchJob(firing('shards'), t.runtime);

      expect(retried).toMatchObject({ status: 'launched' });
      const running = await tools.running('shards');
      expect(running).toHaveLength(2);
      expect(new Set(retried?.taskArns)).toEqual(new Set(running.map((task) => task.taskArn)));
      const events = await t.events();
      expect(events.map((e) => e['detail-type'])).toEqual(['Job Run Launched']);
      expect(events[0]?.detail).toMatchObject({ taskArns: retried?.taskArns });
    });
  });

  describe('an invocation killed right after RunTask', () => {
    it('is finished by the next delivery exactly once: the task it started, one event', async () => {
      const crashed = await invoke(() => runBatchJob(firing('report'), t.runtime), [{ kind: 'crash-after', at: { command: 'RunTask' } }]);
      expect(crashed.error).toBeInstanceOf(InvocationCrashed);
      const [started, ...more] = await tools.running('report');
      expect(more).toHaveLength(0);

      // Lambda retries the invocation after a minute, then two more; the dead one's lease (2 minutes) runs out meanwhile.
      t.clock.advance(60);
      await expect(runBatchJob(firing('report'), t.runtime)).rejects.toThrow(/another invocation is launching/);
      t.clock.advance(120);
      const finished = await runBatchJob(firing('report'), t.runtime);

      expect(finished).toMatchObject({ status: 'launched', taskArns: [started?.taskArn] });
      expect(await tools.running('report')).toHaveLength(1);
      const events = await t.events();
      expect(events.map((e) => [e['detail-type'], e.detail.eventId])).toEqual([
        ['Job Run Launched', 'report:2026-11-22T02:00:00.000Z:1:launched'],
      ]);
    });
  });

  describe('a retry after a Spot interruption', () => {
    it('launches the next attempt on the next capacity provider (on-demand)', async () => {
      await runBatchJob(firing('report'), t.runtime);
      const [first] = await tools.running('report');
      expect(first?.capacityProviderName).toBe('FARGATE_SPOT');

      await tools.stop(first?.taskArn ?? '', SPOT_INTERRUPTION);
      const [timer] = await t.timers.pending();
      expect(timer?.input).toMatchObject({ job: 'report', attempt: 2, capacityProvider: 'FARGATE' });
      t.clock.advanceTo(timer?.at ?? START);
      await runBatchJob(timer?.input, t.runtime);

      const [second] = await tools.running('report');
      expect(second?.capacityProviderName).toBe('FARGATE');
      expect(await tools.run('report', 2)).toMatchObject({ status: 'launched', capacityProvider: 'FARGATE' });
      expect((await tools.run('report', 1))?.retry).toMatchObject({
        willRetry: true,
        because: expect.stringMatching(/on FARGATE after the Spot interruption on FARGATE_SPOT$/),
      });
    });
  });
});

describe('a retry after a Spot interruption, when the job says to stay on the same capacity', () => {
  const t = useEmulatorWorld(
    { ...config, jobs: { report: { ...config.jobs.report, retry: { attempts: 2, backoff: '1m', afterSpotInterruption: 'same' } } } },
    START,
  );
  const tools = toolsFor(t);

  it('launches the next attempt on FARGATE_SPOT again', async () => {
    await runBatchJob(firing('report'), t.runtime);
    const [first] = await tools.running('report');
    await tools.stop(first?.taskArn ?? '', SPOT_INTERRUPTION);
    const [timer] = await t.timers.pending();
    t.clock.advanceTo(timer?.at ?? START);
    await runBatchJob(timer?.input, t.runtime);

    const [second] = await tools.running('report');
    expect(second?.capacityProviderName).toBe('FARGATE_SPOT');
  });
});
