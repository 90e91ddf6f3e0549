import { describe, expect, it } from 'vitest';
import { firingsBetween, parseScheduleExpression, ScheduleExpressionError } from '../../shared/config/schedule-expression.ts';

/** The firings of `expression` in [from, to) as ISO strings. */
function firings(expression: string, timeZone: string, from: string, to: string, anchor?: string): string[] {
  const parsed = parseScheduleExpression(expression);
  return firingsBetween(parsed, timeZone, new Date(from), new Date(to), anchor === undefined ? undefined : new Date(anchor)).map((d) =>
    d.toISOString(),
  );
}

function parseError(expression: string): string {
  try {
    parseScheduleExpression(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleExpressionError);
    return (error as Error).message;
  }
  throw new Error(`${expression} parsed without an error`);
}

describe('parseScheduleExpression', () => {
  it('tells the three kinds apart and keeps the trimmed text', () => {
    expect(parseScheduleExpression('  cron(0 10 * * ? *) ')).toMatchObject({ kind: 'cron', text: 'cron(0 10 * * ? *)' });
    expect(parseScheduleExpression('rate(15 minutes)')).toEqual({ kind: 'rate', text: 'rate(15 minutes)', everySeconds: 900 });
    expect(parseScheduleExpression('at(2026-12-24T18:00:00)')).toEqual({
      kind: 'at',
      text: 'at(2026-12-24T18:00:00)',
      wallClock: { year: 2026, month: 12, day: 24, hour: 18, minute: 0, second: 0 },
    });
  });

  it('reads rate units in singular and plural as seconds', () => {
    const seconds = ['rate(1 minute)', 'rate(1 hour)', 'rate(6 hours)', 'rate(1 day)', 'rate(2 days)'].map((expression) => {
      const parsed = parseScheduleExpression(expression);
      return parsed.kind === 'rate' ? parsed.everySeconds : undefined;
    });

    expect(seconds).toEqual([60, 3_600, 21_600, 86_400, 172_800]);
  });

  it('rejects text that is no expression at all', () => {
    expect(parseError('every day at 2')).toBe('"every day at 2" is not a schedule expression: write cron(…), rate(…) or at(…)');
  });

  it.each([
    ['cron(0 10 * * *)', 'EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), found 5'],
    ['cron(0 10 * * * *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(0 10 ? * ? *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(60 10 * * ? *)', 'minutes: "60" is outside 0-59'],
    ['cron(0 24 * * ? *)', 'hours: "24" is outside 0-23'],
    ['cron(0 10 0 * ? *)', 'day-of-month: "0" is outside 1-31'],
    ['cron(0 10 32W * ? *)', 'day-of-month: "32W" is outside 1-31'],
    ['cron(0 10 * FOO ? *)', 'month: "FOO" is not a number or a name'],
    ['cron(0 10 ? * FUN *)', 'day-of-week: "FUN" is not a number or a name'],
    ['cron(*/0 10 * * ? *)', 'minutes: step "0" must be a positive whole number'],
    ['cron(10-5 * * * ? *)', 'minutes: "10-5" is outside 0-59'],
    ['cron(a 10 * * ? *)', 'minutes: "a" is not a number'],
    ['cron(0 10 ? * 8#1 *)', 'day-of-week: "8#1" must be <1-7>#<1-5>'],
    ['cron(0 10 ? * 2#6 *)', 'day-of-week: "2#6" must be <1-7>#<1-5>'],
    ['cron(0 10 * * ? 1969)', 'year: "1969" is outside 1970-2199'],
  ])('rejects %s naming the field', (expression, problem) => {
    expect(parseError(expression)).toBe(`${expression}: ${problem}`);
  });

  it.each([
    ['rate(0 minutes)', 'rate(0 minutes): the value must be a positive whole number'],
    ['rate(1 minutes)', 'rate(1 minutes): use "minute" with 1'],
    ['rate(5 minute)', 'rate(5 minute): use "minutes" with 5'],
    ['rate(5 seconds)', 'rate(5 seconds): write rate(<number> minutes|hours|days), e.g. rate(15 minutes)'],
    ['rate(five minutes)', 'rate(five minutes): write rate(<number> minutes|hours|days), e.g. rate(15 minutes)'],
  ])('rejects %s', (expression, message) => {
    expect(parseError(expression)).toBe(message);
  });

  it.each([
    ['at(2026-02-30T00:00:00)', 'at(2026-02-30T00:00:00): not a real date and time'],
    ['at(2026-12-24T24:00:00)', 'at(2026-12-24T24:00:00): not a real date and time'],
    ['at(2026-12-24 18:00:00)', 'at(2026-12-24 18:00:00): write at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-12-24T18:00:00)'],
    ['at(2026-12-24T18:00)', 'at(2026-12-24T18:00): write at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-12-24T18:00:00)'],
  ])('rejects %s', (expression, message) => {
    expect(parseError(expression)).toBe(message);
  });
});

describe('firingsBetween for cron in UTC', () => {
  it('fires every day at the given time within [from, to)', () => {
    expect(firings('cron(0 10 * * ? *)', 'UTC', '2026-01-01T10:00:00Z', '2026-01-03T10:00:00Z')).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-02T10:00:00.000Z',
    ]);
  });

  it('expands steps and ranges of minutes and hours', () => {
    expect(firings('cron(0/20 9-10 * * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-01T09:20:00.000Z',
      '2026-01-01T09:40:00.000Z',
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:20:00.000Z',
      '2026-01-01T10:40:00.000Z',
    ]);
    expect(firings('cron(5/20 9 * * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')).toEqual([
      '2026-01-01T09:05:00.000Z',
      '2026-01-01T09:25:00.000Z',
      '2026-01-01T09:45:00.000Z',
    ]);
  });

  it('expands lists of minutes', () => {
    expect(firings('cron(15,45 6 * * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')).toEqual([
      '2026-01-01T06:15:00.000Z',
      '2026-01-01T06:45:00.000Z',
    ]);
  });

  it('steps through days of the month and months', () => {
    expect(firings('cron(0 0 */10 * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-11T00:00:00.000Z',
      '2026-01-21T00:00:00.000Z',
      '2026-01-31T00:00:00.000Z',
    ]);
    expect(firings('cron(0 0 1 */4 ? *)', 'UTC', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-05-01T00:00:00.000Z',
      '2026-09-01T00:00:00.000Z',
    ]);
  });

  it('reads day names and ranges of them (2026-01-01 is a Thursday)', () => {
    expect(firings('cron(0 10 ? * MON-FRI *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z')).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-02T10:00:00.000Z',
      '2026-01-05T10:00:00.000Z',
      '2026-01-06T10:00:00.000Z',
      '2026-01-07T10:00:00.000Z',
    ]);
    expect(firings('cron(0 10 ? * sat,SUN *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z')).toEqual([
      '2026-01-03T10:00:00.000Z',
      '2026-01-04T10:00:00.000Z',
    ]);
  });

  it('numbers days of the week from 1 = Sunday', () => {
    expect(firings('cron(0 10 ? * 1 *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-15T00:00:00Z')).toEqual([
      '2026-01-04T10:00:00.000Z',
      '2026-01-11T10:00:00.000Z',
    ]);
  });

  it('reads month names and honours the year field', () => {
    expect(firings('cron(0 8 1 JAN-MAR ? 2027)', 'UTC', '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      '2027-01-01T08:00:00.000Z',
      '2027-02-01T08:00:00.000Z',
      '2027-03-01T08:00:00.000Z',
    ]);
  });

  it('fires on the last day of each month with L', () => {
    expect(firings('cron(0 10 L * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z')).toEqual([
      '2026-01-31T10:00:00.000Z',
      '2026-02-28T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
    ]);
  });

  it('fires on the last day of February in a leap year', () => {
    expect(firings('cron(0 10 L 2 ? *)', 'UTC', '2028-01-01T00:00:00Z', '2028-12-31T00:00:00Z')).toEqual(['2028-02-29T10:00:00.000Z']);
  });

  it('counts back from the last day with L-n', () => {
    expect(firings('cron(0 10 L-2 * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-29T10:00:00.000Z',
      '2026-02-26T10:00:00.000Z',
      '2026-03-29T10:00:00.000Z',
    ]);
  });

  it('fires on the last weekday of the month with LW', () => {
    // 2026-01-31 is a Saturday, 2026-05-31 a Sunday.
    expect(firings('cron(0 10 LW * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
      '2026-01-30T10:00:00.000Z',
      '2026-02-27T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2026-05-29T10:00:00.000Z',
    ]);
  });

  it('fires on the weekday nearest the day with W', () => {
    // 2026-02-15 and 2026-03-15 are Sundays: the nearest weekday is the Monday after.
    expect(firings('cron(0 10 15W * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-15T10:00:00.000Z',
      '2026-02-16T10:00:00.000Z',
      '2026-03-16T10:00:00.000Z',
    ]);
  });

  it('never lets W cross into the previous month (1W on a Saturday moves to Monday the 3rd)', () => {
    expect(firings('cron(0 10 1W * ? *)', 'UTC', '2026-07-25T00:00:00Z', '2026-08-10T00:00:00Z')).toEqual(['2026-08-03T10:00:00.000Z']);
  });

  it('fires on the nth weekday of the month with #', () => {
    expect(firings('cron(0 10 ? * 6#3 *)', 'UTC', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-16T10:00:00.000Z',
      '2026-02-20T10:00:00.000Z',
      '2026-03-20T10:00:00.000Z',
    ]);
  });

  it('skips months without a fifth such weekday', () => {
    expect(firings('cron(0 10 ? * FRI#5 *)', 'UTC', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual(['2026-01-30T10:00:00.000Z']);
  });

  it('fires on the last given weekday of the month with <day>L', () => {
    expect(firings('cron(0 10 ? * 6L *)', 'UTC', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-30T10:00:00.000Z',
      '2026-02-27T10:00:00.000Z',
      '2026-03-27T10:00:00.000Z',
    ]);
  });

  it('returns nothing when the window is empty', () => {
    expect(firings('cron(0 10 * * ? *)', 'UTC', '2026-01-01T10:00:00Z', '2026-01-01T10:00:00Z')).toEqual([]);
  });
});

describe('firingsBetween for cron across daylight-saving changes', () => {
  it('does not fire a 02:30 Berlin cron on the spring-forward day (2026-03-29)', () => {
    expect(firings('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fires a 02:30 Berlin cron once on the fall-back day (2026-10-25), at the first 02:30', () => {
    expect(firings('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('fires an hourly Berlin cron 23 times on the spring-forward day and 24 times on the fall-back day', () => {
    const springDay = firings('cron(0 * * * ? *)', 'Europe/Berlin', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z');
    const autumnDay = firings('cron(0 * * * ? *)', 'Europe/Berlin', '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z');

    expect(springDay).toHaveLength(23);
    // 01:00 CET is followed directly by 03:00 CEST, one real hour later.
    expect(springDay.slice(0, 3)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z']);
    expect(autumnDay).toHaveLength(24);
    expect(autumnDay).toContain('2026-10-25T00:00:00.000Z');
    expect(autumnDay).not.toContain('2026-10-25T01:00:00.000Z');
  });

  it('keeps 09:00 local in Berlin on both sides of the spring change', () => {
    expect(firings('cron(0 9 * * ? *)', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
    ]);
  });

  it('does not fire a 02:30 New York cron on the spring-forward day (2026-03-08)', () => {
    expect(firings('cron(30 2 * * ? *)', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('fires a 01:30 New York cron once on the fall-back day (2026-11-01), at the first 01:30 (EDT)', () => {
    expect(firings('cron(30 1 * * ? *)', 'America/New_York', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('fires at the local time in Asia/Tokyo, which has no daylight saving', () => {
    expect(firings('cron(0 9 ? * MON *)', 'Asia/Tokyo', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-03-02T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
      '2026-03-16T00:00:00.000Z',
      '2026-03-23T00:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  it('judges the day of the week in the local zone, not in UTC', () => {
    // 08:00 Monday in Tokyo is 23:00 Sunday in UTC.
    expect(firings('cron(0 8 ? * MON *)', 'Asia/Tokyo', '2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z')).toEqual([
      '2026-03-01T23:00:00.000Z',
    ]);
  });
});

describe('firingsBetween for rate', () => {
  it('fires every period counted from the anchor, not from the window start', () => {
    expect(firings('rate(15 minutes)', 'UTC', '2026-01-01T10:30:00Z', '2026-01-01T11:10:00Z', '2026-01-01T10:07:00Z')).toEqual([
      '2026-01-01T10:37:00.000Z',
      '2026-01-01T10:52:00.000Z',
      '2026-01-01T11:07:00.000Z',
    ]);
  });

  it('does not fire before the anchor', () => {
    expect(firings('rate(1 hour)', 'UTC', '2026-01-01T10:00:00Z', '2026-01-01T13:00:00Z', '2026-01-01T11:30:00Z')).toEqual([
      '2026-01-01T11:30:00.000Z',
      '2026-01-01T12:30:00.000Z',
    ]);
  });

  it('anchors at the window start when no anchor is given', () => {
    expect(firings('rate(30 minutes)', 'UTC', '2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z')).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:30:00.000Z',
    ]);
  });

  it('ignores the time zone: a rate is a fixed period, also across a DST change', () => {
    expect(firings('rate(1 hour)', 'Europe/Berlin', '2026-03-29T00:00:00Z', '2026-03-29T03:00:00Z')).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
  });
});

describe('firingsBetween for at', () => {
  it('fires once at the wall time in the zone', () => {
    expect(firings('at(2026-12-24T18:00:00)', 'Europe/Berlin', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-12-24T17:00:00.000Z',
    ]);
  });

  it('does not fire outside the window', () => {
    expect(firings('at(2026-12-24T18:00:00)', 'Europe/Berlin', '2026-12-24T17:00:01Z', '2027-01-01T00:00:00Z')).toEqual([]);
    expect(firings('at(2026-12-24T18:00:00)', 'Europe/Berlin', '2026-12-01T00:00:00Z', '2026-12-24T17:00:00Z')).toEqual([]);
  });

  it('does not fire at a wall time skipped by spring-forward', () => {
    expect(firings('at(2026-03-29T02:30:00)', 'Europe/Berlin', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([]);
  });

  it('fires once at a wall time repeated by fall-back', () => {
    expect(firings('at(2026-10-25T02:30:00)', 'Europe/Berlin', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z',
    ]);
  });
});
