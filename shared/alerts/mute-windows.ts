/**
 * Mute windows (notifications.muteWindows of automation.yml), Alertmanager's mute time intervals in the
 * operator's words: while a window is open, the messages of the alerts its matchers select are held
 * back (counted in their group, not sent). Pure: (windows, alert, now) → the open window and when it closes.
 *
 * A window is open when every field it names holds (a field left out holds always): the weekday, the
 * day of the month, the month, and one of its times. Times are wall-clock times in the window's zone,
 * so 02:00-03:00 Europe/Berlin is 01:00Z in winter and 00:00Z in summer; on the night the clocks go
 * forward an hour that is skipped is not muted, and one that happens twice is muted twice. A time range
 * whose end is before its start (22:00-02:00) ends on the next day; the day it starts on is the one the
 * weekday, day and month are checked for, as with scaling periods.
 */
import { instantOfWallClock, utcOffsetMinutes, wallClockAt } from '../config/time-zone.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { HoldCheck } from './hold.ts';
import { type Matcher, matchesAll } from './silence-matchers.ts';

export interface MuteWindow {
  name: string;
  /** IANA zone the window's times and days are read in. */
  timezone: string;
  /** 1 = Sunday … 7 = Saturday (as WallClock.weekday); left out: every day of the week. */
  weekdays?: number[] | undefined;
  /** Minutes after midnight, the start included and the end not; an end before the start is on the next day. */
  times?: { start: number; end: number }[] | undefined;
  /** Days of the month, from its start (1) or its end (-1: the last day), both ends included. */
  daysOfMonth?: { from: number; to: number }[] | undefined;
  /** 1 = January … 12 = December. */
  months?: number[] | undefined;
  /** The alerts the window mutes; none: every alert. */
  matchers: Matcher[];
}

export interface OpenWindow {
  window: MuteWindow;
  closesAt: Date;
}

/** The first window open at `now` whose matchers select `alert`, and when it closes. */
export function openMuteWindow(windows: readonly MuteWindow[], alert: AlertBlock, now: Date): OpenWindow | undefined {
  for (const window of windows) {
    if (!matchesAll(window.matchers, alert)) continue;
    const closesAt = closingOf(window, now);
    if (closesAt) return { window, closesAt };
  }
  return undefined;
}

/** The mute windows hold (hold.ts): reads nothing, so it is asked first. */
export function muteWindowHold(windows: readonly MuteWindow[]): HoldCheck {
  return async ({ alert }, now) => {
    const open = openMuteWindow(windows, alert, now);
    return open && { kind: 'muted', by: open.window.name, until: open.closesAt.toISOString() };
  };
}

/** Whole days a window may stay open at a stretch before its close is given as "at least then". */
const LONGEST_STRETCH_DAYS = 400;

/** When the window, open at `now`, closes: the end of the stretch of open time `now` is in. Undefined: it is not open. */
export function closingOf(window: MuteWindow, now: Date): Date | undefined {
  let end = segmentEnd(window, now);
  if (!end) return undefined;
  // A range that ends where the next begins (a weekday window of whole days, 22:00-24:00 then 00:00-02:00) stays open.
  for (let step = 0; step < LONGEST_STRETCH_DAYS * 2; step++) {
    const next = segmentEnd(window, end);
    if (!next || next <= end) break;
    end = next;
  }
  return end;
}

interface CivilDay {
  year: number;
  month: number;
  day: number;
  /** 1 = Sunday … 7 = Saturday. */
  weekday: number;
}

/** The calendar day `offset` days from year-month-day (a plain calendar, no zone). */
function civilDay(year: number, month: number, day: number, offset = 0): CivilDay {
  const date = new Date(Date.UTC(year, month - 1, day + offset));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: date.getUTCDay() + 1 };
}

function dayMatches(window: MuteWindow, day: CivilDay): boolean {
  if (window.weekdays && !window.weekdays.includes(day.weekday)) return false;
  if (window.months && !window.months.includes(day.month)) return false;
  if (window.daysOfMonth) {
    const length = civilDay(day.year, day.month + 1, 0).day;
    const resolve = (n: number) => (n < 0 ? length + 1 + n : n);
    if (!window.daysOfMonth.some(({ from, to }) => resolve(from) <= day.day && day.day <= resolve(to))) return false;
  }
  return true;
}

/** The end of the open range `instant` is in, or undefined when the window is closed at `instant`. */
function segmentEnd(window: MuteWindow, instant: Date): Date | undefined {
  const range = openRange(window, instant);
  return range && wallInstant(window, range.endDay, range.endMinute, instant);
}

/** By the wall clock alone: the day and minute the range open at `instant` ends, or undefined when none is open. */
function openRange(window: MuteWindow, instant: Date): { endDay: CivilDay; endMinute: number } | undefined {
  const wall = wallClockAt(instant, window.timezone);
  const today = civilDay(wall.year, wall.month, wall.day);
  const minute = wall.hour * 60 + wall.minute;
  if (!window.times) return dayMatches(window, today) ? { endDay: today, endMinute: 24 * 60 } : undefined;
  for (const { start, end } of window.times) {
    if (start < end) {
      if (start <= minute && minute < end && dayMatches(window, today)) return { endDay: today, endMinute: end };
    } else if (minute >= start && dayMatches(window, today)) {
      return { endDay: civilDay(today.year, today.month, today.day, 1), endMinute: end };
    } else if (minute < end && dayMatches(window, civilDay(today.year, today.month, today.day, -1))) {
      return { endDay: today, endMinute: end };
    }
  }
  return undefined;
}

/**
 * The first instant after `after` at which the zone's clocks read `minutes` past midnight of `day`
 * (24:00 is midnight of the next day). Across a change of the clocks the wall-clock time may come twice
 * (the later one, if `after` is past the first) or not at all, when the clocks jump over the rest of the
 * range: then the window closes at the jump.
 */
function wallInstant(window: MuteWindow, day: CivilDay, minutes: number, after: Date): Date {
  const date = minutes >= 24 * 60 ? civilDay(day.year, day.month, day.day, 1) : day;
  const wall = { year: date.year, month: date.month, day: date.day, hour: Math.floor(minutes / 60) % 24, minute: minutes % 60 };
  let end = instantOfWallClock(wall, window.timezone);
  if (end <= after) {
    for (let quarters = 1; quarters <= 8 && end <= after; quarters++) {
      const later = new Date(end.getTime() + quarters * 15 * 60_000);
      const reads = wallClockAt(later, window.timezone);
      if (reads.hour === wall.hour && reads.minute === wall.minute && later > after) end = later;
    }
  }
  const change = clockChangeBetween(after, end, window.timezone);
  if (change && !openRange(window, change)) return change;
  return end;
}

/** The instant the zone's offset changes between `from` and `to` (at most one is looked for), to the second. */
function clockChangeBetween(from: Date, to: Date, timeZone: string): Date | undefined {
  const before = utcOffsetMinutes(from, timeZone);
  if (utcOffsetMinutes(to, timeZone) === before) return undefined;
  let low = from.getTime();
  let high = to.getTime();
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2);
    if (utcOffsetMinutes(new Date(middle), timeZone) === before) low = middle;
    else high = middle;
  }
  return new Date(high);
}
