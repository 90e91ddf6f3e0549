/**
 * Watched tasks and services, broken at every step (see sweep.ts): each scenario (a crash whose restart
 * waits, the restart's timer, a lost host restarted at once, the stop that spends the crash-loop budget, a
 * resume, a service stop that makes a crash loop) against the fault-free run's end: the same tasks, each
 * event published under one id (taken once by its id), the same timers, the same watch state and service
 * window. A failed invocation's input comes again as Lambda's retries would.
 */
import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { describe, expect } from 'vitest';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { type Emulator, resetEmulator, setTaskState, stopTaskAs } from '../../sandbox/emulator.ts';
import { drainPublishedEvents, emulatorStopRuntime, type PublishedEvent, type SandboxWorld, seedSandbox } from '../../sandbox/seed.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { StopRuntime } from '../../shared/stopped-tasks/runtime.ts';
import { resumeWatchedTask } from '../../shared/stopped-tasks/watched-task-stop.ts';
import { stoppedTaskEvent } from '../fixtures/task-events.ts';
import { quietLog, TestClock } from '../integration/world.ts';
import { useFaultEmulator } from './emulator-snapshots.ts';
import type { EndState } from './end-state.ts';
import { sweepFaults } from './sweep.ts';

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

/** A seeded world's runtime, clock and readers. */
interface Past {
  emulator: Emulator;
  seeded: SandboxWorld;
  clock: TestClock;
  rt: StopRuntime;
  timers: EmulatorTimers;
  events: () => Promise<PublishedEvent[]>;
}

/** The scenario's input, delivered once in a world. */
type Delivery = (w: Past) => Promise<unknown>;

type World = Past & { delivery: Delivery };

interface Scenario {
  name: string;
  /** What happened before, without faults; returns the invocation the scenario is about. */
  before: (w: Past) => Promise<Delivery>;
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
      return (world) => onTaskStopped(event, world.rt);
    },
  },
  {
    name: "the restart's timer: RunTask, then Watched Task Restarted",
    before: async (w) => {
      await onTaskStopped(await crash(w, await startWorker(w)), w.rt);
      const [timer] = await w.timers.pending();
      w.clock.advanceTo(timer?.at ?? START);
      await w.timers.takeDue(w.clock.now());
      return (world) => onTaskStopped(timer?.input, world.rt);
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
      return (world) => onTaskStopped(event, world.rt);
    },
  },
  {
    name: 'the stop that spends the crash-loop budget: paused, with one alert',
    before: async (w) => {
      const restarted = await spendBudget(w);
      w.clock.advance(30);
      const event = await crash(w, restarted);
      return (world) => onTaskStopped(event, world.rt);
    },
  },
  {
    name: '`ecs-autopilot resume`: restarts resume and one task starts',
    before: async (w) => {
      await onTaskStopped(await crash(w, await spendBudget(w)), w.rt);
      return (world) => resumeWatchedTask('worker', world.rt);
    },
  },
  {
    name: "a service's stop that makes a crash loop",
    before: async (w) => {
      await onTaskStopped(serviceStop(w, 1), w.rt);
      w.clock.advance(30);
      const event = serviceStop(w, 2);
      return (world) => onTaskStopped(event, world.rt);
    },
  },
];

const automation = validateAutomation(config);

describe('on-task-stopped under faults: watched tasks and services', () => {
  const emulator = useFaultEmulator();

  /** A fresh emulator, seeded, with the scenario's past played and its events drained. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator());
    const past = attach(await seedSandbox(emulator(), automation, { stage: 'faults' }), START);
    const delivery = await scenario.before(past);
    await past.events();
    return { ...past, delivery };
  }

  /** The runtime, clock and readers of a world seeded in the emulator, the clock at `now`. */
  function attach(seeded: SandboxWorld, now: Date): Past {
    const clock = new TestClock(now);
    const timers = new EmulatorTimers(seeded);
    return {
      emulator: emulator(),
      seeded,
      clock,
      rt: emulatorStopRuntime(seeded, automation, clock, timers, quietLog),
      timers,
      events: () => drainPublishedEvents(seeded),
    };
  }

  /**
   * What the scenario left behind, without what a redelivery moves (times) or what differs from one
   * emulator to the next (task ARNs).
   */
  async function endState(w: World): Promise<EndState> {
    // An event's id names its task's ARN and the version of ECS's event, both made anew in each world: the
    // events are matched with the fault-free run's by detail-type, one per id.
    const events = (await w.events()).map((event) => ({
      id: String(event.detail.eventId),
      key: event['detail-type'],
      content: event['detail-type'],
    }));
    const state = await w.rt.watches.get('worker');
    const window = await w.rt.serviceStops.window('web-faults', 'web', new Date(START.getTime() - 3_600_000));
    return {
      events,
      items: {
        running: (await running(w)).map((task) => `${task.startedBy} in ${task.group}`),
        timers: (await w.timers.pending()).map(({ input }) => JSON.stringify({ ...(input as object), replacing: undefined })),
      },
      facts: {
        watch: state && {
          restarts: state.restarts.length,
          consecutiveFailures: state.consecutiveFailures,
          paused: state.paused?.cause,
          decidedStops: state.decidedStops?.length,
          outbox: state.outbox,
        },
        serviceWindow: window,
      },
    };
  }

  sweepFaults({
    file: import.meta.filename,
    emulator,
    scenarios: SCENARIOS.map((scenario) => ({ ...scenario, world: () => worldFor(scenario), deliver: (w: World) => w.delivery(w) })),
    fork: (w) => ({ ...attach(w.seeded, w.clock.now()), delivery: w.delivery }),
    redelivery: { wait: (w) => w.clock.advance(REDELIVERY_DELAY_SECONDS), atMost: 6 },
    endState,
    reference: {
      promise: 'publishes what it decides under ids, and leaves no outbox behind',
      check: (reference) => {
        expect(reference.events.length).toBeGreaterThan(0);
        expect((reference.facts.watch as { outbox?: unknown[] } | undefined)?.outbox ?? []).toEqual([]);
      },
    },
  });
});
