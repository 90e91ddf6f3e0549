/**
 * The actions whose AWS calls `npm run bench` counts: each a small automation.yml, a past played without
 * counting (seeding, the invocations that lead up to the action), and the invocations of the real
 * handler that make up the action, wrapped in `counted`.
 *
 * This file only uses what the project had before issue 11 too (the sandbox's seeding and runtimes, the
 * raw handlers and their inputs as AWS delivers them), so the same actions measure the commit before
 * it: see bench/aws-calls-before.ts.
 */
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { notify } from '../functions/notify.ts';
import { onTaskStopped } from '../functions/on-task-stopped.ts';
import { runBatchJob } from '../functions/run-batch-job.ts';
import { scaleService } from '../functions/scale-service.ts';
import { shiftTraffic } from '../functions/shift-traffic.ts';
import { emulatorNotifyRuntime } from '../sandbox/alerts.ts';
import { type Emulator, emulatorClientConfig, resetEmulator, stopTaskAs } from '../sandbox/emulator.ts';
import {
  emulatorJobRuntime,
  emulatorScalingRuntime,
  emulatorShiftRuntime,
  emulatorStopRuntime,
  type SandboxWorld,
  seedApps,
  seedSandbox,
  seedServices,
} from '../sandbox/seed.ts';
import { taskStateChangeEvent } from '../sandbox/task-events.ts';
import { EmulatorTimers } from '../sandbox/timers.ts';
import { VirtualClock } from '../sandbox/virtual-clock.ts';
import { validateAutomation } from '../shared/config/load.ts';
import type { Automation } from '../shared/config/schema.ts';
import type { Log } from '../shared/logger.ts';
import { stoppedTaskEvent } from '../test/fixtures/task-events.ts';
import { busEvent, oomStop, serviceTaskStopped } from '../test/helpers/alert-events.ts';

export interface ActionWorld {
  emulator: Emulator;
  world: SandboxWorld;
  automation: Automation;
  clock: VirtualClock;
  timers: EmulatorTimers;
  /** An ECS client of the bench's own: its calls are not the action's. */
  ecs: ECSClient;
}

/**
 * The action's world, from a reset emulator: its automation seeded under `stage`, then its own seed; the
 * world it plays in carries the automation the seed answered, if any (e.g. with moto's ARNs).
 */
export async function actionWorld(
  emulator: Emulator,
  action: Action,
  stage: string,
): Promise<{ w: ActionWorld; seeded: Automation | undefined }> {
  await resetEmulator(emulator);
  const automation = validateAutomation(action.config);
  const world = await seedSandbox(emulator, automation, { stage });
  const w: ActionWorld = {
    emulator,
    world,
    automation,
    clock: new VirtualClock(action.start),
    timers: new EmulatorTimers(world),
    ecs: new ECSClient(emulatorClientConfig(world.endpoint)),
  };
  const seeded = await action.seed?.(w);
  return { w: { ...w, automation: seeded ?? automation }, seeded };
}

/** Runs one invocation of the handler as part of the action: its AWS calls are counted under `label`. */
export type Counted = (label: string, invocation: () => Promise<unknown>) => Promise<unknown>;

export interface Action {
  name: string;
  config: unknown;
  start: Date;
  /** Seeding beyond seedSandbox (services, apps). */
  seed?: (w: ActionWorld) => Promise<Automation | undefined>;
  /** Plays the past without counting, and the action's own invocations through `counted`. */
  play: (w: ActionWorld & { automation: Automation }, counted: Counted) => Promise<void>;
}

const quietLog: Log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

const network = { subnets: ['subnet-0a1b2c3d4e5f60071'], securityGroups: ['sg-0a1b2c3d4e5f60071'] };
const JOBS = 'bench-jobs';
const WATCH = 'bench-watch';
const SHOP = 'bench-shop';
const HEAD = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';

const jobConfig = {
  defaults: { cluster: JOBS, network, launchType: 'FARGATE' },
  jobs: { report: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report', maxRuntime: '1h', retry: { attempts: 2, backoff: '1m' } } },
};

const watchConfig = {
  defaults: { launchType: 'FARGATE', network },
  watchedTasks: { worker: { cluster: WATCH, taskDefinition: 'worker', crashLoopBudget: { restarts: 3, window: '15m' } } },
  services: { web: { cluster: WATCH, crashLoop: { stops: 3, window: '10m' } } },
};

const scalingConfig = {
  services: {
    web: {
      cluster: SHOP,
      scaling: { timezone: 'UTC', periods: { 'business-hours': { days: 'MON-FRI', from: '08:00', to: '18:00', min: 4, max: 12 } } },
    },
  },
};

const blueGreenConfig = {
  defaults: { cluster: SHOP },
  apps: {
    web: {
      listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      blue: { service: 'web-blue', targetGroup: `${HEAD}:targetgroup/web-blue/73e2d6bc24d8a067` },
      green: { service: 'web-green', targetGroup: `${HEAD}:targetgroup/web-green/09966e5bd7e8e8ef` },
      strategy: { canary: { percent: 10, bake: '2m' } },
      gates: { alarms: ['web-5xx'], minHealthyTargets: 2 },
      bakeTime: '1m',
      rollbackWindow: '1m',
    },
  },
};

const notifyConfig = { notifications: { groupWait: '30s', repeatInterval: '5m', resolveAfter: '30m' } };

const JOB_START = new Date('2026-11-22T02:00:05Z');
const jobFiring = { job: 'report', scheduledTime: '2026-11-22T02:00:00Z' };
/** Monday 2026-11-23 (UTC): inside the business-hours period from 08:00 to 18:00. */
const monday = (time: string) => new Date(`2026-11-23T${time}Z`);

const jobRuntime = (w: ActionWorld) => emulatorJobRuntime(w.world, w.automation, w.clock, quietLog);
const stopRuntime = (w: ActionWorld) => emulatorStopRuntime(w.world, w.automation, w.clock, w.timers, quietLog);

/** A scheduled firing as the boundary schedule's Scheduler delivers it (the scheduled time is ignored where not read). */
const scalingFiring = (at: Date) => ({ service: 'web', scheduledTime: `${at.toISOString().slice(0, 19)}Z` });

async function runningTaskArn(w: ActionWorld, cluster: string): Promise<string> {
  const { taskArns = [] } = await w.ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }));
  if (taskArns.length !== 1) throw new Error(`expected one running task in ${cluster}, found ${taskArns.length}`);
  return taskArns[0] as string;
}

let eventVersion = 10;

/** The task stops as `exitCode` says; the event ECS sends for it. */
async function stopped(w: ActionWorld, cluster: string, taskArn: string, exitCode: number) {
  await stopTaskAs(w.emulator, taskArn, { exitCode });
  eventVersion += 1;
  return taskStateChangeEvent(w.ecs, cluster, taskArn, { at: w.clock.now(), version: eventVersion });
}

/** The watched worker's task, started as a person or an earlier restart would have. */
async function startWorker(w: ActionWorld): Promise<string> {
  const { tasks = [] } = await w.ecs.send(
    new RunTaskCommand({
      cluster: WATCH,
      taskDefinition: 'worker',
      launchType: 'FARGATE',
      group: 'family:worker',
      networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups } },
    }),
  );
  return tasks[0]?.taskArn ?? '';
}

/** Takes the earliest pending timer once the clock has come to it, as Scheduler fires it. */
async function nextTimer(w: ActionWorld): Promise<unknown> {
  const [timer] = await w.timers.pending();
  if (!timer) throw new Error('no timer is pending');
  w.clock.advanceTo(timer.at);
  await w.timers.takeDue(w.clock.now());
  return timer.input;
}

function shiftRuntime(w: ActionWorld, automation: Automation) {
  return emulatorShiftRuntime(w.world, automation, w.clock, quietLog);
}

const deploymentRequest = {
  version: '0',
  id: 'bench-request-1',
  source: 'ecs-autopilot',
  'detail-type': 'Deployment Requested',
  account: '123456789012',
  region: 'us-east-1',
  time: monday('10:00:00').toISOString(),
  resources: [],
  detail: { app: 'web', id: 'web-1', images: { app: 'example/web:v2' }, requestedBy: 'ci' },
};

export const ACTIONS: Action[] = [
  {
    name: 'job firing (run-batch-job, one task launched)',
    config: jobConfig,
    start: JOB_START,
    play: async (w, counted) => {
      const rt = jobRuntime(w);
      await counted('run-batch-job: the firing', () => runBatchJob(jobFiring, rt));
    },
  },
  {
    name: "job task's stop (on-task-stopped, run succeeded)",
    config: jobConfig,
    start: JOB_START,
    play: async (w, counted) => {
      await runBatchJob(jobFiring, jobRuntime(w));
      w.clock.advance(600);
      const event = await stopped(w, JOBS, await runningTaskArn(w, JOBS), 0);
      const rt = stopRuntime(w);
      await counted('on-task-stopped: the stop', () => onTaskStopped(event, rt));
    },
  },
  {
    name: "watched task's crash stop (restart timer set)",
    config: watchConfig,
    start: JOB_START,
    play: async (w, counted) => {
      const event = await stopped(w, WATCH, await startWorker(w), 1);
      const rt = stopRuntime(w);
      await counted('on-task-stopped: the stop', () => onTaskStopped(event, rt));
    },
  },
  {
    name: "watched task's restart timer",
    config: watchConfig,
    start: JOB_START,
    play: async (w, counted) => {
      const rt = stopRuntime(w);
      await onTaskStopped(await stopped(w, WATCH, await startWorker(w), 1), rt);
      const timer = await nextTimer(w);
      await counted('on-task-stopped: the timer', () => onTaskStopped(timer, rt));
    },
  },
  {
    name: 'counted service task stop',
    config: watchConfig,
    start: JOB_START,
    play: async (w, counted) => {
      const event = stoppedTaskEvent({
        cluster: WATCH,
        taskId: '0000000000000000000000000000b001',
        taskDefinition: 'web:1',
        group: 'service:web',
        startedBy: 'ecs-svc/4711',
        containers: [{ name: 'app', exitCode: 1 }],
        stoppedAt: w.clock.now().toISOString(),
      });
      const rt = stopRuntime(w);
      await counted('on-task-stopped: the stop', () => onTaskStopped(event, rt));
    },
  },
  {
    name: 'scaling change (a period starts: bounds and count)',
    config: scalingConfig,
    start: monday('08:00:00'),
    seed: async (w) => {
      await seedServices(w.world, w.automation, { web: { desiredCount: 3, bounds: { min: 2, max: 10 } } });
      return undefined;
    },
    play: async (w, counted) => {
      const rt = emulatorScalingRuntime(w.world, w.automation, w.clock, w.timers, quietLog);
      await counted('scale-service: the firing', () => scaleService(scalingFiring(w.clock.now()), rt));
    },
  },
  {
    name: 'scaling restore (the period ends: bounds given back)',
    config: scalingConfig,
    start: monday('08:00:00'),
    seed: async (w) => {
      await seedServices(w.world, w.automation, { web: { desiredCount: 3, bounds: { min: 2, max: 10 } } });
      return undefined;
    },
    play: async (w, counted) => {
      const rt = emulatorScalingRuntime(w.world, w.automation, w.clock, w.timers, quietLog);
      await scaleService(scalingFiring(w.clock.now()), rt);
      w.clock.advanceTo(monday('18:00:00'));
      await counted('scale-service: the firing', () => scaleService(scalingFiring(w.clock.now()), rt));
    },
  },
  {
    name: 'blue/green step tick (canary → 100%)',
    config: blueGreenConfig,
    start: monday('10:00:00'),
    seed: async (w) => (await seedApps(w.world, w.automation)).automation,
    play: async (w, counted) => {
      const rt = shiftRuntime(w, w.automation);
      await shiftTraffic(deploymentRequest, rt);
      // The canary's bake of 2m is over at this tick.
      w.clock.advanceTo(monday('10:02:00'));
      await counted('shift-traffic: the tick', () => shiftTraffic({ tick: true }, rt));
    },
  },
  {
    name: 'blue/green start (the request, up to the first step)',
    config: blueGreenConfig,
    start: monday('10:00:00'),
    seed: async (w) => (await seedApps(w.world, w.automation)).automation,
    play: async (w, counted) => {
      const rt = shiftRuntime(w, w.automation);
      await counted('shift-traffic: the request', () => shiftTraffic(deploymentRequest, rt));
    },
  },
  {
    name: "notify episode (one alert event, then the flush's message)",
    config: notifyConfig,
    start: new Date('2026-11-22T02:00:00Z'),
    play: async (w, counted) => {
      const rt = emulatorNotifyRuntime(w.world, w.automation, w.clock, w.timers, quietLog);
      const taskId = '0000000000000000000000000000a001';
      const event = busEvent(
        'Service Task Stopped',
        { ...serviceTaskStopped({ stop: oomStop({ taskId }) }), eventId: `stop:${taskId}` },
        { id: 'bench-event-1', time: w.clock.now().toISOString() },
      );
      await counted('notify: the event', () => notify(event, rt));
      const flush = await nextTimer(w);
      await counted('notify: the flush (the message)', () => notify(flush, rt));
    },
  },
];
