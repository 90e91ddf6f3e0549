/**
 * What daylight-saving changes do to the times automation.yml names, said before it happens. A local
 * time skipped in spring does not exist that day: Scheduler skips a cron or at() firing there, and a
 * scaling period's boundary there happens at the first instant after the gap (shared/scaling/periods.ts).
 * A time repeated in autumn occurs twice: Scheduler fires once, the first time, and a period boundary
 * happens the first time too. Pure: the window and the automation are arguments.
 */

import { WEEKDAYS } from '../scaling/targets.ts';
import { namesWallClockMinute, parseScheduleExpression, type ScheduleExpression } from './schedule-expression.ts';
import type { Automation } from './schema.ts';
import { formatLocal, utcOffsetMinutes } from './time-zone.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A change of the zone's UTC offset: at `at`, from `before` to `after` minutes. */
export interface OffsetChange {
  at: Date;
  before: number;
  after: number;
}

/**
 * The zone's offset changes from `from` on, found day by day and narrowed to the minute; the scan's last
 * day may add one up to a day after `to`.
 */
export function offsetChanges(zone: string, from: Date, to: Date): OffsetChange[] {
  const changes: OffsetChange[] = [];
  let previous = utcOffsetMinutes(from, zone);
  for (let t = from.getTime() + DAY; t < to.getTime() + DAY; t += DAY) {
    const offset = utcOffsetMinutes(new Date(t), zone);
    if (offset === previous) continue;
    let before = Math.floor((t - DAY) / MINUTE) * MINUTE;
    let after = Math.floor(t / MINUTE) * MINUTE;
    while (after - before > MINUTE) {
      const middle = before + Math.floor((after - before) / (2 * MINUTE)) * MINUTE;
      if (utcOffsetMinutes(new Date(middle), zone) === offset) after = middle;
      else before = middle;
    }
    changes.push({ at: new Date(after), before: previous, after: offset });
    previous = offset;
  }
  return changes;
}

export interface DaylightSavingNotice {
  /**
   * `skipped`: a time that does not exist that day, so something does not happen when written (a
   * warning). `repeated`: a time that occurs twice, where it happens once (a note).
   */
  kind: 'skipped' | 'repeated';
  /** The instant of the change. */
  at: Date;
  /** `jobs.nightly-report: 02:00 Europe/Berlin does not exist on 2027-03-28: Scheduler skips that firing`. */
  text: string;
}

/** A time of day the config names on some days, and what happens there. */
interface NamedTime {
  /** `jobs.nightly-report`, `services.web.scaling.periods.night`. */
  path: string;
  zone: string;
  /** A Scheduler firing (a job's or an override's schedule), or a scaling period's start or end. */
  what: 'job firing' | 'override firing' | 'period start' | 'period end';
  /** Whether it is named at this wall-clock minute (its date and weekday included). */
  namedAt: (wall: WallMinute) => boolean;
}

interface WallMinute {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

/**
 * Every time the automation names that a daylight-saving change in [from, to) skips or repeats, one
 * notice per job, override or period boundary and change, in time order. Suspended jobs and rate()
 * schedules are left out: the one never fires, the other counts elapsed time.
 */
export function daylightSavingNotices(automation: Automation, from: Date, to: Date): DaylightSavingNotice[] {
  const namedTimes = namedTimesOf(automation);
  const notices: DaylightSavingNotice[] = [];
  for (const zone of new Set(namedTimes.map((named) => named.zone))) {
    const inZone = namedTimes.filter((named) => named.zone === zone);
    // From just before `from`: the offset at `from` itself is already the new one when a change happens right then.
    for (const change of offsetChanges(zone, new Date(from.getTime() - 1), to)) {
      if (change.at < from || change.at >= to) continue;
      const readings = readingsOf(change);
      for (const named of inZone) {
        const hits = readings.filter((reading) => named.namedAt(wallMinuteOf(reading)));
        if (hits.length > 0) notices.push(noticeOf(named, change, hits));
      }
    }
  }
  return notices.sort((a, b) => a.at.getTime() - b.at.getTime() || a.text.localeCompare(b.text));
}

/**
 * The clock readings a change skips (spring: from the old offset's reading at the change to the new
 * one's) or shows twice (autumn: the other way round), one per minute, as UTC-based milliseconds.
 */
function readingsOf(change: OffsetChange): number[] {
  const first = change.at.getTime() + Math.min(change.before, change.after) * MINUTE;
  const end = change.at.getTime() + Math.max(change.before, change.after) * MINUTE;
  const readings: number[] = [];
  for (let reading = first; reading < end; reading += MINUTE) readings.push(reading);
  return readings;
}

function wallMinuteOf(reading: number): WallMinute {
  const d = new Date(reading);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
  };
}

const clockOf = (reading: number) => new Date(reading).toISOString().slice(11, 16);
const dateOf = (reading: number) => new Date(reading).toISOString().slice(0, 10);
/** "03:00 CEST": the time of day and zone abbreviation of an instant. */
const localTimeOf = (instant: Date, zone: string) => formatLocal(instant, zone).slice(11);
/** "CEST": the zone's abbreviation at an instant. */
const zoneNameAt = (instant: Date, zone: string) => localTimeOf(instant, zone).split(' ')[1];

/** "02:00", "02:00 and 02:30", "02:00, 02:15 and 02:30", "12 times from 02:00 to 02:55". */
function timesText(readings: number[]): string {
  const clocks = readings.map(clockOf);
  if (clocks.length > 3) return `${clocks.length} times from ${clocks[0]} to ${clocks.at(-1)}`;
  return clocks.length === 1 ? (clocks[0] ?? '') : `${clocks.slice(0, -1).join(', ')} and ${clocks.at(-1)}`;
}

function noticeOf(named: NamedTime, change: OffsetChange, readings: number[]): DaylightSavingNotice {
  const one = readings.length === 1;
  const first = readings[0] ?? change.at.getTime();
  const times = `${timesText(readings)} ${named.zone}`;
  if (change.after > change.before) {
    const after = `the first instant after it (${localTimeOf(change.at, named.zone)})`;
    const consequence = {
      'job firing': `Scheduler skips ${one ? 'that firing' : 'those firings'}`,
      'override firing': `Scheduler skips ${one ? 'that firing' : 'those firings'}, so the override does not start that day`,
      'period start': `the period starts at ${after}`,
      'period end': `the period ends at ${after}`,
    }[named.what];
    return {
      kind: 'skipped',
      at: change.at,
      text: `${named.path}: ${times} ${one ? 'does' : 'do'} not exist on ${dateOf(first)}: ${consequence}`,
    };
  }
  // The clock shows a repeated reading first under the offset before the change.
  const firstTime = one
    ? `the first time (${localTimeOf(new Date(first - change.before * MINUTE), named.zone)})`
    : `the first time (${zoneNameAt(new Date(change.at.getTime() - MINUTE), named.zone)})`;
  const consequence = {
    'job firing': `Scheduler fires ${one ? 'once' : 'each once'}, ${firstTime}`,
    'override firing': `Scheduler starts the override once, ${firstTime}`,
    'period start': `the period starts ${firstTime} and stays open through the second`,
    'period end': `the period ends ${firstTime} and does not reopen the second`,
  }[named.what];
  return {
    kind: 'repeated',
    at: change.at,
    text: `${named.path}: ${times} ${one ? 'occurs' : 'occur'} twice on ${dateOf(first)}: ${consequence}`,
  };
}

function namedTimesOf(automation: Automation): NamedTime[] {
  const named: NamedTime[] = [];
  const firing = (path: string, zone: string, what: NamedTime['what'], expression: ScheduleExpression) => {
    if (expression.kind !== 'rate') named.push({ path, zone, what, namedAt: (wall) => namesWallClockMinute(expression, wall) });
  };
  for (const job of Object.values(automation.jobs)) {
    if (!job.suspended && job.after.length === 0)
      firing(`jobs.${job.name}`, job.timezone, 'job firing', parseScheduleExpression(job.schedule));
  }
  for (const service of Object.values(automation.services)) {
    const scaling = service.scaling;
    if (!scaling) continue;
    const path = `services.${service.key}.scaling`;
    for (const override of scaling.overrides) {
      firing(`${path}.overrides.${override.name}`, scaling.timezone, 'override firing', parseScheduleExpression(override.schedule));
    }
    for (const period of scaling.periods) {
      const days = new Set<number>(period.days.map((day) => WEEKDAYS.indexOf(day)));
      const start = minutesOfDay(period.from);
      const end = minutesOfDay(period.to);
      // A `to` at or before `from` ends the next day (an overnight or a whole-day period).
      const endsOn = end > start ? days : new Set([...days].map((weekday) => (weekday + 1) % 7));
      const at = (minutes: number, weekdays: Set<number>) => (wall: WallMinute) =>
        wall.hour * 60 + wall.minute === minutes && weekdays.has(wall.weekday);
      const periodPath = `${path}.periods.${period.name}`;
      named.push(
        { path: periodPath, zone: scaling.timezone, what: 'period start', namedAt: at(start, days) },
        { path: periodPath, zone: scaling.timezone, what: 'period end', namedAt: at(end, endsOn) },
      );
    }
  }
  return named;
}

function minutesOfDay(clock: string): number {
  const [hours = 0, minutes = 0] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}
