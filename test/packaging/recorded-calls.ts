/**
 * The AWS calls the functions make, recorded for the permission check (test/packaging/shipped.test.ts):
 * every action of bench/aws-call-actions.ts (a job firing, stops, a restart timer, scaling changes,
 * blue/green steps, a notify episode) plus the paths it does not play (enforce-max-runtime's watchdog, a
 * launch that passes a task definition's roles, blue/green on a listener rule with a metric gate,
 * notify's inhibition, a chained job's run, a failed job's retry timer firing), each played against moto with the real
 * handlers and the sandbox's runtimes, as the bench and the integration tests play them.
 *
 * Attribution: test/helpers/faults.ts records only the calls made inside `invoke` (one handler
 * invocation, held in an AsyncLocalStorage context), so the sandbox's seeding and emulation, the
 * scenario's own reads of moto and the past played before the action are never recorded. Each counted
 * invocation names its function (`run-batch-job: the firing`, as the bench labels them), and that
 * function's handler (functions/<name>.ts), and no other, must be on its calls' async stack traces (on
 * one call's at least: the trace of a call sent after a promise chain that is not awaited can end before
 * the handler): a label naming the wrong function fails the recording.
 *
 * The world is seeded with stage `test`, so its table, bus, schedule group and alert topic carry the
 * names `serverless package --stage test` gives them.
 */
import { DescribeTaskDefinitionCommand, type ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { ACTIONS, type Action, type ActionWorld, actionWorld } from '../../bench/aws-call-actions.ts';
import { enforceMaxRuntimeTick } from '../../functions/enforce-max-runtime.ts';
import { notify } from '../../functions/notify.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { emulatorNotifyRuntime } from '../../sandbox/alerts.ts';
import { type Emulator, stopTaskAs } from '../../sandbox/emulator.ts';
import {
  drainPublishedEvents,
  emulatorJobRuntime,
  emulatorShiftRuntime,
  emulatorStopRuntime,
  type SandboxWorld,
  seedApps,
} from '../../sandbox/seed.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { busEvent, crashLoop, oomStop, serviceAlert, serviceTaskStopped } from '../helpers/alert-events.ts';
import { type AwsCall, installFaults, invoke } from '../helpers/faults.ts';
import { quietLog } from '../integration/world.ts';

/** The stack's functions, as serverless.yml names them. */
export const STACK_FUNCTIONS = [
  'run-batch-job',
  'enforce-max-runtime',
  'on-task-stopped',
  'notify',
  'scale-service',
  'shift-traffic',
] as const;
export type StackFunction = (typeof STACK_FUNCTIONS)[number];

export interface RecordedCall extends AwsCall {
  function: StackFunction;
  /** The action and invocation that made it, for messages. */
  where: string;
  /**
   * moto's ARNs for what automation.yml names by ARN (listeners, rules, target groups): moto assigns its
   * own ids, so seedApps creates them and hands the handlers an automation with moto's ARNs. The check
   * maps them back to the configured ARNs, which the packaged role names.
   */
  configuredArns: Record<string, string>;
  /**
   * For a RunTask: the task and execution roles of the task definition it launched, read from moto after
   * the invocation (ECS authorizes passing them at launch; the call itself does not name them).
   */
  taskDefinitionRoles?: string[];
}

export interface Recording {
  calls: RecordedCall[];
  /** The world of the last action: the names every action's world shares (stage `test`). */
  world: SandboxWorld;
}

const JOBS = 'bench-jobs';
const jobConfig = (ACTIONS[0] as Action).config;
const JOB_START = new Date('2026-11-22T02:00:05Z');
const jobFiring = { job: 'report', scheduledTime: '2026-11-22T02:00:00Z' };

async function runningTask(w: ActionWorld): Promise<string> {
  const { taskArns = [] } = await w.ecs.send(new ListTasksCommand({ cluster: JOBS, desiredStatus: 'RUNNING' }));
  if (taskArns.length !== 1) throw new Error(`expected one running task in ${JOBS}, found ${taskArns.length}`);
  return taskArns[0] as string;
}

const ELB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const MONDAY_TEN = new Date('2026-11-23T10:00:00Z');
/** As in test/packaging/fixtures/shipped-automation.yml. moto evaluates no metric math: the expression is the one metric's id. */
const ORDERS_APP = {
  cluster: 'bench-shop',
  listener: `${ELB}:listener/app/shop/50dc6c495c0c9188/9683b2d02a6cabee`,
  rule: `${ELB}:listener-rule/app/shop/50dc6c495c0c9188/9683b2d02a6cabee/0123456789abcdef`,
  blue: { service: 'orders-blue', targetGroup: `${ELB}:targetgroup/orders-blue/1111222233334444` },
  green: { service: 'orders-green', targetGroup: `${ELB}:targetgroup/orders-green/5555666677778888` },
  strategy: { canary: { percent: 10, bake: '2m' } },
  gates: {
    metrics: { errors: { expression: 'errors', metrics: { errors: { metric: 'HTTPCode_Target_5XX_Count' } }, max: 5 } },
  },
};

const NOTIFY_CONFIG = { notifications: { groupWait: '30s', repeatInterval: '5m', resolveAfter: '30m' } };

/** The paths bench/aws-call-actions.ts does not play. */
const MORE_ACTIONS: Action[] = [
  {
    name: "a job run past its maxRuntime (enforce-max-runtime's watchdog stops it)",
    config: jobConfig,
    start: JOB_START,
    play: async (w, counted) => {
      const rt = emulatorJobRuntime(w.world, w.automation, w.clock, quietLog);
      await runBatchJob(jobFiring, rt);
      w.clock.advance(2 * 3600);
      await counted('enforce-max-runtime: the tick', () => enforceMaxRuntimeTick(rt));
    },
  },
  {
    name: 'a job whose task definition has a task role and an execution role (the launch passes them)',
    config: {
      defaults: (jobConfig as { defaults: unknown }).defaults,
      jobs: {
        ledger: {
          schedule: 'cron(0 3 * * ? *)',
          taskDefinition: 'ledger',
          taskRole: 'arn:aws:iam::123456789012:role/ledger-task',
          executionRole: 'arn:aws:iam::123456789012:role/ecs-task-execution',
        },
      },
    },
    start: JOB_START,
    play: async (w, counted) => {
      const rt = emulatorJobRuntime(w.world, w.automation, w.clock, quietLog);
      await counted('run-batch-job: the firing', () => runBatchJob({ job: 'ledger', scheduledTime: '2026-11-22T03:00:00Z' }, rt));
    },
  },
  {
    name: 'blue/green of an app that shifts a listener rule, gated by a metric (the request, then the tick after the canary)',
    config: { apps: { orders: ORDERS_APP } },
    start: MONDAY_TEN,
    seed: async (w) => (await seedApps(w.world, w.automation)).automation,
    play: async (w, counted) => {
      const rt = emulatorShiftRuntime(w.world, w.automation, w.clock, quietLog);
      const request = {
        version: '0',
        id: 'orders-request-1',
        source: 'ecs-autopilot',
        'detail-type': 'Deployment Requested',
        account: '123456789012',
        region: 'us-east-1',
        time: MONDAY_TEN.toISOString(),
        resources: [],
        detail: { app: 'orders', id: 'orders-1', images: { app: 'example/orders:v2' }, requestedBy: 'ci' },
      };
      await counted('shift-traffic: the request', () => shiftTraffic(request, rt));
      w.clock.advance(120);
      await counted('shift-traffic: the tick', () => shiftTraffic({ tick: true }, rt));
    },
  },
  {
    name: "notify's inhibition (a crash loop's flush while a host-lost group of its cluster fires)",
    config: NOTIFY_CONFIG,
    start: JOB_START,
    play: async (w, counted) => {
      const rt = emulatorNotifyRuntime(w.world, w.automation, w.clock, w.timers, quietLog);
      const at = (id: string) => ({ id, time: w.clock.now().toISOString() });
      const hostLost = serviceTaskStopped({
        service: 'api',
        stop: oomStop({ taskId: '0000000000000000000000000000c001' }),
        alert: serviceAlert({ subject: { kind: 'service', name: 'api' }, category: 'host-lost' }),
      });
      await counted('notify: the host-lost event', () => notify(busEvent('Service Task Stopped', hostLost, at('inhibit-1')), rt));
      await counted('notify: the crash-loop event', () => notify(busEvent('Crash Loop Detected', crashLoop(), at('inhibit-2')), rt));
      for (let timer = await w.timers.pending(); timer.length > 0; timer = await w.timers.pending()) {
        const [next] = timer;
        if (!next || next.at.getTime() - JOB_START.getTime() > 120_000) break;
        w.clock.advanceTo(next.at);
        await w.timers.takeDue(w.clock.now());
        await counted('notify: a flush', () => notify(next.input, rt));
      }
    },
  },
  {
    name: "a chained job (the end of its upstream's run, as the job-chains rule delivers it to run-batch-job)",
    config: {
      ...(jobConfig as object),
      jobs: { ...(jobConfig as { jobs: object }).jobs, publish: { cluster: JOBS, after: ['report'], taskDefinition: 'publish' } },
    },
    start: JOB_START,
    play: async (w, counted) => {
      const jobs = emulatorJobRuntime(w.world, w.automation, w.clock, quietLog);
      const stops = emulatorStopRuntime(w.world, w.automation, w.clock, w.timers, quietLog);
      await runBatchJob(jobFiring, jobs);
      w.clock.advance(300);
      const taskArn = await runningTask(w);
      await stopTaskAs(w.emulator, taskArn, { exitCode: 0 });
      await onTaskStopped(await taskStateChangeEvent(w.ecs, JOBS, taskArn, { at: w.clock.now(), version: 3 }), stops);
      const succeeded = (await drainPublishedEvents(w.world)).find((event) => event['detail-type'] === 'Job Run Succeeded');
      if (!succeeded) throw new Error('the upstream run did not succeed');
      await counted('run-batch-job: the chained run', () => runBatchJob(succeeded, jobs));
    },
  },
  {
    name: "a failed job's retry (on-task-stopped sets the retry timer, run-batch-job fires from it)",
    config: jobConfig,
    start: JOB_START,
    play: async (w, counted) => {
      const jobs = emulatorJobRuntime(w.world, w.automation, w.clock, quietLog);
      const stops = emulatorStopRuntime(w.world, w.automation, w.clock, w.timers, quietLog);
      await runBatchJob(jobFiring, jobs);
      w.clock.advance(300);
      const taskArn = await runningTask(w);
      await stopTaskAs(w.emulator, taskArn, { exitCode: 1 });
      const event = await taskStateChangeEvent(w.ecs, JOBS, taskArn, { at: w.clock.now(), version: 3 });
      await counted('on-task-stopped: the failed stop', () => onTaskStopped(event, stops));
      const [timer] = await w.timers.pending();
      if (!timer) throw new Error('the failed run set no retry timer');
      w.clock.advanceTo(timer.at);
      await w.timers.takeDue(w.clock.now());
      await counted('run-batch-job: the retry', () => runBatchJob(timer.input, jobs));
    },
  },
];

export const RECORDED_ACTIONS = [...ACTIONS, ...MORE_ACTIONS];

function functionOf(label: string): StackFunction {
  const name = label.split(':')[0] as StackFunction;
  if (!STACK_FUNCTIONS.includes(name)) throw new Error(`"${label}" names no function of the stack (${STACK_FUNCTIONS.join(', ')})`);
  return name;
}

async function rolesOfLaunched(ecs: ECSClient, output: unknown): Promise<string[]> {
  const launched = (output as { tasks?: { taskDefinitionArn?: string }[] } | undefined)?.tasks?.[0]?.taskDefinitionArn;
  if (!launched) return [];
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: launched }));
  return [taskDefinition?.taskRoleArn, taskDefinition?.executionRoleArn].filter((role): role is string => role !== undefined);
}

/** The ARNs the seeded automation holds in place of the configured ones: seeded → configured. */
export function arnsReplaced(configured: unknown, seeded: unknown, found: Record<string, string> = {}): Record<string, string> {
  if (typeof configured === 'string' && typeof seeded === 'string') {
    if (configured !== seeded && configured.startsWith('arn:') && seeded.startsWith('arn:')) found[seeded] = configured;
  } else if (configured && seeded && typeof configured === 'object' && typeof seeded === 'object') {
    for (const [key, value] of Object.entries(configured)) arnsReplaced(value, (seeded as Record<string, unknown>)[key], found);
  }
  return found;
}

async function play(emulator: Emulator, action: Action, calls: RecordedCall[]): Promise<SandboxWorld> {
  const { w, seeded } = await actionWorld(emulator, action, 'test');
  const automation = validateAutomation(action.config);
  const configuredArns = seeded ? arnsReplaced(automation, seeded) : {};
  await action.play(w, async (label, invocation) => {
    const fn = functionOf(label);
    const invoked = await invoke(invocation, [], { keepStacks: true });
    const where = `${action.name} — ${label}`;
    const onStacks = [...new Set(invoked.calls.flatMap((call) => functionsOnStack(call.stack ?? '')))];
    if (invoked.calls.length > 0 && (onStacks.length !== 1 || onStacks[0] !== fn)) {
      throw new Error(`${where}: its calls were sent from ${onStacks.join(', ') || 'no'} function's handler, not ${fn}'s`);
    }
    for (const { stack: _stack, ...call } of invoked.calls) {
      const recorded: RecordedCall = { ...call, function: fn, where, configuredArns };
      if (call.service === 'ECS' && call.command === 'RunTask') recorded.taskDefinitionRoles = await rolesOfLaunched(w.ecs, call.output);
      calls.push(recorded);
    }
    if (invoked.error) throw new Error(`${action.name}: ${label} failed`, { cause: invoked.error });
    return invoked.result;
  });
  return w.world;
}

/** The functions whose handler file (functions/<name>.ts) has a frame on this async stack trace. */
function functionsOnStack(stack: string): string[] {
  return [...new Set([...stack.matchAll(/\/functions\/([a-z-]+)\.ts:/g)].map((match) => match[1] as string))];
}

/** Plays the actions (all by default) against this emulator (reset before each) and returns the calls the functions made. */
export async function recordFunctionCalls(emulator: Emulator, actions: Action[] = RECORDED_ACTIONS): Promise<Recording> {
  const recording = installFaults();
  const stackTraceLimit = Error.stackTraceLimit;
  // The handler's frame sits near the bottom of the async stack, under the SDK's and the state layer's.
  Error.stackTraceLimit = 200;
  try {
    const calls: RecordedCall[] = [];
    let world: SandboxWorld | undefined;
    for (const action of actions) world = await play(emulator, action, calls);
    if (!world) throw new Error('no action was played');
    return { calls, world };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    recording.uninstall();
  }
}
