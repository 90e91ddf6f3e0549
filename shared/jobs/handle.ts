/**
 * A job run, end to end, in the shape of every capability: load (reads only) → decide (pure: the run's
 * next state and its actions) → persist (one versioned write of the run with its outbox) → apply (each
 * action keyed and idempotent) → the applied ones marked done, with the next decision when an action
 * answered something (a RunTask's outcome). A crash anywhere leaves the outbox to whoever comes next for
 * the run — the firing retried, the stop event redelivered, the next watchdog tick — which applies it,
 * so every effect happens exactly once.
 *
 * - handleFiring: run-batch-job, when a schedule or a retry's timer fires.
 * - handleUpstreamEnded: run-batch-job, when a job's run ended that others are chained after: each of them
 *   starts (a firing of its own, for the period) or is skipped, once all its upstreams have ended.
 * - enforceMaxRuntime: the one-minute watchdog tick.
 * - checkFreshness: an expectSuccessWithin timer fired (run-batch-job).
 * - applyOutbox: a run's pending actions, also for on-task-stopped's job path.
 */
import type { JobSpec } from '../config/schema.ts';
import { BadEventError, excerptOf, RetryableAwsError, StoredItemError } from '../errors.ts';
import { busEventOf } from '../events/pending-event.ts';
import { retryOnStaleWrite } from '../state/versioned.ts';
import { timerName } from '../timers/timers.ts';
import { type Applied, applyAction, type RunEffects, runTask } from './apply.ts';
import { type CatchUpDecision, decideCatchUp, latestMissableFiring } from './catch-up.ts';
import { type ChainDecision, decideChained, downstreamOf, type UpstreamEnd, upstreamEndOf } from './chains.ts';
import {
  decideActionFailed,
  decideAfterRunTask,
  decideFiring,
  decideOverdueRun,
  decideReplaced,
  describeAction,
  runPastItsDeadline,
  withoutApplied,
} from './decide.ts';
import { decideFreshness, type FreshnessCheck, type FreshnessDecision, successCountsAfter } from './freshness.ts';
import { describeTasks, loadFiring } from './load.ts';
import type { RunAction, RunRecord, RunTaskAction } from './run-record.ts';
import type { JobRuntime } from './runtime.ts';
import type { Firing, ManualRunRequest, UpstreamEnded } from './trigger.ts';

/** Thrown while another invocation owns the launch: the delivery is retried later, never dropped. */
export class LaunchInProgressError extends RetryableAwsError {
  override name = 'LaunchInProgressError';
}

export async function handleFiring(firing: Firing, rt: JobRuntime, upstreamSkip?: string): Promise<RunRecord | undefined> {
  const job = knownJob(firing.job, rt);
  return retryOnStaleWrite(async () => {
    const state = await loadFiring(firing, job, rt);
    const decision = decideFiring({ firing, job, now: rt.now(), leaseSeconds: rt.leaseSeconds, upstreamSkip, ...state });
    rt.log.info('firing decided', { job: job.name, decision: decision.kind, ...('reason' in decision && { reason: decision.reason }) });
    switch (decision.kind) {
      case 'duplicate':
        return state.existing;
      case 'in-progress':
        throw new LaunchInProgressError(decision.reason);
      case 'finish':
        return drive(decision.run, job, rt);
      default:
        return drive(await rt.runs.save(decision.run), job, rt);
    }
  });
}

/** What an upstream's end did for one job chained after it. */
export interface ChainedOutcome {
  job: string;
  decision: ChainDecision['kind'];
  reason: string;
  /** The chained job's run for the period, when it was started or skipped (or already was). */
  run?: RunRecord | undefined;
}

/**
 * An upstream's run ended: each job chained after it reads how its other upstreams' runs for the period
 * ended (one Query each), and starts or is skipped once all have. Its run is a firing for the period's
 * scheduled time, attempt 1, so a second delivery, or the end of another upstream deciding the same, finds
 * it recorded already (the conditional put of the launch claim lets one invocation through).
 */
export async function handleUpstreamEnded(ended: UpstreamEnded, rt: JobRuntime): Promise<ChainedOutcome[]> {
  const downstream = downstreamOf(ended.job, rt.automation.jobs);
  if (downstream.length === 0) {
    rt.log.info('no job runs after this one: nothing to start', { upstream: ended.job, eventId: ended.eventId });
    return [];
  }
  const outcomes: ChainedOutcome[] = [];
  for (const job of downstream) {
    const ends: Record<string, UpstreamEnd | undefined> = {};
    for (const upstream of job.after) {
      ends[upstream] =
        upstream === ended.job ? upstreamEndOf(ended) : upstreamEndOf(await rt.runs.latestOfFiring(upstream, ended.scheduledTime));
    }
    const decision = decideChained(job, ends);
    rt.log.info('chained job decided', { job: job.name, upstream: ended.job, scheduledTime: ended.scheduledTime, ...decision });
    const firing = { job: job.name, scheduledTime: ended.scheduledTime, attempt: 1 };
    const run =
      decision.kind === 'run'
        ? await handleFiring(firing, rt)
        : decision.kind === 'skip'
          ? await handleFiring(firing, rt, decision.reason)
          : undefined;
    outcomes.push({ job: job.name, decision: decision.kind, reason: decision.reason, run });
  }
  return outcomes;
}

/**
 * `ecs-autopilot run`: the manual run's id is claimed (its first request's time becomes the run's
 * scheduled time), then it is handled as a firing of that time: the same id again finds the same run.
 */
export async function handleManualRun(
  request: ManualRunRequest,
  rt: JobRuntime,
): Promise<{ requested: 'new' | 'existing'; scheduledTime: string; run: RunRecord | undefined }> {
  const job = knownJob(request.job, rt);
  const { manual, existing } = await rt.manualRuns.claim({
    job: job.name,
    id: request.id,
    scheduledTime: rt.now().toISOString(),
    requestedBy: request.requestedBy,
  });
  const run = await handleFiring({ job: job.name, scheduledTime: manual.scheduledTime, attempt: 1, manualId: manual.id }, rt);
  return { requested: existing ? 'existing' : 'new', scheduledTime: manual.scheduledTime, run };
}

/** unsuspend asked for the catch-up of the job: what its last suspension span decides, once ended. */
export async function handleCatchUpRequest(jobName: string, rt: JobRuntime) {
  const job = knownJob(jobName, rt);
  const suspension = await rt.suspensions.get(job.name);
  if (suspension?.suspended || suspension?.unsuspendedAt === undefined) {
    const reason = suspension?.suspended ? 'the job is still suspended' : 'the job was never suspended at run time';
    return { decision: { kind: 'none', reason } as CatchUpDecision };
  }
  const span = { suspendedAt: new Date(suspension.suspendedAt), unsuspendedAt: new Date(suspension.unsuspendedAt) };
  return catchUpAfterSuspension(job.name, span, rt);
}

function knownJob(name: string, rt: JobRuntime): JobSpec {
  const job = rt.automation.jobs[name];
  if (!job) {
    throw new BadEventError(
      `job ${excerptOf(name, 100)} is not in automation.yml (known jobs: ${Object.keys(rt.automation.jobs).join(', ') || 'none'})`,
    );
  }
  return job;
}

/**
 * The watchdog's tick: a firing of a job with catchUp: latest that no delivery reached (no run of it, the
 * job not suspended) gets a one-time timer to run-batch-job, named after it, so however many ticks see
 * it, it is delivered once and launched once. Answers the firings it set a timer for.
 */
export async function catchUpMissedFirings(rt: JobRuntime): Promise<{ job: string; scheduledTime: string }[]> {
  const now = rt.now();
  const caughtUp: { job: string; scheduledTime: string }[] = [];
  for (const job of Object.values(rt.automation.jobs)) {
    const scheduledTime = latestMissableFiring(job, now);
    if (scheduledTime === undefined || (await rt.runs.get(job.name, scheduledTime, 1))) continue;
    // A firing during a suspension is the unsuspend's to catch up.
    if ((await rt.suspensions.get(job.name))?.suspended) continue;
    await rt.timers.set({
      name: timerName('catch-up', job.name, scheduledTime),
      // Scheduler takes a one-time schedule to the minute.
      at: new Date(now.getTime() + 60_000),
      target: 'run-batch-job',
      input: { job: job.name, scheduledTime, attempt: 1, catchUp: true },
    });
    rt.log.warn('a firing no delivery reached is caught up (catchUp: latest)', { job: job.name, scheduledTime });
    caughtUp.push({ job: job.name, scheduledTime });
  }
  return caughtUp;
}

/** How many of a job's runs since its suspension began catch-up reads at most. */
const CATCH_UP_RUNS_READ = 500;

/**
 * unsuspend: with catchUp: latest, the latest firing missed during the suspension (within
 * startingDeadline) is handled as a firing with `catchUp: true` — launched once however often this runs.
 */
export async function catchUpAfterSuspension(
  jobName: string,
  span: { suspendedAt: Date; unsuspendedAt: Date },
  rt: JobRuntime,
): Promise<{ decision: CatchUpDecision; run?: RunRecord | undefined }> {
  const job = knownJob(jobName, rt);
  const runs = job.catchUp === 'latest' ? await rt.runs.listSince(job.name, span.suspendedAt.toISOString(), CATCH_UP_RUNS_READ) : [];
  const decision = decideCatchUp({ job, ...span, runs });
  rt.log.info('catch-up decided', { job: job.name, decision: decision.kind, ...decision });
  if (decision.kind === 'none') return { decision };
  const run = await handleFiring({ job: job.name, scheduledTime: decision.scheduledTime, attempt: 1, catchUp: true }, rt);
  return { decision, run };
}

/** Applies the run's outbox; each RunTask's outcome decides the next step, persisted before it is taken. */
async function drive(stored: RunRecord, job: JobSpec, rt: JobRuntime): Promise<RunRecord> {
  let run = await applyOutbox(stored, rt);
  for (let pending = nextRunTask(run); pending; pending = nextRunTask(run)) {
    const action = pending;
    const outcome = await runTask(action, run, job, rt);
    const ours = run;
    const after = await persistAfter(run, rt, (latest) => {
      // Someone else may have written meanwhile (a task's stop recorded): the launch must still be ours.
      if (latest.status !== 'launching' || latest.leaseUntil !== ours.leaseUntil) {
        throw new LaunchInProgressError(
          `the launch of ${job.name} ${run.scheduledTime} #${run.attempt} was taken over by another invocation`,
        );
      }
      return decideAfterRunTask(withoutApplied(latest, [action]), action, outcome, { job, now: rt.now(), leaseSeconds: rt.leaseSeconds });
    });
    if (after.retryLater)
      throw new RetryableAwsError(`launching ${job.name} failed for now, the delivery will be retried: ${after.retryLater}`);
    run = await applyOutbox(after.run, rt);
  }
  return run;
}

/** The RunTask the run waits for, once every action before it is applied. */
function nextRunTask(run: RunRecord): RunTaskAction | undefined {
  const [first] = run.outbox;
  return first?.kind === 'run-task' ? first : undefined;
}

/**
 * Applies the run's pending actions in order up to a RunTask (the launcher's alone, under its lease) and
 * marks them done; an action AWS refused for good is said in the run instead.
 */
export async function applyOutbox(stored: RunRecord, rt: RunEffects): Promise<RunRecord> {
  let run = stored;
  for (;;) {
    const applied: RunAction[] = [];
    let refused: { action: RunAction; error: string } | undefined;
    for (const action of run.outbox) {
      if (action.kind === 'run-task') break;
      const result: Applied = action.kind === 'replace-run' ? await replaceRun(run, action, rt) : await applyAction(action, run, rt);
      applied.push(action);
      if (result.kind === 'refused') {
        refused = { action, error: result.error };
        break;
      }
    }
    if (applied.length === 0) return run;
    const failure = refused;
    if (failure) rt.log.warn(`could not do ${describeAction(failure.action)}`, { job: run.job, error: failure.error });
    const after = await persistAfter(run, rt, (latest) => {
      const rest = withoutApplied(latest, applied);
      return { run: failure ? decideActionFailed(rest, failure.action, failure.error, rt.now()) : rest };
    });
    run = after.run;
    if (!failure) return run;
  }
}

/**
 * Persists what `decideFrom` makes of the run as stored. When someone else wrote first, it is decided
 * again from what they wrote (the one retry on a stale write).
 */
async function persistAfter(
  run: RunRecord,
  rt: Pick<RunEffects, 'runs'>,
  decideFrom: (latest: RunRecord) => { run: RunRecord; retryLater?: string | undefined },
): Promise<{ run: RunRecord; retryLater?: string | undefined }> {
  let latest: RunRecord | undefined;
  return retryOnStaleWrite(async () => {
    latest = latest === undefined ? run : ((await rt.runs.get(run.job, run.scheduledTime, run.attempt)) ?? run);
    const decided = decideFrom(latest);
    return { ...decided, run: await rt.runs.save(decided.run) };
  });
}

/**
 * concurrency: replace — the older run is recorded replaced and announced (once: a replaced run stays
 * so; what a crash left of its announcement is finished here).
 */
async function replaceRun(run: RunRecord, action: Extract<RunAction, { kind: 'replace-run' }>, rt: RunEffects): Promise<Applied> {
  await retryOnStaleWrite(async () => {
    const older = await rt.runs.get(run.job, action.scheduledTime, action.attempt);
    if (!older || older.status === 'launching') return;
    const replaced = decideReplaced(older, action.reason, rt.now());
    await applyOutbox(replaced ? await rt.runs.save(replaced) : older, rt);
  });
  return { kind: 'done' };
}

/** How far before the time a success counts from a run may have been scheduled and still end after it, without maxRuntime. */
const LONGEST_RUN_WITHOUT_MAX_RUNTIME_SECONDS = 86_400;

/**
 * expectSuccessWithin: reads the job's runs for a success since the check's time (one Query, usually one
 * item) and publishes Job Success Overdue when there is none. Nothing is stored: the event's id comes
 * from the check, so a timer delivered twice publishes one event, which notify counts once.
 */
export async function checkFreshness(check: FreshnessCheck, rt: JobRuntime): Promise<FreshnessDecision> {
  const declared = rt.automation.jobs[check.job];
  // Suspended at run time (`ecs-autopilot suspend`) is suspended as much as `suspended: true`: not alerted.
  const suspendedAtRunTime = declared?.expectSuccessWithinSeconds !== undefined && (await rt.suspensions.get(declared.name))?.suspended;
  const job = declared && suspendedAtRunTime ? { ...declared, suspended: true } : declared;
  const now = rt.now();
  let success: RunRecord | undefined;
  if (job?.expectSuccessWithinSeconds !== undefined && !job.suspended) {
    const after = successCountsAfter(check, job.expectSuccessWithinSeconds, now);
    const lookback = (job.maxRuntimeSeconds ?? LONGEST_RUN_WITHOUT_MAX_RUNTIME_SECONDS) * 1000;
    success = await rt.runs.succeededAfter(job.name, after, new Date(Date.parse(after) - lookback).toISOString());
  }
  const decision = decideFreshness(check, job, success, now);
  switch (decision.kind) {
    case 'not-yet':
      await rt.timers.set({
        name: decision.timer.name,
        at: new Date(decision.timer.at),
        target: 'run-batch-job',
        input: decision.timer.input,
      });
      rt.log.info('expectSuccessWithin changed: checked again at the end of the window', { job: check.job, at: decision.timer.at });
      break;
    case 'overdue':
      await rt.bus.publish([busEventOf(decision.event)]);
      rt.log.warn('no success within expectSuccessWithin', { job: check.job, since: check.since });
      break;
    case 'fresh':
      rt.log.info('a success came within expectSuccessWithin', { job: check.job, success: decision.success });
      break;
    case 'not-watched':
      rt.log.info(decision.reason, { job: check.job });
      break;
  }
  return decision;
}

/** The maxRuntime watchdog tick: every overdue run is stopped and recorded, or finished where a tick died. */
export async function enforceMaxRuntime(rt: JobRuntime): Promise<RunRecord[]> {
  const { runs: overdue, unreadable } = await rt.runs.overdue(rt.now());
  const settled: RunRecord[] = [];
  const problems: string[] = [];
  // Retrying cannot fix an item nobody can read: said once, and no longer watched.
  for (const run of unreadable) {
    await rt.runs.unwatch(run);
    const message = `${run.problem}; it is no longer watched for maxRuntime: stop its tasks by hand if they still run`;
    rt.log.error(message, { key: run.key, error: new StoredItemError(message) });
  }
  // One run's failure must not keep the others running past their limit.
  for (const run of overdue) {
    let read: RunRecord | undefined;
    try {
      // Read consistently by overdue(); read again only after losing a write race.
      const current = async () => (read === undefined ? run : ((await rt.runs.get(run.job, run.scheduledTime, run.attempt)) ?? run));
      settled.push(
        await retryOnStaleWrite(async () => {
          read = await current();
          return settleOverdueRun(read, rt);
        }),
      );
    } catch (error) {
      problems.push(`${run.job} ${run.scheduledTime}: ${(error as Error).message}`);
      rt.log.error('could not enforce maxRuntime', { job: run.job, taskArns: run.taskArns, error: error as Error });
    }
  }
  if (problems.length > 0) throw new RetryableAwsError(`maxRuntime not enforced for ${problems.length} run(s): ${problems.join('; ')}`);
  return settled;
}

async function settleOverdueRun(overdue: RunRecord, rt: JobRuntime): Promise<RunRecord> {
  // What an earlier tick decided and could not finish (it died, or AWS refused for now) comes first.
  const run = await applyOutbox(overdue, rt);
  if (run.status !== 'launched' || run.maxRuntimeDeadline === undefined || new Date(run.maxRuntimeDeadline) > rt.now()) return run;
  // A job removed from the config still gets stopped: its deadline was promised when it launched.
  const launchedAt = Date.parse(run.launchedAt ?? run.updatedAt);
  const maxRuntimeSeconds =
    rt.automation.jobs[run.job]?.maxRuntimeSeconds ?? Math.round((Date.parse(run.maxRuntimeDeadline) - launchedAt) / 1000);
  const decision = decideOverdueRun(run, await describeTasks(rt.ecs, run.cluster, run.taskArns), maxRuntimeSeconds);
  if (decision.kind === 'stop') rt.log.info('stopping a run past its maxRuntime', { job: run.job, taskArns: decision.taskArns });
  return applyOutbox(await rt.runs.save(runPastItsDeadline(run, decision, rt.now(), rt.automation.jobs[run.job])), rt);
}
