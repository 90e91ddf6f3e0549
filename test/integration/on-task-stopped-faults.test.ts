/**
 * Watched tasks and services, broken at every step: each scenario (a crash whose restart waits, the
 * restart's timer, a lost host restarted at once, the stop that spends the crash-loop budget, a resume,
 * a service stop that makes a crash loop) runs once without faults to record its AWS calls; then, for
 * every call k, it runs again from the same start with (a) call k failing (a throttle), (b) call k
 * succeeding and the invocation killed right after it, (c) the same kill followed by two deliveries at
 * once; then the same input is delivered again, as Lambda's retries would, until one ends normally. The
 * end state in the emulator must equal the fault-free run's: the same tasks, each event published under
 * one id (taken once by its id), the same timers, the same watch state and service window.
 */
import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { type Emulator, resetEmulator, setTaskState, startEmulator, stopTaskAs } from '../../sandbox/emulator.ts';
import { drainPublishedEvents, emulatorStopRuntime, type PublishedEvent, seedSandbox } from '../../sandbox/seed.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { StopRuntime } from '../../shared/stopped-tasks/runtime.ts';
import { resumeWatchedTask } from '../../shared/stopped-tasks/watched-task-stop.ts';
import { stoppedTaskEvent } from '../fixtures/task-events.ts';
import { type AwsCall, type Fault, installFaults, invoke } from '../helpers/faults.ts';
import { quietLog, TestClock } from './world.ts';

const CLUSTER = 'watch-faults';
const network = { subnets: ['subnet-0a1b2c3d4e5f60021'], securityGroups: ['sg-0a1b2c3d4e5f60021'] };

const config = {
  defaults: { launchType: 'FARGATE', network },
  watchedTasks: { worker: { cluster: CLUSTER, taskDefinition: 'worker', crashLoopBudget: { restarts: 1, window: '15m' } } },
  services: { web: { cluster: 'web-faults', crashLoop: { stops: 2, window: '10m' } } },
};

const START = new Date('2026-11-22T10:00:00Z');
/** When Lambda delivers a failed invocation's event again. */
const REDELIVERY_DELAY_SECONDS = 120;

interface Past {
  emulator: Emulator;
  clock: TestClock;
  rt: StopRuntime;
  timers: EmulatorTimers;
  events: () => Promise<PublishedEvent[]>;
}

type World = Past & { deliver: () => Promise<unknown> };

interface Scenario {
  name: string;
  /** What happened before, without faults; returns the invocation the scenario is about. */
  before: (w: Past) => Promise<() => Promise<unknown>>;
}

let eventVersion = 10;

async function startWorker(w: Past): Promise<string> {
  const { tasks = [] } = await w.rt.ecs.send(
    new RunTaskCommand({
      cluster: CLUSTER,
      taskDefinition: 'worker',
      launchType: 'FARGATE',
      group: 'family:worker',
      networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups } },
    }),
  );
  return tasks[0]?.taskArn ?? '';
}

/** The worker's task exits 1; the event ECS sends for it. */
async function crash(w: Past, taskArn: string) {
  await stopTaskAs(w.emulator, taskArn, { exitCode: 1 });
  eventVersion += 1;
  return taskStateChangeEvent(w.rt.ecs, CLUSTER, taskArn, { at: w.clock.now(), version: eventVersion });
}

async function running(w: Past) {
  const { taskArns = [] } = await w.rt.ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'RUNNING' }));
  if (taskArns.length === 0) return [];
  const { tasks = [] } = await w.rt.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }));
  return tasks.filter((task) => task.lastStatus === 'RUNNING');
}

/** The worker crashes once and its restart starts: the budget of 1 is spent. */
async function spendBudget(w: Past): Promise<string> {
  await onTaskStopped(await crash(w, await startWorker(w)), w.rt);
  const [timer] = await w.timers.pending();
  w.clock.advanceTo(timer?.at ?? START);
  await w.timers.takeDue(w.clock.now());
  await onTaskStopped(timer?.input, w.rt);
  return (await running(w))[0]?.taskArn ?? '';
}

const serviceStop = (w: Past, n: number) =>
  stoppedTaskEvent({
    cluster: 'web-faults',
    taskId: n.toString(16).padStart(32, '0'),
    taskDefinition: 'web:1',
    group: 'service:web',
    startedBy: 'ecs-svc/4711',
    containers: [{ name: 'app', exitCode: 1 }],
    stoppedAt: w.clock.now().toISOString(),
  });

const SCENARIOS: Scenario[] = [
  {
    name: 'a crashed watched task, restarted after its back-off',
    before: async (w) => {
      const event = await crash(w, await startWorker(w));
      return () => onTaskStopped(event, w.rt);
    },
  },
  {
    name: "the restart's timer: RunTask, then Watched Task Restarted",
    before: async (w) => {
      await onTaskStopped(await crash(w, await startWorker(w)), w.rt);
      const [timer] = await w.timers.pending();
      w.clock.advanceTo(timer?.at ?? START);
      await w.timers.takeDue(w.clock.now());
      return () => onTaskStopped(timer?.input, w.rt);
    },
  },
  {
    name: 'a task lost with its host after a healthy run, restarted at once',
    before: async (w) => {
      const taskArn = await startWorker(w);
      const startedAt = w.clock.now();
      w.clock.advance(3_600);
      await setTaskState(w.emulator, taskArn, {
        lastStatus: 'STOPPED',
        stoppedReason: 'Host EC2 (instance i-0f1e2d3c4b5a69788) stopped.',
        exitCode: 143,
      });
      const event = await taskStateChangeEvent(w.rt.ecs, CLUSTER, taskArn, { at: w.clock.now(), version: 5, startedAt });
      return () => onTaskStopped(event, w.rt);
    },
  },
  {
    name: 'the stop that spends the crash-loop budget: paused, with one alert',
    before: async (w) => {
      const restarted = await spendBudget(w);
      w.clock.advance(30);
      const event = await crash(w, restarted);
      return () => onTaskStopped(event, w.rt);
    },
  },
  {
    name: '`ecs-autopilot resume`: restarts resume and one task starts',
    before: async (w) => {
      await onTaskStopped(await crash(w, await spendBudget(w)), w.rt);
      return () => resumeWatchedTask('worker', w.rt);
    },
  },
  {
    name: "a service's stop that makes a crash loop",
    before: async (w) => {
      await onTaskStopped(serviceStop(w, 1), w.rt);
      w.clock.advance(30);
      const event = serviceStop(w, 2);
      return () => onTaskStopped(event, w.rt);
    },
  },
];

const automation = validateAutomation(config);

describe('on-task-stopped under faults: watched tasks and services', () => {
  const faults = installFaults();
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    faults.uninstall();
    await emulator?.stop();
  });

  /** A fresh emulator, seeded, with the scenario's past played and its events drained. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator);
    const seeded = await seedSandbox(emulator, automation, { stage: 'faults' });
    const clock = new TestClock(START);
    const timers = new EmulatorTimers(seeded);
    const past: Past = {
      emulator,
      clock,
      rt: emulatorStopRuntime(seeded, automation, clock, timers, quietLog),
      timers,
      events: () => drainPublishedEvents(seeded),
    };
    const deliver = await scenario.before(past);
    await past.events();
    return { ...past, deliver };
  }

  /** Delivers the input again until an invocation ends normally, as Lambda's retries would. */
  async function untilQuiet(w: World): Promise<void> {
    for (let delivery = 1; delivery <= 6; delivery++) {
      w.clock.advance(REDELIVERY_DELAY_SECONDS);
      const { error } = await invoke(w.deliver);
      if (!error) return;
    }
    throw new Error('six redeliveries did not end normally');
  }

  /**
   * What the scenario left behind, without what a redelivery moves (times) or what differs from one
   * emulator to the next (task ARNs): events by their id, each id with one detail-type.
   */
  async function endState(w: World) {
    const byId = new Map<string, Set<string>>();
    for (const event of await w.events()) {
      const id = String(event.detail.eventId);
      byId.set(id, (byId.get(id) ?? new Set()).add(event['detail-type']));
    }
    const state = await w.rt.watches.get('worker');
    const window = await w.rt.serviceStops.window('web-faults', 'web', new Date(START.getTime() - 3_600_000));
    return {
      running: (await running(w)).map((task) => `${task.startedBy} in ${task.group}`).sort(),
      events: [...byId.values()].map((types) => [...types].join(' + ')).sort(),
      timers: (await w.timers.pending()).map(({ input }) => JSON.stringify({ ...(input as object), replacing: undefined })).sort(),
      watch: state && {
        restarts: state.restarts.length,
        consecutiveFailures: state.consecutiveFailures,
        paused: state.paused?.cause,
        decidedStops: state.decidedStops?.length,
        outbox: state.outbox,
      },
      serviceWindow: window,
    };
  }

  /** The call of the fault-free run as a fault aims at it: its command and which of them it was. */
  const aimAt = (calls: AwsCall[], k: number) => {
    const call = calls[k] as AwsCall;
    return { command: call.command, occurrence: calls.slice(0, k + 1).filter((c) => c.command === call.command).length };
  };

  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      let reference: Awaited<ReturnType<typeof endState>>;
      let calls: AwsCall[];

      beforeAll(async () => {
        const w = await worldFor(scenario);
        const clean = await invoke(w.deliver);
        expect(clean.error).toBeUndefined();
        calls = clean.calls;
        reference = await endState(w);
      }, 60_000);

      it('publishes what it decides under ids, and leaves no outbox behind', () => {
        expect(reference.events.length).toBeGreaterThan(0);
        expect(reference.watch?.outbox ?? []).toEqual([]);
      });

      for (const mode of ['fail', 'crash-after', 'crash-after, then two deliveries at once'] as const) {
        it(`ends as without faults when ${mode === 'fail' ? 'any call fails' : `the invocation dies after any call${mode === 'crash-after' ? '' : ', then comes twice at once'}`}`, async () => {
          const diverged: string[] = [];
          for (let k = 0; k < calls.length; k++) {
            const w = await worldFor(scenario);
            const fault: Fault = { kind: mode === 'fail' ? 'fail' : 'crash-after', at: aimAt(calls, k) };
            await invoke(w.deliver, [fault]);
            if (mode === 'crash-after, then two deliveries at once') {
              w.clock.advance(REDELIVERY_DELAY_SECONDS);
              await Promise.all([invoke(w.deliver), invoke(w.deliver)]);
            }
            await untilQuiet(w);
            const end = await endState(w);
            if (JSON.stringify(end) !== JSON.stringify(reference)) {
              diverged.push(`${mode} at call ${k} (${calls[k]?.service} ${calls[k]?.command}): ${JSON.stringify(end)}`);
            }
          }
          expect(diverged, `fault-free: ${JSON.stringify(reference)}`).toEqual([]);
        }, 300_000);
      }
    });
  }
});
