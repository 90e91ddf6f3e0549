/**
 * EventBridge Scheduler expressions: `cron(min hour day-of-month month day-of-week year)`,
 * `rate(value unit)` and `at(yyyy-mm-ddThh:mm:ss)`, parsed once and evaluated in a time zone with
 * Scheduler's daylight-saving rules (a wall time skipped in spring does not fire; a wall time repeated
 * in autumn fires once).
 */
import { instantOfWallClock, type WallClock, wallClockAt } from './time-zone.ts';

export type ScheduleExpression =
  | { kind: 'cron'; text: string; cron: CronFields }
  | { kind: 'rate'; text: string; everySeconds: number }
  | { kind: 'at'; text: string; wallClock: { year: number; month: number; day: number; hour: number; minute: number; second: number } };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  months: Set<number>;
  years: Set<number> | 'any';
  day: DayRule;
}

type DayRule =
  | { by: 'any' }
  | {
      by: 'day-of-month';
      days: Set<number>;
      lastDay: boolean;
      lastDayOffset: number;
      nearestWeekday: number | undefined;
      lastWeekday: boolean;
    }
  | { by: 'day-of-week'; weekdays: Set<number>; nth: { weekday: number; n: number } | undefined; lastOf: number | undefined };

export class ScheduleExpressionError extends Error {}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function parseScheduleExpression(text: string): ScheduleExpression {
  const trimmed = text.trim();
  const cron = /^cron\((.*)\)$/.exec(trimmed);
  if (cron) return { kind: 'cron', text: trimmed, cron: parseCron(cron[1] ?? '') };
  const rate = /^rate\((.*)\)$/.exec(trimmed);
  if (rate) return { kind: 'rate', text: trimmed, everySeconds: parseRate(rate[1] ?? '') };
  const at = /^at\((.*)\)$/.exec(trimmed);
  if (at) return { kind: 'at', text: trimmed, wallClock: parseAt(at[1] ?? '') };
  throw new ScheduleExpressionError(`"${text}" is not a schedule expression: write cron(…), rate(…) or at(…)`);
}

function parseRate(body: string): number {
  const match = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body.trim());
  if (!match) throw new ScheduleExpressionError(`rate(${body}): write rate(<number> minutes|hours|days), e.g. rate(15 minutes)`);
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  if (value < 1) throw new ScheduleExpressionError(`rate(${body}): the value must be a positive whole number`);
  if ((value === 1) !== !unit.endsWith('s')) {
    throw new ScheduleExpressionError(`rate(${body}): use "${value === 1 ? unit.replace(/s$/, '') : `${unit}s`}" with ${value}`);
  }
  const seconds = unit.startsWith('minute') ? 60 : unit.startsWith('hour') ? 3_600 : 86_400;
  return value * seconds;
}

function parseAt(body: string) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (!match) throw new ScheduleExpressionError(`at(${body}): write at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-12-24T18:00:00)`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new ScheduleExpressionError(`at(${body}): not a real date and time`);
  }
  return { year, month, day, hour, minute, second };
}

function parseCron(body: string): CronFields {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `cron(${body}): EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), found ${fields.length}`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  const where = (field: string) => `cron(${body}): ${field}`;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new ScheduleExpressionError(`cron(${body}): exactly one of day-of-month and day-of-week must be "?"`);
  }
  return {
    minutes: parseList(minutes, 0, 59, [], where('minutes')),
    hours: parseList(hours, 0, 23, [], where('hours')),
    months: parseList(month, 1, 12, MONTH_NAMES, where('month')),
    years: year === '*' ? 'any' : parseList(year, 1970, 2199, [], where('year')),
    day: dayOfMonth !== '?' ? parseDayOfMonth(dayOfMonth, where('day-of-month')) : parseDayOfWeek(dayOfWeek, where('day-of-week')),
  };
}

function parseValue(token: string, names: string[], context: string): number {
  const named = names.indexOf(token.toUpperCase());
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) throw new ScheduleExpressionError(`${context}: "${token}" is not a number${names.length ? ' or a name' : ''}`);
  return Number(token);
}

function parseList(field: string, min: number, max: number, names: string[], context: string): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(`${context}: step "${stepText}" must be a positive whole number`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = parseValue(a, names, context);
      to = parseValue(b, names, context);
    } else {
      from = parseValue(range, names, context);
      to = stepText === undefined ? from : max;
    }
    if (from < min || to > max || from > to) {
      throw new ScheduleExpressionError(`${context}: "${part}" is outside ${min}-${max}`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseDayOfMonth(field: string, context: string): DayRule {
  if (field === '*') return { by: 'any' };
  const rule = {
    by: 'day-of-month' as const,
    days: new Set<number>(),
    lastDay: false,
    lastDayOffset: 0,
    nearestWeekday: undefined as number | undefined,
    lastWeekday: false,
  };
  if (field === 'L') return { ...rule, lastDay: true };
  if (field === 'LW') return { ...rule, lastWeekday: true };
  const lastMinus = /^L-(\d+)$/.exec(field);
  if (lastMinus) return { ...rule, lastDay: true, lastDayOffset: Number(lastMinus[1]) };
  const weekday = /^(\d+)W$/.exec(field);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) throw new ScheduleExpressionError(`${context}: "${field}" is outside 1-31`);
    return { ...rule, nearestWeekday: day };
  }
  return { ...rule, days: parseList(field, 1, 31, [], context) };
}

function parseDayOfWeek(field: string, context: string): DayRule {
  if (field === '*') return { by: 'any' };
  const nth = /^([A-Za-z]{3}|\d)#(\d)$/.exec(field);
  if (nth) {
    const weekday = parseValue(nth[1] ?? '', DAY_NAMES, context);
    const n = Number(nth[2]);
    if (weekday < 1 || weekday > 7 || n < 1 || n > 5) throw new ScheduleExpressionError(`${context}: "${field}" must be <1-7>#<1-5>`);
    return { by: 'day-of-week', weekdays: new Set(), nth: { weekday, n }, lastOf: undefined };
  }
  const last = /^([A-Za-z]{3}|\d)L$/.exec(field);
  if (last) return { by: 'day-of-week', weekdays: new Set(), nth: undefined, lastOf: parseValue(last[1] ?? '', DAY_NAMES, context) };
  if (field === 'L') return { by: 'day-of-week', weekdays: new Set([7]), nth: undefined, lastOf: undefined };
  return { by: 'day-of-week', weekdays: parseList(field, 1, 7, DAY_NAMES, context), nth: undefined, lastOf: undefined };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function dayMatches(rule: DayRule, year: number, month: number, day: number): boolean {
  if (rule.by === 'any') return true;
  const monthLength = daysInMonth(year, month);
  if (rule.by === 'day-of-month') {
    if (rule.lastDay) return day === monthLength - rule.lastDayOffset;
    if (rule.lastWeekday) {
      let last = monthLength;
      while (weekdayOf(year, month, last) === 1 || weekdayOf(year, month, last) === 7) last--;
      return day === last;
    }
    if (rule.nearestWeekday !== undefined) return day === nearestWeekday(year, month, Math.min(rule.nearestWeekday, monthLength));
    return rule.days.has(day);
  }
  const weekday = weekdayOf(year, month, day);
  if (rule.nth) return weekday === rule.nth.weekday && Math.ceil(day / 7) === rule.nth.n;
  if (rule.lastOf !== undefined) return weekday === rule.lastOf && day + 7 > monthLength;
  return rule.weekdays.has(weekday);
}

/** Quartz `W`: the weekday nearest the given day, never crossing into another month. */
function nearestWeekday(year: number, month: number, day: number): number {
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === daysInMonth(year, month) ? day - 2 : day + 1;
  return day;
}

/** 28 years hold every calendar there is (each weekday a year can start on, leap or not) until 2100. */
const EVERY_CALENDAR = Array.from({ length: 28 }, (_, i) => 2001 + i);

/** "FEB", "FEB and APR", "APR, JUN, SEP and NOV". */
function listText(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * Why a cron names no date at all, whatever the day it is asked (31 February, the 30th of February,
 * the 29th of February of a year that has none), or undefined when some date matches. Other kinds fire
 * on some date: whether that is still to come is for the caller, who knows what time it is.
 */
export function neverFiresReason(expression: ScheduleExpression): string | undefined {
  if (expression.kind !== 'cron') return undefined;
  const { cron } = expression;
  const years = cron.years === 'any' ? EVERY_CALENDAR : [...cron.years].sort((a, b) => a - b);
  const months = [...cron.months].sort((a, b) => a - b);
  for (const year of years) {
    for (const month of months) {
      for (let day = 1; day <= daysInMonth(year, month); day++) if (dayMatches(cron.day, year, month, day)) return undefined;
    }
  }
  const monthNames = listText(months.map((month) => MONTH_NAMES[month - 1] ?? String(month)));
  const inYears = cron.years === 'any' ? '' : years.length > 3 ? ` in ${years[0]}-${years.at(-1)}` : ` in ${listText(years.map(String))}`;
  const { day } = cron;
  if (day.by === 'day-of-month' && !day.lastDay && !day.lastWeekday && day.nearestWeekday === undefined) {
    const longest = Math.max(...years.flatMap((year) => months.map((month) => daysInMonth(year, month))));
    return `${monthNames} ${months.length === 1 ? 'has' : 'have'} at most ${longest} days${inYears}`;
  }
  return `no day of ${monthNames}${inYears} matches its day fields`;
}

function sameWallMinute(instant: Date, timeZone: string, wall: Pick<WallClock, 'year' | 'month' | 'day' | 'hour' | 'minute'>): boolean {
  const seen = wallClockAt(instant, timeZone);
  return (
    seen.year === wall.year && seen.month === wall.month && seen.day === wall.day && seen.hour === wall.hour && seen.minute === wall.minute
  );
}

/**
 * Whether the expression names this wall-clock minute, whether or not the zone's clock shows it that day
 * (daylight-saving.ts asks about the minutes a change skips or repeats). rate() names none: it counts
 * elapsed time, which daylight saving does not change.
 */
export function namesWallClockMinute(
  expression: ScheduleExpression,
  wall: Pick<WallClock, 'year' | 'month' | 'day' | 'hour' | 'minute'>,
): boolean {
  if (expression.kind === 'rate') return false;
  if (expression.kind === 'at') {
    const at = expression.wallClock;
    return at.year === wall.year && at.month === wall.month && at.day === wall.day && at.hour === wall.hour && at.minute === wall.minute;
  }
  const { cron } = expression;
  return (
    (cron.years === 'any' || cron.years.has(wall.year)) &&
    cron.months.has(wall.month) &&
    dayMatches(cron.day, wall.year, wall.month, wall.day) &&
    cron.hours.has(wall.hour) &&
    cron.minutes.has(wall.minute)
  );
}

/**
 * Every firing in [from, to), in order. `rate` schedules fire from `anchor` (Scheduler starts them when
 * the schedule is created; the caller says when that was).
 */
export function firingsBetween(expression: ScheduleExpression, timeZone: string, from: Date, to: Date, anchor: Date = from): Date[] {
  return [...firingsFrom(expression, timeZone, from, to, anchor)];
}

/**
 * firingsBetween one at a time, computed as they are taken: a caller that needs only the first few of
 * a long window (plan, with thousands of jobs firing every minute) stops early and holds none of the rest.
 */
export function* firingsFrom(expression: ScheduleExpression, timeZone: string, from: Date, to: Date, anchor: Date = from): Generator<Date> {
  if (expression.kind === 'rate') {
    const step = expression.everySeconds * 1000;
    const first = anchor.getTime() + Math.max(0, Math.ceil((from.getTime() - anchor.getTime()) / step)) * step;
    for (let t = first; t < to.getTime(); t += step) yield new Date(t);
    return;
  }
  if (expression.kind === 'at') {
    const instant = instantOfWallClock(expression.wallClock, timeZone);
    if (sameWallMinute(instant, timeZone, expression.wallClock) && instant >= from && instant < to) yield instant;
    return;
  }
  const { cron } = expression;
  // Walk local calendar days from the one `from` falls on; a day after `to` absorbs any zone offset.
  // A wall time before `from`'s reading is before `from` too (the readings are in order, a repeated one
  // taken the first time): those of its day are not worked out at all, one instant each being costly.
  const start = wallClockAt(from, timeZone);
  const cursor = new Date(Date.UTC(start.year, start.month - 1, start.day));
  const firstDay = cursor.getTime();
  const lastDay = to.getTime() + 86_400_000;
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (; cursor.getTime() <= lastDay; cursor.setUTCDate(cursor.getUTCDate() + 1)) {
    const year = cursor.getUTCFullYear();
    const month = cursor.getUTCMonth() + 1;
    const day = cursor.getUTCDate();
    if (cron.years !== 'any' && !cron.years.has(year)) continue;
    if (!cron.months.has(month) || !dayMatches(cron.day, year, month, day)) continue;
    // In wall-clock order, the instants are in order too: a skipped time is left out, a repeated one
    // taken the first time, so no later reading of one day comes before an earlier one.
    const onFirstDay = cursor.getTime() === firstDay;
    for (const hour of hours) {
      if (onFirstDay && hour < start.hour) continue;
      for (const minute of minutes) {
        if (onFirstDay && hour === start.hour && minute < start.minute) continue;
        const wall = { year, month, day, hour, minute };
        const instant = instantOfWallClock(wall, timeZone);
        // A wall time skipped by spring-forward does not fire (Scheduler's rule).
        if (!sameWallMinute(instant, timeZone, wall)) continue;
        if (instant >= to) return;
        if (instant >= from) yield instant;
      }
    }
  }
}
