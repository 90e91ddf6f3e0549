import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
/**
 * Integration-test world: moto (with the ECS bridge) per test file, reset and seeded per test, a virtual
 * clock, and the real job runtime pointed at the emulator.
 */
import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { EMULATOR_REGION, type Emulator, resetEmulator, startEmulator } from '../../sandbox/emulator.ts';
import { drainPublishedEvents, emulatorJobRuntime, emulatorStopRuntime, type SandboxWorld, seedSandbox } from '../../sandbox/seed.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { VirtualClock } from '../../sandbox/virtual-clock.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { Automation } from '../../shared/config/schema.ts';
import type { JobRuntime } from '../../shared/jobs/runtime.ts';
import type { Log } from '../../shared/logger.ts';
import type { StopRuntime } from '../../shared/stopped-tasks/runtime.ts';

/**
 * moto applies an UpdateItem in steps without a lock, so concurrent ADDs to one item can lose an increment
 * (DynamoDB never does). Tests that count exactly give moto one DynamoDB request at a time; the handlers
 * still interleave freely between their requests.
 */
export function oneRequestAtATime<T extends DynamoDBClient>(client: T): T {
  let previous: Promise<unknown> = Promise.resolve();
  client.middlewareStack.add(
    (next) => (args) => {
      const current = previous.then(() => next(args));
      previous = current.catch(() => undefined);
      return current;
    },
    { step: 'deserialize', name: 'oneRequestAtATimeForMoto', priority: 'low' },
  );
  return client;
}

/**
 * oneRequestAtATime for shift-traffic's runtime, whose stores share one document client (its middleware
 * is its DynamoDB client's): for tests that deliver twice at once and count what was written.
 */
export function shiftRuntimeOneRequestAtATime<T extends ShiftRuntime>(rt: T): T {
  oneRequestAtATime((rt.deployments as unknown as { dynamo: DynamoDBClient }).dynamo);
  return rt;
}

export const quietLog: Log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** The sandbox's virtual clock, also remembering every wait a handler asked for. */
export class TestClock extends VirtualClock {
  readonly sleeps: number[] = [];
  override sleep = async (seconds: number) => {
    this.sleeps.push(seconds);
    this.advance(seconds);
  };
}

export interface TestWorld {
  emulator: Emulator;
  world: SandboxWorld;
  automation: Automation;
  clock: TestClock;
  runtime: JobRuntime;
  /** on-task-stopped's runtime, on the same clock, with timers kept in the emulator. */
  stopRuntime: StopRuntime;
  timers: EmulatorTimers;
  ecs: ECSClient;
  events: () => ReturnType<typeof drainPublishedEvents>;
  tasks: (cluster: string, desiredStatus?: 'RUNNING' | 'STOPPED') => Promise<Task[]>;
}

/** Registers the hooks; the returned object is filled before each test runs. */
export function useEmulatorWorld(config: unknown, start: Date, options: { notSeeded?: string[] } = {}): TestWorld {
  const t = {} as TestWorld;
  beforeAll(async () => {
    t.emulator = await startEmulator();
  });
  afterAll(async () => {
    await t.emulator?.stop();
  });
  beforeEach(async () => {
    await resetEmulator(t.emulator);
    t.automation = validateAutomation(config);
    const seeded = {
      ...t.automation,
      jobs: Object.fromEntries(Object.entries(t.automation.jobs).filter(([name]) => !options.notSeeded?.includes(name))),
    };
    t.world = await seedSandbox(t.emulator, seeded, { stage: 'test' });
    t.clock = new TestClock(start);
    t.runtime = emulatorJobRuntime(t.world, t.automation, t.clock, quietLog);
    t.timers = new EmulatorTimers(t.world);
    t.stopRuntime = emulatorStopRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
    t.ecs = new ECSClient({
      endpoint: t.emulator.endpoint,
      region: EMULATOR_REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    t.events = () => drainPublishedEvents(t.world);
    t.tasks = async (cluster, desiredStatus = 'RUNNING') => {
      const { taskArns = [] } = await t.ecs.send(new ListTasksCommand({ cluster, desiredStatus }));
      if (taskArns.length === 0) return [];
      const { tasks = [] } = await t.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns, include: ['TAGS'] }));
      return tasks;
    };
  });
  return t;
}
