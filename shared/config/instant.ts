/**
 * Instants the operator types (`--from`, a scenario's `day`): strict ISO 8601. A date, or a date and
 * time without an offset, is a wall-clock reading in the zone the caller names (the scenario's or the
 * config's), never the machine's — `new Date("2026-12-07")` would be UTC midnight and
 * `new Date("2026-12-07T08:00")` the machine's local time, so the same command would mean different
 * instants on a laptop and on a CI runner.
 */
import { instantOfWallClock, wallClockAt } from './time-zone.ts';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

export type ParsedInstant = { ok: true; instant: Date; hadOffset: boolean } | { ok: false; problem: string };

const EXAMPLES = '2026-12-07, 2026-12-07T08:00 (read in the zone), 2026-12-07T08:00:00Z or 2026-12-07T08:00+01:00';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses `text` as strict ISO 8601; without an offset it is read on the wall clock of `timeZone`. */
export function parseInstant(text: string, timeZone: string): ParsedInstant {
  const match = ISO.exec(text.trim());
  if (!match) return { ok: false, problem: `"${text}" is not an ISO 8601 date or time, such as ${EXAMPLES}` };
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12) return { ok: false, problem: `"${text}": there is no month ${mo}` };
  if (day < 1 || day > daysInMonth(year, month)) return { ok: false, problem: `"${text}": ${y}-${mo} has no day ${d}` };
  if (hour > 23 || minute > 59 || second > 59)
    return { ok: false, problem: `"${text}": ${h}:${mi}${s ? `:${s}` : ''} is not a time of day` };
  const millis = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  if (offset) {
    const offsetMinutes = offset === 'Z' ? 0 : offsetOf(offset);
    if (offsetMinutes === undefined) return { ok: false, problem: `"${text}": ${offset} is not a UTC offset` };
    const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
    return { ok: true, instant: new Date(utc), hadOffset: true };
  }
  const wall = { year, month, day, hour, minute, second };
  const instant = new Date(instantOfWallClock(wall, timeZone).getTime() + millis);
  const seen = wallClockAt(instant, timeZone);
  if (seen.day !== day || seen.hour !== hour || seen.minute !== minute) {
    return {
      ok: false,
      problem: `"${text}" does not exist in ${timeZone}: the clocks skip that time on that day (daylight saving); give an offset or another time`,
    };
  }
  return { ok: true, instant, hadOffset: false };
}

function offsetOf(text: string): number | undefined {
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 18 || minutes > 59) return undefined;
  return (text.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
