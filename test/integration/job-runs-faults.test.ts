/**
 * Job runs, broken at every step: each scenario (a firing with capacity fallback, a firing of two tasks,
 * a concurrency replace, a failed run whose retry is scheduled, that retry's firing, a maxRuntime
 * timeout) runs once without faults to record its AWS calls; then, for every call k, it runs again from
 * the same start with (a) call k failing (a throttle), (b) call k succeeding and the invocation killed
 * right after it, (c) the same kill followed by two deliveries at once; then the same input is delivered
 * again, as Lambda's retries would (after the dead invocation's lease), until one ends normally. The end
 * state in the emulator must equal the fault-free run's: the same tasks, the same run records, each
 * event published under the same id (taken once by its id), the same retry timers.
 */
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enforceMaxRuntimeTick } from '../../functions/enforce-max-runtime.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { type Emulator, resetEmulator, setCapacityRoom, startEmulator, stopTaskAs } from '../../sandbox/emulator.ts';
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
import { type AwsCall, type Fault, installFaults, invoke } from '../helpers/faults.ts';
import { quietLog, TestClock } from './world.ts';

const CLUSTER = 'jobs-faults';
const network = { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] };

const config = {
  defaults: { cluster: CLUSTER, network, capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
  jobs: {
    report: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report', maxRuntime: '1h', retry: { attempts: 2, backoff: '1m' } },
    shards: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'shards', count: 2 },
    sync: { schedule: 'rate(1 hour)', taskDefinition: 'sync', concurrency: 'replace' },
  },
};

const START = new Date('2026-11-22T02:00:05Z');
const firing = (job: string, scheduledTime = '2026-11-22T02:00:00Z') => ({ job, scheduledTime });
/** Longer than a launch lease (120 s) and a stop's claim: a redelivery after it finds a dead invocation's work released. */
const REDELIVERY_DELAY_SECONDS = 121;

interface World {
  emulator: Emulator;
  clock: TestClock;
  runtime: JobRuntime;
  stopRuntime: StopRuntime;
  timers: EmulatorTimers;
  /** The scenario's input, delivered once. */
  deliver: () => Promise<unknown>;
  events: () => Promise<PublishedEvent[]>;
}

interface Scenario {
  name: string;
  job: string;
  /** What happened before, without faults; returns the invocation the scenario is about. */
  before: (w: Omit<World, 'deliver'>) => Promise<() => Promise<unknown>>;
}

async function taskArnsOf(w: Omit<World, 'deliver'>, job: string): Promise<string[]> {
  const [run] = await w.runtime.runs.list(job, 1);
  return run?.taskArns ?? [];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'a firing that falls back from FARGATE_SPOT (no room) to FARGATE',
    job: 'report',
    before: async (w) => {
      await setCapacityRoom(w.emulator, 'FARGATE_SPOT', 0);
      return () => runBatchJob(firing('report'), w.runtime);
    },
  },
  {
    name: 'a firing of two tasks, the second falling back',
    job: 'shards',
    before: async (w) => {
      await setCapacityRoom(w.emulator, 'FARGATE_SPOT', 1);
      return () => runBatchJob(firing('shards'), w.runtime);
    },
  },
  {
    name: 'a firing that replaces the run still going (concurrency replace)',
    job: 'sync',
    before: async (w) => {
      await runBatchJob(firing('sync', '2026-11-22T01:00:00Z'), w.runtime);
      return () => runBatchJob(firing('sync'), w.runtime);
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
      return () => onTaskStopped(event, w.stopRuntime);
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
      return () => runBatchJob(timer?.input, w.runtime);
    },
  },
  {
    name: 'a run stopped at its maxRuntime (enforce-max-runtime)',
    job: 'report',
    before: async (w) => {
      await runBatchJob(firing('report'), w.runtime);
      w.clock.advance(3_601);
      return () => enforceMaxRuntimeTick(w.runtime);
    },
  },
];

const automation = validateAutomation(config);

describe('job runs under faults', () => {
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
    const seeded: SandboxWorld = await seedSandbox(emulator, automation, { stage: 'faults' });
    const clock = new TestClock(START);
    const timers = new EmulatorTimers(seeded);
    const partial = {
      emulator,
      clock,
      runtime: emulatorJobRuntime(seeded, automation, clock, quietLog),
      stopRuntime: emulatorStopRuntime(seeded, automation, clock, timers, quietLog),
      timers,
      events: () => drainPublishedEvents(seeded),
    };
    const deliver = await scenario.before(partial);
    await partial.events();
    return { ...partial, deliver };
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

  /** What the scenario left behind, without the times a redelivery moves; events keyed by their id. */
  async function endState(w: World, scenario: Scenario) {
    const published = await w.events();
    const events = new Map<string, string>();
    for (const event of published) events.set(String(event.detail.eventId), event['detail-type']);
    const runs = await w.runtime.runs.list(scenario.job, 10);
    const { taskArns = [] } = await w.runtime.ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'RUNNING' }));
    const { tasks = [] } =
      taskArns.length > 0 ? await w.runtime.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns })) : {};
    return {
      running: tasks.map((task) => `${task.startedBy} on ${task.capacityProviderName}`).sort(),
      runs: runs.map((run) => ({
        attempt: run.attempt,
        scheduledTime: run.scheduledTime,
        status: run.status,
        tasks: run.taskArns.length,
        capacityProvider: run.capacityProvider,
        category: run.category,
        willRetry: run.retry?.willRetry,
        missingTasks: run.missingTasks,
        outbox: run.outbox,
      })),
      events: [...events.entries()].sort(([a], [b]) => a.localeCompare(b)),
      timers: (await w.timers.pending()).map(({ name, input }) => ({ name, input })),
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
        reference = await endState(w, scenario);
      }, 60_000);

      it('publishes every event it decides with an id, and leaves nothing undone', () => {
        expect(reference.events.length).toBeGreaterThan(0);
        for (const [id] of reference.events) expect(id).toMatch(/^[a-z]+:2026-11-22T0[12]:00:00\.000Z:\d:[a-z-]+$/);
        for (const run of reference.runs) expect(run.outbox).toEqual([]);
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
            const end = await endState(w, scenario);
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
