import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../shared/config/instant.ts';

const at = (text: string, zone = 'Europe/Berlin') => {
  const parsed = parseInstant(text, zone);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.instant.toISOString();
};
const problem = (text: string, zone = 'Europe/Berlin') => {
  const parsed = parseInstant(text, zone);
  return parsed.ok ? undefined : parsed.problem;
};

describe('parseInstant (--from, a scenario day)', () => {
  it('reads a date, or a time without an offset, on the wall clock of the zone given, not the machine', () => {
    expect(at('2026-12-07')).toBe('2026-12-06T23:00:00.000Z');
    expect(at('2026-12-07T08:00')).toBe('2026-12-07T07:00:00.000Z');
    expect(at('2026-07-07T08:00:30')).toBe('2026-07-07T06:00:30.000Z');
    expect(at('2026-12-07T08:00', 'America/New_York')).toBe('2026-12-07T13:00:00.000Z');
    expect(at('2026-12-07', 'UTC')).toBe('2026-12-07T00:00:00.000Z');
  });

  it('takes an offset as written, whatever the zone', () => {
    expect(at('2026-12-07T08:00:00Z')).toBe('2026-12-07T08:00:00.000Z');
    expect(at('2026-12-07T08:00:00.250Z')).toBe('2026-12-07T08:00:00.250Z');
    expect(at('2026-12-07T08:00+01:00', 'Asia/Tokyo')).toBe('2026-12-07T07:00:00.000Z');
    expect(at('2026-12-07T08:00-0530')).toBe('2026-12-07T13:30:00.000Z');
    expect(at('2026-12-07T08:00+09')).toBe('2026-12-06T23:00:00.000Z');
  });

  it('refuses what is not strict ISO 8601, with an example of what is', () => {
    for (const text of [
      '1',
      '',
      'tomorrow',
      '2026-12-7',
      '07.12.2026',
      '2026-12-07 08:00',
      '2026-12-07T8:00',
      '1733500000',
      '2026-12-07Z',
    ]) {
      expect(problem(text), text).toMatch(/is not an ISO 8601 date or time, such as 2026-12-07/);
    }
  });

  it('refuses dates and times that do not exist', () => {
    expect(problem('2026-02-29')).toMatch(/2026-02 has no day 29/);
    expect(problem('2026-13-01')).toMatch(/no month 13/);
    expect(problem('2026-12-07T24:00')).toMatch(/is not a time of day/);
    expect(problem('2026-12-07T08:00+25:00')).toMatch(/is not a UTC offset/);
    expect(at('2028-02-29')).toBe('2028-02-28T23:00:00.000Z');
  });

  it('refuses a local time that the clocks skip on a daylight-saving day, and reads a repeated one as its first pass', () => {
    expect(problem('2027-03-28T02:30')).toMatch(/does not exist in Europe\/Berlin/);
    expect(at('2027-03-28T02:30+01:00')).toBe('2027-03-28T01:30:00.000Z');
    expect(at('2026-10-25T02:30')).toBe('2026-10-25T00:30:00.000Z');
  });
});
