import { RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { drainAlerts, emulatorNotifyRuntime } from '../../sandbox/alerts.ts';
import { injectCapacityOutage, setTaskState, stopTaskAs, type TaskEnding } from '../../sandbox/emulator.ts';
import { emulatorStopRuntime } from '../../sandbox/seed.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { resumeWatchedTask } from '../../shared/stopped-tasks/watched-task-stop.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const network = { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] };

const config = {
  defaults: { launchType: 'FARGATE', network },
  jobs: {
    'nightly-report': {
      cluster: 'batch-ots',
      schedule: 'cron(0 2 * * ? *)',
      taskDefinition: 'nightly-report',
      retry: { attempts: 3, backoff: '1m', maxBackoff: '10m', evaluateOnExit: [{ onCategory: ['out-of-memory'], action: 'exit' }] },
    },
  },
  watchedTasks: {
    'queue-worker': {
      cluster: 'workers-ots',
      taskDefinition: 'queue-worker',
      restart: 'on-failure',
      crashLoopBudget: { restarts: 5, window: '15m' },
    },
  },
  services: { web: { cluster: 'web-ots', crashLoop: { stops: 3, window: '10m', infrastructure: { stops: 4 } } } },
};

const START = new Date('2026-11-22T02:00:05Z');
const FIRING = { job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00Z' };

describe('on-task-stopped against moto', () => {
  const t = useEmulatorWorld(config, START);
  let version = 10;

  /** Ends a task the way ECS reports it, and builds the event EventBridge would deliver. */
  async function stop(cluster: string, taskArn: string, ending: TaskEnding | number) {
    await stopTaskAs(t.emulator, taskArn, typeof ending === 'number' ? { exitCode: ending } : ending);
    version += 1;
    return taskStateChangeEvent(t.ecs, cluster, taskArn, { at: t.clock.now(), version });
  }

  /** A queue worker started by hand, as a person or a pipeline would. */
  async function startWorkerByHand(): Promise<string> {
    const { tasks = [] } = await t.ecs.send(
      new RunTaskCommand({
        cluster: 'workers-ots',
        taskDefinition: 'queue-worker',
        launchType: 'FARGATE',
        group: 'family:queue-worker',
        startedBy: 'deploy-pipeline',
        networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups } },
      }),
    );
    return tasks[0]?.taskArn ?? '';
  }

  /** Runs every timer due by the virtual clock, as Scheduler would, and returns what they did. */
  async function fireDueTimers(): Promise<unknown[]> {
    const results: unknown[] = [];
    for (let due = await t.timers.takeDue(t.clock.now()); due; due = await t.timers.takeDue(t.clock.now())) {
      if (due.target === 'run-batch-job') results.push(await runBatchJob(due.input, t.runtime));
      else if (due.target === 'on-task-stopped') results.push(await onTaskStopped(due.input, t.stopRuntime));
      else results.push(await notify(due.input, emulatorNotifyRuntime(t.world, t.automation, t.clock, t.timers, quietLog)));
    }
    return results;
  }

  /** Moves the clock to the earliest pending timer and fires what is due. */
  async function advanceToNextTimer(): Promise<unknown[]> {
    const [next] = await t.timers.pending();
    if (!next) throw new Error('no timer is pending');
    t.clock.advanceTo(next.at);
    return fireDueTimers();
  }

  const running = async (cluster: string) => (await t.tasks(cluster)).filter((task) => task.lastStatus === 'RUNNING');

  describe('watched tasks', () => {
    it('restarts a crashed worker after its back-off, from the spec in automation.yml', async () => {
      const first = await startWorkerByHand();

      const outcome = await onTaskStopped(await stop('workers-ots', first, 1), t.stopRuntime);

      expect(outcome).toMatchObject({ subject: 'watched-task', category: 'app-error' });
      expect(await running('workers-ots')).toHaveLength(0);
      const [timer, ...more] = await t.timers.pending();
      expect(more).toHaveLength(0);
      expect(timer).toMatchObject({ target: 'on-task-stopped', at: new Date(START.getTime() + 10_000) });

      await advanceToNextTimer();

      const [restarted, ...others] = await running('workers-ots');
      expect(others).toHaveLength(0);
      expect(restarted?.taskArn).not.toBe(first);
      expect(restarted?.taskDefinitionArn).toMatch(/task-definition\/queue-worker:1$/);
      expect(restarted?.group).toBe('family:queue-worker');
      expect(restarted?.startedBy).toBe('ecs-autopilot/watched/queue-worker');
      expect(restarted?.launchType).toBe('FARGATE');
      const subnet = restarted?.attachments?.[0]?.details?.find((d) => d.name === 'subnetId')?.value;
      expect(subnet).toBe(network.subnets[0]);
      const types = (await t.events()).map((e) => e['detail-type']);
      expect(types).toEqual(['Watched Task Stopped', 'Watched Task Restarted']);
    });

    it('restarts a crash-looping worker with growing delays, then pauses with exactly one alert sent, and resumes on request', async () => {
      const notifyRuntime = emulatorNotifyRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
      let current = await startWorkerByHand();
      const delays: number[] = [];
      for (let crash = 1; crash <= 6; crash++) {
        const outcome = await onTaskStopped(await stop('workers-ots', current, 1), t.stopRuntime);
        if (crash === 6) {
          expect(outcome.action).toMatch(/^restarts paused: 5 restarts within 15m/);
          break;
        }
        const [timer] = await t.timers.pending();
        delays.push(((timer?.at.getTime() ?? 0) - t.clock.now().getTime()) / 1000);
        await advanceToNextTimer();
        const [next] = await running('workers-ots');
        current = next?.taskArn ?? '';
        // The restarted worker crashes a little later.
        t.clock.advance(5);
      }

      expect(delays).toEqual([10, 20, 40, 80, 160]);
      expect(await running('workers-ots')).toHaveLength(0);
      const events = await t.events();
      const alerts = events.filter((e) => e.detail.alert !== undefined);
      expect(alerts.map((e) => e['detail-type'])).toEqual(['Crash Loop Detected']);
      expect(alerts[0]?.detail).toMatchObject({
        subject: { kind: 'watched-task', name: 'queue-worker' },
        action: 'restarts-paused',
        dominantCategory: 'app-error',
        alert: { cluster: 'workers-ots', category: 'crash-loop' },
      });
      // Only the check for a new revision is pending; no restart.
      expect((await t.timers.pending()).map((timer) => (timer.input as { timer: string }).timer)).toEqual(['check-paused-watched-task']);

      // The alert rule hands the alert to notify; an hour passes (groupWait, the quiet period, the checks).
      for (const alert of alerts)
        await notify({ ...alert, id: 'crash-loop-1', account: '123456789012', region: 'us-east-1' }, notifyRuntime);
      const hourLater = new Date(t.clock.now().getTime() + 3_600_000);
      for (let [next] = await t.timers.pending(); next && next.at <= hourLater; [next] = await t.timers.pending()) {
        t.clock.advanceTo(next.at);
        await fireDueTimers();
      }
      const sent = await drainAlerts(t.world);
      expect(sent.map((m) => m.subject)).toEqual(['[CRITICAL] Watched task queue-worker is crash-looping on workers-ots: crash-loop']);

      const resumed = await resumeWatchedTask('queue-worker', t.stopRuntime);

      expect(resumed).toMatchObject({ action: 'resumed' });
      expect(await running('workers-ots')).toHaveLength(1);
      const afterResume = await t.events();
      expect(afterResume.map((e) => e['detail-type'])).toEqual(['Watched Task Restarts Resumed', 'Watched Task Restarted']);
      // The resume resolves the alert: one resolved message, and only now.
      await notify({ ...afterResume[0], id: 'resumed-1', account: '123456789012', region: 'us-east-1' }, notifyRuntime);
      expect((await drainAlerts(t.world)).map((m) => m.subject)).toEqual([
        '[RESOLVED] Watched task queue-worker on workers-ots: crash-loop',
      ]);
    });

    it('resumes a paused worker when its family gets a new revision', async () => {
      let current = await startWorkerByHand();
      for (let crash = 1; crash <= 6; crash++) {
        await onTaskStopped(await stop('workers-ots', current, 1), t.stopRuntime);
        if (crash < 6) {
          await advanceToNextTimer();
          current = (await running('workers-ots'))[0]?.taskArn ?? '';
        }
      }
      await t.events();

      // Five minutes later nothing has changed: the check re-arms itself.
      expect(await advanceToNextTimer()).toMatchObject([{ action: 'stay' }]);
      await t.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'queue-worker',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'app', image: 'busybox', essential: true, memory: 512 }],
        }),
      );
      expect(await advanceToNextTimer()).toMatchObject([{ action: 'resumed', reason: 'new task definition revision queue-worker:2' }]);

      const [restarted] = await running('workers-ots');
      expect(restarted?.taskDefinitionArn).toMatch(/queue-worker:2$/);
      expect(await t.timers.pending()).toEqual([]);
    });

    it('restarts a task lost with its host at once, backs off quick repeats, and pauses with one alert when the budget is spent', async () => {
      let current = await startWorkerByHand();
      const waits: number[] = [];
      let paused = '';
      for (let lost = 1; lost <= 8 && !paused; lost++) {
        // Each task runs 30 seconds, then its host goes away: 8 losses in 4 minutes.
        t.clock.advance(30);
        await setTaskState(t.emulator, current, {
          lastStatus: 'STOPPED',
          stoppedReason: 'Host EC2 (instance i-0f1e2d3c4b5a69788) stopped.',
          exitCode: 143,
        });
        version += 1;
        const event = await taskStateChangeEvent(t.ecs, 'workers-ots', current, { at: t.clock.now(), version });
        const outcome = await onTaskStopped(event, t.stopRuntime);
        expect(outcome).toMatchObject({ category: 'host-lost' });
        if (outcome.action.startsWith('restarts paused')) {
          paused = outcome.action;
          break;
        }
        const [restartedAtOnce] = await running('workers-ots');
        if (restartedAtOnce) {
          waits.push(0);
        } else {
          const [timer] = await t.timers.pending();
          waits.push(((timer?.at.getTime() ?? 0) - t.clock.now().getTime()) / 1000);
          await advanceToNextTimer();
        }
        current = (await running('workers-ots'))[0]?.taskArn ?? '';
      }

      expect(waits).toEqual([0, 10, 20, 40, 80]);
      expect(paused).toMatch(/^restarts paused: 5 restarts within 15m \(crashLoopBudget 5\); last stop: host-lost/);
      expect(await running('workers-ots')).toHaveLength(0);
      const alerts = (await t.events()).filter((e) => e.detail.alert !== undefined);
      expect(alerts.map((e) => e['detail-type'])).toEqual(['Crash Loop Detected']);
      expect(alerts[0]?.detail).toMatchObject({ dominantCategory: 'host-lost', categories: { 'host-lost': 6 } });
    });

    it('tries a restart that finds no capacity again after a doubling wait, then gives up with an alert', async () => {
      await onTaskStopped(await stop('workers-ots', await startWorkerByHand(), 1), t.stopRuntime);
      await injectCapacityOutage(t.emulator, 'FARGATE', 10);
      await t.events();

      const waits: number[] = [];
      let fired = await advanceToNextTimer();
      for (let [timer] = await t.timers.pending(); timer?.target === 'on-task-stopped'; [timer] = await t.timers.pending()) {
        if ((timer.input as { timer: string }).timer !== 'restart-watched-task') break;
        waits.push((timer.at.getTime() - t.clock.now().getTime()) / 1000);
        fired = await advanceToNextTimer();
      }

      // initial 10s doubling up to max 5m, as the restarts' own back-off; 10 tries in all.
      expect(waits).toEqual([10, 20, 40, 80, 160, 300, 300, 300, 300]);
      expect(fired).toMatchObject([{ watchedTask: 'queue-worker' }]);
      expect(await running('workers-ots')).toHaveLength(0);
      const events = await t.events();
      expect(events.map((e) => e['detail-type'])).toEqual(['Watched Task Restart Failed']);
      expect(events[0]?.detail).toMatchObject({
        reason: expect.stringMatching(/^no capacity after 10 tries/),
        alert: { category: 'launch-failed', severity: 'critical' },
      });
      expect((await t.timers.pending()).map((timer) => (timer.input as { timer: string }).timer)).toEqual(['check-paused-watched-task']);
    });

    it('starts the replacement at the Spot notice, before the old task is gone, and not again when it stops', async () => {
      const spotTask = await startWorkerByHand();
      const notice = await stop('workers-ots', spotTask, {
        exitCode: 0,
        stopCode: 'SpotInterruption',
        stoppedReason: 'Your Spot Task was interrupted.',
      });
      notice.detail.lastStatus = 'RUNNING';
      notice.detail.desiredStatus = 'STOPPED';

      const atNotice = await onTaskStopped(notice, t.stopRuntime);
      const stopped = await onTaskStopped(
        await stop('workers-ots', spotTask, { exitCode: 143, stopCode: 'SpotInterruption' }),
        t.stopRuntime,
      );

      expect(atNotice.action).toMatch(/^restarted now/);
      expect(stopped.action).toMatch(/its replacement was started at the Spot interruption notice/);
      expect((await running('workers-ots')).map((task) => task.startedBy)).toEqual(['ecs-autopilot/watched/queue-worker']);
      expect(await t.timers.pending()).toEqual([]);
    });
  });

  describe('services', () => {
    /** A task of service web, as the service scheduler starts it. */
    async function startServiceTask(): Promise<string> {
      const { tasks = [] } = await t.ecs.send(
        new RunTaskCommand({
          cluster: 'web-ots',
          taskDefinition: 'queue-worker',
          launchType: 'FARGATE',
          group: 'service:web',
          startedBy: 'ecs-svc/4918826309718265037',
          networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups } },
        }),
      );
      return tasks[0]?.taskArn ?? '';
    }

    it('tells an Auto Scaling scale-in that takes the hosts away from a crash loop: "the cluster is losing hosts", one message', async () => {
      const notifyRuntime = emulatorNotifyRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
      const outcomes: unknown[] = [];
      for (let lost = 1; lost <= 4; lost++) {
        const ending = {
          exitCode: 143,
          stopCode: 'TerminationNotice',
          stoppedReason: `Host EC2 (instance i-0f1e2d3c4b5a6978${lost}) terminated.`,
        };
        outcomes.push(await onTaskStopped(await stop('web-ots', await startServiceTask(), ending), t.stopRuntime));
        t.clock.advance(20);
      }

      // Past crashLoop.stops (3), yet no crash loop: the hosts went away, not the application.
      expect(outcomes.map((o) => (o as { category: string }).category)).toEqual(['host-lost', 'host-lost', 'host-lost', 'host-lost']);
      const alerts = (await t.events()).filter((e) => e.detail.alert !== undefined);
      expect(alerts.map((e) => e['detail-type'])).toEqual(['Infrastructure Loss Detected']);
      expect(alerts[0]?.detail).toMatchObject({
        stops: 4,
        categories: { 'host-lost': 4 },
        alert: { cluster: 'web-ots', subject: { kind: 'service', name: 'web' }, category: 'infrastructure-loss' },
      });

      for (const alert of alerts) await notify({ ...alert, id: 'hosts-1', account: '123456789012', region: 'us-east-1' }, notifyRuntime);
      const later = new Date(t.clock.now().getTime() + 600_000);
      for (let [next] = await t.timers.pending(); next && next.at <= later; [next] = await t.timers.pending()) {
        t.clock.advanceTo(next.at);
        await fireDueTimers();
      }
      const sent = await drainAlerts(t.world);
      expect(sent.map((m) => m.subject)).toEqual([
        '[CRITICAL] Cluster web-ots is losing hosts (service web) on web-ots: infrastructure-loss',
      ]);
    });
  });

  describe('batch jobs', () => {
    async function launchAttempt(): Promise<string> {
      const [task] = await running('batch-ots');
      if (!task?.taskArn) throw new Error('no job task is running');
      return task.taskArn;
    }

    it('retries a failed run up to its attempts with back-off, then alerts the final failure once', async () => {
      await runBatchJob(FIRING, t.runtime);
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        t.clock.advance(30);
        const outcome = await onTaskStopped(await stop('batch-ots', await launchAttempt(), 1), t.stopRuntime);
        expect(outcome).toMatchObject({ subject: 'job', category: 'app-error' });
        const [timer] = await t.timers.pending();
        if (attempt < 3) {
          expect(timer).toMatchObject({
            target: 'run-batch-job',
            input: { ...FIRING, scheduledTime: '2026-11-22T02:00:00.000Z', attempt: attempt + 1 },
          });
          waits.push(((timer?.at.getTime() ?? 0) - t.clock.now().getTime()) / 1000);
          await advanceToNextTimer();
        } else {
          expect(timer).toBeUndefined();
        }
      }

      expect(waits).toEqual([60, 120]);
      const runs = await t.runtime.runs.list('nightly-report', 10);
      expect(runs.map((run) => [run.attempt, run.status, run.category])).toEqual([
        [3, 'failed', 'app-error'],
        [2, 'failed', 'app-error'],
        [1, 'failed', 'app-error'],
      ]);
      const failures = (await t.events()).filter((e) => e['detail-type'] === 'Job Run Failed');
      expect(
        failures.map((e) => [e.detail.attempt, (e.detail.retry as { willRetry: boolean }).willRetry, e.detail.alert !== undefined]),
      ).toEqual([
        [1, true, false],
        [2, true, false],
        [3, false, true],
      ]);
      expect(failures[2]?.detail).toMatchObject({
        alert: { cluster: 'batch-ots', subject: { kind: 'job', name: 'nightly-report' }, category: 'job-failing' },
        category: 'app-error',
        stop: { classification: { category: 'app-error' }, containers: [{ exitCode: 1 }] },
      });
    });

    it('records a retried attempt that succeeds, with its duration, and alerts nothing', async () => {
      await runBatchJob(FIRING, t.runtime);
      await onTaskStopped(await stop('batch-ots', await launchAttempt(), 1), t.stopRuntime);
      await advanceToNextTimer();
      t.clock.advance(25 * 60);

      const outcome = await onTaskStopped(await stop('batch-ots', await launchAttempt(), 0), t.stopRuntime);

      expect(outcome.action).toMatch(/#2 succeeded/);
      const [second] = await t.runtime.runs.list('nightly-report', 1);
      expect(second).toMatchObject({ attempt: 2, status: 'succeeded' });
      const succeeded = (await t.events()).find((e) => e['detail-type'] === 'Job Run Succeeded');
      expect(succeeded?.detail).toMatchObject({ attempt: 2, runtime: '25m' });
      // Its only alert block resolves the job's failure group (a no-op for notify when none is open).
      expect(succeeded?.detail.alert).toEqual(expect.objectContaining({ category: 'job-failing', resolves: true }));
    });

    it('does not retry what the evaluateOnExit rules exclude (out-of-memory → exit)', async () => {
      await runBatchJob(FIRING, t.runtime);

      const outcome = await onTaskStopped(
        await stop('batch-ots', await launchAttempt(), {
          exitCode: 137,
          containerReason: 'OutOfMemoryError: Container killed due to memory usage',
        }),
        t.stopRuntime,
      );

      expect(outcome).toMatchObject({ category: 'out-of-memory' });
      expect(await t.timers.pending()).toEqual([]);
      const [run] = await t.runtime.runs.list('nightly-report', 1);
      expect(run?.retry).toMatchObject({
        willRetry: false,
        because: expect.stringMatching(/rule 1 \(onCategory out-of-memory\) says exit/),
      });
    });
  });

  describe('event hygiene', () => {
    it('does nothing for a duplicate delivery or an older state of the same task', async () => {
      await runBatchJob(FIRING, t.runtime);
      const [task] = await running('batch-ots');
      const event = await stop('batch-ots', task?.taskArn ?? '', 1);

      await onTaskStopped(event, t.stopRuntime);
      await onTaskStopped(structuredClone(event), t.stopRuntime);
      await onTaskStopped({ ...event, detail: { ...event.detail, version: event.detail.version - 1 } }, t.stopRuntime);

      expect((await t.timers.pending()).length).toBe(1);
      expect((await t.events()).filter((e) => e['detail-type'] === 'Job Run Failed')).toHaveLength(1);
    });

    it("decides a watched task's stop once, whatever is delivered again or late", async () => {
      const worker = await startWorkerByHand();
      const notice = await stop('workers-ots', worker, 1);
      const event = await stop('workers-ots', worker, 1);

      await onTaskStopped(event, t.stopRuntime);
      const again = await onTaskStopped(structuredClone(event), t.stopRuntime);
      const older = await onTaskStopped(
        { ...notice, detail: { ...notice.detail, lastStatus: 'RUNNING', stopCode: 'SpotInterruption' } },
        t.stopRuntime,
      );

      expect(again.action).toMatch(/^nothing: its stopped \(version \d+\) was decided at /);
      expect(older.action).toMatch(/^nothing: its stopped \(version \d+\) was decided at /);
      expect((await t.timers.pending()).length).toBe(1);
      expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Watched Task Stopped']);
    });

    it.each([
      ['on its way down (DEPROVISIONING)', { lastStatus: 'DEPROVISIONING', desiredStatus: 'STOPPED' }],
      ['still running, asked to stop by a person', { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' }],
      ['running', { lastStatus: 'RUNNING', desiredStatus: 'RUNNING' }],
    ])('does nothing for a state the rule does not deliver (%s), should it come anyway', async (_what, state) => {
      const worker = await startWorkerByHand();
      const event = await stop('workers-ots', worker, 1);
      Object.assign(event.detail, state);

      const outcome = await onTaskStopped(event, t.stopRuntime);

      expect(outcome.action).toBe(`ignored: lastStatus ${state.lastStatus} is neither a stop nor a Spot notice`);
      expect(await t.timers.pending()).toEqual([]);
      expect(await t.events()).toEqual([]);
    });

    it('ignores and logs events from another account', async () => {
      const warnings: string[] = [];
      const rt = emulatorStopRuntime(t.world, t.automation, t.clock, t.timers, {
        ...quietLog,
        warn: (message: string) => warnings.push(message),
      });
      const worker = await startWorkerByHand();
      const event = await stop('workers-ots', worker, 1);

      const outcome = await onTaskStopped(event, { ...rt, account: '999999999999' });

      expect(outcome.action).toMatch(/^ignored: from 123456789012/);
      expect(warnings).toEqual(['ignored a task event from another account or region']);
      expect(await t.timers.pending()).toEqual([]);
    });
  });
});
