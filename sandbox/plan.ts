/**
 * The plan: everything decided before the emulator starts, so a scenario mistake costs nothing — the
 * firings of the jobs' and the services' schedules in the window, and each scenario injection as a cue
 * on the clock (or, for task-exits, a wait for the runs it ends).
 */
import { randomUUID } from 'node:crypto';
import { firingsBetween, parseScheduleExpression } from '../shared/config/schedule-expression.ts';
import type { Automation, JobSpec } from '../shared/config/schema.ts';
import { formatLocal } from '../shared/config/time-zone.ts';
import { isChained } from '../shared/jobs/chains.ts';
import { scalingScheduleExpressions } from '../shared/scaling/periods.ts';
import type { ServiceScaling } from '../shared/scaling/targets.ts';
import type { Injection, InjectionOfKind, Scenario } from './scenario.ts';
import { DELIVERY_DELAY_SECONDS } from './scheduler-delivery.ts';
import { localClockTime } from './timeline.ts';
import { resolveMoment, type SandboxWindow } from './window.ts';

export interface PlannedFiring {
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
export interface PlannedScaling {
  /** The key in automation.yml `services`. */
  service: string;
  /** Undefined for the reconcile at the window's start, which no schedule fires. */
  scheduledTime: Date | undefined;
  deliverAt: Date;
}

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
  cues: Array<{ at: Date; act: (actions: CueActions) => Promise<void> }>;
  exits: ExitOnCue[];
  /** How the apps' hook tasks end (hook-exits): the first that names a hook task's app and stage ends it. */
  hookExits: Array<{ index: number; injection: InjectionOfKind<'hook-exits'> }>;
  problems: string[];
}

/** What the scenario's cues do when their time comes (the simulation carries them out). */
export interface CueActions {
  startWatchedTask(injection: InjectionOfKind<'watched-task-crashes'>, index: number): Promise<void>;
  injectOutage(injection: InjectionOfKind<'capacity-outage'>, at: Date): Promise<void>;
  endOutage(injection: InjectionOfKind<'capacity-outage'>, at: Date): Promise<void>;
  announceLateDelivery(firing: PlannedFiring): void;
  requestDeployment(injection: InjectionOfKind<'deployment'>, index: number): Promise<void>;
  changeAlarm(injection: InjectionOfKind<'deployment'>, index: number, state: 'ALARM' | 'OK'): Promise<void>;
  reportServiceEvent(injection: InjectionOfKind<'service-event'>, index: number, stage: 'problem' | 'recovery'): Promise<void>;
  silence(injection: InjectionOfKind<'silence'>, index: number): Promise<void>;
  runNow(injection: InjectionOfKind<'manual-run'>, index: number): Promise<void>;
  suspend(injection: InjectionOfKind<'suspension'>, stage: 'suspend' | 'unsuspend'): Promise<void>;
  deploymentCommand(injection: InjectionOfKind<'promote' | 'abort'>): Promise<void>;
  /** One minute's datapoint of a metric-values entry (`minute` 0 is the entry's own `at`). */
  putMetricValue(injection: InjectionOfKind<'metric-values'>, entry: number, minute: number): Promise<void>;
  setTargetHealth(injection: InjectionOfKind<'target-health'>, stage: 'fails' | 'recovers'): Promise<void>;
  changeListener(injection: InjectionOfKind<'listener-change'>): Promise<void>;
  tripCircuitBreaker(injection: InjectionOfKind<'circuit-breaker'>, index: number): Promise<void>;
  autoscale(injection: InjectionOfKind<'autoscaling'>): Promise<void>;
}

interface InjectionKind<K extends Injection['kind']> {
  /** Needs sandbox/moto_ecs_bridge.py, which an emulator given with --endpoint does not have. */
  needsBridge: boolean;
  plan(injection: InjectionOfKind<K>, index: number, plan: SandboxPlan): void;
}

/**
 * Every scenario kind: how it is planned and carried out. A new kind adds its schema in scenario.ts, an
 * entry here and, when it acts on cue, a CueActions method that the simulation carries out.
 */
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
      if (at) plan.cues.push({ at, act: (actions) => actions.startWatchedTask(injection, index) });
    },
  },
  'capacity-outage': {
    needsBridge: true,
    plan(injection, index, plan) {
      const at = injection.at === undefined ? plan.window.from : cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.injectOutage(injection, at) });
      const until = injection.until === undefined ? undefined : cueTime(injection.until, index, plan);
      if (at && until && until <= at) plan.problems.push(`injections.${index}.until: the outage must end after it starts (at)`);
      else if (until) plan.cues.push({ at: until, act: (actions) => actions.endOutage(injection, until) });
    },
  },
  'late-delivery': {
    needsBridge: false,
    plan(injection, index, plan) {
      const firing = targetFiring(injection, index, plan, (f) => f.lateBySeconds === undefined);
      if (!firing) return;
      firing.lateBySeconds = injection.by;
      firing.deliverAt = new Date(firing.scheduledTime.getTime() + injection.by * 1000);
      plan.cues.push({ at: firing.scheduledTime, act: async (actions) => actions.announceLateDelivery(firing) });
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
      plan.cues.push({ at, act: (actions) => actions.requestDeployment(injection, index) });
      const { alarm } = injection;
      if (!alarm) return;
      const firesAt = new Date(at.getTime() + alarm.after * 1000);
      if (firesAt >= plan.window.to) {
        plan.problems.push(
          `injections.${index}.alarm.after: ${alarm.name} would fire at ${formatLocal(firesAt, plan.scenarioZone)}, when the simulated window has ended`,
        );
        return;
      }
      plan.cues.push({ at: firesAt, act: (actions) => actions.changeAlarm(injection, index, 'ALARM') });
      const clearsAt = new Date(firesAt.getTime() + alarm.clearsAfter * 1000);
      if (clearsAt < plan.window.to) plan.cues.push({ at: clearsAt, act: (actions) => actions.changeAlarm(injection, index, 'OK') });
    },
  },
  'hook-exits': {
    // Not a cue: a hook task is ended once shift-traffic starts it (deployments.ts), through the bridge.
    needsBridge: true,
    plan(injection, index, plan) {
      plan.hookExits.push({ index, injection });
    },
  },
  'service-event': {
    // Only an event on the default bus: the service-events rule takes it to on-task-stopped.
    needsBridge: false,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (!at) return;
      plan.cues.push({ at, act: (actions) => actions.reportServiceEvent(injection, index, 'problem') });
      if (injection.recoversAfter === undefined) return;
      const recoversAt = new Date(at.getTime() + injection.recoversAfter * 1000);
      if (recoversAt < plan.window.to) {
        plan.cues.push({ at: recoversAt, act: (actions) => actions.reportServiceEvent(injection, index, 'recovery') });
      }
    },
  },
  'mute-window': {
    // Not a cue: the window joins the automation file's mute windows for the day (mute-windows.ts).
    needsBridge: false,
    plan() {},
  },
  'manual-run': {
    // Its tasks end on cue like a task-exits' (the bridge reports them).
    needsBridge: true,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.runNow(injection, index) });
    },
  },
  suspension: {
    // An item of the state table, as the CLI writes it; unsuspend's catch-up is run-batch-job's.
    needsBridge: false,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (!at) return;
      plan.cues.push({ at, act: (actions) => actions.suspend(injection, 'suspend') });
      const until = untilTime(injection.until, at, index, plan);
      if (until) plan.cues.push({ at: until, act: (actions) => actions.suspend(injection, 'unsuspend') });
    },
  },
  promote: {
    // The CLI's own command puts the request on the bus; the deployment requests' rule takes it to shift-traffic.
    needsBridge: false,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.deploymentCommand(injection) });
    },
  },
  abort: {
    needsBridge: false,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.deploymentCommand(injection) });
    },
  },
  'metric-values': {
    // PutMetricData at the virtual time: GetMetricData (moto's too) answers with what was put.
    needsBridge: false,
    plan(injection, index, plan) {
      injection.values.forEach((value, entry) => {
        const at = resolveMoment(value.at, plan.scenarioZone, plan.window);
        if (!at) {
          plan.problems.push(
            `injections.${index}.values.${entry}.at: ${value.at} (${plan.scenarioZone}) is not inside the simulated window`,
          );
          return;
        }
        for (let minute = 0; minute < Math.ceil(value.for / 60); minute++) {
          const when = new Date(at.getTime() + minute * 60_000);
          if (when < plan.window.to) plan.cues.push({ at: when, act: (actions) => actions.putMetricValue(injection, entry, minute) });
        }
      });
    },
  },
  'target-health': {
    // The bridge makes every target of the group report the state (moto reports them all healthy).
    needsBridge: true,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (!at) return;
      plan.cues.push({ at, act: (actions) => actions.setTargetHealth(injection, 'fails') });
      const until = untilTime(injection.until, at, index, plan);
      if (until) plan.cues.push({ at: until, act: (actions) => actions.setTargetHealth(injection, 'recovers') });
    },
  },
  'listener-change': {
    needsBridge: false,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.changeListener(injection) });
    },
  },
  'circuit-breaker': {
    // The bridge's UpdateService makes the rollback the service's PRIMARY deployment, as ECS's does.
    needsBridge: true,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.tripCircuitBreaker(injection, index) });
    },
  },
  autoscaling: {
    needsBridge: false,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.autoscale(injection) });
    },
  },
  silence: {
    // A silence is an item of the state table, as the CLI writes it.
    needsBridge: false,
    plan(injection, index, plan) {
      const at = cueTime(injection.at, index, plan);
      if (at) plan.cues.push({ at, act: (actions) => actions.silence(injection, index) });
    },
  },
};

/** Whether the injection needs sandbox/moto_ecs_bridge.py, which an emulator given with --endpoint does not have. */
export function needsBridge(injection: Injection): boolean {
  return INJECTIONS[injection.kind].needsBridge;
}

/** An injection's `at` (local time in the scenario's zone) on the virtual clock; a problem when it is outside the window. */
function cueTime(at: string, index: number, plan: SandboxPlan): Date | undefined {
  const instant = resolveMoment(at, plan.scenarioZone, plan.window);
  if (!instant) plan.problems.push(`injections.${index}.at: ${at} (${plan.scenarioZone}) is not inside the simulated window`);
  return instant;
}

/** An injection's `until` (optional): after its `at`, inside the window, or a problem of the scenario. */
function untilTime(until: string | undefined, at: Date, index: number, plan: SandboxPlan): Date | undefined {
  if (until === undefined) return undefined;
  const instant = resolveMoment(until, plan.scenarioZone, plan.window);
  if (instant && instant > at) return instant;
  plan.problems.push(`injections.${index}.until: ${until} (${plan.scenarioZone}) is not inside the simulated window after its at`);
  return undefined;
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
    // A chained job has no schedule: the job-chains rule starts it when its upstreams' runs end.
    if (job.suspended || isChained(job)) continue;
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
    hookExits: [],
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
