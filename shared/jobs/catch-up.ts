/**
 * catchUp: latest — like a Kubernetes CronJob coming back: of the firings a job missed while it was
 * suspended at run time, the latest still within its startingDeadline is launched once, on unsuspend.
 * Pure: (the job, the span it was suspended, what its run history says, now) → the firing, or why none.
 *
 * A missed firing is one the schedule named inside the span (cron and at(): computed, as Scheduler would
 * have fired them even when the delivery never came) or one recorded skipped for the suspension (rate
 * schedules, whose start only Scheduler knows). Launching it goes through run-batch-job's own firing
 * path with `catchUp: true`: a firing already launched or launching is a duplicate there, so a repeated
 * unsuspend (or a crash and a retry) launches it once.
 *
 * The maxRuntime watchdog's tick also looks for a firing no delivery reached (ecs-autopilot could not
 * run, Scheduler gave up): latestMissableFiring names the one it launches, through a one-time timer to
 * run-batch-job with `catchUp: true` — a delivery that comes after all is the same run.
 */
import { formatDuration } from '../config/duration.ts';
import { firingsBetween, parseScheduleExpression } from '../config/schedule-expression.ts';
import type { JobSpec } from '../config/schema.ts';
import type { RunRecord } from './run-record.ts';

export type CatchUpDecision = { kind: 'catch-up'; scheduledTime: string; missed: number } | { kind: 'none'; reason: string };

export interface CatchUpFacts {
  job: JobSpec;
  /** When the suspension at run time began and ended (unsuspend). */
  suspendedAt: Date;
  unsuspendedAt: Date;
  /** The job's runs scheduled within the span, any order. */
  runs: RunRecord[];
}

export function decideCatchUp({ job, suspendedAt, unsuspendedAt, runs }: CatchUpFacts): CatchUpDecision {
  if (job.catchUp !== 'latest') return { kind: 'none', reason: 'catchUp is none: missed firings are not launched' };
  if (job.suspended) return { kind: 'none', reason: 'the job is still suspended in automation.yml' };
  const deadline = job.startingDeadlineSeconds ?? 0;
  const from = new Date(Math.max(suspendedAt.getTime(), unsuspendedAt.getTime() - deadline * 1000));
  const expression = parseScheduleExpression(job.schedule);
  const scheduled =
    expression.kind === 'rate' ? [] : firingsBetween(expression, job.timezone, from, unsuspendedAt).map((at) => at.toISOString());
  const recorded = runs
    .filter((run) => run.attempt === 1 && run.skippedFor === 'suspension' && run.scheduledTime >= from.toISOString())
    .map((run) => run.scheduledTime);
  const missed = [...new Set([...scheduled, ...recorded])].filter((time) => time < unsuspendedAt.toISOString()).sort();
  const latest = missed.at(-1);
  if (latest === undefined) {
    return {
      kind: 'none',
      reason: `no firing was missed within the startingDeadline of ${formatDuration(deadline)} (since ${from.toISOString()})`,
    };
  }
  return { kind: 'catch-up', scheduledTime: latest, missed: missed.length };
}

/**
 * How long after its scheduled time a firing that no delivery reached counts as missed: Scheduler
 * delivers within seconds; a catch-up of a firing still being retried is the same run anyway.
 */
export const MISSED_AFTER_SECONDS = 300;

/**
 * The latest firing of a cron or at() schedule the watchdog may catch up at `now`: scheduled at least
 * MISSED_AFTER_SECONDS ago and within startingDeadline (a rate schedule's firings only Scheduler knows).
 */
export function latestMissableFiring(job: JobSpec, now: Date): string | undefined {
  if (job.catchUp !== 'latest' || job.suspended || job.startingDeadlineSeconds === undefined) return undefined;
  const expression = parseScheduleExpression(job.schedule);
  if (expression.kind === 'rate') return undefined;
  const from = new Date(now.getTime() - job.startingDeadlineSeconds * 1000);
  // firingsBetween takes [from, to): a millisecond more takes a firing exactly MISSED_AFTER_SECONDS old.
  const to = new Date(now.getTime() - MISSED_AFTER_SECONDS * 1000 + 1);
  if (to <= from) return undefined;
  return firingsBetween(expression, job.timezone, from, to).at(-1)?.toISOString();
}
