/**
 * Job runs, broken at every step (see sweep.ts): each scenario (a firing with capacity fallback, a firing
 * of two tasks, a concurrency replace, a failed run whose retry is scheduled, that retry's firing, a run
 * waiting for capacity resumed by its timer, a maxRuntime timeout) against the fault-free run's end: the
 * same tasks, the same run records, each event published under the same id (taken once by its id), the
 * same retry timers. A failed invocation's input
 * comes again as Lambda's retries would, after the dead invocation's lease.
 */
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { describe, expect } from 'vitest';
import { enforceMaxRuntimeTick } from '../../functions/enforce-max-runtime.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { type Emulator, injectCapacityOutage, resetEmulator, setCapacityRoom, stopTaskAs } from '../../sandbox/emulator.ts';
import {
  drainPublishedEvents,
  emulatorJobRuntime,
  emulatorStopRuntime,
  type PublishedEvent,
  type SandboxWorld,
  seedSandbox,
} from '../../sandbox/seed.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { JobRuntime } from '../../shared/jobs/runtime.ts';
import type { StopRuntime } from '../../shared/stopped-tasks/runtime.ts';
import { quietLog, TestClock } from '../integration/world.ts';
import { useFaultEmulator } from './emulator-snapshots.ts';
import type { EndState } from './end-state.ts';
import { sweepFaults } from './sweep.ts';

const CLUSTER = 'jobs-faults';
const network = { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] };

const config = {
  defaults: { cluster: CLUSTER, network, capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
  jobs: {
    report: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report', maxRuntime: '1h', retry: { attempts: 2, backoff: '1m' } },
    shards: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'shards', count: 2 },
    sync: { schedule: 'rate(1 hour)', taskDefinition: 'sync', concurrency: 'replace' },
    waiter: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report', launchRetry: { attempts: 1 }, waitForCapacity: '10m' },
  },
};

const START = new Date('2026-11-22T02:00:05Z');
const firing = (job: string, scheduledTime = '2026-11-22T02:00:00Z') => ({ job, scheduledTime });
/** Longer than a launch lease (120 s) and a stop's claim: a redelivery after it finds a dead invocation's work released. */
const REDELIVERY_DELAY_SECONDS = 121;

/** A seeded world's runtimes, clock and readers. */
interface Past {
  emulator: Emulator;
  seeded: SandboxWorld;
  clock: TestClock;
  runtime: JobRuntime;
  stopRuntime: StopRuntime;
  timers: EmulatorTimers;
  events: () => Promise<PublishedEvent[]>;
}

/** The scenario's input, delivered once in a world. */
type Delivery = (w: Past) => Promise<unknown>;

type World = Past & { delivery: Delivery };

interface Scenario {
  name: string;
  job: string;
  /** What happened before, without faults; returns the invocation the scenario is about. */
  before: (w: Past) => Promise<Delivery>;
}

async function taskArnsOf(w: Past, job: string): Promise<string[]> {
  const [run] = await w.runtime.runs.list(job, 1);
  return run?.taskArns ?? [];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'a firing that falls back from FARGATE_SPOT (no room) to FARGATE',
    job: 'report',
    before: async (w) => {
      await setCapacityRoom(w.emulator, 'FARGATE_SPOT', 0);
      return (world) => runBatchJob(firing('report'), world.runtime);
    },
  },
  {
    name: 'a firing of two tasks, the second falling back',
    job: 'shards',
    before: async (w) => {
      await setCapacityRoom(w.emulator, 'FARGATE_SPOT', 1);
      return (world) => runBatchJob(firing('shards'), world.runtime);
    },
  },
  {
    name: 'a firing that replaces the run still going (concurrency replace)',
    job: 'sync',
    before: async (w) => {
      await runBatchJob(firing('sync', '2026-11-22T01:00:00Z'), w.runtime);
      return (world) => runBatchJob(firing('sync'), world.runtime);
    },
  },
  {
    name: 'a failed run whose retry is scheduled (on-task-stopped)',
    job: 'report',
    before: async (w) => {
      await runBatchJob(firing('report'), w.runtime);
      const [taskArn = ''] = await taskArnsOf(w, 'report');
      w.clock.advance(600);
      await stopTaskAs(w.emulator, taskArn, { exitCode: 1 });
      const event = await taskStateChangeEvent(w.runtime.ecs, CLUSTER, taskArn, { at: w.clock.now(), version: 7 });
      return (world) => onTaskStopped(event, world.stopRuntime);
    },
  },
  {
    name: 'the retry’s firing (attempt 2)',
    job: 'report',
    before: async (w) => {
      await runBatchJob(firing('report'), w.runtime);
      const [taskArn = ''] = await taskArnsOf(w, 'report');
      await stopTaskAs(w.emulator, taskArn, { exitCode: 1 });
      const event = await taskStateChangeEvent(w.runtime.ecs, CLUSTER, taskArn, { at: w.clock.now(), version: 7 });
      await onTaskStopped(event, w.stopRuntime);
      const [timer] = await w.timers.pending();
      w.clock.advanceTo(timer?.at ?? START);
      return (world) => runBatchJob(timer?.input, world.runtime);
    },
  },
  {
    name: 'a run waiting for capacity, resumed by its timer once capacity is back (waitForCapacity)',
    job: 'waiter',
    before: async (w) => {
      await injectCapacityOutage(w.emulator, 'FARGATE_SPOT', 1);
      await injectCapacityOutage(w.emulator, 'FARGATE', 1);
      await runBatchJob(firing('waiter'), w.runtime);
      const [timer] = await w.timers.pending();
      w.clock.advanceTo(timer?.at ?? START);
      await w.timers.takeDue(w.clock.now());
      return (world) => runBatchJob(timer?.input, world.runtime);
    },
  },
  {
    name: 'a run stopped at its maxRuntime (enforce-max-runtime)',
    job: 'report',
    before: async (w) => {
      await runBatchJob(firing('report'), w.runtime);
      w.clock.advance(3_601);
      return (world) => enforceMaxRuntimeTick(world.runtime);
    },
  },
];

const automation = validateAutomation(config);

describe('job runs under faults', () => {
  const emulator = useFaultEmulator();

  /** A fresh emulator, seeded, with the scenario's past played and its events drained. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator());
    const past = attach(await seedSandbox(emulator(), automation, { stage: 'faults' }), START);
    const delivery = await scenario.before(past);
    await past.events();
    return { ...past, delivery };
  }

  /** The runtimes, clock and readers of a world seeded in the emulator, the clock at `now`. */
  function attach(seeded: SandboxWorld, now: Date): Past {
    const clock = new TestClock(now);
    const timers = new EmulatorTimers(seeded);
    return {
      emulator: emulator(),
      seeded,
      clock,
      runtime: emulatorJobRuntime(seeded, automation, clock, quietLog),
      stopRuntime: emulatorStopRuntime(seeded, automation, clock, timers, quietLog),
      timers,
      events: () => drainPublishedEvents(seeded),
    };
  }

  /** What the scenario left behind, without the times a redelivery moves. */
  async function endState(w: World, scenario: Scenario): Promise<EndState> {
    const events = (await w.events()).map((event) => ({ id: String(event.detail.eventId), content: event['detail-type'] }));
    const runs = await w.runtime.runs.list(scenario.job, 10);
    const { taskArns = [] } = await w.runtime.ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'RUNNING' }));
    const { tasks = [] } =
      taskArns.length > 0 ? await w.runtime.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns })) : {};
    return {
      events,
      items: {
        running: tasks.map((task) => `${task.startedBy} on ${task.capacityProviderName}`),
        runs: runs.map((run) =>
          JSON.stringify({
            attempt: run.attempt,
            scheduledTime: run.scheduledTime,
            status: run.status,
            tasks: run.taskArns.length,
            capacityProvider: run.capacityProvider,
            category: run.category,
            willRetry: run.retry?.willRetry,
            missingTasks: run.missingTasks,
            outbox: run.outbox,
          }),
        ),
        timers: (await w.timers.pending()).map(({ name, input }) => JSON.stringify({ name, input })),
      },
      facts: {},
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
      promise: 'publishes every event it decides with an id, and leaves nothing undone',
      check: (reference) => {
        expect(reference.events.length).toBeGreaterThan(0);
        for (const { id } of reference.events) expect(id).toMatch(/^[a-z]+:2026-11-22T0[12]:00:00\.000Z:\d:[a-z-]+$/);
        for (const run of reference.items.runs ?? []) expect(JSON.parse(run).outbox).toEqual([]);
      },
    },
  });
});
