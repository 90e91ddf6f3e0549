/**
 * Scheduled scaling evaluated at an instant: which target applies now, where it changes, and which
 * EventBridge Scheduler expressions fire the scale-service function at every change. Pure: no I/O,
 * every instant is an argument.
 *
 * How a service's scaling reads, in its time zone (`scaling.timezone`):
 * - A period is a wall-clock window. On each day it starts on (`days`) it opens the first time the
 *   clock shows `from` that day and closes the first time the clock then shows `to`: the same day when
 *   `to` is after `from`, the next day otherwise (overnight, FRI 22:00 → SAT 06:00; `from` = `to` is a
 *   24-hour window). Opening is inclusive, closing exclusive: [from, to).
 * - Spring forward: a wall time the clock skips (02:30 in New York on 2026-03-08) is reached at the
 *   first instant after the gap (03:00 EDT). A period starting or ending at a skipped time starts or
 *   ends there; a window across the gap is an hour shorter, one inside it is empty that day.
 * - Fall back: a window that holds the repeated hour covers both passes of it (00:00–06:00 lasts seven
 *   hours that night). A `from` or `to` inside the repeated hour is its first pass (01:30 EDT), which
 *   is when Scheduler fires a cron at 01:30: a window closing at 01:30 does not reopen when the clock
 *   reads 01:00 again, and one opening at 01:30 stays open through the second pass. Reopening would
 *   flap the service, and the second pass of a wall time cannot be named in the zone at all.
 * - Overrides win over every period while they last: an override is active from each firing t of its
 *   schedule (cron or at, with Scheduler's rules: a skipped wall time does not fire, a repeated one
 *   fires once) for `for` of elapsed time, t ≤ instant < t + for. A rate() schedule has no firing
 *   of its own to anchor that window on, so it never applies (the schema should refuse it).
 * - When several overrides, or several periods, hold an instant, the one listed first in
 *   automation.yml wins. Outside every override and period, `scaling.outside` applies (restore by
 *   default: the service goes back to how it was).
 */

import { type OffsetChange, offsetChanges } from '../config/daylight-saving.ts';
import { firingsBetween, parseScheduleExpression, type ScheduleExpression } from '../config/schedule-expression.ts';
import { instantOfWallClock, type WallClock, wallClockAt } from '../config/time-zone.ts';
import type { ScaleTarget, ScalingOverride, ScalingPeriod, ServiceScaling } from './targets.ts';
import { WEEKDAYS } from './targets.ts';

/** Why a target applies: the override or period that holds the instant, or none of them. */
export interface ScalingReason {
  kind: 'override' | 'period' | 'outside';
  name?: string;
}

export interface ScaleDecision {
  target: ScaleTarget;
  because: ScalingReason;
}

export interface ScalingChange {
  at: Date;
  from: ScaleTarget;
  to: ScaleTarget;
  /** Why `to` applies from `at` on. */
  because: ScalingReason;
  /** Why `from` applied until `at`. */
  previously: ScalingReason;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The target that applies at `instant`, and why. */
export function scaleTargetAt(scaling: ServiceScaling, instant: Date): ScaleDecision {
  return evaluator(scaling)(instant);
}

/**
 * Every instant in (from, to] where the target changes, in order. Candidates come from the config —
 * each period's opening and closing on each local day, each override's firing and end — and only
 * those where the target really changes are kept.
 */
export function scalingChangesBetween(scaling: ServiceScaling, from: Date, to: Date): ScalingChange[] {
  const windows = new Map<string, Window | undefined>();
  const decide = evaluator(scaling, windows);
  const zone = scaling.timezone;
  const candidates = new Set<number>();
  const keep = (instant: Date) => {
    if (instant > from && instant <= to) candidates.add(instant.getTime());
  };
  const first = addDays(localDateOf(from, zone), -2);
  const last = addDays(localDateOf(to, zone), 1);
  scaling.periods.forEach((period, index) => {
    for (let date = first; compareDates(date, last) <= 0; date = addDays(date, 1)) {
      const window = windowOf(period, index, date, zone, windows);
      if (!window) continue;
      keep(window.start);
      keep(window.end);
    }
  });
  for (const override of scaling.overrides) {
    const expression = overrideExpression(override);
    if (!expression) continue;
    const lasts = override.forSeconds * 1000;
    for (const start of firingsBetween(expression, zone, new Date(from.getTime() - lasts), new Date(to.getTime() + 1))) {
      keep(start);
      keep(new Date(start.getTime() + lasts));
    }
  }
  const changes: ScalingChange[] = [];
  let previous = decide(from);
  for (const at of [...candidates].sort((a, b) => a - b)) {
    const current = decide(new Date(at));
    if (!sameTarget(previous.target, current.target)) {
      changes.push({ at: new Date(at), from: previous.target, to: current.target, because: current.because, previously: previous.because });
    }
    previous = current;
  }
  return changes;
}

export function sameTarget(a: ScaleTarget, b: ScaleTarget): boolean {
  switch (a.kind) {
    case 'bounds':
      return b.kind === 'bounds' && a.min === b.min && a.max === b.max;
    case 'desired':
      return b.kind === 'desired' && a.count === b.count;
    default:
      return a.kind === b.kind;
  }
}

/** "min 4 / max 20", "desired 30", "stop", "restore". */
export function describeTarget(target: ScaleTarget): string {
  switch (target.kind) {
    case 'bounds':
      return `min ${target.min} / max ${target.max}`;
    case 'desired':
      return `desired ${target.count}`;
    default:
      return target.kind;
  }
}

/**
 * The EventBridge Scheduler expressions, all in the service's zone, that fire at every change
 * scalingChangesBetween finds; reconciling is idempotent, so extra firings are harmless.
 *
 * - Period openings and closings as the clock reads them: one cron per set of minutes sharing the
 *   same hours and days, e.g. `cron(0 8,20 ? * MON-FRI *)` (a cron at a repeated wall time fires at
 *   its first pass, where the period rules put the change).
 * - An opening or closing skipped by spring-forward happens at the first instant after the gap; one
 *   cron per gap end, limited to the months and weekdays the zone's gaps fall on, e.g.
 *   `cron(0 3 ? MAR SUN *)` in New York.
 * - Each override's schedule as written, and its end: `at(…)` for an at() override; for a cron
 *   override the cron shifted by `for` (weekdays shift along; other day rules that a shift would
 *   carry into another day fall back to firing daily at the shifted time), plus the shift by `for` ±
 *   the daylight-saving change, daily in the months of the changes, for windows that straddle one.
 *   Ends are rounded up to the minute (Scheduler's precision).
 *
 * One thing no expression in the zone can name is the second pass of a repeated hour: an override
 * that ends there (01:30 EST after 01:30 EDT) is ended by a firing at the end of the repeated hour
 * (02:00 EST), up to an hour late. Periods never change there (see the rules above).
 *
 * The zone's daylight-saving changes are looked up for `horizonYears` after `now`; the expressions
 * name months and weekdays, not years, so they keep working while the zone's rules stay the same.
 */
export function scalingScheduleExpressions(scaling: ServiceScaling, now: Date = new Date(), horizonYears = 5): string[] {
  const zone = scaling.timezone;
  const changes = offsetChanges(zone, now, new Date(now.getTime() + horizonYears * 365 * DAY));
  // Every wall-clock firing goes through one grouping, so firings on the same days share a cron.
  const firings = [...periodFirings(scaling.periods), ...gapEndFirings(scaling.periods, changes)];
  const overrideStarts: string[] = [];
  const atEnds: string[] = [];
  for (const override of scaling.overrides) {
    const expression = overrideExpression(override);
    if (!expression) continue;
    overrideStarts.push(expression.text);
    if (expression.kind === 'at') atEnds.push(atOverrideEnd(expression, override, zone, changes));
    else firings.push(...cronOverrideEndFirings(expression, override, changes));
  }
  const expressions = [...cronsFor(firings), ...overrideStarts, ...atEnds];
  return [...new Set(expressions)];
}

// --- evaluation -------------------------------------------------------------------------------------

interface Window {
  start: Date;
  end: Date;
}

/** A decision function for one scaling, with the windows it computes remembered. */
function evaluator(scaling: ServiceScaling, windows = new Map<string, Window | undefined>()): (instant: Date) => ScaleDecision {
  const zone = scaling.timezone;
  return (instant) => {
    for (const override of scaling.overrides) {
      const expression = overrideExpression(override);
      if (!expression) continue;
      const since = new Date(instant.getTime() - override.forSeconds * 1000 + 1);
      if (firingsBetween(expression, zone, since, new Date(instant.getTime() + 1)).length > 0) {
        return { target: override.target, because: { kind: 'override', name: override.name } };
      }
    }
    const today = localDateOf(instant, zone);
    for (const [index, period] of scaling.periods.entries()) {
      // A window lasts at most a day and an hour; the day after covers a clock that fell back past midnight.
      for (const offset of [-1, 0, 1]) {
        const window = windowOf(period, index, addDays(today, offset), zone, windows);
        if (window && window.start <= instant && instant < window.end) {
          return { target: period.target, because: { kind: 'period', name: period.name } };
        }
      }
    }
    return { target: scaling.outside, because: { kind: 'outside' } };
  };
}

const parsedSchedules = new Map<string, ScheduleExpression>();

/** The override's schedule, parsed once; undefined for rate(), which never applies (see above). */
function overrideExpression(override: ScalingOverride): Extract<ScheduleExpression, { kind: 'cron' | 'at' }> | undefined {
  let expression = parsedSchedules.get(override.schedule);
  if (!expression) {
    expression = parseScheduleExpression(override.schedule);
    parsedSchedules.set(override.schedule, expression);
  }
  return expression.kind === 'rate' ? undefined : expression;
}

/** The period's window starting on `date`, if the period starts on that weekday. */
function windowOf(
  period: ScalingPeriod,
  index: number,
  date: LocalDate,
  zone: string,
  memo: Map<string, Window | undefined>,
): Window | undefined {
  const key = `${index} ${date.year}-${date.month}-${date.day}`;
  if (memo.has(key)) return memo.get(key);
  let window: Window | undefined;
  if (period.days.includes(weekdayOf(date))) {
    const from = minutesOfDay(period.from);
    const to = minutesOfDay(period.to);
    window = { start: firstReading(date, from, zone), end: firstReading(to > from ? date : addDays(date, 1), to, zone) };
  }
  memo.set(key, window);
  return window;
}

/**
 * The first instant at which the zone's clock reads `minutes` past midnight on `date`: the first pass
 * of a repeated time, or the end of the gap for a time that spring-forward skips.
 */
function firstReading(date: LocalDate, minutes: number, zone: string): Date {
  const wall = { ...date, hour: Math.floor(minutes / 60), minute: minutes % 60 };
  const instant = instantOfWallClock(wall, zone);
  const target = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  if (readingOf(instant, zone) === target) return instant;
  // Skipped: instantOfWallClock moved it past the gap by the gap's length; search back to the gap's end.
  let before = instant.getTime() - 26 * HOUR;
  let after = instant.getTime();
  while (after - before > MINUTE) {
    const middle = before + Math.floor((after - before) / (2 * MINUTE)) * MINUTE;
    if (readingOf(new Date(middle), zone) >= target) after = middle;
    else before = middle;
  }
  return new Date(after);
}

/** The wall clock of an instant as a UTC-based millisecond count, for comparing readings. */
function readingOf(instant: Date, zone: string): number {
  const w = wallClockAt(instant, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

// --- calendar helpers ---------------------------------------------------------------------------------

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

function localDateOf(instant: Date, zone: string): LocalDate {
  const { year, month, day } = wallClockAt(instant, zone);
  return { year, month, day };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

function compareDates(a: LocalDate, b: LocalDate): number {
  return Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day);
}

function weekdayOf(date: LocalDate): (typeof WEEKDAYS)[number] {
  return WEEKDAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()] ?? 'SUN';
}

function minutesOfDay(clock: string): number {
  const [hours = 0, minutes = 0] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}

// --- schedule expressions -----------------------------------------------------------------------------

/** Weekday index (0 = Sunday) and minutes past midnight at which a period opens or closes. */
interface Boundary {
  weekday: number;
  minutes: number;
}

function boundariesOf(periods: ScalingPeriod[]): Boundary[] {
  const boundaries: Boundary[] = [];
  for (const period of periods) {
    const from = minutesOfDay(period.from);
    const to = minutesOfDay(period.to);
    for (const day of period.days) {
      const weekday = WEEKDAYS.indexOf(day);
      boundaries.push({ weekday, minutes: from }, { weekday: to > from ? weekday : (weekday + 1) % 7, minutes: to });
    }
  }
  return boundaries;
}

/** A wall time to fire at, on the days that `days` ("day-of-month month day-of-week year") names. */
interface TimedFiring {
  hour: number;
  minute: number;
  days: string;
}

/** Few crons for many firings: per day fields and minute the hours, then minutes sharing hours merge. */
function cronsFor(firings: TimedFiring[]): string[] {
  const hoursByMinute = new Map<string, Set<number>>();
  for (const { hour, minute, days } of firings) {
    const key = `${days}|${minute}`;
    hoursByMinute.set(key, (hoursByMinute.get(key) ?? new Set()).add(hour));
  }
  const minutesByHours = new Map<string, number[]>();
  for (const [key, hours] of hoursByMinute) {
    const [days = '', minute = '0'] = key.split('|');
    const shared = `${days}|${cronList([...hours], 0, 23)}`;
    minutesByHours.set(shared, [...(minutesByHours.get(shared) ?? []), Number(minute)]);
  }
  return [...minutesByHours].map(([key, minutes]) => {
    const [days = '', hours = ''] = key.split('|');
    const [dayOfMonth, month, dayOfWeek, year] = days.split(' ');
    return `cron(${cronList(minutes, 0, 59)} ${hours} ${dayOfMonth} ${month} ${dayOfWeek} ${year})`;
  });
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** A cron field: `*` when it holds every value, runs of three or more as ranges, names where given. */
function cronList(values: number[], min: number, max: number, names?: readonly string[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length === max - min + 1) return '*';
  const name = (value: number) => names?.[value - min] ?? String(value);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const first = sorted[i] ?? 0;
    const last = sorted[j] ?? 0;
    if (j - i >= 2) parts.push(`${name(first)}-${name(last)}`);
    else for (let k = i; k <= j; k++) parts.push(name(sorted[k] ?? 0));
    i = j + 1;
  }
  return parts.join(',');
}

const weekdayList = (weekdays: number[]) => cronList(weekdays, 0, 6, WEEKDAYS);
const monthList = (months: number[]) => cronList(months, 1, 12, MONTH_NAMES);

function periodFirings(periods: ScalingPeriod[]): TimedFiring[] {
  const weekdaysAt = new Map<number, number[]>();
  for (const { weekday, minutes } of boundariesOf(periods)) weekdaysAt.set(minutes, [...(weekdaysAt.get(minutes) ?? []), weekday]);
  // Per minute of the hour the union of hours and weekdays: a few harmless extra firings, few schedules.
  const byMinute = new Map<number, { hours: Set<number>; weekdays: Set<number> }>();
  for (const [minutes, weekdays] of weekdaysAt) {
    const entry = byMinute.get(minutes % 60) ?? { hours: new Set<number>(), weekdays: new Set<number>() };
    entry.hours.add(Math.floor(minutes / 60));
    for (const weekday of weekdays) entry.weekdays.add(weekday);
    byMinute.set(minutes % 60, entry);
  }
  const firings: TimedFiring[] = [];
  for (const [minute, { hours, weekdays }] of byMinute) {
    for (const hour of hours) firings.push({ hour, minute, days: `? * ${weekdayList([...weekdays])} *` });
  }
  return firings;
}

/** Firings at the end of each spring-forward gap that swallows a period's opening or closing. */
function gapEndFirings(periods: ScalingPeriod[], changes: OffsetChange[]): TimedFiring[] {
  const boundaries = boundariesOf(periods);
  const byTime = new Map<number, { months: Set<number>; weekdays: Set<number> }>();
  for (const change of changes) {
    if (change.after <= change.before) continue;
    const gapStart = change.at.getTime() + change.before * MINUTE;
    const gapEnd = change.at.getTime() + change.after * MINUTE;
    const swallowed = boundaries.some(({ weekday, minutes }) => {
      for (let midnight = Math.floor(gapStart / DAY) * DAY; midnight < gapEnd; midnight += DAY) {
        const reading = midnight + minutes * MINUTE;
        if (new Date(midnight).getUTCDay() === weekday && reading >= gapStart && reading < gapEnd) return true;
      }
      return false;
    });
    if (!swallowed) continue;
    const end = new Date(gapEnd);
    const minutes = end.getUTCHours() * 60 + end.getUTCMinutes();
    const entry = byTime.get(minutes) ?? { months: new Set<number>(), weekdays: new Set<number>() };
    entry.months.add(end.getUTCMonth() + 1);
    entry.weekdays.add(end.getUTCDay());
    byTime.set(minutes, entry);
  }
  return [...byTime].map(([minutes, { months, weekdays }]) => ({
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    days: `? ${monthList([...months])} ${weekdayList([...weekdays])} *`,
  }));
}

const pad = (n: number) => String(n).padStart(2, '0');

function atExpression(wall: WallClock): string {
  return `at(${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)})`;
}

const ceilToMinute = (time: number) => Math.ceil(time / MINUTE) * MINUTE;

/** When `instant` is in the second pass of a repeated hour, the first instant after that pass. */
function afterSecondPass(instant: number, changes: OffsetChange[]): number | undefined {
  for (const change of changes) {
    const repeated = (change.before - change.after) * MINUTE;
    if (repeated > 0 && instant >= change.at.getTime() && instant < change.at.getTime() + repeated) return change.at.getTime() + repeated;
  }
  return undefined;
}

function atOverrideEnd(
  expression: Extract<ScheduleExpression, { kind: 'at' }>,
  override: ScalingOverride,
  zone: string,
  changes: OffsetChange[],
): string {
  const start = instantOfWallClock(expression.wallClock, zone);
  const end = ceilToMinute(start.getTime() + override.forSeconds * 1000);
  return atExpression(wallClockAt(new Date(afterSecondPass(end, changes) ?? end), zone));
}

function cronOverrideEndFirings(
  expression: Extract<ScheduleExpression, { kind: 'cron' }>,
  override: ScalingOverride,
  changes: OffsetChange[],
): TimedFiring[] {
  const { cron } = expression;
  const fields = /^cron\((.*)\)$/.exec(expression.text)?.[1]?.trim().split(/\s+/) ?? [];
  const lasts = Math.ceil(override.forSeconds / 60);
  const starts = [...cron.hours].flatMap((hour) => [...cron.minutes].map((minute) => hour * 60 + minute));
  const firings: TimedFiring[] = [];
  const at = (minutes: number, days: string) => {
    const ofDay = ((minutes % 1440) + 1440) % 1440;
    firings.push({ hour: Math.floor(ofDay / 60), minute: ofDay % 60, days });
  };
  const weekdayRule = cron.day.by === 'day-of-week' && !cron.day.nth && cron.day.lastOf === undefined ? cron.day.weekdays : undefined;
  // A weekday rule moves along with an end on a later day; other day rules fall back to daily firings.
  const shiftable = cron.months.size === 12 && cron.years === 'any';
  for (const start of starts) {
    const end = start + lasts;
    const carry = Math.floor(end / 1440);
    if (carry === 0) at(end, fields.slice(2).join(' '));
    else if (shiftable && weekdayRule) at(end, `? * ${weekdayList([...weekdayRule].map((weekday) => (weekday - 1 + carry) % 7))} *`);
    else at(end, '? * * *');
  }
  // Windows straddling a daylight-saving change end at the shifted time ± the change, on those days.
  const monthsByShift = new Map<number, Set<number>>();
  for (const change of changes) {
    const shift = change.after - change.before;
    const months = monthsByShift.get(shift) ?? new Set<number>();
    for (let t = change.at.getTime(); t <= change.at.getTime() + lasts * MINUTE + DAY; t += DAY) {
      months.add(new Date(t + change.after * MINUTE).getUTCMonth() + 1);
    }
    monthsByShift.set(shift, months);
  }
  for (const [shift, months] of monthsByShift) {
    for (const start of starts) at(start + lasts + shift, `? ${monthList([...months])} * *`);
  }
  // Ends in the second pass of a repeated hour: fire when the pass is over (the clock reads past it).
  const repeatedEnds = new Map<number, Set<number>>();
  for (const change of changes) {
    const repeated = change.before - change.after;
    if (repeated <= 0) continue;
    const firstOfPass = new Date(change.at.getTime() + change.after * MINUTE);
    const passStart = firstOfPass.getUTCHours() * 60 + firstOfPass.getUTCMinutes();
    const reachesPass = starts.some((start) => {
      const endOfDay = (((start + lasts - repeated) % 1440) + 1440) % 1440;
      return endOfDay >= passStart && endOfDay < passStart + repeated;
    });
    if (!reachesPass) continue;
    const over = passStart + repeated;
    repeatedEnds.set(over, (repeatedEnds.get(over) ?? new Set()).add(firstOfPass.getUTCMonth() + 1));
  }
  for (const [over, months] of repeatedEnds) at(over, `? ${monthList([...months])} * *`);
  return firings;
}
