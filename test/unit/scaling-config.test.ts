import { describe, expect, it } from 'vitest';
import { parseAutomationText, validateAutomation } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';

/** An automation with one service `web` whose `scaling` is the given value. */
function withScaling(scaling: unknown, defaults: Record<string, unknown> = {}) {
  return { defaults: { cluster: 'web-prod', ...defaults }, services: { web: { scaling } } };
}

function scalingOf(scaling: unknown, defaults: Record<string, unknown> = {}) {
  return validateAutomation(withScaling(scaling, defaults)).services.web?.scaling;
}

/** The problem lines of the ConfigError that validating the scaling throws. */
function problemsOf(scaling: unknown): string[] {
  try {
    validateAutomation(withScaling(scaling));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the scaling was accepted');
}

const P = 'services.web.scaling';
const WEEKDAY_HOURS = { days: 'MON-FRI', from: '08:00', to: '20:00' };

describe('scaling in automation.yml: what is accepted', () => {
  it('reads a service scaling from YAML into periods, overrides and what applies outside', () => {
    const automation = parseAutomationText(
      [
        'defaults: { cluster: web-prod }',
        'services:',
        '  web:',
        '    scaling:',
        '      timezone: America/New_York',
        '      periods:',
        '        business-hours: { days: MON-FRI, from: "08:00", to: "20:00", min: 4, max: 20 }',
        '        night: { days: [FRI, SAT], from: "22:00", to: "06:00", stop: true }',
        '      overrides:',
        '        black-friday: { schedule: at(2026-11-27T06:00:00), for: 18h, desired: 30 }',
        '      ceiling: 40',
        '',
      ].join('\n'),
    );

    expect(automation.services.web?.scaling).toEqual({
      timezone: 'America/New_York',
      periods: [
        {
          name: 'business-hours',
          days: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
          from: '08:00',
          to: '20:00',
          target: { kind: 'bounds', min: 4, max: 20 },
        },
        { name: 'night', days: ['FRI', 'SAT'], from: '22:00', to: '06:00', target: { kind: 'stop' } },
      ],
      overrides: [
        { name: 'black-friday', schedule: 'at(2026-11-27T06:00:00)', forSeconds: 64_800, target: { kind: 'desired', count: 30 } },
      ],
      outside: { kind: 'restore' },
      ceiling: 40,
    });
  });

  it.each([
    ['MON-FRI', ['MON', 'TUE', 'WED', 'THU', 'FRI']],
    ['FRI-MON', ['SUN', 'MON', 'FRI', 'SAT']], // a range that wraps the week
    ['SAT-SUN', ['SUN', 'SAT']],
    ['SAT,SUN', ['SUN', 'SAT']],
    ['sun,mon-tue', ['SUN', 'MON', 'TUE']],
    [
      ['TUE', 'THU'],
      ['TUE', 'THU'],
    ],
    [
      ['SAT-MON', 'WED'],
      ['SUN', 'MON', 'WED', 'SAT'],
    ],
    ['WED-WED', ['WED']],
  ])('reads days %j as %j (in week order, Sunday first)', (days, expected) => {
    expect(scalingOf({ periods: { p: { ...WEEKDAY_HOURS, days, desired: 2 } } })?.periods[0]?.days).toEqual(expected);
  });

  it('reads each kind of target', () => {
    const scaling = scalingOf({
      periods: {
        bounds: { ...WEEKDAY_HOURS, min: 2, max: 2 },
        fixed: { ...WEEKDAY_HOURS, desired: 5 },
        zero: { ...WEEKDAY_HOURS, stop: true },
      },
      outside: { desired: 1 },
    });

    expect(scaling?.periods.map((p) => p.target)).toEqual([
      { kind: 'bounds', min: 2, max: 2 },
      { kind: 'desired', count: 5 },
      { kind: 'stop' },
    ]);
    expect(scaling?.outside).toEqual({ kind: 'desired', count: 1 });
  });

  it('takes the time zone from the service, else from defaults.timezone, else UTC; the ceiling defaults to 100', () => {
    const periods = { p: { ...WEEKDAY_HOURS, desired: 2 } };

    expect(scalingOf({ timezone: 'Asia/Tokyo', periods }, { timezone: 'Europe/Berlin' })?.timezone).toBe('Asia/Tokyo');
    expect(scalingOf({ periods }, { timezone: 'Europe/Berlin' })?.timezone).toBe('Europe/Berlin');
    expect(scalingOf({ periods })).toMatchObject({ timezone: 'UTC', ceiling: 100 });
  });

  it('accepts overrides without periods, and stop outside every period', () => {
    const scaling = scalingOf({ overrides: { sale: { schedule: 'cron(0 6 ? * FRI *)', for: '2h', desired: 8 } }, outside: { stop: true } });

    expect(scaling).toMatchObject({ periods: [], outside: { kind: 'stop' } });
  });

  it('accepts to = from and to before from (a whole day, an overnight window)', () => {
    expect(
      scalingOf({
        periods: { a: { days: 'MON', from: '09:00', to: '09:00', desired: 2 }, b: { days: 'MON', from: '23:59', to: '00:00', desired: 2 } },
      })?.periods,
    ).toHaveLength(2);
  });
});

describe('scaling in automation.yml: clear problems, each with its path', () => {
  it('names a day that is not one, and a range of three', () => {
    expect(
      problemsOf({
        periods: { p: { ...WEEKDAY_HOURS, days: 'MON-FRY', desired: 2 }, q: { ...WEEKDAY_HOURS, days: 'MON-TUE-WED', desired: 2 } },
      }),
    ).toEqual([
      `${P}.periods.p.days: "MON-FRY" is not a day or a range of days (MON-FRI, SAT,SUN, TUE)`,
      `${P}.periods.q.days: "MON-TUE-WED" is not a day or a range of days (MON-FRI, SAT,SUN, TUE)`,
    ]);
  });

  it('rejects an empty list of days', () => {
    expect(problemsOf({ periods: { p: { ...WEEKDAY_HOURS, days: [], desired: 2 } } })).toEqual([
      `${P}.periods.p.days: name at least one day, e.g. [MON, TUE] or MON-FRI`,
    ]);
  });

  it('refuses a rate() override: it has no start to measure `for` from', () => {
    expect(problemsOf({ overrides: { o: { schedule: 'rate(1 hour)', for: '10m', desired: 2 } } })).toEqual([
      `${P}.overrides.o.schedule: an override starts at cron(...) or at(...) times; rate(...) has no start to measure \`for\` from`,
    ]);
  });

  it.each(['8:00', '24:00', '12:60', '0800', '12:00:00'])('rejects the time of day %j', (time) => {
    expect(problemsOf({ periods: { p: { ...WEEKDAY_HOURS, from: time, desired: 2 } } })).toEqual([
      `${P}.periods.p.from: a time of day is written "HH:MM" (00:00–23:59)`,
    ]);
  });

  it('wants exactly one of bounds, desired or stop', () => {
    expect(
      problemsOf({
        periods: {
          none: WEEKDAY_HOURS,
          two: { ...WEEKDAY_HOURS, desired: 2, stop: true },
          three: { ...WEEKDAY_HOURS, min: 1, max: 2, desired: 2 },
        },
      }),
    ).toEqual([
      `${P}.periods.none: say one of: min and max (bounds), desired (a fixed count), or stop: true (zero)`,
      `${P}.periods.two: say one of: min and max (bounds), desired (a fixed count), or stop: true (zero)`,
      `${P}.periods.three: say one of: min and max (bounds), desired (a fixed count), or stop: true (zero)`,
    ]);
  });

  it('wants both bounds, in order', () => {
    expect(
      problemsOf({
        periods: { lonely: { ...WEEKDAY_HOURS, min: 2 }, upside: { ...WEEKDAY_HOURS, min: 5, max: 2 } },
        outside: { max: 3 },
      }),
    ).toEqual([
      `${P}.periods.lonely: bounds need both min and max`,
      `${P}.periods.upside.min: min (5) is above max (2)`,
      `${P}.outside: bounds need both min and max`,
    ]);
  });

  it('keeps every bound and count under the ceiling, in periods, overrides and outside', () => {
    expect(
      problemsOf({
        ceiling: 10,
        periods: { p: { ...WEEKDAY_HOURS, min: 5, max: 20 } },
        overrides: { o: { schedule: 'at(2026-11-27T06:00:00)', for: '18h', desired: 11 } },
        outside: { desired: 12 },
      }),
    ).toEqual([
      `${P}.periods.p.max: max 20 is above the ceiling of 10 (scaling.ceiling)`,
      `${P}.overrides.o.desired: desired 11 is above the ceiling of 10 (scaling.ceiling)`,
      `${P}.outside.desired: desired 12 is above the ceiling of 10 (scaling.ceiling)`,
    ]);
  });

  it('scales to zero only through stop: true', () => {
    expect(
      problemsOf({
        periods: {
          a: { ...WEEKDAY_HOURS, desired: 0 },
          b: { ...WEEKDAY_HOURS, min: 0, max: 3 },
          c: { ...WEEKDAY_HOURS, stop: false },
        },
      }),
    ).toEqual([
      `${P}.periods.a.desired: desired must be at least 1; scale to zero with stop: true`,
      `${P}.periods.b.min: min must be at least 1; scale to zero with stop: true`,
      `${P}.periods.c.stop: stop can only be true (scale to zero, explicitly)`,
    ]);
  });

  it('wants at least one period or override', () => {
    expect(problemsOf({})).toEqual([`${P}: scaling needs at least one period or override`]);
    expect(problemsOf({ periods: {}, overrides: {}, outside: { desired: 2 } })).toEqual([
      `${P}: scaling needs at least one period or override`,
    ]);
  });

  it('checks the time zone, the override schedule and its duration', () => {
    expect(
      problemsOf({
        timezone: 'Europe/Berln',
        overrides: { o: { schedule: 'cron(0 6 * * *)', for: '30s', desired: 3 } },
      }),
    ).toEqual([
      `${P}.timezone: unknown time zone "Europe/Berln"`,
      `${P}.overrides.o.schedule: cron(0 6 * * *): EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), found 5`,
      `${P}.overrides.o.for: "30s" is too short: at least 60s`,
    ]);
  });

  it('suggests the key meant by a typo', () => {
    expect(problemsOf({ periods: { p: { days: 'MON', form: '08:00', to: '20:00', desired: 2 } } })).toEqual([
      `${P}.periods.p.from: missing (expected string)`,
      `${P}.periods.p.form: unknown key (did you mean "from"?)`,
    ]);
  });
});
