import { describe, expect, it } from 'vitest';
import { formatLocal, instantOfWallClock, isKnownTimeZone, wallClockAt } from '../../shared/config/time-zone.ts';

describe('isKnownTimeZone', () => {
  it('accepts canonical IANA names and their links', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Etc/UTC', 'US/Eastern']) {
      expect(isKnownTimeZone(zone), zone).toBe(true);
    }
  });

  it('rejects misspelt, invented, partial and empty names', () => {
    for (const zone of ['Asia/Tokio', 'Mars/Olympus_Mons', 'Berlin', '']) {
      expect(isKnownTimeZone(zone), zone).toBe(false);
    }
  });
});

describe('wallClockAt', () => {
  it('reads the local time after the spring-forward change in Berlin', () => {
    expect(wallClockAt(new Date('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 3,
      minute: 0,
      second: 0,
      weekday: 1,
    });
  });

  it('numbers weekdays 1 = Sunday to 7 = Saturday, per zone', () => {
    const instant = new Date('2026-11-21T23:30:00Z');

    const tokyo = wallClockAt(instant, 'Asia/Tokyo');
    const newYork = wallClockAt(instant, 'America/New_York');

    expect(tokyo).toMatchObject({ day: 22, hour: 8, minute: 30, weekday: 1 });
    expect(newYork).toMatchObject({ day: 21, hour: 18, minute: 30, weekday: 7 });
  });

  it('reads midnight as hour 0, not 24', () => {
    expect(wallClockAt(new Date('2026-01-01T00:00:00Z'), 'UTC')).toMatchObject({ day: 1, hour: 0, minute: 0 });
  });
});

describe('instantOfWallClock', () => {
  it.each([
    ['Europe/Berlin', { year: 2026, month: 1, day: 15, hour: 9, minute: 0 }, '2026-01-15T08:00:00.000Z'],
    ['Europe/Berlin', { year: 2026, month: 7, day: 15, hour: 9, minute: 0 }, '2026-07-15T07:00:00.000Z'],
    ['Asia/Tokyo', { year: 2026, month: 1, day: 1, hour: 9, minute: 0 }, '2026-01-01T00:00:00.000Z'],
    ['America/New_York', { year: 2026, month: 7, day: 4, hour: 20, minute: 15 }, '2026-07-05T00:15:00.000Z'],
  ])('places a plain wall time in %s', (zone, wall, expected) => {
    expect(instantOfWallClock(wall, zone).toISOString()).toBe(expected);
  });

  it('moves a wall time skipped by spring-forward past the gap (Berlin 02:30 → 03:30 CEST)', () => {
    const instant = instantOfWallClock({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin');

    expect(instant.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(wallClockAt(instant, 'Europe/Berlin')).toMatchObject({ day: 29, hour: 3, minute: 30 });
  });

  it('moves a wall time skipped by spring-forward past the gap (New York 02:30 → 03:30 EDT)', () => {
    const instant = instantOfWallClock({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York');

    expect(instant.toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('picks the first occurrence of a wall time repeated by fall-back', () => {
    const berlin = instantOfWallClock({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin');
    const newYork = instantOfWallClock({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York');

    expect(berlin.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(newYork.toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('inverts wallClockAt every quarter hour across both Berlin changes, except second occurrences', () => {
    for (const [start, end] of [
      ['2026-03-28T20:00:00Z', '2026-03-29T06:00:00Z'],
      ['2026-10-24T20:00:00Z', '2026-10-25T06:00:00Z'],
    ] as const) {
      for (let t = Date.parse(start); t < Date.parse(end); t += 15 * 60_000) {
        const wall = wallClockAt(new Date(t), 'Europe/Berlin');
        const back = instantOfWallClock(wall, 'Europe/Berlin').getTime();
        const isSecondOccurrence = back === t - 3_600_000;
        expect(back === t || isSecondOccurrence, new Date(t).toISOString()).toBe(true);
      }
    }
  });

  it('honours seconds', () => {
    expect(instantOfWallClock({ year: 2026, month: 12, day: 24, hour: 18, minute: 0, second: 45 }, 'UTC').toISOString()).toBe(
      '2026-12-24T18:00:45.000Z',
    );
  });
});

describe('formatLocal', () => {
  it('renders the local date, time and zone abbreviation', () => {
    expect(formatLocal(new Date('2026-01-15T09:00:00Z'), 'America/New_York')).toBe('2026-01-15 04:00 EST');
    expect(formatLocal(new Date('2026-07-15T09:00:00Z'), 'America/New_York')).toBe('2026-07-15 05:00 EDT');
    expect(formatLocal(new Date('2026-01-01T00:00:00Z'), 'UTC')).toBe('2026-01-01 00:00 UTC');
  });

  it('shows the jump of the spring-forward change in Berlin', () => {
    const before = formatLocal(new Date('2026-03-29T00:59:00Z'), 'Europe/Berlin');
    const after = formatLocal(new Date('2026-03-29T01:00:00Z'), 'Europe/Berlin');

    expect(before).toMatch(/^2026-03-29 01:59 \S+$/);
    expect(after).toMatch(/^2026-03-29 03:00 \S+$/);
    expect(after.split(' ')[2]).not.toBe(before.split(' ')[2]);
  });
});
