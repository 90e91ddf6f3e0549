/** IANA time zone names, checked against the zone database of the running Node.js. */
const knownZones = new Set<string>(['UTC', ...Intl.supportedValuesOf('timeZone')]);

export function isKnownTimeZone(name: string): boolean {
  if (knownZones.has(name)) return true;
  // Aliases such as "Etc/UTC" or "US/Eastern" are valid IANA links that supportedValuesOf omits.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.includes('/') || name === 'UTC';
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 1 = Sunday … 7 = Saturday, as in EventBridge cron
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const WEEKDAYS: Record<string, number> = { Sun: 1, Mon: 2, Tue: 3, Wed: 4, Thu: 5, Fri: 6, Sat: 7 };

/** The wall-clock reading of an instant in a time zone. */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday ?? 'Sun'] ?? 1,
  };
}

/** Offset of the zone from UTC at that instant, in minutes (Berlin in summer: +120). */
export function utcOffsetMinutes(instant: Date, timeZone: string): number {
  const wall = wallClockAt(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant at which a wall-clock time occurs in a zone. A time skipped by a spring-forward change
 * is shifted by the gap (02:30 → 03:30 in Berlin); a time that occurs twice gives the first occurrence.
 */
export function instantOfWallClock(wall: Omit<WallClock, 'weekday' | 'second'> & { second?: number }, timeZone: string): Date {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  const candidates = new Set<number>();
  for (const probe of [naive - 86_400_000, naive, naive + 86_400_000]) {
    candidates.add(naive - utcOffsetMinutes(new Date(probe), timeZone) * 60_000);
  }
  const exact = [...candidates]
    .filter((t) => {
      const w = wallClockAt(new Date(t), timeZone);
      return w.year === wall.year && w.month === wall.month && w.day === wall.day && w.hour === wall.hour && w.minute === wall.minute;
    })
    .sort((a, b) => a - b);
  if (exact[0] !== undefined) return new Date(exact[0]);
  // Skipped by a spring-forward change: the later offset moves it past the gap.
  return new Date(Math.max(...candidates));
}

/** `2026-03-29 03:00 CEST`-like local rendering for timelines. */
export function formatLocal(instant: Date, timeZone: string): string {
  const w = wallClockAt(instant, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)} ${zoneAbbreviation(instant, timeZone)}`;
}

const zoneNameFormatters = new Map<string, Intl.DateTimeFormat>();

/** CET, CEST, EST, JST… where a locale knows a name; otherwise the offset (GMT+5:30). */
function zoneAbbreviation(instant: Date, timeZone: string): string {
  let fallback = timeZone;
  for (const locale of ['en-US', 'en-GB', 'ja-JP']) {
    const key = `${locale} ${timeZone}`;
    let formatter = zoneNameFormatters.get(key);
    if (!formatter) {
      formatter = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' });
      zoneNameFormatters.set(key, formatter);
    }
    const name = formatter.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value;
    if (!name) continue;
    if (!/^(GMT|UTC)[+-−]/.test(name) && /^[A-Z]{2,5}$/.test(name)) return name;
    if (fallback === timeZone) fallback = name;
  }
  return fallback;
}
