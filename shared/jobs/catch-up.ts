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
