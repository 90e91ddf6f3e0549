/**
 * The decisions of a job run, pure: (what was read, the job, now) → the run's next state with the actions
 * it decided, in its outbox. handle.ts persists that state before apply.ts carries the actions out, so a
 * crash anywhere leaves them to the next delivery. launch-outcome.ts says what one RunTask came to.
 *
 * - decideFiring: a schedule or a retry's timer fired (duplicates, the launch lease, adoption, the starting
 *   deadline, concurrency) → the run launching, skipped, missed, or already handled.
 * - decideAfterRunTask: what a RunTask came to → the next RunTask (next slot, next provider, next round),
 *   or the run launched (with any tasks that never started said so) or failed.
 * - settleWhenOver: a launched run whose every task has an outcome is over — whichever comes last, the
 *   launch finishing or the last stop — succeeded or failed, with what the retry policy does.
 * - decideOverdueRun / runPastItsDeadline: maxRuntime. decideReplaced: concurrency replace.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { formatDuration } from '../config/duration.ts';
import type { JobSpec } from '../config/schema.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import type { JobSuspension } from '../state/job-suspensions.ts';
import { isSuccess } from '../stopped-tasks/categories.ts';
import { decideRetry } from '../stopped-tasks/retry-policy.ts';
import { timerName } from '../timers/timers.ts';
import { afterSuccess, atFiring, isFreshnessTimer } from './freshness.ts';
import { type LaunchOutcome, nextLaunchStep } from './launch-outcome.ts';
import {
  isSettled,
  type LaunchProgress,
  type RetryDecision,
  type RunAction,
  type RunRecord,
  type RunTaskAction,
  type TaskOutcome,
} from './run-record.ts';
import { capacityOfTry } from './run-task-request.ts';
import { type Firing, type OutcomeAlerting, runOutcomeEvent } from './trigger.ts';

/** A task of this job that ECS still wants running, as read from ListTasks/DescribeTasks. */
export interface ActiveTask {
  taskArn: string;
  lastStatus: string;
  scheduledTime: string | undefined;
  attempt: number | undefined;
  capacityProvider: string | undefined;
}

export interface FiringFacts {
  firing: Firing;
  job: JobSpec;
  now: Date;
  /** How long a launch claim stays this invocation's without renewal (a dead invocation's claim expires). */
  leaseSeconds: number;
  /** The run record of this firing and attempt, if a delivery already got that far. */
  existing: RunRecord | undefined;
  /** Tasks of this job that are not stopped. */
  activeTasks: ActiveTask[];
  /** The job's latest runs, newest first: read only when this firing may be skipped and the job alerts on skips. */
  recentRuns?: RunRecord[] | undefined;
  /** A chained job whose upstream did not succeed for the period (onUpstreamFailure: skip): why its run is skipped. */
  upstreamSkip?: string | undefined;
  /** The job's suspension at run time, when one holds now (read for a new scheduled firing or a catch-up only). */
  suspension?: Pick<JobSuspension, 'suspendedAt' | 'suspendedBy' | 'comment'> | undefined;
}

export type FiringDecision =
  /** Already handled by an earlier delivery; nothing to do. */
  | { kind: 'duplicate'; reason: string }
  /** Another invocation holds the launch lease: retry later rather than launch twice. */
  | { kind: 'in-progress'; reason: string }
  /** Settled by an earlier delivery that did not apply all it decided (an event, a timer): apply the rest. */
  | { kind: 'finish'; run: RunRecord }
  /** The run's next state, with its actions, to persist before any of them is applied. */
  | { kind: 'launch' | 'take-over' | 'adopt' | 'resume' | 'missed' | 'skipped'; run: RunRecord; reason: string };

export function decideFiring(facts: FiringFacts): FiringDecision {
  const { firing, job, now, activeTasks } = facts;
  // A catch-up launches the firing its suspension skipped, in place of that record: once, as the record moves on.
  const caughtUp = isCatchUpOf(facts);
  const existing = caughtUp ? undefined : facts.existing;
  if (existing && isSettled(existing.status)) {
    if (existing.outbox.length > 0) return { kind: 'finish', run: existing };
    return { kind: 'duplicate', reason: `firing already handled: run is ${existing.status}` };
  }
  if (existing?.leaseUntil && new Date(existing.leaseUntil) > now) {
    return { kind: 'in-progress', reason: `another invocation is launching this firing until ${existing.leaseUntil}` };
  }

  const isOfThisFiring = (t: ActiveTask) => t.scheduledTime === firing.scheduledTime && t.attempt === firing.attempt;
  const ofThisFiring = activeTasks.filter(isOfThisFiring);
  if (existing?.status === 'waiting-for-capacity') {
    return {
      kind: 'resume',
      run: resumeAfterWait(existing, ofThisFiring, facts),
      reason: 'tries again to find capacity (waitForCapacity)',
    };
  }
  if (existing) {
    return { kind: 'take-over', run: takeOver(existing, ofThisFiring, facts), reason: 'took over a launch whose invocation stopped' };
  }
  const fresh: RunRecord = caughtUp ? { ...newRun(facts), version: caughtUp.version } : newRun(facts);
  // Recorded like a skip for concurrency, without its alert: the upstream's own failure alerted already.
  if (facts.upstreamSkip !== undefined)
    return { kind: 'skipped', run: ended(fresh, 'skipped', facts.upstreamSkip, now), reason: facts.upstreamSkip };
  if (ofThisFiring.length > 0) {
    return {
      kind: 'adopt',
      run: continueLaunch(adopting(fresh, ofThisFiring), undefined, facts),
      reason: 'adopted tasks an interrupted invocation had launched',
    };
  }

  // Suspended at run time: a new firing of the schedule is recorded, never launched (retries and manual runs go on).
  if (facts.suspension && firing.attempt === 1 && firing.manualId === undefined) {
    const { suspendedAt, suspendedBy, comment } = facts.suspension;
    const reason = `the job is suspended (since ${suspendedAt} by ${suspendedBy}${comment ? `: ${comment}` : ''})`;
    // No expectSuccessWithin check is armed: as for `suspended: true`, the watch starts again at the first firing after it.
    return { kind: 'skipped', run: ended({ ...fresh, skippedFor: 'suspension', outbox: [] }, 'skipped', reason, now), reason };
  }

  // The deadline applies to a first launch only: a retry attempt is late by design.
  const lateBySeconds = (now.getTime() - new Date(firing.scheduledTime).getTime()) / 1000;
  if (firing.attempt === 1 && job.startingDeadlineSeconds !== undefined && lateBySeconds > job.startingDeadlineSeconds) {
    const reason = `delivered ${formatDuration(lateBySeconds)} after its scheduled time, past the startingDeadline of ${formatDuration(job.startingDeadlineSeconds)}`;
    return { kind: 'missed', run: ended(fresh, 'missed', reason, now, { alertMissed: job.alertOnMissed }), reason };
  }

  const others = activeTasks.filter((t) => !isOfThisFiring(t));
  if (others.length > 0 && job.concurrency === 'forbid') {
    const reason = `concurrency is forbid and ${describeRuns(others)} still running`;
    if (job.alertOnSkipped === undefined) return { kind: 'skipped', run: ended(fresh, 'skipped', reason, now), reason };
    const consecutiveSkips = 1 + skipsInARowBefore(firing.scheduledTime, facts.recentRuns ?? []);
    const alertSkipped = consecutiveSkips >= job.alertOnSkipped;
    return { kind: 'skipped', run: ended({ ...fresh, consecutiveSkips }, 'skipped', reason, now, { alertSkipped }), reason };
  }
  const replacing = others.length > 0 && job.concurrency === 'replace';
  const replaceReason = `ecs-autopilot: replaced by the run scheduled at ${firing.scheduledTime} (concurrency: replace)`;
  const first: RunTaskAction = { kind: 'run-task', slot: 0, try: 0, providerIndex: fresh.launch?.firstProviderIndex ?? 0 };
  const run = nextTry({ ...fresh, outbox: [...fresh.outbox, ...(replacing ? replaceActions(others, replaceReason) : [])] }, first, facts);
  return { kind: 'launch', run, reason: replacing ? `replacing ${describeRuns(others)}` : 'nothing stands in the way' };
}

/**
 * The record a catch-up firing launches in place of: the firing's own, skipped because the job was
 * suspended at run time, once the suspension has ended. Anything else it finds is handled as any delivery.
 */
function isCatchUpOf(facts: FiringFacts): RunRecord | undefined {
  const { firing, existing, suspension } = facts;
  if (!firing.catchUp || suspension || existing?.status !== 'skipped' || existing.skippedFor !== 'suspension') return undefined;
  return existing;
}

/**
 * How many firings before `scheduledTime` were skipped in a row, from the job's latest runs (newest
 * first): the streak ends at the first that was not skipped (a run that launched, failed, was missed).
 */
export function skipsInARowBefore(scheduledTime: string, recentRuns: RunRecord[]): number {
  let skips = 0;
  for (const run of recentRuns) {
    // A firing skipped while the job was suspended is no sign of a hung run: it neither counts nor ends the streak.
    if (run.scheduledTime >= scheduledTime || run.skippedFor === 'suspension') continue;
    if (run.status !== 'skipped') break;
    skips++;
  }
  return skips;
}

function newRun(facts: FiringFacts): RunRecord {
  const { firing, job, now } = facts;
  return {
    job: job.name,
    scheduledTime: firing.scheduledTime,
    attempt: firing.attempt,
    status: 'launching',
    cluster: job.cluster,
    taskDefinition: job.taskDefinition,
    taskArns: [],
    receivedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    launch: { count: job.count, firstProviderIndex: firstProviderIndexOf(job, firing.capacityProvider), rounds: 0 },
    ...(firing.manualId !== undefined && { manualId: firing.manualId }),
    ...(firing.catchUp && { catchUp: true }),
    // A manual run is no firing of the schedule: expectSuccessWithin counts from the schedule's firings only.
    outbox: firing.manualId === undefined ? atFiring(job, firing.scheduledTime, firing.attempt) : [],
    eventPublished: true,
    version: 0,
  };
}

/** Where an attempt's capacity fallback starts: the provider its firing names (a retry after a Spot interruption), else the first. */
function firstProviderIndexOf(job: JobSpec, capacityProvider: string | undefined): number {
  if (capacityProvider === undefined || !('capacityProviders' in job.launch)) return 0;
  return Math.max(0, job.launch.capacityProviders.indexOf(capacityProvider));
}

/**
 * A launch whose invocation died (its lease ran out): its tasks are the recorded ones, those whose stop
 * was recorded before the launch recorded them, and those ECS runs for this firing (a RunTask that
 * succeeded just before the crash). The RunTask it had decided is made again as it was — the same client
 * token and parameters, so ECS launches it once however far it went — unless its task is among those.
 */
function takeOver(existing: RunRecord, ofThisFiring: ActiveTask[], facts: FiringFacts): RunRecord {
  const pending = existing.outbox.find((action): action is RunTaskAction => action.kind === 'run-task');
  const recorded: RunRecord = {
    ...existing,
    taskArns: [...new Set([...existing.taskArns, ...Object.keys(existing.taskOutcomes ?? {})])],
    launch: existing.launch ?? newRun(facts).launch,
    outbox: existing.outbox.filter((action) => action.kind !== 'run-task'),
    updatedAt: facts.now.toISOString(),
  };
  const run = adopting(recorded, ofThisFiring);
  if (pending && run.taskArns.length === existing.taskArns.length) return nextTry(run, pending, facts);
  return continueLaunch(run, pending?.providerIndex, facts);
}

/**
 * A run waiting for capacity, fired again by its timer (or by any delivery of its firing: the first takes
 * the launch, as a fresh one would): a new round of launchRetry for the slot that waited, with the next
 * try of that slot so each RunTask has its own client token.
 */
function resumeAfterWait(existing: RunRecord, ofThisFiring: ActiveTask[], facts: FiringFacts): RunRecord {
  const run = adopting({ ...existing, outbox: existing.outbox.filter((action) => action.kind !== 'run-task') }, ofThisFiring);
  const launch = run.launch ?? (newRun(facts).launch as LaunchProgress);
  const resumed: RunRecord = { ...run, launch: { ...launch, rounds: 0 } };
  if (run.taskArns.length >= launch.count) return launched(resumed, facts.job, facts.now);
  const action: RunTaskAction = {
    kind: 'run-task',
    slot: run.taskArns.length,
    try: run.capacityWait?.nextTry ?? 0,
    providerIndex: launch.firstProviderIndex,
  };
  return nextTry(resumed, action, facts);
}

/** The run with the tasks ECS runs for its firing among its own, and the capacity the last of them runs on. */
function adopting(run: RunRecord, ofThisFiring: ActiveTask[]): RunRecord {
  const adopted = ofThisFiring.filter((task) => !run.taskArns.includes(task.taskArn));
  if (adopted.length === 0) return run;
  return {
    ...run,
    taskArns: [...run.taskArns, ...adopted.map((task) => task.taskArn)],
    capacityProvider: adopted.at(-1)?.capacityProvider ?? run.capacityProvider,
  };
}

/** What a launch step needs besides the run. */
type LaunchFacts = Pick<FiringFacts, 'job' | 'now' | 'leaseSeconds'>;

/**
 * The run's launch from where it stands: launched when every task slot has its task, else the first
 * RunTask of the next slot, on the provider the launch is on (where it starts, at first).
 */
function continueLaunch(run: RunRecord, providerIndex: number | undefined, facts: LaunchFacts): RunRecord {
  const launch = run.launch as LaunchProgress;
  if (run.taskArns.length >= launch.count) return launched(run, facts.job, facts.now);
  return nextTry(
    run,
    { kind: 'run-task', slot: run.taskArns.length, try: 0, providerIndex: providerIndex ?? launch.firstProviderIndex },
    facts,
  );
}

/** The run waiting for `action`, its lease lasting a lease past the action's time (or now, when that has passed). */
function nextTry(run: RunRecord, action: RunTaskAction, facts: LaunchFacts): RunRecord {
  const from = new Date(Math.max(facts.now.getTime(), action.notBefore ? Date.parse(action.notBefore) : 0));
  return withOutbox(
    {
      ...run,
      status: 'launching',
      leaseUntil: new Date(from.getTime() + facts.leaseSeconds * 1000).toISOString(),
      updatedAt: facts.now.toISOString(),
    },
    [...run.outbox, action],
  );
}

/** concurrency: replace — each older run is recorded replaced, then its tasks are stopped with a reason that says why. */
function replaceActions(tasks: ActiveTask[], reason: string): RunAction[] {
  const runs = new Map<string, { scheduledTime: string; attempt: number }>();
  for (const { scheduledTime, attempt } of tasks) {
    if (scheduledTime !== undefined && attempt !== undefined) runs.set(`${scheduledTime}#${attempt}`, { scheduledTime, attempt });
  }
  return [
    ...[...runs.values()].map((run): RunAction => ({ kind: 'replace-run', ...run, reason })),
    ...tasks.map((task): RunAction => ({ kind: 'stop-task', taskArn: task.taskArn, reason })),
  ];
}

function describeRuns(tasks: ActiveTask[]): string {
  const runs = [...new Set(tasks.map((t) => t.scheduledTime ?? 'an unknown time'))];
  const taskIds = tasks.map((t) => t.taskArn.split('/').pop()).join(', ');
  return `the run${runs.length > 1 ? 's' : ''} scheduled at ${runs.join(', ')} (task ${taskIds}) ${runs.length > 1 ? 'are' : 'is'}`;
}

export interface AfterRunTask {
  run: RunRecord;
  /** Set when the RunTask failed for now (throttled, 5xx): the run is persisted released, then the invocation throws so it is retried. */
  retryLater?: string | undefined;
}

/**
 * What a RunTask of `action` came to decides the run's next state. `run` is the run as stored now (a
 * task's stop may have been recorded meanwhile), without the applied action in its outbox.
 */
export function decideAfterRunTask(run: RunRecord, action: RunTaskAction, outcome: LaunchOutcome, facts: LaunchFacts): AfterRunTask {
  const { job, now } = facts;
  const launch = run.launch as LaunchProgress;
  const started: RunRecord =
    outcome.kind === 'started'
      ? {
          ...run,
          // A RunTask made again with its client token answers with the task it started the first time.
          taskArns: [...new Set([...run.taskArns, ...outcome.taskArns])],
          capacityProvider: capacityOfTry(job, action.providerIndex),
        }
      : run;
  const step = nextLaunchStep(
    job,
    { providerIndex: action.providerIndex, firstProviderIndex: launch.firstProviderIndex, rounds: launch.rounds },
    outcome,
  );
  switch (step.kind) {
    case 'launched':
      return { run: continueLaunch(started, action.providerIndex, facts) };
    case 'try': {
      const slot = started.taskArns.length;
      const notBefore = step.waitSeconds > 0 ? new Date(now.getTime() + step.waitSeconds * 1000).toISOString() : undefined;
      const next: RunTaskAction = {
        kind: 'run-task',
        slot,
        try: slot === action.slot ? action.try + 1 : 0,
        providerIndex: step.providerIndex,
        ...(notBefore && { notBefore }),
      };
      return { run: nextTry({ ...started, launch: { ...launch, rounds: step.rounds } }, next, facts) };
    }
    case 'failed':
      if (!step.permanent) {
        const waiting = waitingForCapacity(started, action, step.reason, facts);
        if (waiting) return { run: waiting };
      }
      return { run: gaveUp(started, step.reason, !step.permanent, job, now) };
    case 'throw-retryable':
      // Released so that the redelivery takes over at once, and makes the same RunTask again.
      return {
        run: withOutbox({ ...run, leaseUntil: now.toISOString(), updatedAt: now.toISOString() }, [...run.outbox, action]),
        retryLater: step.reason,
      };
  }
}

/** Scheduler fires one-time schedules to the minute: the shortest wait for capacity. */
const SHORTEST_CAPACITY_WAIT_SECONDS = 60;

/**
 * waitForCapacity: launchRetry found no room, and the job may wait — the run waits for capacity (announced
 * once), and a one-time timer fires its firing again after launchRetry's longest back-off. Undefined when
 * the job does not wait or the next try would come after its window: the launch gives up.
 */
function waitingForCapacity(run: RunRecord, action: RunTaskAction, reason: string, facts: LaunchFacts): RunRecord | undefined {
  const { job, now } = facts;
  if (job.waitForCapacitySeconds === undefined) return undefined;
  const until = run.capacityWait?.until ?? new Date(Date.parse(run.receivedAt) + job.waitForCapacitySeconds * 1000).toISOString();
  const at = new Date(now.getTime() + Math.max(SHORTEST_CAPACITY_WAIT_SECONDS, job.launchRetry.maxBackoff) * 1000);
  if (at.toISOString() >= until) return undefined;
  const waits = (run.capacityWait?.waits ?? 0) + 1;
  const waiting: RunRecord = {
    ...run,
    status: 'waiting-for-capacity',
    reason: `waiting for capacity until ${until} (waitForCapacity), next try at ${at.toISOString()}: ${reason}`,
    capacityWait: { until, waits, nextTry: action.try + 1 },
    leaseUntil: undefined,
    updatedAt: now.toISOString(),
  };
  const timer: RunAction = {
    kind: 'set-timer',
    name: timerName('capacity', run.job, run.scheduledTime, run.attempt, waits),
    at: at.toISOString(),
    input: { job: run.job, scheduledTime: run.scheduledTime, attempt: run.attempt },
  };
  // Announced when it starts waiting; each next wait only sets its timer.
  return waits === 1 ? announce(waiting, now, [timer]) : withOutbox(waiting, [...waiting.outbox, timer]);
}

/**
 * The launch stops trying: launched with the tasks that started (and says how many never did), or failed —
 * for lack of capacity, a failed attempt of category capacity that the job's retry policy may retry.
 */
function gaveUp(run: RunRecord, reason: string, forCapacity: boolean, job: JobSpec, now: Date): RunRecord {
  const launch = run.launch as LaunchProgress;
  if (run.taskArns.length === 0) {
    if (!forCapacity) return ended(run, 'failed', reason, now);
    const waited = run.capacityWait ? `; waited for capacity until ${run.capacityWait.until} (waitForCapacity)` : '';
    const over = { ...run, leaseUntil: undefined, endedAt: now.toISOString(), updatedAt: now.toISOString() };
    return failedForCapacity(over, `${reason}${waited}`, job, now);
  }
  return launched(
    {
      ...run,
      launch: { ...launch, gaveUpBecause: reason, ...(forCapacity && { capacityExhausted: true }) },
      missingTasks: launch.count - run.taskArns.length,
      reason: `only ${run.taskArns.length} of ${launch.count} tasks started: ${reason}`,
    },
    job,
    now,
  );
}

/** Launched: announced, watched for maxRuntime, and settled at once when every task has ended already. */
function launched(run: RunRecord, job: JobSpec, now: Date): RunRecord {
  const next: RunRecord = {
    ...run,
    status: 'launched',
    leaseUntil: undefined,
    launchedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(job.maxRuntimeSeconds !== undefined && {
      maxRuntimeDeadline: new Date(now.getTime() + job.maxRuntimeSeconds * 1000).toISOString(),
    }),
  };
  const announced = announce(next, now);
  return settleWhenOver(announced, job, now) ?? announced;
}

/** A run that ends without (more) tasks: skipped, missed, or a launch that failed. */
function ended(run: RunRecord, status: 'skipped' | 'missed' | 'failed', reason: string, now: Date, alerting?: OutcomeAlerting): RunRecord {
  const over = { ...run, status, reason, leaseUntil: undefined, endedAt: now.toISOString(), updatedAt: now.toISOString() };
  return withOutbox(over, [...over.outbox, { kind: 'publish', event: runOutcomeEvent(over, now, alerting) }]);
}

/** The run with the event of its status queued after what it already had to do. */
function announce(run: RunRecord, now: Date, before: RunAction[] = []): RunRecord {
  return withOutbox(run, [...run.outbox, ...before, { kind: 'publish', event: runOutcomeEvent(run, now) }]);
}

function withOutbox(run: RunRecord, outbox: RunAction[]): RunRecord {
  return { ...run, outbox, eventPublished: !outbox.some((action) => action.kind === 'publish') };
}

/** The run without the actions that were applied (each once, in order), as its outbox now stands. */
export function withoutApplied(run: RunRecord, applied: RunAction[]): RunRecord {
  const remaining = [...run.outbox];
  for (const action of applied) {
    const index = remaining.findIndex((candidate) => JSON.stringify(candidate) === JSON.stringify(action));
    if (index >= 0) remaining.splice(index, 1);
  }
  return withOutbox(run, remaining);
}

/** A task of the run stopped: its outcome is kept whatever the run's state, and decides the run's outcome if it is the first failure. */
export function withStopRecorded(run: RunRecord, stop: StoppedTaskSummary, outcome: TaskOutcome, now: Date): RunRecord {
  const taskOutcomes = { ...run.taskOutcomes, [stop.taskArn]: outcome };
  if (run.status !== 'launched' && run.status !== 'launching' && run.status !== 'waiting-for-capacity') {
    return { ...run, taskOutcomes, updatedAt: now.toISOString() };
  }
  const deciding = run.stop && !isSuccess(run.stop.classification.category) ? run.stop : stop;
  return { ...run, taskOutcomes, stop: deciding, updatedAt: now.toISOString() };
}

/**
 * A launched run whose every task has its outcome is over, whichever came last: succeeded, or failed —
 * by its first failing task (with what the retry policy does), or because tasks of its count never
 * started. Undefined while it is not over.
 */
export function settleWhenOver(run: RunRecord, job: JobSpec, now: Date): RunRecord | undefined {
  const outcomes = run.taskOutcomes ?? {};
  if (run.status !== 'launched' || run.taskArns.some((taskArn) => outcomes[taskArn] === undefined)) return undefined;
  const stoppedAts = Object.values(outcomes).flatMap((o) => (o.stoppedAt ? [o.stoppedAt] : []));
  const endedAt = stoppedAts.length > 0 ? stoppedAts.reduce((a, b) => (a > b ? a : b)) : now.toISOString();
  const over = { ...run, endedAt, updatedAt: now.toISOString() };
  const enough = enoughSucceeded(run, job);
  if (enough) {
    const succeeded: RunRecord = { ...over, status: 'succeeded', reason: enough };
    return announce(succeeded, now, afterSuccess(succeeded, job));
  }
  const failing = run.stop && !isSuccess(run.stop.classification.category) ? run.stop : undefined;
  if (failing) return failed(over, failing, outcomes[failing.taskArn] as TaskOutcome, job, now);
  if (run.missingTasks) {
    const count = run.launch?.count ?? run.taskArns.length + run.missingTasks;
    const never = `${run.missingTasks} of ${count} task${count === 1 ? '' : 's'} never started`;
    const reason = `${never}: ${run.launch?.gaveUpBecause ?? run.reason}`;
    if (run.launch?.capacityExhausted) return failedForCapacity(over, reason, job, now);
    return announce({ ...over, status: 'failed', reason }, now);
  }
  const reason =
    run.taskArns.length > 1 ? `all ${run.taskArns.length} tasks exited 0` : (run.stop?.classification.because ?? 'its task exited 0');
  const succeeded: RunRecord = { ...over, status: 'succeeded', reason };
  return announce(succeeded, now, afterSuccess(succeeded, job));
}

/** success: { atLeast: N } — why the run succeeded when N of its tasks exited 0 (whatever the others did); undefined otherwise. */
function enoughSucceeded(run: RunRecord, job: JobSpec): string | undefined {
  if (job.successAtLeast === undefined) return undefined;
  const succeeded = Object.values(run.taskOutcomes ?? {}).filter((outcome) => isSuccess(outcome.category)).length;
  if (succeeded < job.successAtLeast) return undefined;
  const count = run.launch?.count ?? run.taskArns.length;
  return `${succeeded} of ${count} tasks exited 0 (success: atLeast ${job.successAtLeast})`;
}

function failed(run: RunRecord, failing: StoppedTaskSummary, outcome: TaskOutcome, job: JobSpec, now: Date): RunRecord {
  const decided = decideRetry(
    job.retry,
    {
      attempt: run.attempt,
      category: outcome.category,
      exitCodes: Object.values(outcome.exitCodes).filter((code): code is number => code !== null),
      reasons: [failing.stoppedReason, ...failing.containers.map((c) => c.reason)].filter((r): r is string => !!r),
    },
    now,
  );
  const retry = decided.willRetry ? onNextProviderAfterSpot(decided, failing, outcome, run, job) : decided;
  const next: RunRecord = {
    ...run,
    status: 'failed',
    reason: `${outcome.category}: ${failing.classification.because}`,
    category: outcome.category,
    stop: failing,
    retry,
  };
  // The timer first: an announced retry is one that will happen.
  return announce(next, now, retryTimer(run, retry));
}

/** A run over because its launch found no capacity within launchRetry: a failed attempt, retried as the job's retry policy says. */
function failedForCapacity(run: RunRecord, reason: string, job: JobSpec, now: Date): RunRecord {
  const retry = decideRetry(job.retry, { attempt: run.attempt, category: 'capacity', exitCodes: [], reasons: [reason] }, now);
  return announce({ ...run, status: 'failed', reason, category: 'capacity', retry }, now, retryTimer(run, retry));
}

/** The one-time schedule that fires the next attempt, when the retry policy decided one. */
function retryTimer(run: RunRecord, retry: RetryDecision): RunAction[] {
  if (!retry.willRetry) return [];
  return [
    {
      kind: 'set-timer',
      name: timerName('retry', run.job, run.scheduledTime, retry.nextAttempt),
      at: retry.retryAt,
      input: {
        job: run.job,
        scheduledTime: run.scheduledTime,
        attempt: retry.nextAttempt,
        ...(retry.capacityProvider && { capacityProvider: retry.capacityProvider }),
        ...(run.manualId !== undefined && { manualId: run.manualId }),
      },
    },
  ];
}

/** retry.afterSpotInterruption next-provider: the attempt after a Spot interruption starts on the provider after the interrupted one. */
function onNextProviderAfterSpot(
  retry: Extract<RetryDecision, { willRetry: true }>,
  failing: StoppedTaskSummary,
  outcome: TaskOutcome,
  run: RunRecord,
  job: JobSpec,
): RetryDecision {
  if (outcome.category !== 'spot-interruption' || job.retry.afterSpotInterruption !== 'next-provider') return retry;
  if (!('capacityProviders' in job.launch)) return retry;
  const providers = job.launch.capacityProviders;
  const interrupted = failing.capacityProviderName ?? run.capacityProvider;
  const index = interrupted === undefined ? -1 : providers.indexOf(interrupted);
  const next = index >= 0 ? providers[index + 1] : undefined;
  if (next === undefined) return retry;
  return { ...retry, capacityProvider: next, because: `${retry.because} on ${next} after the Spot interruption on ${interrupted}` };
}

/** concurrency: replace — the older run, still launched, is recorded replaced and announced. Undefined when it ended already. */
export function decideReplaced(run: RunRecord, reason: string, now: Date): RunRecord | undefined {
  if (run.status !== 'launched') return undefined;
  return announce({ ...run, status: 'replaced', reason, endedAt: now.toISOString(), updatedAt: now.toISOString() }, now);
}

/**
 * An action that AWS refused for good (a permission missing, a parameter refused): said in the run and in
 * its pending event, instead of retried for ever. A StopTask that could not stop the task, or a retry
 * that could not be scheduled (the failure is then final, and alerts).
 */
export function decideActionFailed(run: RunRecord, action: RunAction, error: string, now: Date): RunRecord {
  // A run waiting for capacity whose next try cannot be scheduled would wait for ever: its attempt fails, and alerts.
  if (run.status === 'waiting-for-capacity' && action.kind === 'set-timer') {
    const because = `the next try for capacity could not be scheduled: ${error}`;
    const over: RunRecord = {
      ...run,
      status: 'failed',
      category: 'capacity',
      reason: `${run.reason}; ${because}`,
      retry: { willRetry: false, because },
      endedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    return announce(over, now);
  }
  const failedRun: RunRecord =
    action.kind === 'set-timer' && !isFreshnessTimer(action)
      ? { ...run, retry: { willRetry: false, because: `the retry could not be scheduled: ${error}` } }
      : { ...run, reason: [run.reason, `could not do ${describeAction(action)}: ${error}`].filter(Boolean).join('; ') };
  const next = { ...failedRun, updatedAt: now.toISOString() };
  // A launch whose check could not be set goes on: it has no event yet, and the refusal is logged.
  if (next.status === 'launching') return next;
  const event = runOutcomeEvent(next, now);
  // The event as decided, with what it says now: an alert it carried (alertOn) stays.
  const updated = (pending: PendingEvent): PendingEvent => ({
    ...event,
    detail: { ...event.detail, ...(pending.detail.alert !== undefined && { alert: pending.detail.alert }) },
  });
  return withOutbox(
    next,
    next.outbox.map((pending) =>
      pending.kind === 'publish' && pending.event.id === event.id ? { kind: 'publish', event: updated(pending.event) } : pending,
    ),
  );
}

export function describeAction(action: RunAction): string {
  switch (action.kind) {
    case 'run-task':
      return `RunTask for task ${action.slot + 1} (try ${action.try + 1})`;
    case 'replace-run':
      return `the replacement of the run scheduled at ${action.scheduledTime} #${action.attempt}`;
    case 'stop-task':
      return `StopTask of ${action.taskArn.split('/').pop()}`;
    case 'publish':
      return `the event ${action.event.id}`;
    case 'set-timer':
      return `the timer ${action.name}`;
  }
}

/** maxRuntime: what to do with a run whose deadline has passed. */
export type OverdueDecision =
  | { kind: 'stop'; taskArns: string[]; stopReason: string }
  /** Every task had already stopped: record how it ended instead of stopping anything. */
  | { kind: 'ended'; status: 'succeeded' | 'failed'; reason: string | undefined }
  /** ECS no longer knows the tasks (they stopped over an hour ago): stop watching. */
  | { kind: 'forget'; reason: string };

export function maxRuntimeStopReason(maxRuntimeSeconds: number): string {
  return `ecs-autopilot: exceeded maxRuntime ${formatDuration(maxRuntimeSeconds)}`;
}

export function decideOverdueRun(run: RunRecord, tasks: Task[], maxRuntimeSeconds: number): OverdueDecision {
  const running = tasks.filter((t) => t.lastStatus !== 'STOPPED' && t.lastStatus !== 'DELETED');
  if (running.length > 0) {
    return { kind: 'stop', taskArns: running.map((t) => t.taskArn ?? ''), stopReason: maxRuntimeStopReason(maxRuntimeSeconds) };
  }
  if (tasks.length === 0) return { kind: 'forget', reason: 'the tasks are no longer known to ECS; their outcome was not observed' };
  const nonZero = tasks.flatMap((task) =>
    (task.containers ?? [])
      .filter((c) => c.exitCode !== undefined && c.exitCode !== 0)
      .map((c) => `${c.name} exited ${c.exitCode}${c.reason ? ` (${c.reason})` : ''}`),
  );
  const withoutExit = tasks.flatMap((task) => (task.containers ?? []).filter((c) => c.exitCode === undefined).map((c) => c.name));
  if (nonZero.length === 0 && withoutExit.length === 0) return { kind: 'ended', status: 'succeeded', reason: undefined };
  const stopped = [...new Set(tasks.map((t) => t.stoppedReason).filter(Boolean))];
  return { kind: 'ended', status: 'failed', reason: [...nonZero, ...stopped].join('; ') || `stopped before ${run.job} finished` };
}

/**
 * The overdue run's next state: timed out with its tasks to stop, ended as its tasks did, or no longer
 * watched. `job`: as automation.yml has it now (undefined when removed), for what a success arms.
 */
export function runPastItsDeadline(run: RunRecord, decision: OverdueDecision, now: Date, job?: JobSpec): RunRecord {
  const at = now.toISOString();
  switch (decision.kind) {
    case 'stop': {
      const stops = decision.taskArns.map((taskArn): RunAction => ({ kind: 'stop-task', taskArn, reason: decision.stopReason }));
      return announce({ ...run, status: 'timed-out', reason: decision.stopReason, endedAt: at, updatedAt: at }, now, stops);
    }
    case 'ended': {
      const ended: RunRecord = { ...run, status: decision.status, reason: decision.reason, endedAt: at, updatedAt: at };
      return announce(ended, now, decision.status === 'succeeded' ? afterSuccess(ended, job) : []);
    }
    case 'forget':
      return { ...run, reason: decision.reason, maxRuntimeDeadline: undefined, updatedAt: at };
  }
}
