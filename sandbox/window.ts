/**
 * The simulated window: where it starts (`--from`, the scenario's `day`, or the next midnight), how long it
 * lasts, the zone it is shown in, and the local times a scenario writes (`HH:MM`) as instants inside it.
 */

import { parseInstant } from '../shared/config/instant.ts';
import type { Automation } from '../shared/config/schema.ts';
import { formatLocal, instantOfWallClock, wallClockAt } from '../shared/config/time-zone.ts';
import { SandboxOptionError, type SandboxOptions } from './options.ts';
import { EMPTY_SCENARIO, type Scenario, type ScenarioDay } from './scenario.ts';
import type { SandboxReport } from './timeline.ts';

const MAX_HOURS = 31 * 24;

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

/** A note when `--from` starts the window on another day than the one the scenario's story is told for. */
export function dayOverridden(day: ScenarioDay, from: Date, timeZone: string): string[] {
  if (startsOnDay(day, from, timeZone)) return [];
  return [
    `--from starts the window on ${localWeekday(from, timeZone)} ${formatLocal(from, timeZone)}, not on the scenario's day ` +
      `(${day.text}): what its description tells may not happen`,
  ];
}

/** The window as the report gives it: instants, and the zone's clocks and weekdays. */
export function reportWindowOf(window: SandboxWindow): SandboxReport['window'] {
  return {
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
}
