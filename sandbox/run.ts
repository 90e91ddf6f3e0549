/**
 * The sandbox (`npm start`): moto on loopback, seeded with what the automation file names, then a
 * virtual day of the real schedules. At every firing run-batch-job gets the payload Scheduler would
 * send; the maxRuntime watchdog ticks when a deadline comes due; the scenario injects on cue what moto
 * cannot do by itself. What the report says happened is read back from the bus and the run history.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { enforceMaxRuntimeTick } from '../functions/enforce-max-runtime.ts';
import { runBatchJob } from '../functions/run-batch-job.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { DEFAULT_CONFIG_FILE, loadAutomationFile } from '../shared/config/load.ts';
import { firingsBetween, parseScheduleExpression } from '../shared/config/schedule-expression.ts';
import type { Automation, JobSpec } from '../shared/config/schema.ts';
import { formatLocal, instantOfWallClock, wallClockAt } from '../shared/config/time-zone.ts';
import { describeTasks } from '../shared/jobs/ecs-tasks.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import type { JobRuntime } from '../shared/jobs/runtime.ts';
import type { Log } from '../shared/logger.ts';
import { EMULATOR_REGION, type Emulator, externalEmulator, injectCapacityOutage, startEmulator, stopTaskAs } from './emulator.ts';
import { EMPTY_SCENARIO, type Injection, type InjectionOfKind, loadScenarioFile, type Scenario, ScenarioError } from './scenario.ts';
import { drainPublishedEvents, emulatorJobRuntime, type PublishedEvent, type SandboxWorld, seedSandbox } from './seed.ts';
import {
  describeTasks as describeTaskIds,
  type JobSummary,
  localClockTime,
  outcomeEntry,
  renderSandboxReport,
  renderSandboxReportJson,
  type SandboxReport,
  type TimelineEntry,
  timelineEntry,
} from './timeline.ts';
import { Agenda, VirtualClock } from './virtual-clock.ts';

export type { JobSummary, SandboxReport, TimelineEntry } from './timeline.ts';

export interface SandboxOptions {
  /** The automation file; default automation.yml. */
  configFile?: string | undefined;
  /** A scenario YAML file (see sandbox/scenarios/demo.yml). */
  scenarioFile?: string | undefined;
  /** Use an emulator that is already running (e.g. LocalStack) instead of starting moto; it has no ECS bridge. */
  endpoint?: string | undefined;
  /** Start of the window; default: the next midnight in the first job's time zone. */
  from?: Date | undefined;
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
/** At one instant: injections first (they must be in place for the delivery they target), then deliveries, then the watchdog. */
const RANK = { injection: 0, delivery: 1, watchdog: 2 } as const;

export interface SandboxWindow {
  from: Date;
  to: Date;
  hours: number;
  /** The zone the window is shown in, and that times naming no job are read in. */
  timeZone: string;
}

export function sandboxWindow(automation: Automation, options: Pick<SandboxOptions, 'from' | 'hours'>, now = new Date()): SandboxWindow {
  const timeZone = Object.values(automation.jobs)[0]?.timezone ?? 'UTC';
  const hours = options.hours ?? 24;
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_HOURS) {
    throw new SandboxOptionError(`--hours must be more than 0 and at most ${MAX_HOURS} (31 days), got ${hours}`);
  }
  if (options.from && Number.isNaN(options.from.getTime())) throw new SandboxOptionError('--from is not a valid time');
  const from = options.from ?? nextLocalMidnight(now, timeZone);
  return { from, to: new Date(from.getTime() + hours * 3_600_000), hours, timeZone };
}

function nextLocalMidnight(now: Date, timeZone: string): Date {
  const today = wallClockAt(now, timeZone);
  const tomorrow = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
  return instantOfWallClock(
    { year: tomorrow.getUTCFullYear(), month: tomorrow.getUTCMonth() + 1, day: tomorrow.getUTCDate(), hour: 0, minute: 0 },
    timeZone,
  );
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

/** A task-exits injection waiting for the run it ends to launch. */
interface ExitOnCue {
  index: number;
  injection: InjectionOfKind<'task-exits'>;
  /** ISO of the firing it targets; undefined: the job's next run that launches. */
  scheduledTime: string | undefined;
  applied: boolean;
}

export interface SandboxPlan {
  window: SandboxWindow;
  scenarioZone: string;
  firings: PlannedFiring[];
  firingsByJob: Map<string, PlannedFiring[]>;
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
      plan.exits.push({ index, injection, scheduledTime: firing?.scheduledTime.toISOString(), applied: false });
    },
  },
  'capacity-outage': {
    needsBridge: true,
    plan(injection, index, plan) {
      const at = injection.at === undefined ? plan.window.from : resolveMoment(injection.at, plan.scenarioZone, plan.window);
      if (!at) {
        plan.problems.push(`injections.${index}.at: ${injection.at} (${plan.scenarioZone}) is not inside the simulated window`);
        return;
      }
      plan.cues.push({ at, act: (sim) => sim.injectOutage(injection, at) });
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
};

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

class Simulation {
  readonly clock: VirtualClock;
  readonly agenda = new Agenda<Step>();
  readonly timeline: TimelineEntry[] = [];
  readonly events: PublishedEvent[] = [];
  readonly notes: string[] = [];
  private readonly watchdogTicks = new Set<number>();
  readonly runtime: JobRuntime;

  constructor(
    readonly automation: Automation,
    readonly plan: SandboxPlan,
    readonly emulator: Emulator,
    readonly world: SandboxWorld,
    log: Log,
  ) {
    this.clock = new VirtualClock(plan.window.from);
    this.runtime = emulatorJobRuntime(world, automation, this.clock, log);
    for (const firing of plan.firings) {
      this.agenda.add(firing.deliverAt, RANK.delivery, { pastWindow: true, run: () => this.deliver(firing, 'first') });
      const duplicateAt = firing.duplicateAt;
      if (duplicateAt) this.agenda.add(duplicateAt, RANK.delivery, { pastWindow: true, run: () => this.deliver(firing, 'duplicate') });
    }
    for (const cue of plan.cues) this.agenda.add(cue.at, RANK.injection, { pastWindow: false, run: () => cue.act(this) });
  }

  async run(): Promise<void> {
    for (let next = this.agenda.next(); next; next = this.agenda.next()) {
      if (next.at >= this.plan.window.to && !next.item.pastWindow) continue;
      this.clock.advanceTo(next.at);
      await next.item.run();
    }
    await this.collectEvents();
    for (const exit of this.plan.exits.filter((e) => !e.applied)) {
      const which = exit.scheduledTime
        ? `the run scheduled at ${localClockTime(exit.scheduledTime, this.zoneOf(exit.injection.job))}`
        : 'a run';
      this.notes.push(`injections.${exit.index} (task-exits ${exit.injection.job}) did nothing: ${which} never launched a task`);
    }
    this.timeline.sort((a, b) => a.time.localeCompare(b.time));
  }

  private zoneOf(job: string): string {
    return this.automation.jobs[job]?.timezone ?? this.plan.scenarioZone;
  }

  private add(entry: Omit<Parameters<typeof timelineEntry>[0], 'time'> & { time?: Date }): void {
    this.timeline.push(timelineEntry({ time: this.clock.now(), ...entry }));
  }

  /**
   * Every event the handlers published since the last call, each also a timeline line (at the time the
   * handler published it). Collected once at the end, and around duplicate deliveries: each collection
   * costs the emulator a few calls.
   */
  private async collectEvents(): Promise<PublishedEvent[]> {
    const drained = await drainPublishedEvents(this.world);
    this.events.push(...drained);
    for (const event of drained) {
      const entry = outcomeEntry(event, this.automation.jobs[String(event.detail.job)]);
      if (entry) this.timeline.push(entry);
    }
    return drained;
  }

  async deliver(firing: PlannedFiring, copy: 'first' | 'duplicate'): Promise<void> {
    const { job } = firing;
    const scheduledTime = firing.scheduledTime.toISOString();
    const payload = { job: job.name, scheduledTime: schedulerTime(firing.scheduledTime), executionId: firing.executionId };
    const deliveredAt = this.clock.now();
    // A duplicate must show that it published nothing: the events before it are collected first.
    if (copy === 'duplicate') await this.collectEvents();
    const before = copy === 'duplicate' ? await this.runtime.runs.get(job.name, scheduledTime, 1) : undefined;
    let outcome: Awaited<ReturnType<typeof runBatchJob>>;
    try {
      outcome = await runBatchJob(payload, this.runtime);
    } catch (error) {
      this.add({
        timeZone: job.timezone,
        subject: job.name,
        job: job.name,
        what: 'delivery-error',
        label: 'delivery failed',
        detail: `run-batch-job threw on the ${localClockTime(scheduledTime, job.timezone)} firing: ${(error as Error).message}`,
        scheduledTime,
        source: 'scheduler',
      });
      return;
    }
    const needsRecord = copy === 'duplicate' || outcome?.status === 'launched';
    const run = needsRecord ? await this.runtime.runs.get(job.name, scheduledTime, 1) : undefined;
    if (copy === 'duplicate') this.reportDuplicate(firing, before, run, await this.collectEvents());
    if (run?.status === 'launched' && run.launchedAt && Date.parse(run.launchedAt) >= deliveredAt.getTime()) this.onLaunched(run);
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

  /** A run started tasks: its maxRuntime deadline needs a watchdog tick, and the scenario may end its tasks. */
  private onLaunched(run: RunRecord): void {
    if (run.maxRuntimeDeadline) this.scheduleWatchdog(new Date(run.maxRuntimeDeadline));
    const exits = this.plan.exits.filter((e) => !e.applied && e.injection.job === run.job);
    const exit = exits.find((e) => e.scheduledTime === run.scheduledTime) ?? exits.find((e) => e.scheduledTime === undefined);
    if (!exit) return;
    exit.applied = true;
    const at = new Date(Date.parse(run.launchedAt ?? run.updatedAt) + exit.injection.after * 1000);
    this.agenda.add(at, RANK.injection, { pastWindow: false, run: () => this.endTasks(run, exit) });
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
    this.agenda.add(new Date(tick), RANK.watchdog, { pastWindow: false, run: () => this.tickWatchdog() });
  }

  private async tickWatchdog(): Promise<void> {
    try {
      await enforceMaxRuntimeTick(this.runtime);
    } catch (error) {
      this.add({
        timeZone: this.plan.scenarioZone,
        subject: 'enforce-max-runtime',
        what: 'delivery-error',
        label: 'watchdog failed',
        detail: (error as Error).message,
        source: 'scheduler',
      });
    }
  }

  private async endTasks(run: RunRecord, exit: ExitOnCue): Promise<void> {
    const { injection } = exit;
    const timeZone = this.zoneOf(run.job);
    const runName = `run of ${localClockTime(run.scheduledTime, timeZone)}`;
    const tasks = await describeTasks(this.runtime.ecs, run.cluster, run.taskArns);
    const stillRunning = tasks.filter((task) => task.lastStatus !== 'STOPPED' && task.lastStatus !== 'DELETED');
    const common = { timeZone, subject: run.job, job: run.job, scheduledTime: run.scheduledTime, source: 'scenario' as const };
    if (stillRunning.length === 0) {
      const reasons = [...new Set(tasks.map((task) => task.stoppedReason).filter(Boolean))].join('; ');
      this.add({
        ...common,
        what: 'task-already-stopped',
        label: 'task already stopped',
        detail: `${runName} ${describeTaskIds(run.taskArns)} had stopped before the scenario's exit ${injection.exitCode}: ${reasons || 'stopped'}`,
        taskArns: run.taskArns,
      });
      return;
    }
    for (const task of stillRunning) {
      await stopTaskAs(this.emulator, task.taskArn ?? '', { exitCode: injection.exitCode, containerReason: injection.reason });
    }
    const taskArns = stillRunning.map((task) => task.taskArn ?? '');
    this.add({
      ...common,
      what: 'task-exited',
      label: `task exited ${injection.exitCode}`,
      detail:
        `${runName} ${describeTaskIds(taskArns)}: the essential container exited ${injection.exitCode}` +
        `${injection.reason ? ` (${injection.reason})` : ''} after ${formatDuration(injection.after)}`,
      taskArns,
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
      const runs = job.suspended ? [] : await this.runtime.runs.list(job.name, firings + 10);
      const count = (status: RunRecord['status']) => runs.filter((run) => run.status === status).length;
      rows.push({
        job: job.name,
        schedule: job.schedule,
        timeZone: job.timezone,
        suspended: job.suspended,
        firings,
        launched: runs.filter((run) => run.launchedAt !== undefined).length,
        skipped: count('skipped'),
        missed: count('missed'),
        failed: count('failed'),
        timedOut: count('timed-out'),
        replaced: count('replaced'),
        succeeded: count('succeeded'),
        open: count('launched'),
        runs: runs
          .map(({ scheduledTime, status, reason, capacityProvider, taskArns, launchedAt, endedAt }) => ({
            scheduledTime,
            status,
            reason,
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
  return {
    ...automation,
    jobs: Object.fromEntries(Object.entries(automation.jobs).map(([name, job]) => [name, { ...job, network: undefined }])),
  };
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
  const ec2 = new EC2Client({
    endpoint: emulator.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
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

export async function runSandbox(options: SandboxOptions = {}): Promise<SandboxReport> {
  const started = performance.now();
  const configFile = options.configFile ?? DEFAULT_CONFIG_FILE;
  const automation = loadAutomationFile(configFile);
  const scenario = options.scenarioFile ? loadScenarioFile(options.scenarioFile, automation) : EMPTY_SCENARIO;
  const window = sandboxWindow(automation, options);
  const plan = planSimulation(automation, scenario, window);
  const scenarioFile = options.scenarioFile ?? 'scenario';
  if (plan.problems.length > 0) throw new ScenarioError(plan.problems, scenarioFile);
  if (options.endpoint) {
    const endpoint = options.endpoint;
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

  const emulator = options.endpoint ? externalEmulator(options.endpoint) : await startEmulator({ log: options.progress });
  try {
    // An external emulator keeps what earlier runs created: a fresh stage keeps this run's table and bus apart.
    const stage = emulator.bridged ? 'sandbox' : `sandbox-${Date.now().toString(36)}`;
    const notes: string[] = [];
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
    options.progress?.(`seeded ${Object.keys(automation.jobs).length} jobs' clusters and task definitions, the state table and the bus`);
    const simulation = new Simulation(runnable, plan, emulator, world, handlerLog(options));
    simulation.notes.push(...notes);
    options.progress?.(
      `simulating ${formatLocal(window.from, window.timeZone)} → ${formatLocal(window.to, window.timeZone)}: ${plan.firings.length} firings`,
    );
    await simulation.run();
    return {
      window: {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        hours: window.hours,
        timeZone: window.timeZone,
        localFrom: formatLocal(window.from, window.timeZone),
        localTo: formatLocal(window.to, window.timeZone),
      },
      configFile,
      scenario: options.scenarioFile ? { file: options.scenarioFile, description: scenario.description } : undefined,
      emulator: { endpoint: emulator.endpoint, bridged: emulator.bridged },
      timeline: simulation.timeline,
      summary: await simulation.summary(),
      events: simulation.events,
      notes: simulation.notes,
      realSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await emulator.stop();
  }
}

/** Writes the report: the timeline and summary for people, or with `json` one JSON document and nothing else. */
export function printSandboxReport(report: SandboxReport, options: { json?: boolean; write?: (text: string) => void } = {}): void {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  write(options.json ? renderSandboxReportJson(report) : renderSandboxReport(report));
}
