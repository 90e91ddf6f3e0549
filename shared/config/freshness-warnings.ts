/**
 * expectSuccessWithin that would alert a healthy job, said by `validate`: a window no longer than the
 * longest gap between two of the job's firings passes between two successful runs, and a job that fires
 * once (at()) or no more is alerted a window after its last run. Warnings, not schema errors: the gaps
 * depend on the day they are asked (daylight saving, a cron's last year), as scheduleWarnings' do.
 * Pure: `now` is an argument.
 */
import { formatDuration } from './duration.ts';
import { firingsFrom, parseScheduleExpression } from './schedule-expression.ts';
import type { ScheduleWarning } from './schedule-warnings.ts';
import type { Automation, JobSpec } from './schema.ts';

/** How far ahead the gaps are looked for: a month's longest gap, past the longest window (35 days). */
const LOOKAHEAD_SECONDS = 70 * 86_400;

/** One warning per job (suspended ones left out) whose expectSuccessWithin its own schedule would not meet. */
export function freshnessWarnings(automation: Automation, now: Date): ScheduleWarning[] {
  const warnings: ScheduleWarning[] = [];
  for (const job of Object.values(automation.jobs)) {
    if (job.suspended || job.expectSuccessWithinSeconds === undefined) continue;
    const problem = windowProblem(job, job.expectSuccessWithinSeconds, now);
    if (problem) warnings.push({ path: `jobs.${job.name}`, text: `jobs.${job.name}: ${problem}` });
  }
  return warnings;
}

function windowProblem(job: JobSpec, windowSeconds: number, now: Date): string | undefined {
  const within = formatDuration(windowSeconds);
  const to = new Date(now.getTime() + LOOKAHEAD_SECONDS * 1000);
  let previous: Date | undefined;
  let longest: { from: Date; to: Date } | undefined;
  for (const firing of firingsFrom(parseScheduleExpression(job.schedule), job.timezone, now, to)) {
    if (previous && (!longest || firing.getTime() - previous.getTime() > longest.to.getTime() - longest.from.getTime())) {
      longest = { from: previous, to: firing };
    }
    previous = firing;
  }
  if (longest === undefined) {
    return `expectSuccessWithin ${within}, but ${job.schedule} fires ${previous ? 'once' : 'no more'} in the next 70 days: the job is alerted ${within} after its last run`;
  }
  const gapSeconds = (longest.to.getTime() - longest.from.getTime()) / 1000;
  if (gapSeconds < windowSeconds) return undefined;
  return (
    `expectSuccessWithin ${within} is not longer than the ${formatDuration(gapSeconds)} between two of its firings ` +
    `(${longest.from.toISOString()} and ${longest.to.toISOString()}): it alerts even when every run succeeds; ` +
    'make it longer than that gap plus a run'
  );
}
