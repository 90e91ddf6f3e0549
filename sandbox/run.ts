/**
 * The sandbox (`npm start`): moto on loopback, seeded with what the automation file names, then a
 * virtual day of the real schedules. At every firing run-batch-job (or, for a service's scaling,
 * scale-service) gets the payload Scheduler would send; every task that stops reaches on-task-stopped
 * as the "ECS Task State Change" event ECS would send; the timers the handlers set (retries, restarts,
 * alert group waits, deferred scaling) fire on the virtual clock; events with an alert go to notify,
 * as the stack's rule routes them; the maxRuntime watchdog ticks
 * when a deadline comes due; deployment requests on the bus and gate alarms' state changes go to
 * shift-traffic, whose watchdog ticks every minute while a deployment runs; the scenario injects on cue
 * what moto cannot do by itself. What the report
 * says happened is read back from the bus, the run history and the alert topic.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { deploymentId } from '../cli/deploy.ts';
import { enforceMaxRuntimeTick } from '../functions/enforce-max-runtime.ts';
import { notify } from '../functions/notify.ts';
import { onTaskStopped } from '../functions/on-task-stopped.ts';
import { runBatchJob } from '../functions/run-batch-job.ts';
import { scaleService } from '../functions/scale-service.ts';
import { shiftTraffic } from '../functions/shift-traffic.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { forwardOf } from '../shared/blue-green/forward.ts';
import type { ShiftHandlerRuntime } from '../shared/blue-green/handle.ts';
import { COLOURS, DEPLOYMENT_DETAIL_TYPES, type Deployment, isFinal } from '../shared/blue-green/model.ts';
import { SHIFT_TRAFFIC_TICK } from '../shared/blue-green/trigger.ts';
import { clusterNameOf } from '../shared/config/cluster.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { parseInstant } from '../shared/config/instant.ts';
import { DEFAULT_CONFIG_FILE, loadAutomationFile } from '../shared/config/load.ts';
import { firingsBetween, parseScheduleExpression } from '../shared/config/schedule-expression.ts';
import type { Automation, JobSpec, ServiceWatch, WatchedTaskSpec } from '../shared/config/schema.ts';
import { formatLocal, instantOfWallClock, wallClockAt } from '../shared/config/time-zone.ts';
import { JOB_RUN_DETAIL_TYPES } from '../shared/events/bus.ts';
import { SCALING_DETAIL_TYPES } from '../shared/events/scaling-events.ts';
import { STOPPED_TASK_DETAIL_TYPES } from '../shared/events/stopped-task-events.ts';
import { describeTasks } from '../shared/jobs/load.ts';
import { STOP_REASON_PREFIX } from '../shared/jobs/ownership.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import { launchParameters } from '../shared/jobs/run-task-request.ts';
import type { JobRuntime } from '../shared/jobs/runtime.ts';
import type { Log } from '../shared/logger.ts';
import { scalingScheduleExpressions } from '../shared/scaling/periods.ts';
import type { ScalingRuntime } from '../shared/scaling/runtime.ts';
import type { ServiceScaling } from '../shared/scaling/targets.ts';
import { scheduledFiringInput } from '../shared/scaling/trigger.ts';
import type { RuleBus, RuleTarget } from '../shared/stack/event-rules.ts';
import { Rejections } from '../shared/state/deployment-rejections.ts';
import type { StopCategory } from '../shared/stopped-tasks/categories.ts';
import type { StopRuntime } from '../shared/stopped-tasks/runtime.ts';
import { alarmStateChangeEvent } from './alarm-events.ts';
import { drainAlerts, type EmulatorNotifyRuntime, emulatorNotifyRuntime } from './alerts.ts';
import { DeployedRules, emulatorResourceNames } from './deployed-rules.ts';
import {
  type Emulator,
  EmulatorUnfitError,
  emulatorClientConfig,
  externalEmulator,
  injectCapacityOutage,
  probeEmulator,
  setTaskState,
  startEmulator,
} from './emulator.ts';
import { firesAt, ObservedTimers } from './observed-timers.ts';
import {
  EMPTY_SCENARIO,
  type Injection,
  type InjectionOfKind,
  loadScenarioFile,
  type Scenario,
  type ScenarioDay,
  ScenarioError,
} from './scenario.ts';
import {
  drainPublishedEvents,
  emulatorJobRuntime,
  emulatorScalingRuntime,
  emulatorShiftRuntime,
  emulatorStopRuntime,
  type PublishedEvent,
  type SandboxWorld,
  type SeededServiceShape,
  seedApps,
  seedSandbox,
  seedServices,
} from './seed.ts';
import { describeEnding, endingOf, exitEnding } from './stop-endings.ts';
import { taskStateChangeEvent } from './task-events.ts';
import {
  type AppSummary,
  alertEntry,
  type DeploymentSummary,
  deploymentEntry,
  describeTasks as describeTaskIds,
  describeWindow,
  type JobSummary,
  localClockTime,
  outcomeEntry,
  renderSandboxReport,
  renderSandboxReportJson,
  type SandboxReport,
  type SentAlert,
  type ServiceScalingSummary,
  scalingEntry,
  shortTaskId,
  stoppedTaskEntry,
  type TimelineEntry,
  timelineEntry,
  type WatchedTaskSummary,
} from './timeline.ts';
import { Agenda, VirtualClock } from './virtual-clock.ts';

export type {
  AppSummary,
  DeploymentSummary,
  JobSummary,
  SandboxReport,
  SentAlert,
  ServiceScalingSummary,
  TimelineEntry,
  WatchedTaskSummary,
} from './timeline.ts';

export interface SandboxOptions {
  /** The automation file; default automation.yml. */
  configFile?: string | undefined;
  /** A scenario YAML file (see sandbox/scenarios/demo.yml). */
  scenarioFile?: string | undefined;
  /** Use an emulator that is already running (e.g. LocalStack) instead of starting moto; it has no ECS bridge. */
  endpoint?: string | undefined;
  /**
   * Start of the window: an instant, or ISO 8601 text as `--from` takes it (without an offset: read in
   * the scenario's zone, else the first job's). Default: the next midnight in that zone.
   */
  from?: Date | string | undefined;
  /** Length of the window in hours; default 24. */
  hours?: number | undefined;
  /** Progress lines for people (the CLI sends them to stderr); never part of the report. */
  progress?: ((line: string) => void) | undefined;
  /** Also pass the handlers' own log lines to `progress`. */
  verbose?: boolean | undefined;
}

/** A wrong option value (the CLI's "wrong usage"). */
export class SandboxOptionError extends Error {
  override name = 'SandboxOptionError';
}

/** Scheduler delivers a firing this long after its scheduled time (it is precise to about a minute, usually seconds). */
export const DELIVERY_DELAY_SECONDS = 3;
const MAX_HOURS = 31 * 24;
/** At one instant: injections first (they must be in place for the delivery they target), then deliveries, timers, the watchdog. */
const RANK = { injection: 0, delivery: 1, timer: 2, watchdog: 3 } as const;

export interface SandboxWindow {
  from: Date;
  to: Date;
  hours: number;
  /** The zone the window is shown in, and that times naming no job are read in. */
  timeZone: string;
  /** What chose its start: `--from`, the scenario's `day`, or the default, the next midnight. */
  chosenBy: 'from' | 'scenario-day' | 'next-midnight';
}

export function sandboxWindow(
  automation: Automation,
  options: Pick<SandboxOptions, 'from' | 'hours'>,
  now = new Date(),
  scenario: Pick<Scenario, 'timezone' | 'day'> = EMPTY_SCENARIO,
): SandboxWindow {
  const timeZone = Object.values(automation.jobs)[0]?.timezone ?? 'UTC';
  const zone = scenario.timezone ?? timeZone;
  const hours = options.hours ?? 24;
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_HOURS) {
    throw new SandboxOptionError(`--hours must be more than 0 and at most ${MAX_HOURS} (31 days), got ${hours}`);
  }
  const start = (from: Date, chosenBy: SandboxWindow['chosenBy']): SandboxWindow => ({
    from,
    to: new Date(from.getTime() + hours * 3_600_000),
    hours,
    timeZone,
    chosenBy,
  });
  const from = startOfWindow(options.from, zone);
  if (from) return start(from, 'from');
  if (scenario.day) return start(startOfDay(scenario.day, now, zone), 'scenario-day');
  return start(nextLocalMidnight(now, zone), 'next-midnight');
}

function startOfWindow(from: Date | string | undefined, zone: string): Date | undefined {
  if (from === undefined) return undefined;
  if (from instanceof Date) {
    if (Number.isNaN(from.getTime())) throw new SandboxOptionError('--from is not a valid time');
    return from;
  }
  const parsed = parseInstant(from, zone);
  if (!parsed.ok) throw new SandboxOptionError(`--from: ${parsed.problem}`);
  return parsed.instant;
}

/** A calendar day (the clocks of no zone): `after` days after `today`. */
function calendarDay(today: { year: number; month: number; day: number }, after: number): Date {
  return new Date(Date.UTC(today.year, today.month - 1, today.day + after));
}

function midnightOf(day: Date, timeZone: string): Date {
  return instantOfWallClock(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: 0, minute: 0 },
    timeZone,
  );
}

function nextLocalMidnight(now: Date, timeZone: string): Date {
  return midnightOf(calendarDay(wallClockAt(now, timeZone), 1), timeZone);
}

/** EventBridge's numbering (1 = Sunday) of a calendar day. */
const weekdayOf = (day: Date) => day.getUTCDay() + 1;

/**
 * The midnight, in the zone, that starts the scenario's day: its date, or the first day after today with
 * one of its weekdays. Today never counts, as the default window starts at the next midnight: a run in the
 * afternoon of a Monday simulates Tuesday, and one on a Friday, Saturday or Sunday simulates Monday.
 */
export function startOfDay(day: ScenarioDay, now: Date, timeZone: string): Date {
  if ('date' in day) return midnightOf(calendarDay(day.date, 0), timeZone);
  const today = wallClockAt(now, timeZone);
  for (let after = 1; after <= 7; after++) {
    const candidate = calendarDay(today, after);
    if (day.weekdays.includes(weekdayOf(candidate))) return midnightOf(candidate, timeZone);
  }
  throw new Error(`the scenario's day ${day.text} names no day of the week`);
}

/** Whether the window starts on the scenario's day (`--from` may start it on another). */
export function startsOnDay(day: ScenarioDay, from: Date, timeZone: string): boolean {
  const local = wallClockAt(from, timeZone);
  if ('weekdays' in day) return day.weekdays.includes(local.weekday);
  return local.year === day.date.year && local.month === day.date.month && local.day === day.date.day;
}

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** `Monday`: the day of the week the zone's clocks show at that instant. */
export function localWeekday(instant: Date, timeZone: string): string {
  return WEEKDAY_NAMES[wallClockAt(instant, timeZone).weekday - 1] ?? '';
}

/** `HH:MM` is the first time the zone's clocks show it inside the window; an ISO time is taken as it is. */
export function resolveMoment(text: string, timeZone: string, window: SandboxWindow): Date | undefined {
  if (!/^\d\d:\d\d$/.test(text)) {
    const instant = new Date(text);
    return instant >= window.from && instant < window.to ? instant : undefined;
  }
  const [hour, minute] = text.split(':').map(Number) as [number, number];
  const start = wallClockAt(window.from, timeZone);
  for (let offset = 0; offset <= Math.ceil(window.hours / 24) + 1; offset++) {
    const day = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
    const wall = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute };
    const instant = instantOfWallClock(wall, timeZone);
    const seen = wallClockAt(instant, timeZone);
    if (seen.hour !== hour || seen.minute !== minute) continue;
    if (instant >= window.from && instant < window.to) return instant;
  }
  return undefined;
}

/** `<aws.scheduler.scheduled-time>` as Scheduler renders it: whole seconds, `Z`. */
export function schedulerTime(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ── The plan: everything decided before the emulator starts, so a scenario mistake costs nothing ──

interface PlannedFiring {
  job: JobSpec;
  scheduledTime: Date;
  executionId: string;
  deliverAt: Date;
  /** Set by a late-delivery injection. */
  lateBySeconds?: number;
  /** Set by a duplicate-delivery injection: when the second delivery arrives. */
  duplicateAt?: Date;
}

/** A delivery to scale-service: a firing of a service's scaling schedules, or the reconcile at the window's start. */
interface PlannedScaling {
  /** The key in automation.yml `services`. */
  service: string;
  /** Undefined for the reconcile at the window's start, which no schedule fires. */
  scheduledTime: Date | undefined;
  deliverAt: Date;
}

/**
 * The window starts somewhere in the service's week: scale-service runs once at its start, so the day
 * starts as the schedules before it left the service (staging-api stopped at midnight); its lines say so.
 */
const BEFORE_THE_WINDOW = 'as its schedules left it before the window';

/** A task-exits injection waiting for the runs it ends to launch. */
export interface ExitOnCue {
  index: number;
  injection: InjectionOfKind<'task-exits'>;
  /**
   * ISO of the firing it ends: from scheduledAt, or the firing of the first run it ended; undefined while
   * it waits for the job's next run, and for everyRun.
   */
  scheduledTime: string | undefined;
  /** Runs (attempts) it ended. */
  applied: number;
}

/**
 * Which task-exits injection ends this attempt of a run, and binds it to the run's firing. The most
 * specific wins: one naming this attempt before one for every attempt; one bound to (or naming) this
 * firing before one waiting for the job's next run; everyRun last. Among equals, the earlier in the file.
 */
export function exitForRun(exits: ExitOnCue[], run: { job: string; scheduledTime: string; attempt: number }): ExitOnCue | undefined {
  const rank = (exit: ExitOnCue): number | undefined => {
    const { injection } = exit;
    if (injection.job !== run.job) return undefined;
    if (injection.attempt !== undefined && injection.attempt !== run.attempt) return undefined;
    const anyAttempt = injection.attempt === undefined ? 1 : 0;
    if (injection.everyRun) return 6 + anyAttempt;
    if (exit.scheduledTime === run.scheduledTime) return anyAttempt * 2;
    if (exit.scheduledTime === undefined && injection.scheduledAt === undefined) return 1 + anyAttempt * 2;
    return undefined;
  };
  let best: { exit: ExitOnCue; rank: number } | undefined;
  for (const exit of exits) {
    const r = rank(exit);
    if (r !== undefined && (!best || r < best.rank)) best = { exit, rank: r };
  }
  if (!best) return undefined;
  const { exit } = best;
  if (!exit.injection.everyRun) exit.scheduledTime = run.scheduledTime;
  exit.applied += 1;
  return exit;
}

export interface SandboxPlan {
  window: SandboxWindow;
  scenarioZone: string;
  firings: PlannedFiring[];
  firingsByJob: Map<string, PlannedFiring[]>;
  scalings: PlannedScaling[];
  cues: Array<{ at: Date; act: (sim: Simulation) => Promise<void> }>;
  exits: ExitOnCue[];
  problems: string[];
}

interface InjectionKind<K extends Injection['kind']> {
  /** Needs sandbox/moto_ecs_bridge.py, which an emulator given with --endpoint does not have. */
  needsBridge: boolean;
  plan(injection: InjectionOfKind<K>, index: number, plan: SandboxPlan): void;
}

/** Every scenario kind: how it is planned and carried out. A new kind adds its schema in scenario.ts and an entry here. */
const INJECTIONS: { [K in Injection['kind']]: InjectionKind<K> } = {
  'task-exits': {
    needsBridge: true,
    plan(injection, index, plan) {
      const firing = injection.scheduledAt === undefined ? undefined : targetFiring(injection, index, plan);
      if (injection.scheduledAt !== undefined && !firing) return;
      plan.exits.push({ index, injection, scheduledTime: firing?.scheduledTime.toISOString(), applied: 0 });
    },
  },
  'watched-task-crashes': {
    needsBridge: true,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (sim) => sim.startWatchedTask(injection, index) });
    },
  },
  'capacity-outage': {
    needsBridge: true,
    plan(injection, index, plan) {
      const at = injection.at === undefined ? plan.window.from : cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (sim) => sim.injectOutage(injection, at) });
    },
  },
  'late-delivery': {
    needsBridge: false,
    plan(injection, index, plan) {
      const firing = targetFiring(injection, index, plan, (f) => f.lateBySeconds === undefined);
      if (!firing) return;
      firing.lateBySeconds = injection.by;
      firing.deliverAt = new Date(firing.scheduledTime.getTime() + injection.by * 1000);
      plan.cues.push({ at: firing.scheduledTime, act: async (sim) => sim.announceLateDelivery(firing) });
    },
  },
  'duplicate-delivery': {
    needsBridge: false,
    plan(injection, index, plan) {
      const firing = targetFiring(injection, index, plan, (f) => f.duplicateAt === undefined);
      if (!firing) return;
      // Planned after every late-delivery (see planSimulation), so the first delivery's time is final.
      firing.duplicateAt = new Date(firing.deliverAt.getTime() + injection.after * 1000);
    },
  },
  deployment: {
    // The bridge completes the new colour's rollout within UpdateService and registers its targets (moto
    // alone never does), so the request's own invocation finds it ready: no ECS Deployment State Change
    // is delivered, and a rollout that had not completed would be noticed by the watchdog's next tick.
    needsBridge: true,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (!at) return;
      plan.cues.push({ at, act: (sim) => sim.requestDeployment(injection, index) });
      const { alarm } = injection;
      if (!alarm) return;
      const firesAt = new Date(at.getTime() + alarm.after * 1000);
      if (firesAt >= plan.window.to) {
        plan.problems.push(
          `injections.${index}.alarm.after: ${alarm.name} would fire at ${formatLocal(firesAt, plan.scenarioZone)}, when the simulated window has ended`,
        );
        return;
      }
      plan.cues.push({ at: firesAt, act: (sim) => sim.changeAlarm(injection, index, 'ALARM') });
      const clearsAt = new Date(firesAt.getTime() + alarm.clearsAfter * 1000);
      if (clearsAt < plan.window.to) plan.cues.push({ at: clearsAt, act: (sim) => sim.changeAlarm(injection, index, 'OK') });
    },
  },
};

/** An injection's `at` (local time in the scenario's zone) on the virtual clock; a problem when it is outside the window. */
function cueTime(at: string, index: number, plan: SandboxPlan): Date | undefined {
  const instant = resolveMoment(at, plan.scenarioZone, plan.window);
  if (!instant) plan.problems.push(`injections.${index}.at: ${at} (${plan.scenarioZone}) is not inside the simulated window`);
  return instant;
}

/** The firing an injection names with scheduledAt, or the job's next firing that `free` accepts. */
function targetFiring(
  injection: { job: string; scheduledAt?: string | undefined },
  index: number,
  plan: SandboxPlan,
  free: (firing: PlannedFiring) => boolean = () => true,
): PlannedFiring | undefined {
  const firings = plan.firingsByJob.get(injection.job) ?? [];
  const zone = firings[0]?.job.timezone ?? plan.scenarioZone;
  if (injection.scheduledAt === undefined) {
    const next = firings.find(free);
    if (!next)
      plan.problems.push(`injections.${index}.job: ${injection.job} has no ${firings.length ? 'further ' : ''}firing in the window`);
    return next;
  }
  const at = resolveMoment(injection.scheduledAt, zone, plan.window);
  const firing = at && firings.find((f) => f.scheduledTime.getTime() === at.getTime());
  if (!firing) {
    const some = firings.slice(0, 6).map((f) => localClockTime(f.scheduledTime.toISOString(), zone));
    plan.problems.push(
      `injections.${index}.scheduledAt: ${injection.job} has no firing at ${injection.scheduledAt} (${zone}) in the window` +
        ` (its firings: ${some.join(', ') || 'none'}${firings.length > some.length ? ', …' : ''})`,
    );
    return undefined;
  }
  if (!free(firing)) {
    plan.problems.push(
      `injections.${index}: an earlier ${injection.job} injection of this kind already targets the ${injection.scheduledAt} firing`,
    );
    return undefined;
  }
  return firing;
}

/** The firings of the schedules the stack creates for the service's scaling, as it would create them at the window's start. */
function plannedScalings(service: string, scaling: ServiceScaling, window: SandboxWindow): PlannedScaling[] {
  // Schedules firing at the same minute are one delivery each in AWS; all after the first find the service reconciled.
  const times = new Set(
    scalingScheduleExpressions(scaling, window.from).flatMap((expression) =>
      firingsBetween(parseScheduleExpression(expression), scaling.timezone, window.from, window.to, window.from).map((t) => t.getTime()),
    ),
  );
  const firings = [...times]
    .sort((a, b) => a - b)
    .map((time) => ({ service, scheduledTime: new Date(time), deliverAt: new Date(time + DELIVERY_DELAY_SECONDS * 1000) }));
  return [{ service, scheduledTime: undefined, deliverAt: window.from }, ...firings];
}

export function planSimulation(automation: Automation, scenario: Scenario, window: SandboxWindow): SandboxPlan {
  const firingsByJob = new Map<string, PlannedFiring[]>();
  for (const job of Object.values(automation.jobs)) {
    if (job.suspended) continue;
    const times = firingsBetween(parseScheduleExpression(job.schedule), job.timezone, window.from, window.to, window.from);
    firingsByJob.set(
      job.name,
      times.map((scheduledTime) => ({
        job,
        scheduledTime,
        executionId: randomUUID(),
        deliverAt: new Date(scheduledTime.getTime() + DELIVERY_DELAY_SECONDS * 1000),
      })),
    );
  }
  const plan: SandboxPlan = {
    window,
    scenarioZone: scenario.timezone ?? window.timeZone,
    firings: [...firingsByJob.values()].flat(),
    firingsByJob,
    scalings: Object.entries(automation.services).flatMap(([key, { scaling }]) => (scaling ? plannedScalings(key, scaling, window) : [])),
    cues: [],
    exits: [],
    problems: [],
  };
  const order = (injection: Injection) => (injection.kind === 'duplicate-delivery' ? 1 : 0);
  const indexed = scenario.injections.map((injection, index) => ({ injection, index }));
  for (const { injection, index } of indexed.sort((a, b) => order(a.injection) - order(b.injection))) {
    (INJECTIONS[injection.kind] as InjectionKind<typeof injection.kind>).plan(injection as never, index, plan);
  }
  plan.problems.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return plan;
}

// ── The simulation: the real handlers, the emulator, the virtual clock ──

interface Step {
  run: () => Promise<void>;
  /** Deliveries of firings in the window run even when they arrive after it ends; everything else stops at its end. */
  pastWindow: boolean;
}

/** What a Job Run event says about the run (the run record, as shared/jobs/trigger.ts publishes it). */
type RunDetail = Pick<RunRecord, 'job' | 'scheduledTime' | 'attempt' | 'cluster' | 'taskArns'> &
  Partial<Pick<RunRecord, 'launchedAt' | 'updatedAt' | 'maxRuntimeDeadline'>>;

/** A watched-task-crashes injection under way: its tasks left to end. */
interface CrashesUnderWay {
  index: number;
  injection: InjectionOfKind<'watched-task-crashes'>;
  /** Stops not yet put on the agenda. */
  remaining: number;
  /** A later injection for the same watched task, which the tasks started after it belong to. */
  supersededBy?: number;
}

/** How a scenario ends a task: a category, or the essential container's exit code. */
type Ending = { category?: StopCategory | undefined; exitCode?: number | undefined; reason?: string | undefined };

/** ECS sends a Fargate Spot task its interruption notice about this long before it stops it. */
const SPOT_NOTICE_SECONDS = 120;

/** Who the scenario's deployment requests say asked for them (`ecs-autopilot deploy` says `cli:<user>`). */
const REQUESTED_BY = 'sandbox scenario';

/** `["app=repo/shop:v2"]` → `{ app: "repo/shop:v2" }`, as `deploy --image` takes them (the schema checked the form). */
function imagesOf(pairs: string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** What a delivered event is about, for the line of a delivery that failed. */
interface DeliveryContext {
  subject: string;
  job?: string | undefined;
  during?: string | undefined;
}

/** A deployment the scenario requested: the id its request carried. */
interface RequestedDeployment {
  index: number;
  app: string;
  id: string;
  requestedAt: Date;
}

class Simulation {
  readonly clock: VirtualClock;
  readonly agenda = new Agenda<Step>();
  readonly timeline: TimelineEntry[] = [];
  readonly events: PublishedEvent[] = [];
  readonly alerts: SentAlert[] = [];
  readonly notes: string[] = [];
  private readonly watchdogTicks = new Set<number>();
  readonly runtime: JobRuntime;
  readonly stopRuntime: StopRuntime;
  readonly scalingRuntime: ScalingRuntime;
  readonly notifyRuntime: EmulatorNotifyRuntime;
  readonly shiftRuntime: ShiftHandlerRuntime;
  private readonly timers: ObservedTimers;
  private readonly rules: DeployedRules;
  /** Timer names on the agenda and not yet delivered: a name set twice is one schedule. */
  private readonly timersOnAgenda = new Set<string>();
  /** When each task the sandbox knows of started (virtual): the startedAt of its events. */
  private readonly taskStarts = new Map<string, Date>();
  private readonly crashes = new Map<string, CrashesUnderWay>();
  private readonly crashInjections: CrashesUnderWay[] = [];
  /** detail.version of the task events the sandbox builds: every later state has a higher one. */
  private eventVersion = 1;
  private notified = false;
  private readonly deploymentRequests: RequestedDeployment[] = [];
  /** A shift-traffic watchdog tick is on the agenda. */
  private shiftTickPending = false;

  readonly automation: Automation;
  readonly plan: SandboxPlan;
  readonly emulator: Emulator;
  readonly world: SandboxWorld;

  constructor(automation: Automation, plan: SandboxPlan, emulator: Emulator, world: SandboxWorld, log: Log) {
    this.automation = automation;
    this.plan = plan;
    this.emulator = emulator;
    this.world = world;
    this.clock = new VirtualClock(plan.window.from);
    this.timers = new ObservedTimers(world);
    this.rules = new DeployedRules(automation, emulatorResourceNames(world.busArn));
    this.runtime = emulatorJobRuntime(world, automation, this.clock, log);
    this.stopRuntime = emulatorStopRuntime(world, automation, this.clock, this.timers, log);
    this.scalingRuntime = emulatorScalingRuntime(world, automation, this.clock, this.timers, log);
    this.notifyRuntime = emulatorNotifyRuntime(world, automation, this.clock, this.timers, log);
    this.shiftRuntime = {
      ...emulatorShiftRuntime(world, automation, this.clock, log),
      rejections: new Rejections(createAwsClients(emulatorClientConfig(world.endpoint)).dynamo, world.tableName),
    };
    for (const firing of plan.firings) {
      this.agenda.add(firing.deliverAt, RANK.delivery, { pastWindow: true, run: () => this.deliver(firing, 'first') });
      const duplicateAt = firing.duplicateAt;
      if (duplicateAt) this.agenda.add(duplicateAt, RANK.delivery, { pastWindow: true, run: () => this.deliver(firing, 'duplicate') });
    }
    for (const scaling of plan.scalings)
      this.agenda.add(scaling.deliverAt, RANK.delivery, { pastWindow: true, run: () => this.scale(scaling) });
    for (const cue of plan.cues) this.agenda.add(cue.at, RANK.injection, { pastWindow: false, run: () => cue.act(this) });
  }

  async run(): Promise<void> {
    for (let next = this.agenda.next(); next; next = this.agenda.next()) {
      if (next.at >= this.plan.window.to && !next.item.pastWindow) continue;
      this.clock.advanceTo(next.at);
      await next.item.run();
      await this.settle();
    }
    // Every run of a job that does not fire in the window is none at all: that is no surprise to report.
    const idle = (exit: ExitOnCue) => exit.injection.everyRun && !this.plan.firingsByJob.get(exit.injection.job)?.length;
    for (const exit of this.plan.exits.filter((e) => e.applied === 0 && !idle(e))) {
      const { job, attempt, everyRun } = exit.injection;
      const which = attempt === undefined ? '' : ` (attempt ${attempt})`;
      const nothing = everyRun
        ? `no run${which} of ${job} launched a task`
        : exit.scheduledTime
          ? `the run scheduled at ${localClockTime(exit.scheduledTime, this.zoneOf(job))}${which} never launched a task`
          : `a run${which} never launched a task`;
      this.notes.push(`injections.${exit.index} (task-exits ${job}) did nothing: ${nothing}`);
    }
    for (const crash of this.crashInjections.filter((c) => c.remaining > 0)) {
      const { injection } = crash;
      const why =
        crash.supersededBy === undefined
          ? `no further task of ${injection.watchedTask} was started in the window`
          : `injections.${crash.supersededBy} took over ${injection.watchedTask}'s tasks`;
      this.notes.push(
        `injections.${crash.index} (watched-task-crashes ${injection.watchedTask}): ${crash.remaining} of its ${injection.times} stops did not happen: ${why}`,
      );
    }
    for (const deployment of await this.activeDeployments()) {
      this.notes.push(
        `deployment ${deployment.id} of ${deployment.app} was still ${deployment.stage} when the window ended` +
          `${deployment.waitingFor ? ` (waiting for ${deployment.waitingFor})` : ''}`,
      );
    }
    this.timeline.sort((a, b) => a.time.localeCompare(b.time));
  }

  private zoneOf(job: string): string {
    return this.automation.jobs[job]?.timezone ?? this.plan.scenarioZone;
  }

  /** The zone a service's scaling schedules are written in: its lines are shown in it. */
  private scalingZoneOf(service: string): string {
    return this.automation.services[service]?.scaling?.timezone ?? this.plan.scenarioZone;
  }

  private add(entry: Omit<Parameters<typeof timelineEntry>[0], 'time'> & { time?: Date }): void {
    this.timeline.push(timelineEntry({ time: this.clock.now(), ...entry }));
  }

  /**
   * Runs a handler; a failure becomes a timeline line (Scheduler or EventBridge would retry it, then
   * dead-letter it). Undefined when it threw.
   */
  private async invoke<T>(
    what: { subject: string; job?: string | undefined; handler: string; during?: string | undefined; timeZone?: string | undefined },
    call: () => Promise<T>,
  ): Promise<{ result: T } | undefined> {
    try {
      return { result: await call() };
    } catch (error) {
      this.add({
        timeZone: what.timeZone ?? (what.job ? this.zoneOf(what.job) : this.plan.scenarioZone),
        subject: what.subject,
        job: what.job,
        what: 'delivery-error',
        label: `${what.handler} failed`,
        detail: `${what.handler} threw${what.during ? ` ${what.during}` : ''}: ${(error as Error).message}`,
        source: 'scheduler',
      });
      return undefined;
    }
  }

  /**
   * After every step, what the handlers did reaches its subscribers: every bus event becomes a timeline
   * line; a launch puts the run's deadline and scenario exits on the agenda; tasks ecs-autopilot stopped
   * itself (maxRuntime, replace) reach on-task-stopped like any stop; and each event goes to the functions
   * of the deployed rules that match it. New timers go on the agenda, and notify's messages are read back.
   * Returns the events drained. `occasion` says why scale-service ran, when no schedule of the service fired.
   */
  private async settle(occasion?: string): Promise<PublishedEvent[]> {
    const all: PublishedEvent[] = [];
    // Delivery may invoke on-task-stopped or shift-traffic, which may publish again: drained until a round invokes nothing.
    for (let more = true; more; ) {
      const drained = await drainPublishedEvents(this.world);
      all.push(...drained);
      this.events.push(...drained);
      more = false;
      for (const event of drained) more = (await this.route(event, occasion)) || more;
    }
    for (const timer of this.timers.takeNew()) {
      if (this.timersOnAgenda.has(timer.name)) continue;
      this.timersOnAgenda.add(timer.name);
      this.agenda.add(firesAt(timer), RANK.timer, { pastWindow: false, run: () => this.deliverTimer(timer.name) });
    }
    if (this.notified) await this.collectAlerts();
    return all;
  }

  /**
   * shift-traffic gets an event, as the stack's rules route it; then, while any deployment is not final,
   * the watchdog schedule's next tick goes on the agenda.
   */
  private async shift(input: unknown, subject: string, during: string): Promise<void> {
    await this.invoke({ subject, handler: 'shift-traffic', during }, () => shiftTraffic(input, this.shiftRuntime));
    await this.followDeployments();
  }

  private async activeDeployments(): Promise<Deployment[]> {
    const active: Deployment[] = [];
    for (const app of Object.keys(this.automation.apps)) {
      const deployment = await this.shiftRuntime.deployments.get(app);
      if (deployment && !isFinal(deployment.stage)) active.push(deployment);
    }
    return active;
  }

  /**
   * The shift-traffic-watchdog schedule fires every minute, a few seconds past it. Only the ticks while a
   * deployment is under way can do anything, so only those are simulated: one at a time, the next
   * planned after each step that concerned a deployment.
   */
  private async followDeployments(): Promise<void> {
    if (this.shiftTickPending || (await this.activeDeployments()).length === 0) return;
    const now = this.clock.now().getTime();
    const minute = Math.floor(now / 60_000) * 60_000 + DELIVERY_DELAY_SECONDS * 1000;
    this.shiftTickPending = true;
    this.agenda.add(new Date(minute > now ? minute : minute + 60_000), RANK.watchdog, {
      pastWindow: false,
      run: async () => {
        this.shiftTickPending = false;
        await this.shift(SHIFT_TRAFFIC_TICK, 'shift-traffic-watchdog', 'on a watchdog tick');
      },
    });
  }

  /**
   * A bus event: its timeline line, what the sandbox does for moto (a launch's deadline and exits, the
   * stops of tasks ecs-autopilot stopped, a restarted task's scenario), then the deployed rules' delivery.
   * True when it invoked a handler that may have published events in turn.
   */
  private async route(event: PublishedEvent, occasion: string | undefined): Promise<boolean> {
    const job = this.automation.jobs[String(event.detail.job)];
    const entry =
      outcomeEntry(event, job) ??
      stoppedTaskEntry(event, this.plan.scenarioZone) ??
      scalingEntry(event, this.scalingZoneOf(String(event.detail.serviceKey)), occasion) ??
      deploymentEntry(event, this.plan.scenarioZone);
    if (entry) this.timeline.push(entry);
    const type = event['detail-type'];
    if (type === JOB_RUN_DETAIL_TYPES.launched) this.onLaunched(event.detail as unknown as RunDetail);
    const stoppedByAutopilot = type === JOB_RUN_DETAIL_TYPES['timed-out'] || type === JOB_RUN_DETAIL_TYPES.replaced;
    if (stoppedByAutopilot) await this.reportStopsByAutopilot(event.detail as unknown as RunDetail);
    if (type === STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted) {
      const { watchedTask, taskArns = [] } = event.detail as { watchedTask?: string; taskArns?: string[] };
      for (const taskArn of taskArns) this.onWatchedTaskStarted(String(watchedTask), taskArn);
    }
    const delivered = await this.deliverEvent(event, 'own', { subject: String(event.detail.app), during: `on ${type}` });
    return stoppedByAutopilot || delivered;
  }

  /**
   * EventBridge hands an event to the function of every rule on its bus that matches it, once per rule,
   * and to nobody when none does. `context` names what the event is about in a failed delivery's line.
   * True when it invoked a function.
   */
  private async deliverEvent(event: unknown, bus: RuleBus, context: DeliveryContext): Promise<boolean> {
    const rules = this.rules.matching(event, bus);
    for (const rule of rules) await this.invokeTarget(rule.target, event, context);
    return rules.length > 0;
  }

  private async invokeTarget(target: RuleTarget, event: unknown, context: DeliveryContext): Promise<void> {
    switch (target) {
      case 'on-task-stopped':
        await this.invoke({ subject: context.subject, job: context.job, handler: target }, () => onTaskStopped(event, this.stopRuntime));
        return;
      case 'notify':
        this.notified = true;
        await this.invoke({ subject: 'notify', handler: target }, () => notify(event, this.notifyRuntime));
        return;
      case 'shift-traffic':
        await this.shift(event, context.subject, context.during ?? '');
        return;
    }
  }

  /** The messages notify published since the last call: each a timeline line and an entry of the report's alerts. */
  private async collectAlerts(): Promise<void> {
    this.notified = false;
    for (const delivered of await drainAlerts(this.world, this.notifyRuntime.topic)) {
      const context = delivered.chatbot?.metadata.additionalContext;
      const alert: SentAlert = {
        time: this.clock.now().toISOString(),
        local: '',
        status: context?.status === 'resolved' || delivered.subject.startsWith('[RESOLVED]') ? 'resolved' : 'firing',
        groupKey: delivered.chatbot?.metadata.threadId ?? '',
        subject: delivered.subject,
        text: delivered.text ?? delivered.chatbot?.content.description ?? '',
        chatbot: delivered.chatbot,
      };
      const [, subjectKind, subjectName] = /^[^|]*\|([^:|]*):([^|]*)\|/.exec(alert.groupKey) ?? [];
      const zone = subjectKind === 'job' && subjectName ? this.zoneOf(subjectName) : this.plan.scenarioZone;
      const entry = alertEntry(alert, zone);
      alert.local = entry.local;
      this.alerts.push(alert);
      this.timeline.push(entry);
    }
  }

  /** A timer's time has come: Scheduler invokes its target with its input (moto never fires it: the sandbox does). */
  private async deliverTimer(name: string): Promise<void> {
    this.timersOnAgenda.delete(name);
    const timer = await this.timers.take(name);
    if (!timer) return;
    const input = timer.input as { job?: string; watchedTask?: string; service?: string };
    const subject = input.job ?? input.watchedTask ?? input.service ?? timer.target;
    const what = { subject, job: input.job, handler: timer.target, during: `on its timer ${name}` };
    switch (timer.target) {
      case 'run-batch-job':
        await this.invoke(what, () => runBatchJob(timer.input, this.runtime));
        return;
      case 'on-task-stopped':
        await this.invoke(what, () => onTaskStopped(timer.input, this.stopRuntime));
        return;
      case 'notify':
        this.notified = true;
        await this.invoke({ ...what, subject: 'notify' }, () => notify(timer.input, this.notifyRuntime));
        return;
      case 'scale-service':
        await this.invoke({ ...what, timeZone: this.scalingZoneOf(subject) }, () => scaleService(timer.input, this.scalingRuntime));
        return;
    }
  }

  /** Scheduler delivers a firing of the service's scaling schedules (or the sandbox reconciles it at the window's start). */
  private async scale(planned: PlannedScaling): Promise<void> {
    const { service, scheduledTime } = planned;
    const timeZone = this.scalingZoneOf(service);
    const during = scheduledTime ? `on the ${localClockTime(scheduledTime.toISOString(), timeZone)} firing` : "at the window's start";
    await this.invoke({ subject: service, handler: 'scale-service', during, timeZone }, () =>
      scaleService(scheduledFiringInput(service, scheduledTime), this.scalingRuntime),
    );
    // Settled here rather than after the step, so that the lines of the reconcile at the start say why it ran then.
    if (!scheduledTime) await this.settle(BEFORE_THE_WINDOW);
  }

  async deliver(firing: PlannedFiring, copy: 'first' | 'duplicate'): Promise<void> {
    const { job } = firing;
    const scheduledTime = firing.scheduledTime.toISOString();
    const payload = { job: job.name, scheduledTime: schedulerTime(firing.scheduledTime), executionId: firing.executionId };
    const before = copy === 'duplicate' ? await this.runtime.runs.get(job.name, scheduledTime, 1) : undefined;
    const during = `on the ${localClockTime(scheduledTime, job.timezone)} firing`;
    const delivered = await this.invoke({ subject: job.name, job: job.name, handler: 'run-batch-job', during }, () =>
      runBatchJob(payload, this.runtime),
    );
    if (copy === 'first' || !delivered) return;
    // A duplicate must show whether it published anything: what it did is settled here rather than after the step.
    const published = await this.settle();
    this.reportDuplicate(firing, before, await this.runtime.runs.get(job.name, scheduledTime, 1), published);
  }

  private reportDuplicate(firing: PlannedFiring, before: RunRecord | undefined, after: RunRecord | undefined, published: PublishedEvent[]) {
    const { job } = firing;
    const unchanged = before !== undefined && after !== undefined && before.version === after.version && published.length === 0;
    const firingName = `the ${localClockTime(firing.scheduledTime.toISOString(), job.timezone)} firing`;
    this.add({
      timeZone: job.timezone,
      subject: job.name,
      job: job.name,
      what: 'duplicate-delivery',
      label: unchanged ? 'duplicate delivery → nothing new' : 'duplicate delivery',
      detail: unchanged
        ? `${firingName} arrived again: its run stays ${[after.status, describeTaskIds(after.taskArns)].filter(Boolean).join(' ')}; nothing launched, no event published`
        : `${firingName} arrived again (scenario); what it did follows`,
      scheduledTime: firing.scheduledTime.toISOString(),
      taskArns: after?.taskArns,
      source: unchanged ? 'run-history' : 'scenario',
    });
  }

  /** An attempt started tasks: its maxRuntime deadline needs a watchdog tick, and the scenario may end its tasks. */
  private onLaunched(run: RunDetail): void {
    const launchedAt = new Date(run.launchedAt ?? run.updatedAt ?? this.clock.now());
    for (const taskArn of run.taskArns) this.taskStarts.set(taskArn, launchedAt);
    if (run.maxRuntimeDeadline) this.scheduleWatchdog(new Date(run.maxRuntimeDeadline));
    const exit = exitForRun(this.plan.exits, run);
    if (!exit) return;
    const { injection } = exit;
    const stopAt = new Date(launchedAt.getTime() + injection.after * 1000);
    if (injection.category === 'spot-interruption') {
      const noticeAt = new Date(Math.max(launchedAt.getTime(), stopAt.getTime() - SPOT_NOTICE_SECONDS * 1000));
      this.agenda.add(noticeAt, RANK.injection, { pastWindow: false, run: () => this.noticeRun(run) });
    }
    this.agenda.add(stopAt, RANK.injection, { pastWindow: false, run: () => this.endRun(run, injection) });
  }

  /**
   * Scheduler fires the watchdog every minute, a few seconds past it; a tick finds the runs whose deadline
   * has passed. Only the first tick after each deadline can act, so only those are simulated.
   */
  private scheduleWatchdog(deadline: Date): void {
    const minute = Math.floor(deadline.getTime() / 60_000) * 60_000 + DELIVERY_DELAY_SECONDS * 1000;
    const tick = minute >= deadline.getTime() ? minute : minute + 60_000;
    if (this.watchdogTicks.has(tick)) return;
    this.watchdogTicks.add(tick);
    this.agenda.add(new Date(tick), RANK.watchdog, {
      pastWindow: false,
      run: async () => {
        await this.invoke({ subject: 'enforce-max-runtime', handler: 'watchdog' }, () => enforceMaxRuntimeTick(this.runtime));
      },
    });
  }

  /** The "ECS Task State Change" EventBridge delivers for the task as moto now has it, at the virtual time. */
  private async taskEvent(cluster: string, taskArn: string, started = true) {
    this.eventVersion += 1;
    return taskStateChangeEvent(this.runtime.ecs, cluster, taskArn, {
      at: this.clock.now(),
      version: this.eventVersion,
      startedAt: started ? this.taskStarts.get(taskArn) : undefined,
    });
  }

  /** ECS puts a task's state change on the default bus: the task-events rule takes it to on-task-stopped when it matches. */
  private async deliverTaskEvent(event: Awaited<ReturnType<Simulation['taskEvent']>>, subject: DeliveryContext) {
    await this.deliverEvent(event, 'default', subject);
  }

  /** Makes a task stop as ECS would report the ending, and hands the event to on-task-stopped. */
  private async stopTask(cluster: string, task: Task, ending: Ending, subject: { subject: string; job?: string | undefined }) {
    const taskArn = task.taskArn ?? '';
    const stop =
      ending.category === undefined
        ? exitEnding(ending.exitCode ?? 0, ending.reason)
        : endingOf(ending.category, task.containers?.[0]?.image);
    await setTaskState(this.emulator, taskArn, {
      lastStatus: 'STOPPED',
      stopCode: stop.stopCode,
      stoppedReason: stop.stoppedReason,
      exitCode: stop.exitCode ?? null,
      containerReason: stop.containerReason,
    });
    await this.deliverTaskEvent(await this.taskEvent(cluster, taskArn, ending.category !== 'failed-to-start'), subject);
  }

  /** Whether an event on the bus tells of one of these tasks: then it is the timeline's line for their stop. */
  private static tells(events: PublishedEvent[], taskArns: string[]): boolean {
    return events.some((event) => {
      const mentioned = [...(event.resources ?? []), ...((event.detail.taskArns as string[] | undefined) ?? [])];
      return taskArns.some((taskArn) => mentioned.includes(taskArn));
    });
  }

  private async runningTasks(cluster: string, taskArns: string[]) {
    const tasks = await describeTasks(this.runtime.ecs, cluster, taskArns);
    return {
      tasks,
      // A task after its Spot notice still runs (desired STOPPED) until it stops.
      running: tasks.filter((task) => task.lastStatus !== 'STOPPED' && task.lastStatus !== 'DELETED'),
    };
  }

  /** Two minutes before a Spot task stops, ECS tells: RUNNING, desired STOPPED, stop code SpotInterruption. */
  private async noticeRun(run: RunDetail): Promise<void> {
    const { running } = await this.runningTasks(run.cluster, run.taskArns);
    const taskArns = running.map((task) => task.taskArn ?? '');
    for (const taskArn of taskArns) await this.noticeTask(run.cluster, taskArn, { subject: run.job, job: run.job });
    if (taskArns.length === 0 || Simulation.tells(await this.settle(), taskArns)) return;
    const timeZone = this.zoneOf(run.job);
    this.add({
      timeZone,
      subject: run.job,
      job: run.job,
      what: 'spot-notice',
      label: 'Spot interruption notice',
      detail: `${this.runName(run, timeZone)} ${describeTaskIds(taskArns)}: FARGATE_SPOT takes the capacity back in ${formatDuration(SPOT_NOTICE_SECONDS)}`,
      scheduledTime: run.scheduledTime,
      taskArns,
      source: 'scenario',
    });
  }

  private async noticeTask(cluster: string, taskArn: string, subject: { subject: string; job?: string | undefined }) {
    const spot = endingOf('spot-interruption');
    await setTaskState(this.emulator, taskArn, {
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: spot.stopCode,
      stoppedReason: spot.stoppedReason,
    });
    await this.deliverTaskEvent(await this.taskEvent(cluster, taskArn), subject);
  }

  private runName(run: Pick<RunDetail, 'scheduledTime' | 'attempt'>, timeZone: string): string {
    return `run of ${localClockTime(run.scheduledTime, timeZone)}${run.attempt > 1 ? `, attempt ${run.attempt}` : ''}`;
  }

  /** The scenario ends a run's tasks (those still running): each stop goes to on-task-stopped, which settles the run. */
  private async endRun(run: RunDetail, injection: InjectionOfKind<'task-exits'>): Promise<void> {
    const timeZone = this.zoneOf(run.job);
    const common = { timeZone, subject: run.job, job: run.job, scheduledTime: run.scheduledTime, source: 'scenario' as const };
    const { tasks, running } = await this.runningTasks(run.cluster, run.taskArns);
    const ending = describeEnding(injection);
    if (running.length === 0) {
      // A task ecs-autopilot stopped itself (maxRuntime, replace) has its own line already.
      const stoppedByOthers = tasks.filter((task) => !task.stoppedReason?.startsWith(STOP_REASON_PREFIX));
      if (stoppedByOthers.length === 0) return;
      const reasons = [...new Set(stoppedByOthers.map((task) => task.stoppedReason).filter(Boolean))].join('; ');
      this.add({
        ...common,
        what: 'task-already-stopped',
        label: 'task already stopped',
        detail:
          `${this.runName(run, timeZone)} ${describeTaskIds(run.taskArns)} had stopped before the scenario's stop ` +
          `after ${formatDuration(injection.after)} (${ending}): ${reasons || 'stopped'}`,
        taskArns: run.taskArns,
      });
      return;
    }
    const taskArns = running.map((task) => task.taskArn ?? '');
    for (const task of running) await this.stopTask(run.cluster, task, injection, { subject: run.job, job: run.job });
    if (Simulation.tells(await this.settle(), taskArns)) return;
    this.add({
      ...common,
      what: 'task-exited',
      label: injection.category === undefined ? `task exited ${injection.exitCode}` : `task stopped: ${injection.category}`,
      detail:
        `${this.runName(run, timeZone)} ${describeTaskIds(taskArns)}: stopped by the scenario after ${formatDuration(injection.after)}` +
        ` (${ending}${injection.reason ? `, ${injection.reason}` : ''})`,
      taskArns,
    });
  }

  /** ECS reports the stop of a task ecs-autopilot stopped (maxRuntime, replace) like any other: on-task-stopped records it. */
  private async reportStopsByAutopilot(run: RunDetail): Promise<void> {
    const { tasks } = await this.runningTasks(run.cluster, run.taskArns);
    for (const task of tasks.filter((t) => t.lastStatus === 'STOPPED' && t.taskArn)) {
      await this.deliverTaskEvent(await this.taskEvent(run.cluster, task.taskArn ?? ''), { subject: run.job, job: run.job });
    }
  }

  /** A person starts a watched task (RunTask into its group); each of its tasks then stops as the scenario says. */
  async startWatchedTask(injection: InjectionOfKind<'watched-task-crashes'>, index: number): Promise<void> {
    const spec = this.automation.watchedTasks[injection.watchedTask];
    if (!spec) return;
    const crash: CrashesUnderWay = { index, injection, remaining: injection.times };
    const earlier = this.crashes.get(spec.name);
    if (earlier) earlier.supersededBy = index;
    this.crashInjections.push(crash);
    this.crashes.set(spec.name, crash);
    const started = await this.invoke({ subject: spec.name, handler: 'RunTask' }, () =>
      this.runtime.ecs.send(new RunTaskCommand({ ...launchParameters(spec, 0), count: 1, group: spec.group })),
    );
    const taskArn = started?.result.tasks?.[0]?.taskArn;
    const times = injection.times === 1 ? 'once' : `${injection.times} times`;
    this.add({
      timeZone: this.plan.scenarioZone,
      subject: spec.name,
      what: 'watched-task-started',
      label: 'started by hand',
      detail: taskArn
        ? `task ${shortTaskId(taskArn)} started as a person would (RunTask into group ${spec.group}); ` +
          `the scenario stops each of its tasks after ${formatDuration(injection.after)} (${describeEnding(injection)}), ${times}`
        : `RunTask started nothing: ${started?.result.failures?.map((f) => f.reason).join('; ') || 'no task'}`,
      taskArns: taskArn ? [taskArn] : undefined,
      source: 'scenario',
    });
    if (taskArn) this.onWatchedTaskStarted(spec.name, taskArn);
  }

  /** A task of a watched task started (by hand or as a restart): the scenario's next stop is its. */
  private onWatchedTaskStarted(watchedTask: string, taskArn: string): void {
    this.taskStarts.set(taskArn, this.clock.now());
    const crash = this.crashes.get(watchedTask);
    if (!crash || crash.remaining === 0) return;
    crash.remaining -= 1;
    const { injection } = crash;
    const spec = this.automation.watchedTasks[watchedTask];
    if (!spec) return;
    const stopAt = new Date(this.clock.now().getTime() + injection.after * 1000);
    if (injection.category === 'spot-interruption') {
      const noticeAt = new Date(Math.max(this.clock.now().getTime(), stopAt.getTime() - SPOT_NOTICE_SECONDS * 1000));
      this.agenda.add(noticeAt, RANK.injection, {
        pastWindow: false,
        run: () => this.noticeTask(spec.cluster, taskArn, { subject: watchedTask }),
      });
    }
    this.agenda.add(stopAt, RANK.injection, { pastWindow: false, run: () => this.endWatchedTask(spec, taskArn, injection) });
  }

  private async endWatchedTask(spec: WatchedTaskSpec, taskArn: string, injection: InjectionOfKind<'watched-task-crashes'>) {
    const { running } = await this.runningTasks(spec.cluster, [taskArn]);
    const common = { timeZone: this.plan.scenarioZone, subject: spec.name, taskArns: [taskArn], source: 'scenario' as const };
    if (running.length === 0) {
      const detail = `task ${shortTaskId(taskArn)} had stopped before the scenario's stop after ${formatDuration(injection.after)}`;
      this.add({ ...common, what: 'task-already-stopped', label: 'task already stopped', detail });
      return;
    }
    for (const task of running) await this.stopTask(spec.cluster, task, injection, { subject: spec.name });
    if (Simulation.tells(await this.settle(), [taskArn])) return;
    this.add({
      ...common,
      what: 'task-exited',
      label: injection.category === undefined ? `task exited ${injection.exitCode}` : `task stopped: ${injection.category}`,
      detail: `task ${shortTaskId(taskArn)}: stopped by the scenario after ${formatDuration(injection.after)} (${describeEnding(injection)})`,
    });
  }

  async injectOutage(injection: InjectionOfKind<'capacity-outage'>, at: Date): Promise<void> {
    await injectCapacityOutage(this.emulator, injection.capacityProvider, injection.launches);
    const launches = injection.launches === 1 ? 'launch' : `${injection.launches} launches`;
    this.add({
      time: at,
      timeZone: this.plan.scenarioZone,
      subject: injection.capacityProvider,
      what: 'capacity-outage',
      label: 'capacity outage injected',
      detail: `the next ${launches} on ${injection.capacityProvider} find${injection.launches === 1 ? 's' : ''} no capacity`,
      source: 'scenario',
    });
  }

  /** A pipeline runs `ecs-autopilot deploy`: the same Deployment Requested event on the bus, which routes it to shift-traffic. */
  async requestDeployment(injection: InjectionOfKind<'deployment'>, index: number): Promise<void> {
    const now = this.clock.now();
    const images = injection.image === undefined ? undefined : imagesOf([injection.image].flat());
    const taskDefinition = injection.taskDefinition && (await this.taskDefinitionArn(injection.app, injection.taskDefinition));
    if (taskDefinition === null) return;
    const id = deploymentId(injection.app, now, randomBytes(2).toString('hex'));
    this.deploymentRequests.push({ index, app: injection.app, id, requestedAt: now });
    const detail = {
      app: injection.app,
      id,
      ...(taskDefinition && { taskDefinition }),
      ...(images && { images }),
      requestedBy: REQUESTED_BY,
    };
    await this.shiftRuntime.bus.publish([{ detailType: DEPLOYMENT_DETAIL_TYPES.requested, detail, time: now }]);
  }

  /** `deploy` takes a task definition ARN: a family:revision is looked up in the emulator. Null when it is not there. */
  private async taskDefinitionArn(app: string, taskDefinition: string): Promise<string | null> {
    if (taskDefinition.startsWith('arn:')) return taskDefinition;
    const found = await this.invoke({ subject: app, handler: 'DescribeTaskDefinition', during: 'for the deployment request' }, () =>
      this.shiftRuntime.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
    );
    return found?.result.taskDefinition?.taskDefinitionArn ?? null;
  }

  /**
   * A gate alarm changes state: set in CloudWatch (moto evaluates no metrics, so SetAlarmState), and the
   * "CloudWatch Alarm State Change" event AWS puts on the default bus goes where the rules take it (the
   * gate alarms' rule: shift-traffic).
   */
  async changeAlarm(injection: InjectionOfKind<'deployment'>, index: number, state: 'ALARM' | 'OK'): Promise<void> {
    const { alarm } = injection;
    if (!alarm) return;
    const { cloudWatch } = this.shiftRuntime;
    const reason =
      state === 'ALARM' ? 'Threshold Crossed: injected by the scenario' : 'Threshold no longer crossed: injected by the scenario';
    const changed = await this.invoke({ subject: alarm.name, handler: 'SetAlarmState' }, async () => {
      await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarm.name, StateValue: state, StateReason: reason }));
      const { MetricAlarms = [] } = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm.name] }));
      return MetricAlarms[0]?.AlarmArn ?? '';
    });
    if (!changed) return;
    const alarmArn = changed.result;
    const now = this.clock.now();
    const request = this.deploymentRequests.find((r) => r.index === index);
    this.add({
      timeZone: this.plan.scenarioZone,
      subject: alarm.name,
      what: 'alarm-state',
      label: `alarm → ${state}`,
      detail:
        state === 'ALARM'
          ? `set to ALARM ${formatDuration(alarm.after)} after ${request ? `${request.id} was requested` : 'the deployment request'}; its state change goes to shift-traffic`
          : `back to OK after ${formatDuration(alarm.clearsAfter)} in ALARM`,
      source: 'scenario',
    });
    const event = alarmStateChangeEvent({ alarmArn, alarmName: alarm.name, state, reason, at: now });
    await this.deliverEvent(event, 'default', { subject: alarm.name, during: `on ${alarm.name}'s change to ${state}` });
  }

  /** Per deployment the scenario requested, as shift-traffic left it in the state table (or its rejection). */
  async deploymentSummary(): Promise<DeploymentSummary[]> {
    const zone = this.plan.scenarioZone;
    const local = (at: string) => formatLocal(new Date(at), zone);
    const known = new Map<string, Deployment[]>();
    const rows: DeploymentSummary[] = [];
    for (const request of this.deploymentRequests) {
      let deployments = known.get(request.app);
      if (!deployments) {
        const current = await this.shiftRuntime.deployments.get(request.app);
        deployments = [...(current ? [current] : []), ...(await this.shiftRuntime.deployments.history(request.app, 100))];
        known.set(request.app, deployments);
      }
      const requestedAt = request.requestedAt.toISOString();
      const common = { app: request.app, id: request.id, requestedAt, local: local(requestedAt) };
      const deployment = deployments.find((d) => d.id === request.id);
      if (!deployment) {
        const rejection = await this.shiftRuntime.rejections.get(request.app, request.id);
        rows.push({
          ...common,
          fromService: undefined,
          toService: undefined,
          taskDefinition: undefined,
          images: undefined,
          stage: rejection ? 'rejected' : 'never started',
          outcome: rejection && { status: 'rejected', reason: rejection.reason, at: rejection.at, local: local(rejection.at) },
          weights: [],
        });
        continue;
      }
      const app = this.automation.apps[request.app];
      const { outcome } = deployment;
      rows.push({
        ...common,
        fromService: deployment.from && app?.colours[deployment.from].service,
        toService: deployment.to && app?.colours[deployment.to].service,
        taskDefinition: deployment.taskDefinition,
        images: deployment.images,
        stage: deployment.stage,
        outcome: outcome && { ...outcome, local: local(outcome.at) },
        weights: deployment.weights.map(({ at, newPercent, why }) => ({ at, local: local(at), newPercent, why })),
      });
    }
    return rows;
  }

  /** Per app, read back from the emulator: the forward action's split and the two services. */
  async appSummary(): Promise<AppSummary[]> {
    const { elb, ecs } = this.shiftRuntime;
    const rows: AppSummary[] = [];
    for (const app of Object.values(this.automation.apps)) {
      const actions = app.rule
        ? (await elb.send(new DescribeRulesCommand({ RuleArns: [app.rule] }))).Rules?.[0]?.Actions
        : (await elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }))).Listeners?.[0]?.DefaultActions;
      const { targetGroups } = forwardOf(actions ?? []);
      const total = targetGroups.reduce((sum, group) => sum + group.weight, 0);
      const names = COLOURS.map((colour) => app.colours[colour].service);
      const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: app.cluster, services: names }));
      rows.push({
        app: app.name,
        colours: COLOURS.map((colour) => {
          const { service, targetGroup } = app.colours[colour];
          const weight = targetGroups.find((group) => group.arn === targetGroup)?.weight;
          const found = services.find((s) => s.serviceName === service && s.status === 'ACTIVE');
          return {
            colour,
            service,
            percent: weight === undefined ? undefined : total > 0 ? Math.round((weight / total) * 100) : 0,
            desiredCount: found?.desiredCount,
            taskDefinition: found?.taskDefinition,
          };
        }),
      });
    }
    return rows;
  }

  announceLateDelivery(firing: PlannedFiring): void {
    const { job } = firing;
    const deadline =
      job.startingDeadlineSeconds === undefined
        ? 'the job has no startingDeadline'
        : `startingDeadline ${formatDuration(job.startingDeadlineSeconds)}`;
    this.add({
      timeZone: job.timezone,
      subject: job.name,
      job: job.name,
      what: 'late-delivery',
      label: 'late delivery injected',
      detail: `Scheduler delivers the ${localClockTime(firing.scheduledTime.toISOString(), job.timezone)} firing ${formatDuration(firing.lateBySeconds ?? 0)} late (${deadline})`,
      scheduledTime: firing.scheduledTime.toISOString(),
      source: 'scenario',
    });
  }

  /** Per job, from the run history the handlers wrote. */
  async summary(): Promise<JobSummary[]> {
    const rows: JobSummary[] = [];
    for (const job of Object.values(this.automation.jobs)) {
      const firings = this.plan.firingsByJob.get(job.name)?.length ?? 0;
      const runs = job.suspended ? [] : await this.runtime.runs.list(job.name, firings * job.retry.attempts + 10);
      const count = (status: RunRecord['status']) => runs.filter((run) => run.status === status).length;
      const failed = runs.filter((run) => run.status === 'failed');
      rows.push({
        job: job.name,
        schedule: job.schedule,
        timeZone: job.timezone,
        suspended: job.suspended,
        firings,
        launched: runs.filter((run) => run.launchedAt !== undefined).length,
        retries: failed.filter((run) => run.retry?.willRetry).length,
        skipped: count('skipped'),
        missed: count('missed'),
        failed: failed.filter((run) => !run.retry?.willRetry).length,
        timedOut: count('timed-out'),
        replaced: count('replaced'),
        succeeded: count('succeeded'),
        open: count('launched'),
        runs: runs
          .map(({ scheduledTime, attempt, status, reason, category, retry, capacityProvider, taskArns, launchedAt, endedAt }) => ({
            scheduledTime,
            attempt,
            status,
            reason,
            category,
            retry,
            capacityProvider,
            taskArns,
            launchedAt,
            endedAt,
          }))
          .reverse(),
      });
    }
    return rows;
  }

  /** Per scaled service, from the events on the bus and the service as ECS and Application Auto Scaling have it at the end. */
  async serviceScalingSummary(): Promise<ServiceScalingSummary[]> {
    const rows: ServiceScalingSummary[] = [];
    for (const [key, watch] of Object.entries(this.automation.services)) {
      if (!watch.scaling) continue;
      const count = (type: string) => this.events.filter((e) => e['detail-type'] === type && e.detail.serviceKey === key).length;
      const shape = await this.shapeOf(watch);
      rows.push({
        serviceKey: key,
        cluster: clusterNameOf(watch.cluster),
        timeZone: watch.scaling.timezone,
        changes: count(SCALING_DETAIL_TYPES.scaled),
        deferrals: count(SCALING_DETAIL_TYPES.deferred),
        failures: count(SCALING_DETAIL_TYPES.failed),
        ...shape,
      });
    }
    return rows;
  }

  private async shapeOf(watch: ServiceWatch): Promise<Pick<ServiceScalingSummary, 'desiredCount' | 'bounds'>> {
    const { ecs, autoScaling } = this.scalingRuntime;
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: watch.cluster, services: [watch.service] }));
    const { ScalableTargets = [] } = await autoScaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: [`service/${clusterNameOf(watch.cluster)}/${watch.service}`],
      }),
    );
    const target = ScalableTargets[0];
    return {
      desiredCount: services.find((service) => service.status === 'ACTIVE')?.desiredCount,
      bounds: target && { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 },
    };
  }

  /** Per watched task, from the events on the bus and the watch state on-task-stopped keeps. */
  async watchedTaskSummary(): Promise<WatchedTaskSummary[]> {
    const rows: WatchedTaskSummary[] = [];
    for (const spec of Object.values(this.automation.watchedTasks)) {
      const about = (type: string) => this.events.filter((e) => e['detail-type'] === type && e.detail.watchedTask === spec.name);
      const state = await this.stopRuntime.watches.get(spec.name);
      const paused = state?.paused;
      rows.push({
        watchedTask: spec.name,
        cluster: spec.cluster,
        stops: about(STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped).filter(
          (e) => !(e.detail.stop as { isSpotNotice?: boolean }).isSpotNotice,
        ).length,
        restarts: about(STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted).length,
        paused: paused && { at: paused.at, local: formatLocal(new Date(paused.at), this.plan.scenarioZone), reason: paused.reason },
      });
    }
    return rows;
  }
}

function handlerLog(options: SandboxOptions): Log {
  const write = options.verbose ? options.progress : undefined;
  const emit =
    (level: string) =>
    (message: unknown, ...extra: unknown[]) =>
      write?.(`[${level}] ${String(message)}${extra.length ? ` ${JSON.stringify(extra)}` : ''}`);
  return { info: emit('info'), warn: emit('warn'), error: emit('error'), debug: () => {} };
}

function withoutNetworks(automation: Automation): Automation {
  const strip = <T extends { network: unknown }>(specs: Record<string, T>) =>
    Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { ...spec, network: undefined }]));
  return { ...automation, jobs: strip(automation.jobs), watchedTasks: strip(automation.watchedTasks) };
}

const STAND_IN_TAG = 'ecs-autopilot:stands-in-for';

/**
 * An emulator without the bridge picks its own subnet and security group ids, so the ids the automation
 * file names cannot exist there. The sandbox creates (or, on a later run, finds) one stand-in for each and
 * runs the jobs with the stand-ins' ids in their place. Returns the automation to run and what was replaced.
 */
async function standInNetwork(emulator: Emulator, automation: Automation): Promise<{ automation: Automation; replaced: string[] }> {
  const jobs = Object.values(automation.jobs);
  const subnets = [...new Set(jobs.flatMap((job) => job.network?.subnets ?? []))];
  const securityGroups = [...new Set(jobs.flatMap((job) => job.network?.securityGroups ?? []))];
  if (subnets.length === 0 && securityGroups.length === 0) return { automation, replaced: [] };
  const ec2 = new EC2Client(emulatorClientConfig(emulator.endpoint));
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  const vpcId = Vpcs[0]?.VpcId;
  if (!vpcId) throw new Error(`the emulator at ${emulator.endpoint} has no default VPC to create stand-in subnets in`);
  const standIns = new Map<string, string>();
  for (const [index, id] of subnets.entries()) {
    const tagged = { Name: `tag:${STAND_IN_TAG}`, Values: [id] };
    const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: [tagged] }));
    const existing = Subnets[0]?.SubnetId;
    const created = existing
      ? undefined
      : await ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: `172.31.${192 + index}.0/24`,
            TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: STAND_IN_TAG, Value: id }] }],
          }),
        );
    standIns.set(id, existing ?? created?.Subnet?.SubnetId ?? id);
  }
  for (const id of securityGroups) {
    const GroupName = `ecs-autopilot-sandbox-${id}`;
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [GroupName] }] }),
    );
    const existing = SecurityGroups[0]?.GroupId;
    const created = existing
      ? undefined
      : await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName, Description: `stands in for ${id}` }));
    standIns.set(id, existing ?? created?.GroupId ?? id);
  }
  const swap = (ids: string[]) => ids.map((id) => standIns.get(id) ?? id);
  return {
    automation: {
      ...automation,
      jobs: Object.fromEntries(
        Object.entries(automation.jobs).map(([name, job]) => [
          name,
          job.network
            ? { ...job, network: { ...job.network, subnets: swap(job.network.subnets), securityGroups: swap(job.network.securityGroups) } }
            : job,
        ]),
      ),
    },
    replaced: [...standIns].map(([id, standIn]) => `${id} → ${standIn}`),
  };
}

/** Every service starts with this many tasks, so that a stop and a restore both show. */
const STARTING_DESIRED_COUNT = 2;
/** The scalable target of a service whose scaling sets bounds: something for the periods to change and restore. */
const STARTING_BOUNDS = { min: 2, max: 8 };

/** Whether a service's scaling sets bounds anywhere (a period, an override, outside): only a scalable target has them. */
function scalesBounds(scaling: ServiceScaling): boolean {
  const targets = [
    ...scaling.periods.map((period) => period.target),
    ...scaling.overrides.map((override) => override.target),
    scaling.outside,
  ];
  return targets.some((target) => target.kind === 'bounds');
}

function startingShapes(services: ServiceWatch[]): Record<string, SeededServiceShape> {
  return Object.fromEntries(
    services.map((service) => [
      service.key,
      service.scaling && scalesBounds(service.scaling)
        ? { desiredCount: STARTING_DESIRED_COUNT, bounds: STARTING_BOUNDS }
        : { desiredCount: STARTING_DESIRED_COUNT },
    ]),
  );
}

/** `, 2 services of 2 tasks (web with a scalable target of 2-8 tasks)` for the progress line; empty for none. */
function describeSeededServices(shapes: Record<string, SeededServiceShape>): string {
  const keys = Object.keys(shapes);
  if (keys.length === 0) return '';
  const scalable = keys.filter((key) => shapes[key]?.bounds);
  const targets = scalable.length
    ? ` (${scalable.join(', ')} with a scalable target of ${STARTING_BOUNDS.min}-${STARTING_BOUNDS.max} tasks)`
    : '';
  return `, ${keys.length} service${keys.length === 1 ? '' : 's'} of ${STARTING_DESIRED_COUNT} tasks${targets}`;
}

/**
 * The services to create, and those an emulator that keeps its state (--endpoint) still has from an
 * earlier run: ECS does not create a service twice, so those are used as that run left them.
 */
async function servicesToSeed(world: SandboxWorld, automation: Automation): Promise<{ created: ServiceWatch[]; kept: string[] }> {
  const ecs = new ECSClient(emulatorClientConfig(world.endpoint));
  const created: ServiceWatch[] = [];
  const kept: string[] = [];
  for (const watch of Object.values(automation.services)) {
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: watch.cluster, services: [watch.service] }));
    if (services.some((service) => service.status === 'ACTIVE')) kept.push(watch.key);
    else created.push(watch);
  }
  return { created, kept };
}

/** `--endpoint`: an http(s) URL, without a trailing slash. */
function endpointOf(text: string): string {
  const url = URL.parse(text);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SandboxOptionError(`--endpoint must be the URL of an emulator, such as http://127.0.0.1:5000, got "${text}"`);
  }
  return text.replace(/\/$/, '');
}

/**
 * What this automation file needs that moto cannot do without the bridge. moto places a task that is not
 * launched on FARGATE on EC2 container instances, has none, and answers RunTask with an error page; and it
 * leaves a new service's deployment IN_PROGRESS for ever, so scale-service would wait for it all day.
 */
export function plainMotoGaps(automation: Automation): string[] {
  const names = (list: string[]) => list.join(', ');
  const notOnFargate = Object.values(automation.jobs).filter(
    (job) => !job.suspended && !('launchType' in job.launch && job.launch.launchType === 'FARGATE'),
  );
  const scaled = Object.values(automation.services).filter((watch) => watch.scaling);
  return [
    ...(notOnFargate.length > 0
      ? [
          `the jobs ${names(notOnFargate.map((job) => job.name))} launch on capacity providers or EC2: moto without the bridge ` +
            'places such tasks on EC2 container instances, has none, and answers RunTask with an error page',
        ]
      : []),
    ...(scaled.length > 0
      ? [
          `the services ${names(scaled.map((watch) => watch.key))} scale on schedules: moto without the bridge never completes ` +
            "a service's deployment, so scale-service would wait for it all day",
        ]
      : []),
  ];
}

/**
 * The emulator given with --endpoint, asked first what it is: moto without the bridge is refused at once
 * when the automation file needs what only the bridge adds; anything else is used as it is.
 */
async function connectEmulator(endpoint: string, automation: Automation, configFile: string): Promise<Emulator> {
  const gaps = (await probeEmulator(endpoint)) === 'moto' ? plainMotoGaps(automation) : [];
  if (gaps.length > 0) {
    throw new EmulatorUnfitError(
      `${endpoint} is moto without ecs-autopilot's ECS bridge, which cannot run what ${configFile} needs:\n` +
        gaps.map((gap) => `  ${gap}\n`).join('') +
        '  Leave out --endpoint: the sandbox then starts moto with the bridge itself.\n' +
        '  Or keep an emulator running with the bridge:  python3 sandbox/moto_ecs_bridge.py -H 127.0.0.1 -p 5000' +
        "   (moto_server's options), and give --endpoint http://127.0.0.1:5000",
    );
  }
  return externalEmulator(endpoint);
}

export async function runSandbox(options: SandboxOptions = {}): Promise<SandboxReport> {
  const started = performance.now();
  const endpoint = options.endpoint === undefined ? undefined : endpointOf(options.endpoint);
  const configFile = options.configFile ?? DEFAULT_CONFIG_FILE;
  const automation = loadAutomationFile(configFile);
  const scenario = options.scenarioFile ? loadScenarioFile(options.scenarioFile, automation) : EMPTY_SCENARIO;
  const window = sandboxWindow(automation, options, new Date(), scenario);
  const plan = planSimulation(automation, scenario, window);
  const scenarioFile = options.scenarioFile ?? 'scenario';
  if (plan.problems.length > 0) throw new ScenarioError(plan.problems, scenarioFile);
  if (endpoint) {
    const refused = scenario.injections.flatMap((injection, index) =>
      INJECTIONS[injection.kind].needsBridge
        ? [
            `injections.${index} (${injection.kind}) needs the moto ECS bridge, which the emulator at ${endpoint} does not have: ` +
              'run without --endpoint to use the bundled moto, or leave this injection out',
          ]
        : [],
    );
    if (refused.length > 0) throw new ScenarioError(refused, scenarioFile, `${scenarioFile} cannot run against ${endpoint}`);
  }

  const reportWindow: SandboxReport['window'] = {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    hours: window.hours,
    timeZone: window.timeZone,
    localFrom: formatLocal(window.from, window.timeZone),
    localTo: formatLocal(window.to, window.timeZone),
    localFromWeekday: localWeekday(window.from, window.timeZone),
    localToWeekday: localWeekday(window.to, window.timeZone),
    chosenBy: window.chosenBy,
  };
  const emulator = endpoint ? await connectEmulator(endpoint, automation, configFile) : await startEmulator({ log: options.progress });
  try {
    // An external emulator keeps what earlier runs created: a fresh stage keeps this run's table and bus apart.
    const stage = emulator.bridged ? 'sandbox' : `sandbox-${Date.now().toString(36)}`;
    const notes = scenario.day && window.chosenBy === 'from' ? dayOverridden(scenario.day, window.from, plan.scenarioZone) : [];
    let runnable = automation;
    if (!emulator.bridged) {
      const standIns = await standInNetwork(emulator, automation);
      runnable = standIns.automation;
      notes.push(`${emulator.endpoint} has no ECS bridge: tasks that earlier runs left running there count as running`);
      if (standIns.replaced.length > 0) {
        notes.push(`${emulator.endpoint} chooses its own network ids, so the jobs ran with stand-ins: ${standIns.replaced.join(', ')}`);
      }
    }
    // Seeded without networks when stand-ins were made: seedSandbox can only create the file's ids through the bridge.
    const seeded = emulator.bridged ? automation : withoutNetworks(automation);
    const world = await seedSandbox(emulator, seeded, { stage });
    const { created, kept } = await servicesToSeed(world, seeded);
    const shapes = startingShapes(created);
    await seedServices(world, { ...seeded, services: Object.fromEntries(created.map((service) => [service.key, service])) }, shapes);
    if (kept.length > 0) {
      notes.push(`${emulator.endpoint} already had the services ${kept.join(', ')} (from an earlier run): they were scaled as they were`);
    }
    const watched = Object.keys(automation.watchedTasks).length;
    options.progress?.(
      `seeded the clusters and task definitions of ${Object.keys(automation.jobs).length} jobs` +
        `${watched ? ` and ${watched} watched task${watched === 1 ? '' : 's'}` : ''}${describeSeededServices(shapes)}, ` +
        'the state table, the bus and the alert topic',
    );
    const apps = Object.values(automation.apps);
    if (apps.length > 0 && emulator.bridged) {
      // moto invents every ELB ARN: shift-traffic runs with the ones it created in place of the file's.
      runnable = { ...runnable, apps: (await seedApps(world, seeded, { desiredCount: STARTING_DESIRED_COUNT })).automation.apps };
      const described = apps.map(
        (app) =>
          `${app.name} (${app.colours.blue.service} live with ${STARTING_DESIRED_COUNT} tasks, ${app.colours.green.service} idle` +
          `${app.gates.alarms.length ? `, gate alarm${app.gates.alarms.length === 1 ? '' : 's'} ${app.gates.alarms.join(', ')} OK` : ''})`,
      );
      options.progress?.(
        `seeded the app${apps.length === 1 ? '' : 's'} ${described.join(', ')}: the load balancer, listener and target groups ` +
          'are stand-ins created in moto, whose ARNs replace those in the automation file',
      );
    } else if (apps.length > 0) {
      notes.push(
        `${emulator.endpoint} has no ECS bridge: the apps ${apps.map((app) => app.name).join(', ')} were not seeded and no deployment ran`,
      );
    }
    const simulation = new Simulation(runnable, plan, emulator, world, handlerLog(options));
    simulation.notes.push(...notes);
    const scalingFirings = plan.scalings.filter((scaling) => scaling.scheduledTime).length;
    options.progress?.(
      `simulating ${describeWindow(reportWindow, scenario.day?.text)}: ${plan.firings.length} firings` +
        (scalingFirings ? `, ${scalingFirings} scaling firings` : ''),
    );
    await simulation.run();
    return {
      window: reportWindow,
      configFile,
      scenario: options.scenarioFile
        ? { file: options.scenarioFile, description: scenario.description, day: scenario.day?.text }
        : undefined,
      emulator: { endpoint: emulator.endpoint, bridged: emulator.bridged },
      timeline: simulation.timeline,
      summary: await simulation.summary(),
      watchedTasks: await simulation.watchedTaskSummary(),
      services: await simulation.serviceScalingSummary(),
      deployments: await simulation.deploymentSummary(),
      // Without the bridge the apps were not seeded: their listeners do not exist there.
      apps: emulator.bridged ? await simulation.appSummary() : [],
      alerts: simulation.alerts,
      events: simulation.events,
      notes: simulation.notes,
      realSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await emulator.stop();
  }
}

/** A note when `--from` starts the window on another day than the one the scenario's story is told for. */
export function dayOverridden(day: ScenarioDay, from: Date, timeZone: string): string[] {
  if (startsOnDay(day, from, timeZone)) return [];
  return [
    `--from starts the window on ${localWeekday(from, timeZone)} ${formatLocal(from, timeZone)}, not on the scenario's day ` +
      `(${day.text}): what its description tells may not happen`,
  ];
}

/** Writes the report: the timeline and summary for people, or with `json` one JSON document and nothing else. */
export function printSandboxReport(report: SandboxReport, options: { json?: boolean; write?: (text: string) => void } = {}): void {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  write(options.json ? renderSandboxReportJson(report) : renderSandboxReport(report));
}
