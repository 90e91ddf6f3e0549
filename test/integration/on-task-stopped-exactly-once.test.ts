/**
 * on-task-stopped against moto with faults in front of it (issue 11): an AWS call that fails, or an
 * invocation that dies right after one succeeded, is finished by the next delivery exactly once — no
 * stop counted twice, no restart counted twice, no alert lost — and an AWS error that will never heal is
 * recorded, published and alerted instead of retried for ever. Each delivery comes two minutes after the
 * failed one, as Lambda's asynchronous retries would.
 */
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, describe, expect, it } from 'vitest';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { stopTaskAs, type TaskEnding } from '../../sandbox/emulator.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { stoppedTaskEvent } from '../fixtures/task-events.ts';
import { installFaults, invoke } from '../helpers/faults.ts';
import { useEmulatorWorld } from './world.ts';

const network = { subnets: ['subnet-0a1b2c3d4e5f60011'], securityGroups: ['sg-0a1b2c3d4e5f60011'] };

const config = {
  defaults: { launchType: 'FARGATE', network },
  watchedTasks: {
    'queue-worker': {
      cluster: 'workers-once',
      taskDefinition: 'queue-worker',
      restart: 'on-failure',
      crashLoopBudget: { restarts: 2, window: '15m' },
    },
  },
  services: { web: { cluster: 'web-once', crashLoop: { stops: 2, window: '10m' } } },
};

const START = new Date('2026-11-22T10:00:00Z');
/** When Lambda delivers a failed invocation's event again (its first retry comes after about a minute). */
const REDELIVERY_SECONDS = 120;

function accessDenied(): Error {
  return Object.assign(
    new Error('User: arn:aws:sts::123456789012:assumed-role/ecs-autopilot-prod-on-task-stopped is not authorized to perform: ecs:RunTask'),
    { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
  );
}

function refusedSchedule(): Error {
  return Object.assign(new Error('The execution role you provide must allow AWS EventBridge Scheduler to assume the role.'), {
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

function unknownFamily(): Error {
  return Object.assign(new Error('Unable to describe task definition.'), {
    name: 'ClientException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

describe('on-task-stopped: every effect exactly once', () => {
  const t = useEmulatorWorld(config, START);
  const faults = installFaults();
  afterAll(() => faults.uninstall());
  let version = 10;

  const rt = () => t.stopRuntime;
  const typesOf = (events: Awaited<ReturnType<typeof t.events>>) => events.map((e) => e['detail-type']);
  const running = async () => (await t.tasks('workers-once')).filter((task) => task.lastStatus === 'RUNNING');
  const pendingTimers = async () => (await t.timers.pending()).map((timer) => (timer.input as { timer?: string }).timer);

  async function startWorkerByHand(): Promise<string> {
    const { tasks = [] } = await t.ecs.send(
      new RunTaskCommand({
        cluster: 'workers-once',
        taskDefinition: 'queue-worker',
        launchType: 'FARGATE',
        group: 'family:queue-worker',
        networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups } },
      }),
    );
    return tasks[0]?.taskArn ?? '';
  }

  async function stop(taskArn: string, ending: TaskEnding = { exitCode: 1 }) {
    await stopTaskAs(t.emulator, taskArn, ending);
    version += 1;
    return taskStateChangeEvent(t.ecs, 'workers-once', taskArn, { at: t.clock.now(), version });
  }

  /** Moves the clock to the earliest timer, takes it and returns its input (Scheduler would invoke the function with it). */
  async function nextTimerInput(): Promise<unknown> {
    const [next] = await t.timers.pending();
    if (!next) throw new Error('no timer is pending');
    t.clock.advanceTo(next.at);
    return (await t.timers.takeDue(t.clock.now()))?.input;
  }

  /** A stop of the web service's task `n`, as ECS reports it. */
  function serviceStop(n: number) {
    return stoppedTaskEvent({
      cluster: 'web-once',
      taskId: n.toString(16).padStart(32, '0'),
      taskDefinition: 'web:1',
      group: 'service:web',
      startedBy: 'ecs-svc/4711',
      containers: [{ name: 'app', exitCode: 1 }],
      stoppedAt: t.clock.now().toISOString(),
    });
  }

  describe('service tasks', () => {
    it('counts a stop once when its publish failed and the event is delivered again', async () => {
      const event = serviceStop(1);

      const failed = await invoke(() => onTaskStopped(event, rt()), [{ kind: 'fail', at: { command: 'PutEvents' } }]);
      t.clock.advance(REDELIVERY_SECONDS);
      const redelivered = await invoke(() => onTaskStopped(structuredClone(event), rt()));

      expect(failed.error).toMatchObject({ name: 'ThrottlingException' });
      expect(redelivered.error).toBeUndefined();
      const events = await t.events();
      // One stop of a crashLoop of 2: no crash loop.
      expect(typesOf(events)).toEqual(['Service Task Stopped']);
      expect(events[0]?.detail).toMatchObject({ counted: true, stopsInWindow: 1 });

      await onTaskStopped(serviceStop(2), rt());

      const second = await t.events();
      expect(typesOf(second)).toEqual(['Service Task Stopped', 'Crash Loop Detected']);
      expect(second[1]?.detail).toMatchObject({ stops: 2, subject: { kind: 'service', name: 'web' } });
    });
  });

  describe('watched tasks', () => {
    it('counts a restart once when the publish after it failed and the event is delivered again', async () => {
      const event = await stop(await startWorkerByHand());

      const failed = await invoke(() => onTaskStopped(event, rt()), [{ kind: 'fail', at: { command: 'PutEvents' } }]);
      t.clock.advance(REDELIVERY_SECONDS);
      const redelivered = await invoke(() => onTaskStopped(structuredClone(event), rt()));

      expect(failed.error).toMatchObject({ name: 'ThrottlingException' });
      expect(redelivered.error).toBeUndefined();
      const stopped = (await t.events()).filter((e) => e['detail-type'] === 'Watched Task Stopped');
      expect(stopped.map((e) => e.detail.decision)).toEqual([
        { kind: 'restart', delaySeconds: 10, restartAt: new Date(START.getTime() + 10_000).toISOString() },
      ]);

      // The restart starts, crashes at once: its restart waits the second step of the back-off (20s), not the third.
      await onTaskStopped(await nextTimerInput(), rt());
      const [restarted] = await running();
      const crashedAgain = await onTaskStopped(await stop(restarted?.taskArn ?? ''), rt());
      expect(crashedAgain.action).toMatch(/^restart in 20s: app-error: restart 2 of at most 2/);
    });

    it('tells of the crash loop that paused restarts even when the first publish failed', async () => {
      let worker = await startWorkerByHand();
      for (let crash = 1; crash <= 2; crash++) {
        await onTaskStopped(await stop(worker), rt());
        await onTaskStopped(await nextTimerInput(), rt());
        worker = (await running())[0]?.taskArn ?? '';
      }
      await t.events();
      const third = await stop(worker);

      const failed = await invoke(() => onTaskStopped(third, rt()), [{ kind: 'fail', at: { command: 'PutEvents' } }]);
      t.clock.advance(REDELIVERY_SECONDS);
      const redelivered = await invoke(() => onTaskStopped(structuredClone(third), rt()));

      expect(failed.error).toMatchObject({ name: 'ThrottlingException' });
      expect(redelivered.error).toBeUndefined();
      const events = await t.events();
      expect(typesOf(events)).toEqual(['Watched Task Stopped', 'Crash Loop Detected']);
      expect(events[1]?.detail).toMatchObject({ action: 'restarts-paused', alert: { category: 'crash-loop', severity: 'critical' } });
      expect(await running()).toHaveLength(0);
    });

    it('records, publishes and alerts a restart that can never launch (AccessDenied), and does not retry it', async () => {
      await onTaskStopped(await stop(await startWorkerByHand()), rt());
      await t.events();
      const timer = await nextTimerInput();

      const fired = await invoke(() => onTaskStopped(timer, rt()), [{ kind: 'fail', at: { command: 'RunTask' }, error: accessDenied }]);

      expect(fired.error).toBeUndefined();
      const events = await t.events();
      expect(typesOf(events)).toEqual(['Watched Task Restart Failed']);
      expect(events[0]?.detail).toMatchObject({
        watchedTask: 'queue-worker',
        cluster: 'workers-once',
        reason: expect.stringMatching(/^AccessDeniedException: User: .* is not authorized to perform: ecs:RunTask/),
        nextStep: expect.stringMatching(/npx ecs-autopilot resume queue-worker/),
        alert: {
          cluster: 'workers-once',
          subject: { kind: 'watched-task', name: 'queue-worker' },
          category: 'launch-failed',
          severity: 'critical',
          resolvedBy: 'resolving-event',
        },
      });
      expect(await running()).toHaveLength(0);
      // Not retried: only the check for a new task definition revision is pending.
      expect(await pendingTimers()).toEqual(['check-paused-watched-task']);
    });

    it('records, publishes and alerts a restart whose timer Scheduler refuses, and does not retry it', async () => {
      const event = await stop(await startWorkerByHand());

      const handled = await invoke(
        () => onTaskStopped(event, rt()),
        [{ kind: 'fail', at: { command: 'CreateSchedule', occurrence: 1 }, error: refusedSchedule }],
      );

      expect(handled.error).toBeUndefined();
      const events = await t.events();
      expect(typesOf(events)).toEqual(['Watched Task Stopped', 'Watched Task Restart Failed']);
      expect(events[1]?.detail).toMatchObject({
        reason: expect.stringMatching(/^its timer could not be set: ValidationException: The execution role/),
        nextStep: expect.stringMatching(/Scheduler .*then `npx ecs-autopilot resume queue-worker`$/),
        alert: { category: 'launch-failed', severity: 'critical' },
      });
      expect(await pendingTimers()).toEqual(['check-paused-watched-task']);
      expect((await rt().watches.get('queue-worker'))?.outbox).toEqual([]);
    });

    it('checks a paused task again later when its task definition cannot be read for good', async () => {
      await rt().watches.save({
        name: 'queue-worker',
        restarts: [],
        consecutiveFailures: 3,
        paused: {
          at: START.toISOString(),
          reason: 'crash loop',
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/queue-worker:1',
        },
        version: 0,
      });

      const checked = await invoke(
        () => onTaskStopped({ timer: 'check-paused-watched-task', watchedTask: 'queue-worker' }, rt()),
        [{ kind: 'fail', at: { command: 'DescribeTaskDefinition' }, error: unknownFamily }],
      );

      expect(checked.error).toBeUndefined();
      expect(checked.result).toMatchObject({ action: 'stay' });
      expect(await pendingTimers()).toEqual(['check-paused-watched-task']);
    });
  });
});
