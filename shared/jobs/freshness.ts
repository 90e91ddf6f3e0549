/**
 * expectSuccessWithin: a job that has not succeeded for that long alerts, in its job-failing group, so
 * that its next success resolves it. Event-driven, without polling every job: each success arms a
 * one-time timer (shared/timers) for the time it stops being recent, and a first attempt's firing keeps
 * one more armed, so that a job that never succeeded yet (the first deploy) or whose success timer was
 * lost is still checked. When a timer fires (run-batch-job, which Scheduler may invoke already), the
 * check reads the job's runs for a success since: none, and it publishes Job Success Overdue with an alert.
 *
 * Timers are named after their time, rounded up to a 24th of the window: the successes of one such slice
 * share one schedule (setting it again is a conflict, taken as done), so a job that succeeds every minute
 * makes about 24 checks a window, not one per success; the alert comes at most that slice late.
 *
 * The firing's timer has one name per job: set at a firing while none is armed, so about one check per
 * window. While no success comes, each check that finds none is one more event in the group (a reminder
 * about once a window), under the group's repeatInterval like any other.
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { clusterNameOf } from '../config/cluster.ts';
import { formatDuration } from '../config/duration.ts';
import type { JobSpec } from '../config/schema.ts';
import { BadEventError, excerptOf, inputProblems } from '../errors.ts';
import { JOB_SUCCESS_OVERDUE, type JobSuccessOverdueDetail } from '../events/job-freshness-events.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import { timerName } from '../timers/timers.ts';
import type { RunAction, RunRecord } from './run-record.ts';
import { jobFailingAlertOf } from './trigger.ts';

/** What a freshness timer invokes run-batch-job with. */
export interface FreshnessCheck {
  check: 'expect-success';
  job: string;
  /** A success that ended after this time is recent enough. */
  since: string;
  /** What armed the timer: a success (that ended at `since`), or a firing (scheduled at `since`). */
  armedBy: 'success' | 'firing';
}

/** Built on first use (not at import: see shared/built-on-first-use.ts). */
const freshnessCheckSchema = builtOnFirstUse(() =>
  z.object({
    check: z.literal('expect-success'),
    job: z.string().check(z.minLength(1)),
    since: z.iso.datetime({ offset: true }),
    armedBy: z.enum(['success', 'firing']),
  }),
);

export function isFreshnessCheck(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'check' in event;
}

/** What each field of a check takes, for the message of a bad one. */
const CHECK_FIELDS = {
  check: '"expect-success"',
  job: 'the name of a job in automation.yml',
  since: 'an ISO 8601 time, e.g. 2026-11-22T02:41:48Z',
  armedBy: '"success" or "firing"',
};

export function parseFreshnessCheck(event: unknown): FreshnessCheck {
  const result = freshnessCheckSchema().safeParse(event);
  if (!result.success) {
    throw new BadEventError(
      `not an expectSuccessWithin check (${inputProblems(result.error.issues, CHECK_FIELDS, 'event')}): ${excerptOf(event)}`,
    );
  }
  return { ...result.data, since: new Date(result.data.since).toISOString() };
}

/** Slices a check's time is rounded up to (seconds): whole minutes and hours, so that checks come at plain times. */
const SLICES = [60, 300, 900, 1_800, 3_600, 7_200, 14_400, 21_600, 43_200, 86_400];

/** When a check of what happened at `since` is due: the window after it, rounded up to the largest slice within a 24th of it. */
export function checkDueAt(since: string, windowSeconds: number): Date {
  const slice = (SLICES.findLast((seconds) => seconds <= windowSeconds / 24) ?? 60) * 1000;
  return new Date(Math.ceil((Date.parse(since) + windowSeconds * 1000) / slice) * slice);
}

function checkTimer(check: FreshnessCheck, windowSeconds: number): Extract<RunAction, { kind: 'set-timer' }> {
  const at = checkDueAt(check.since, windowSeconds);
  const name = check.armedBy === 'success' ? timerName('fresh', check.job, at.toISOString()) : timerName('fresh-firing', check.job);
  return { kind: 'set-timer', name, at: at.toISOString(), input: check };
}

/** The timer a success arms (none when the job expects nothing). */
export function afterSuccess(run: RunRecord, job: JobSpec | undefined): RunAction[] {
  if (job?.expectSuccessWithinSeconds === undefined || run.endedAt === undefined) return [];
  return [checkTimer({ check: 'expect-success', job: run.job, since: run.endedAt, armedBy: 'success' }, job.expectSuccessWithinSeconds)];
}

/** The timer a first attempt's firing keeps armed (none when the job expects nothing). */
export function atFiring(job: JobSpec, scheduledTime: string, attempt: number): RunAction[] {
  if (job.expectSuccessWithinSeconds === undefined || attempt !== 1) return [];
  return [checkTimer({ check: 'expect-success', job: job.name, since: scheduledTime, armedBy: 'firing' }, job.expectSuccessWithinSeconds)];
}

export function isFreshnessTimer(action: RunAction): boolean {
  return action.kind === 'set-timer' && 'check' in action.input;
}

export type FreshnessDecision =
  | { kind: 'not-watched'; reason: string }
  /** The window (changed since the timer was armed) is not over yet: armed again for its end. */
  | { kind: 'not-yet'; timer: Extract<RunAction, { kind: 'set-timer' }> }
  | { kind: 'fresh'; success: Pick<RunRecord, 'scheduledTime' | 'attempt' | 'endedAt'> }
  | { kind: 'overdue'; event: PendingEvent };

/** What the time a success counts from is, for the check of `check` at `now`. */
export function successCountsAfter(check: FreshnessCheck, windowSeconds: number, now: Date): string {
  return new Date(Math.max(Date.parse(check.since), now.getTime() - windowSeconds * 1000)).toISOString();
}

/**
 * The check, pure: `success` is a run of the job that succeeded after successCountsAfter, if there is
 * one. A job removed from automation.yml, no longer expecting success, or suspended is not alerted.
 */
export function decideFreshness(
  check: FreshnessCheck,
  job: JobSpec | undefined,
  success: RunRecord | undefined,
  now: Date,
): FreshnessDecision {
  if (!job) return { kind: 'not-watched', reason: `job ${check.job} is no longer in automation.yml` };
  const windowSeconds = job.expectSuccessWithinSeconds;
  if (windowSeconds === undefined) return { kind: 'not-watched', reason: `job ${check.job} no longer sets expectSuccessWithin` };
  if (job.suspended) return { kind: 'not-watched', reason: `job ${check.job} is suspended` };
  const timer = checkTimer(check, windowSeconds);
  // Named after its time: the timer firing now may still hold its own name.
  if (Date.parse(timer.at) > now.getTime() + 60_000)
    return { kind: 'not-yet', timer: { ...timer, name: timerName('fresh', check.job, timer.at) } };
  if (success) return { kind: 'fresh', success };
  const within = formatDuration(windowSeconds);
  const since = check.armedBy === 'success' ? `its last success, which ended at ${check.since}` : `its firing scheduled at ${check.since}`;
  const detail: JobSuccessOverdueDetail = {
    job: job.name,
    cluster: job.cluster,
    taskDefinition: job.taskDefinition,
    expectSuccessWithin: within,
    since: check.since,
    armedBy: check.armedBy,
    reason: `no run of ${job.name} has succeeded since ${since}, and expectSuccessWithin is ${within}`,
    alert: jobFailingAlertOf(clusterNameOf(job.cluster), job.name),
  };
  return {
    kind: 'overdue',
    event: {
      id: `${job.name}:success-overdue:${check.since}`,
      detailType: JOB_SUCCESS_OVERDUE,
      detail: { ...detail },
      resources: [],
      time: now.toISOString(),
    },
  };
}
