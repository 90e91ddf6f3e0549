import { describe, expect, it } from 'vitest';
import { firingsBetween, parseScheduleExpression } from '../../shared/config/schedule-expression.ts';
import { scaleTargetAt, scalingChangesBetween, scalingScheduleExpressions } from '../../shared/scaling/periods.ts';
import type { ScaleTarget, ScalingOverride, ScalingPeriod, ServiceScaling, Weekday } from '../../shared/scaling/targets.ts';

const BUSINESS: ScaleTarget & { kind: 'bounds' } = { kind: 'bounds', min: 4, max: 20 };
const WEEKDAYS_ONLY: Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI'];
const EVERY_DAY: Weekday[] = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function period(name: string, days: Weekday[], from: string, to: string, target: ScalingPeriod['target'] = BUSINESS): ScalingPeriod {
  return { name, days, from, to, target };
}

function override(name: string, schedule: string, forSeconds: number, target: ScalingOverride['target'] = { kind: 'desired', count: 30 }) {
  return { name, schedule, forSeconds, target };
}

function scaling(
  timezone: string,
  periods: ScalingPeriod[],
  overrides: ScalingOverride[] = [],
  outside: ScaleTarget = { kind: 'restore' },
) {
  return { timezone, periods, overrides, outside, ceiling: 100 } satisfies ServiceScaling;
}

/** The name of the period or override that holds the instant, or "outside". */
function holder(config: ServiceScaling, iso: string): string {
  const { because } = scaleTargetAt(config, new Date(iso));
  return because.name ?? because.kind;
}

/** "2026-03-08T07:00:00.000Z → batch", one per change in (from, to]. */
function changes(config: ServiceScaling, from: string, to: string): string[] {
  return scalingChangesBetween(config, new Date(from), new Date(to)).map(
    (change) => `${change.at.toISOString()} → ${change.because.name ?? change.because.kind}`,
  );
}

describe('scaleTargetAt: the boundaries of a period', () => {
  // Europe/Berlin in January is UTC+1; 2026-01-14 is a Wednesday.
  const config = scaling('Europe/Berlin', [period('business-hours', WEEKDAYS_ONLY, '08:00', '20:00')]);

  it.each([
    ['2026-01-14T06:59:59.999Z', 'outside'], // 07:59:59.999
    ['2026-01-14T07:00:00.000Z', 'business-hours'], // 08:00, `from` is inside
    ['2026-01-14T07:00:01.000Z', 'business-hours'],
    ['2026-01-14T18:59:59.999Z', 'business-hours'], // 19:59:59.999
    ['2026-01-14T19:00:00.000Z', 'outside'], // 20:00, `to` is outside
    ['2026-01-14T19:00:01.000Z', 'outside'],
  ])('at %s the service is %s', (instant, expected) => {
    expect(holder(config, instant)).toBe(expected);
  });

  it('applies the period target and says which period it is', () => {
    expect(scaleTargetAt(config, new Date('2026-01-14T12:00:00Z'))).toEqual({
      target: BUSINESS,
      because: { kind: 'period', name: 'business-hours' },
    });
  });

  it('restores the service outside every period by default', () => {
    expect(scaleTargetAt(config, new Date('2026-01-17T12:00:00Z'))).toEqual({ target: { kind: 'restore' }, because: { kind: 'outside' } });
  });

  it('applies an explicit outside target, stop included', () => {
    const stopped = scaling('Europe/Berlin', config.periods, [], { kind: 'stop' });

    expect(scaleTargetAt(stopped, new Date('2026-01-17T12:00:00Z'))).toEqual({ target: { kind: 'stop' }, because: { kind: 'outside' } });
  });
});

describe('scaleTargetAt: overnight periods and days', () => {
  // Friday 22:00 → Saturday 06:00 in UTC; 2026-01-16 is a Friday.
  const config = scaling('UTC', [period('night', ['FRI'], '22:00', '06:00', { kind: 'stop' })]);

  it.each([
    ['2026-01-16T21:59:59Z', 'outside'],
    ['2026-01-16T22:00:00Z', 'night'],
    ['2026-01-17T00:00:00Z', 'night'], // past midnight: the window started on Friday
    ['2026-01-17T05:59:59Z', 'night'],
    ['2026-01-17T06:00:00Z', 'outside'],
    ['2026-01-17T22:00:00Z', 'outside'], // Saturday is not a starting day
    ['2026-01-16T03:00:00Z', 'outside'], // early Friday belongs to a Thursday window, and Thursday is not listed
  ])('at %s the service is %s', (instant, expected) => {
    expect(holder(config, instant)).toBe(expected);
  });

  it('reads from = to as a window of a whole day', () => {
    const allDay = scaling('UTC', [period('sunday', ['SUN'], '09:00', '09:00')]);

    expect(holder(allDay, '2026-01-18T08:59:00Z')).toBe('outside');
    expect(holder(allDay, '2026-01-18T09:00:00Z')).toBe('sunday');
    expect(holder(allDay, '2026-01-19T08:59:00Z')).toBe('sunday');
    expect(holder(allDay, '2026-01-19T09:00:00Z')).toBe('outside');
  });

  it('starts a period on each listed day, also a wrapped range such as FRI-MON', () => {
    // FRI-MON as the schema expands it; 2026-01-12 is a Monday.
    const config = scaling('UTC', [period('long-weekend', ['SUN', 'MON', 'FRI', 'SAT'], '10:00', '11:00')]);
    const days = ['12', '13', '14', '15', '16', '17', '18'].map((day) => holder(config, `2026-01-${day}T10:30:00Z`));

    expect(days).toEqual(['long-weekend', 'outside', 'outside', 'outside', 'long-weekend', 'long-weekend', 'long-weekend']);
  });

  it('lets an overnight period on consecutive days run without a gap', () => {
    const nights = scaling('UTC', [period('nights', EVERY_DAY, '20:00', '20:00', { kind: 'desired', count: 2 })]);

    expect(changes(nights, '2026-01-12T00:00:00Z', '2026-01-19T00:00:00Z')).toEqual([]);
  });
});

describe('scaleTargetAt: spring forward (the clock skips an hour)', () => {
  // New York 2026-03-08: 02:00 EST → 03:00 EDT at 07:00Z. Berlin 2026-03-29: 02:00 CET → 03:00 CEST at 01:00Z.
  it('shortens a New York window across the gap by the skipped hour', () => {
    const config = scaling('America/New_York', [period('early', ['SUN'], '01:00', '04:00')]);

    expect(holder(config, '2026-03-08T05:59:59Z')).toBe('outside'); // 00:59:59 EST
    expect(holder(config, '2026-03-08T06:00:00Z')).toBe('early'); // 01:00 EST
    expect(holder(config, '2026-03-08T07:59:59Z')).toBe('early'); // 03:59:59 EDT
    expect(holder(config, '2026-03-08T08:00:00Z')).toBe('outside'); // 04:00 EDT
  });

  it('starts a period whose `from` is skipped (02:30 New York) at the first instant after the gap, 03:00 EDT', () => {
    const config = scaling('America/New_York', [period('batch', ['SUN'], '02:30', '05:00')]);

    expect(holder(config, '2026-03-08T06:59:59Z')).toBe('outside'); // 01:59:59 EST
    expect(holder(config, '2026-03-08T07:00:00Z')).toBe('batch'); // 03:00 EDT
    expect(holder(config, '2026-03-08T09:00:00Z')).toBe('outside'); // 05:00 EDT
    // A week later it starts at 02:30 EDT again.
    expect(holder(config, '2026-03-15T06:29:59Z')).toBe('outside');
    expect(holder(config, '2026-03-15T06:30:00Z')).toBe('batch');
  });

  it('ends a period whose `to` is skipped at the first instant after the gap', () => {
    const config = scaling('America/New_York', [period('late', ['SAT'], '23:00', '02:30')]);

    expect(holder(config, '2026-03-08T06:59:59Z')).toBe('late'); // 01:59:59 EST
    expect(holder(config, '2026-03-08T07:00:00Z')).toBe('outside'); // 03:00 EDT
  });

  it('leaves a window that lies inside the gap empty that day', () => {
    const config = scaling('America/New_York', [period('gone', ['SUN'], '02:10', '02:40')]);

    expect(scalingChangesBetween(config, new Date('2026-03-08T00:00:00Z'), new Date('2026-03-09T00:00:00Z'))).toEqual([]);
    expect(holder(config, '2026-03-15T06:20:00Z')).toBe('gone'); // 02:20 EDT a week later
  });

  it('does the same in Berlin: across the gap, and starting inside the skipped hour', () => {
    const config = scaling('Europe/Berlin', [period('across', ['SUN'], '01:00', '04:00'), period('inside', ['SUN'], '02:30', '06:00')]);

    expect(holder(config, '2026-03-28T23:59:59Z')).toBe('outside'); // 00:59:59 CET
    expect(holder(config, '2026-03-29T00:00:00Z')).toBe('across'); // 01:00 CET
    expect(holder(config, '2026-03-29T01:00:00Z')).toBe('across'); // 03:00 CEST: both hold it, the first listed wins
    expect(holder(config, '2026-03-29T02:00:00Z')).toBe('inside'); // 04:00 CEST
    expect(changes(config, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
      '2026-03-29T00:00:00.000Z → across',
      '2026-03-29T04:00:00.000Z → outside',
    ]);
    expect(
      scalingChangesBetween(
        scaling('Europe/Berlin', [config.periods[1] as ScalingPeriod]),
        new Date('2026-03-28T12:00:00Z'),
        new Date('2026-03-29T12:00:00Z'),
      ).map((c) => c.at.toISOString()),
    ).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, right after the gap
      '2026-03-29T04:00:00.000Z',
    ]);
  });
});

describe('scaleTargetAt: fall back (the clock repeats an hour)', () => {
  // New York 2026-11-01: 02:00 EDT → 01:00 EST at 06:00Z, so 01:00–01:59 happens at 05:xxZ and again at 06:xxZ.
  it('covers both passes of the repeated hour with a window that holds it (00:00–03:00 lasts four hours)', () => {
    const config = scaling('America/New_York', [period('night', ['SUN'], '00:00', '03:00')]);

    expect(changes(config, '2026-10-31T12:00:00Z', '2026-11-01T12:00:00Z')).toEqual([
      '2026-11-01T04:00:00.000Z → night', // 00:00 EDT
      '2026-11-01T08:00:00.000Z → outside', // 03:00 EST
    ]);
    expect(holder(config, '2026-11-01T05:30:00Z')).toBe('night'); // 01:30 EDT
    expect(holder(config, '2026-11-01T06:30:00Z')).toBe('night'); // 01:30 EST
  });

  it('ends a window whose `to` is inside the repeated hour at its first pass, without reopening', () => {
    const config = scaling('America/New_York', [period('late', ['SAT'], '22:00', '01:30', { kind: 'stop' })]);

    expect(holder(config, '2026-11-01T05:29:59Z')).toBe('late'); // 01:29:59 EDT
    expect(holder(config, '2026-11-01T05:30:00Z')).toBe('outside'); // 01:30 EDT, the first pass
    expect(holder(config, '2026-11-01T06:15:00Z')).toBe('outside'); // 01:15 EST: the clock reads inside, the window is over
    expect(changes(config, '2026-10-31T12:00:00Z', '2026-11-01T12:00:00Z')).toEqual([
      '2026-11-01T02:00:00.000Z → late',
      '2026-11-01T05:30:00.000Z → outside',
    ]);
  });

  it('opens a window whose `from` is inside the repeated hour at its first pass and keeps it open through the second', () => {
    const config = scaling('America/New_York', [period('early', ['SUN'], '01:30', '04:00')]);

    expect(holder(config, '2026-11-01T05:29:59Z')).toBe('outside'); // 01:29:59 EDT
    expect(holder(config, '2026-11-01T05:30:00Z')).toBe('early'); // 01:30 EDT
    expect(holder(config, '2026-11-01T06:10:00Z')).toBe('early'); // 01:10 EST
    expect(holder(config, '2026-11-01T08:59:59Z')).toBe('early'); // 03:59:59 EST
    expect(holder(config, '2026-11-01T09:00:00Z')).toBe('outside'); // 04:00 EST
  });

  it('does the same in Berlin: 02:00–02:59 first at 00:xxZ (CEST), again at 01:xxZ (CET)', () => {
    const config = scaling('Europe/Berlin', [
      period('late', ['SAT'], '23:00', '02:30', { kind: 'stop' }),
      period('across', ['SUN'], '01:00', '04:00', { kind: 'desired', count: 2 }),
    ]);

    expect(changes(config, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual([
      '2026-10-24T21:00:00.000Z → late', // 23:00 CEST
      '2026-10-25T00:30:00.000Z → across', // 02:30 CEST: late ends at the first pass, across holds on
      '2026-10-25T03:00:00.000Z → outside', // 04:00 CET: across lasted four hours
    ]);
    expect(holder(config, '2026-10-25T01:15:00Z')).toBe('across'); // 02:15 CET, second pass
  });
});

describe('scaleTargetAt: a zone without daylight-saving time (Asia/Tokyo, UTC+9 all year)', () => {
  it('keeps the same UTC instants on the days other zones change their clocks', () => {
    const config = scaling('Asia/Tokyo', [period('business-hours', EVERY_DAY, '08:00', '20:00')]);

    for (const day of ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01']) {
      const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      expect(changes(config, `${day}T00:00:00Z`, `${next}T00:00:00Z`)).toEqual([
        `${day}T11:00:00.000Z → outside`, // 20:00 JST
        `${day}T23:00:00.000Z → business-hours`, // 08:00 JST the next day
      ]);
    }
  });

  it('runs an overnight period across midnight of Tokyo, not of UTC', () => {
    const config = scaling('Asia/Tokyo', [period('night', ['SAT'], '23:30', '02:00', { kind: 'stop' })]);

    expect(changes(config, '2026-03-07T00:00:00Z', '2026-03-08T00:00:00Z')).toEqual([
      '2026-03-07T14:30:00.000Z → night', // Saturday 23:30 JST
      '2026-03-07T17:00:00.000Z → outside', // Sunday 02:00 JST
    ]);
  });
});

describe('scaleTargetAt: overrides', () => {
  const periods = [period('business-hours', WEEKDAYS_ONLY, '08:00', '20:00')];

  it('lets a one-off at() override win over a period while it lasts', () => {
    // Black Friday 2026-11-27 from 06:00 EST for 18 hours: until Saturday 00:00 EST.
    const config = scaling('America/New_York', periods, [override('black-friday', 'at(2026-11-27T06:00:00)', 18 * 3_600)]);

    expect(holder(config, '2026-11-27T10:59:59Z')).toBe('outside');
    expect(scaleTargetAt(config, new Date('2026-11-27T11:00:00Z'))).toEqual({
      target: { kind: 'desired', count: 30 },
      because: { kind: 'override', name: 'black-friday' },
    });
    expect(holder(config, '2026-11-27T15:00:00Z')).toBe('black-friday'); // 10:00 EST, inside business-hours too
    expect(holder(config, '2026-11-28T04:59:59Z')).toBe('black-friday');
    expect(holder(config, '2026-11-28T05:00:00Z')).toBe('outside');
    expect(changes(config, '2026-11-27T00:00:00Z', '2026-11-28T12:00:00Z')).toEqual([
      '2026-11-27T01:00:00.000Z → outside', // Thursday 20:00 EST
      '2026-11-27T11:00:00.000Z → black-friday',
      '2026-11-28T05:00:00.000Z → outside', // business-hours ended at 01:00Z, under the override
    ]);
  });

  it('lets a cron override win at each firing and hands back to the period when it ends', () => {
    // Every Monday 12:00 Berlin for 30 minutes; 2026-01-12 is a Monday.
    const config = scaling('Europe/Berlin', periods, [
      override('deploy-window', 'cron(0 12 ? * MON *)', 1_800, { kind: 'desired', count: 8 }),
    ]);

    expect(changes(config, '2026-01-12T00:00:00Z', '2026-01-13T00:00:00Z')).toEqual([
      '2026-01-12T07:00:00.000Z → business-hours',
      '2026-01-12T11:00:00.000Z → deploy-window',
      '2026-01-12T11:30:00.000Z → business-hours',
      '2026-01-12T19:00:00.000Z → outside',
    ]);
    expect(holder(config, '2026-01-12T11:29:59Z')).toBe('deploy-window');
    expect(holder(config, '2026-01-19T11:15:00Z')).toBe('deploy-window');
    expect(holder(config, '2026-01-13T11:15:00Z')).toBe('business-hours');
  });

  it('does not fire an override at a wall time the clock skips (Scheduler does not either)', () => {
    const config = scaling('America/New_York', [], [override('maintenance', 'cron(30 2 ? * SUN *)', 3_600)]);

    expect(changes(config, '2026-03-07T00:00:00Z', '2026-03-16T00:00:00Z')).toEqual([
      '2026-03-15T06:30:00.000Z → maintenance',
      '2026-03-15T07:30:00.000Z → outside',
    ]);
  });

  it('measures `for` in elapsed time, across a daylight-saving change too', () => {
    // Sunday 00:30 EST for 3 hours on 2026-03-08: until 04:30 EDT, three real hours later.
    const config = scaling('America/New_York', [], [override('migration', 'cron(30 0 ? * SUN *)', 3 * 3_600)]);

    expect(changes(config, '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual([
      '2026-03-08T05:30:00.000Z → migration',
      '2026-03-08T08:30:00.000Z → outside',
    ]);
  });
});

describe('scaleTargetAt: the one listed first wins', () => {
  it('between overlapping periods', () => {
    const weekend = period('weekend', ['SAT', 'SUN'], '00:00', '00:00', { kind: 'desired', count: 2 });
    const daytime = period('daytime', EVERY_DAY, '08:00', '20:00');

    expect(holder(scaling('UTC', [weekend, daytime]), '2026-01-17T12:00:00Z')).toBe('weekend');
    expect(holder(scaling('UTC', [daytime, weekend]), '2026-01-17T12:00:00Z')).toBe('daytime');
  });

  it('between overlapping overrides', () => {
    const sale = override('sale', 'at(2026-11-27T00:00:00)', 86_400, { kind: 'desired', count: 30 });
    const freeze = override('freeze', 'cron(0 10 * * ? *)', 3_600, { kind: 'desired', count: 10 });

    expect(holder(scaling('UTC', [], [sale, freeze]), '2026-11-27T10:30:00Z')).toBe('sale');
    expect(holder(scaling('UTC', [], [freeze, sale]), '2026-11-27T10:30:00Z')).toBe('freeze');
  });
});

describe('scalingChangesBetween', () => {
  const config = scaling('UTC', [period('business-hours', WEEKDAYS_ONLY, '08:00', '20:00')]);

  it('reads (from, to]: a change exactly at `from` is not listed, one exactly at `to` is', () => {
    expect(changes(config, '2026-01-12T08:00:00Z', '2026-01-12T20:00:00Z')).toEqual(['2026-01-12T20:00:00.000Z → outside']);
  });

  it('says what the target was and what it becomes', () => {
    expect(scalingChangesBetween(config, new Date('2026-01-12T00:00:00Z'), new Date('2026-01-12T12:00:00Z'))).toEqual([
      {
        at: new Date('2026-01-12T08:00:00Z'),
        from: { kind: 'restore' },
        to: BUSINESS,
        because: { kind: 'period', name: 'business-hours' },
        previously: { kind: 'outside' },
      },
    ]);
  });

  it('lists no change where one period hands over to another with the same target', () => {
    const handOver = scaling('UTC', [period('morning', EVERY_DAY, '08:00', '12:00'), period('afternoon', EVERY_DAY, '12:00', '20:00')]);

    expect(changes(handOver, '2026-01-12T00:00:00Z', '2026-01-13T00:00:00Z')).toEqual([
      '2026-01-12T08:00:00.000Z → morning',
      '2026-01-12T20:00:00.000Z → outside',
    ]);
  });

  it('lists the changes of New York spring-forward and fall-back days', () => {
    const nyc = scaling('America/New_York', [
      period('business-hours', WEEKDAYS_ONLY, '08:00', '20:00'),
      period('batch', ['SUN'], '02:30', '05:00', { kind: 'desired', count: 3 }),
      period('night', ['SAT'], '22:00', '01:30', { kind: 'stop' }),
    ]);

    expect(changes(nyc, '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-08T03:00:00.000Z → night', // Saturday 22:00 EST
      '2026-03-08T06:30:00.000Z → outside', // 01:30 EST
      '2026-03-08T07:00:00.000Z → batch', // 02:30 is skipped: 03:00 EDT
      '2026-03-08T09:00:00.000Z → outside', // 05:00 EDT
      '2026-03-09T12:00:00.000Z → business-hours', // Monday 08:00 EDT
    ]);
    expect(changes(nyc, '2026-10-31T12:00:00Z', '2026-11-02T14:00:00Z')).toEqual([
      '2026-11-01T02:00:00.000Z → night', // Saturday 22:00 EDT
      '2026-11-01T05:30:00.000Z → outside', // 01:30 EDT, the first pass
      '2026-11-01T07:30:00.000Z → batch', // 02:30 EST
      '2026-11-01T10:00:00.000Z → outside', // 05:00 EST
      '2026-11-02T13:00:00.000Z → business-hours', // Monday 08:00 EST
    ]);
  });

  it('covers a week of several services quickly, from the config and not minute by minute', () => {
    const services = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'].map((zone) =>
      scaling(
        zone,
        [period('business-hours', WEEKDAYS_ONLY, '08:00', '20:00'), period('night', EVERY_DAY, '23:00', '05:00', { kind: 'stop' })],
        [override('weekly', 'cron(0 12 ? * WED *)', 7_200)],
      ),
    );
    const started = performance.now();
    const counts = services.map(
      (config) => scalingChangesBetween(config, new Date('2026-03-02T00:00:00Z'), new Date('2026-03-09T00:00:00Z')).length,
    );

    expect(counts.every((count) => count >= 20)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('scalingScheduleExpressions', () => {
  const NOW = new Date('2026-01-01T00:00:00Z');

  it('groups period boundaries into few crons in the service zone', () => {
    const config = scaling('Europe/Berlin', [
      period('business-hours', WEEKDAYS_ONLY, '08:00', '20:00'),
      period('weekend', ['SAT', 'SUN'], '10:30', '16:30', { kind: 'desired', count: 2 }),
    ]);

    expect(scalingScheduleExpressions(config, NOW)).toEqual(['cron(0 8,20 ? * MON-FRI *)', 'cron(30 10,16 ? * SUN,SAT *)']);
  });

  it('fires the day after for the end of an overnight period', () => {
    const config = scaling('UTC', [period('night', ['FRI'], '22:00', '06:00', { kind: 'stop' })]);

    // One cron for both: the extra firings (Friday 06:00, Saturday 22:00) are harmless.
    expect(scalingScheduleExpressions(config, NOW)).toEqual(['cron(0 6,22 ? * FRI,SAT *)']);
  });

  it('adds a firing at the end of a spring-forward gap that swallows a boundary, on its weekday and month only', () => {
    const config = scaling('America/New_York', [period('batch', ['SUN'], '02:30', '05:00', { kind: 'desired', count: 3 })]);

    expect(scalingScheduleExpressions(config, NOW)).toEqual(['cron(30 2 ? * SUN *)', 'cron(0 5 ? * SUN *)', 'cron(0 3 ? MAR SUN *)']);
    expect(scalingScheduleExpressions(scaling('Europe/Berlin', config.periods), NOW)).toEqual([
      'cron(30 2 ? * SUN *)',
      'cron(0 5 ? * SUN *)',
      'cron(0 3 ? MAR SUN *)',
    ]);
    // Tokyo has no gap; a weekday-only period never meets the Sunday gaps of New York.
    expect(scalingScheduleExpressions(scaling('Asia/Tokyo', config.periods), NOW)).toEqual(['cron(30 2 ? * SUN *)', 'cron(0 5 ? * SUN *)']);
    expect(scalingScheduleExpressions(scaling('America/New_York', [period('x', WEEKDAYS_ONLY, '02:30', '05:00')]), NOW)).toEqual([
      'cron(30 2 ? * MON-FRI *)',
      'cron(0 5 ? * MON-FRI *)',
    ]);
  });

  it("fires each override's schedule and its end", () => {
    const config = scaling(
      'UTC',
      [],
      [override('black-friday', 'at(2026-11-27T06:00:00)', 18 * 3_600), override('deploy', 'cron(0 12 ? * MON *)', 1_800)],
    );

    expect(scalingScheduleExpressions(config, NOW)).toEqual([
      'cron(30 12 ? * MON *)', // the cron override's end, on its own days
      'at(2026-11-27T06:00:00)',
      'cron(0 12 ? * MON *)',
      'at(2026-11-28T00:00:00)',
    ]);
  });

  it('shifts the weekdays of a cron override that ends the next day, and fires daily where a day rule cannot shift', () => {
    const weekly = scaling('UTC', [], [override('weekend-sale', 'cron(0 18 ? * FRI *)', 12 * 3_600)]);
    const monthly = scaling('UTC', [], [override('month-end', 'cron(0 22 L * ? *)', 4 * 3_600)]);

    expect(scalingScheduleExpressions(weekly, NOW)).toEqual(['cron(0 6 ? * SAT *)', 'cron(0 18 ? * FRI *)']);
    // The last day of the month plus four hours is the first of the next: no day rule says that, so daily.
    expect(scalingScheduleExpressions(monthly, NOW)).toEqual(['cron(0 2 ? * * *)', 'cron(0 22 L * ? *)']);
  });

  it('rounds an override end up to the minute, Scheduler precision', () => {
    const config = scaling('UTC', [], [override('blip', 'at(2026-11-27T06:00:00)', 90)]);

    expect(scalingScheduleExpressions(config, NOW)).toEqual(['at(2026-11-27T06:00:00)', 'at(2026-11-27T06:02:00)']);
  });

  it('ends an override whose end falls in the second pass of a repeated hour when that pass is over (documented fallback)', () => {
    // 00:00 EDT + 2h30 = 06:30Z = 01:30 EST, a wall time Scheduler reads as 01:30 EDT (05:30Z).
    const config = scaling('America/New_York', [], [override('late-sale', 'at(2026-11-01T00:00:00)', 9_000)]);

    expect(scalingScheduleExpressions(config, NOW)).toEqual(['at(2026-11-01T00:00:00)', 'at(2026-11-01T02:00:00)']);
    expect(changes(config, '2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
      '2026-11-01T04:00:00.000Z → late-sale',
      '2026-11-01T06:30:00.000Z → outside',
    ]);
  });

  it('ends a cron override in the second pass of a repeated hour when that pass is over, too', () => {
    // Sundays 00:00 for 2h30: on 2026-11-01 that is 04:00Z to 06:30Z, 01:30 EST.
    const config = scaling('America/New_York', [], [override('sunday-sale', 'cron(0 0 ? * SUN *)', 9_000)]);
    const expressions = scalingScheduleExpressions(config, NOW);
    const fired = expressions.flatMap((expression) =>
      firingsBetween(
        parseScheduleExpression(expression),
        'America/New_York',
        new Date('2026-11-01T00:00:00Z'),
        new Date('2026-11-02T00:00:00Z'),
      ),
    );

    expect(expressions).toEqual([
      'cron(30 2 ? * SUN *)', // 00:00 + 2h30 on an ordinary Sunday
      'cron(30 3 ? MAR * *)', // + the hour the spring change skips
      'cron(30 1 ? NOV * *)', // − the hour the autumn change repeats (its first pass)
      'cron(0 2 ? NOV * *)', // the end of the repeated hour: the fallback
      'cron(0 0 ? * SUN *)',
    ]);
    expect(fired.map((at) => at.toISOString())).toContain('2026-11-01T07:00:00.000Z');
  });

  describe('fires at every change over weeks that include the daylight-saving changes', () => {
    const periods = [
      period('business-hours', WEEKDAYS_ONLY, '08:00', '20:00'),
      period('batch', ['SUN'], '02:30', '05:00', { kind: 'desired', count: 3 }), // starts inside the spring gap
      period('night', ['SAT'], '22:00', '01:30', { kind: 'stop' }), // ends inside the New York repeated hour
      period('berlin-night', ['SAT'], '23:00', '02:30', { kind: 'desired', count: 1 }), // ends inside Berlin's
      period('across', ['SUN'], '01:00', '04:00', { kind: 'desired', count: 2 }), // spans the gap and the repeat
      period('weekend', ['FRI', 'SAT', 'SUN', 'MON'], '18:15', '07:45', { kind: 'desired', count: 5 }),
    ];
    const overrides = [
      override('black-friday', 'at(2026-11-27T06:00:00)', 18 * 3_600),
      override('spring-sale', 'at(2026-03-28T22:00:00)', 6 * 3_600), // straddles Berlin's gap
      override('migration', 'cron(30 0 ? * SUN *)', 4 * 3_600), // straddles both changes in both zones
      override('month-end', 'cron(0 21 L * ? *)', 4 * 3_600), // ends the next day, 01:00 EDT on 2026-11-01
    ];
    const windows = [
      ['2026-02-22T00:00:00Z', '2026-04-12T00:00:00Z'],
      ['2026-10-11T00:00:00Z', '2026-12-06T00:00:00Z'],
    ] as const;

    it.each([
      ['America/New_York', 'periods only'],
      ['America/New_York', 'periods and overrides'],
      ['Europe/Berlin', 'periods only'],
      ['Europe/Berlin', 'periods and overrides'],
      ['Asia/Tokyo', 'periods and overrides'],
    ])('%s, %s', (zone, what) => {
      // Alone, the periods show their own changes on the daylight-saving nights; with overrides, the
      // migration override covers those nights and its end moves by the change.
      const config = scaling(zone, periods, what === 'periods only' ? [] : overrides);
      const expressions = scalingScheduleExpressions(config, NOW);

      expect(expressions.length).toBeLessThanOrEqual(16);
      for (const [from, to] of windows) {
        const fired = new Set(
          expressions.flatMap((expression) =>
            firingsBetween(parseScheduleExpression(expression), zone, new Date(from), new Date(Date.parse(to) + 1)).map((at) =>
              at.getTime(),
            ),
          ),
        );
        const found = scalingChangesBetween(config, new Date(from), new Date(to));

        expect(found.length).toBeGreaterThan(50);
        expect(found.filter((change) => !fired.has(change.at.getTime())).map((change) => change.at.toISOString())).toEqual([]);
      }
    });
  });
});
