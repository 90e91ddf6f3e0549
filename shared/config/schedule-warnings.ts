/**
 * Schedules that will not fire again, said by `validate` before they are deployed: an at() that is past
 * or names a local time a daylight-saving change skips, a cron whose years are over. Warnings, not schema
 * errors: they depend on the day they are asked (the schema also runs when the stack is packaged, and a
 * file valid yesterday stays valid), and a gap's effect on a one-time schedule is not documented as such.
 * A cron that names no date at all is the schema's (neverFiresReason). Pure: `now` is an argument.
 */

import { offsetChanges } from './daylight-saving.ts';
import { firingsFrom, parseScheduleExpression, type ScheduleExpression } from './schedule-expression.ts';
import type { Automation } from './schema.ts';
import { formatLocal, instantOfWallClock, wallClockAt } from './time-zone.ts';

const DAY = 86_400_000;

export interface ScheduleWarning {
  /** `jobs.once`, `services.web.scaling.overrides.sale`. */
  path: string;
  /** `jobs.once: at(2026-01-15T09:00:00) is past (…): it never fires; …`. */
  text: string;
}

/** One warning per job (suspended ones left out) or scaling override whose schedule will not fire again after `now`. */
export function scheduleWarnings(automation: Automation, now: Date): ScheduleWarning[] {
  const warnings: ScheduleWarning[] = [];
  const check = (path: string, zone: string, schedule: string, owner: string) => {
    const problem = notFiringAgain(parseScheduleExpression(schedule), zone, now, owner);
    if (problem) warnings.push({ path, text: `${path}: ${problem}` });
  };
  for (const job of Object.values(automation.jobs)) {
    // A chained job fires with its chain: its upstream's schedule is checked once, under that job.
    if (!job.suspended && job.after.length === 0) check(`jobs.${job.name}`, job.timezone, job.schedule, 'the job');
  }
  for (const service of Object.values(automation.services)) {
    const scaling = service.scaling;
    for (const override of scaling?.overrides ?? []) {
      check(`services.${service.key}.scaling.overrides.${override.name}`, scaling?.timezone ?? 'UTC', override.schedule, 'the override');
    }
  }
  return warnings;
}

function notFiringAgain(expression: ScheduleExpression, zone: string, now: Date, owner: string): string | undefined {
  const nowLocal = formatLocal(now, zone);
  if (expression.kind === 'at') {
    const instant = instantOfWallClock(expression.wallClock, zone);
    if (instant < now) {
      return `${expression.text} is past (${formatLocal(instant, zone)}, now ${nowLocal}): it never fires; give a time to come, or remove ${owner}`;
    }
    const seen = wallClockAt(instant, zone);
    if (seen.hour !== expression.wallClock.hour || seen.minute !== expression.wallClock.minute) return gapText(expression, zone, instant);
    return undefined;
  }
  if (expression.kind === 'cron' && expression.cron.years !== 'any') {
    const lastYear = Math.max(...expression.cron.years);
    const end = instantOfWallClock({ year: lastYear + 1, month: 1, day: 1, hour: 0, minute: 0 }, zone);
    if (now >= end || firingsFrom(expression, zone, now, end).next().done) {
      return `${expression.text} fires no more: its years end with ${lastYear}, and none of its times is left after now (${nowLocal}); give it years to come, or remove ${owner}`;
    }
  }
  return undefined;
}

/**
 * EventBridge Scheduler's documentation says a cron time that spring-forward skips is skipped ("Daylight
 * savings time on EventBridge Scheduler"); a one-time schedule has that one firing only.
 */
function gapText(expression: Extract<ScheduleExpression, { kind: 'at' }>, zone: string, instant: Date): string {
  const { wallClock } = expression;
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${wallClock.year}-${pad(wallClock.month)}-${pad(wallClock.day)}`;
  const change = offsetChanges(zone, new Date(instant.getTime() - DAY), new Date(instant.getTime() + DAY))[0];
  const clockAt = (offset: number) => (change ? new Date(change.at.getTime() + offset * 60_000).toISOString().slice(11, 16) : '');
  const jump = change ? ` (the clocks go from ${clockAt(change.before)} to ${clockAt(change.after)})` : '';
  return `${expression.text}: ${pad(wallClock.hour)}:${pad(wallClock.minute)} does not exist in ${zone} on ${date}${jump}: EventBridge Scheduler skips a local time that does not exist, so this one-time schedule never fires; write a time outside the gap`;
}
