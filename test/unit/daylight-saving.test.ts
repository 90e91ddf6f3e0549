import { describe, expect, it } from 'vitest';
import { daylightSavingNotices, offsetChanges } from '../../shared/config/daylight-saving.ts';
import { validateAutomation } from '../../shared/config/load.ts';

const YEAR_FROM_2026_12 = [new Date('2026-12-05T00:00:00Z'), new Date('2027-12-05T00:00:00Z')] as const;

/** The notices for jobs given as name → [schedule, zone], over the window. */
function jobNotices(jobs: Record<string, [string, string]>, window: readonly [Date, Date] = YEAR_FROM_2026_12) {
  const automation = validateAutomation({
    defaults: { cluster: 'batch' },
    jobs: Object.fromEntries(
      Object.entries(jobs).map(([name, [schedule, timezone]]) => [name, { schedule, timezone, taskDefinition: name }]),
    ),
  });
  return daylightSavingNotices(automation, ...window).map(({ kind, text }) => ({ kind, text }));
}

/** The notices of one service `web` with the given scaling. */
function scalingNotices(scaling: Record<string, unknown>, window: readonly [Date, Date] = YEAR_FROM_2026_12) {
  const automation = validateAutomation({ defaults: { cluster: 'web-prod' }, services: { web: { scaling } } });
  return daylightSavingNotices(automation, ...window).map(({ text }) => text);
}

describe('offsetChanges', () => {
  it('finds both changes of a year to the minute, with the offsets either side', () => {
    expect(offsetChanges('Europe/Berlin', ...YEAR_FROM_2026_12)).toEqual([
      { at: new Date('2027-03-28T01:00:00Z'), before: 60, after: 120 },
      { at: new Date('2027-10-31T01:00:00Z'), before: 120, after: 60 },
    ]);
    expect(offsetChanges('America/New_York', ...YEAR_FROM_2026_12)).toEqual([
      { at: new Date('2027-03-14T07:00:00Z'), before: -300, after: -240 },
      { at: new Date('2027-11-07T06:00:00Z'), before: -240, after: -300 },
    ]);
    expect(offsetChanges('Asia/Tokyo', ...YEAR_FROM_2026_12)).toEqual([]);
  });
});

describe('daylightSavingNotices: job schedules', () => {
  it('Europe/Berlin: 02:00 does not exist on the last Sunday of March, and occurs twice on the last Sunday of October', () => {
    expect(jobNotices({ 'nightly-report': ['cron(0 2 * * ? *)', 'Europe/Berlin'] })).toEqual([
      {
        kind: 'skipped',
        text: 'jobs.nightly-report: 02:00 Europe/Berlin does not exist on 2027-03-28: Scheduler skips that firing',
      },
      {
        kind: 'repeated',
        text: 'jobs.nightly-report: 02:00 Europe/Berlin occurs twice on 2027-10-31: Scheduler fires once, the first time (02:00 CEST)',
      },
    ]);
  });

  it('America/New_York: 02:30 is skipped in March; 01:30 (not 02:30) is the time that occurs twice in November', () => {
    expect(jobNotices({ late: ['cron(30 2 * * ? *)', 'America/New_York'], early: ['cron(30 1 * * ? *)', 'America/New_York'] })).toEqual([
      { kind: 'skipped', text: 'jobs.late: 02:30 America/New_York does not exist on 2027-03-14: Scheduler skips that firing' },
      {
        kind: 'repeated',
        text: 'jobs.early: 01:30 America/New_York occurs twice on 2027-11-07: Scheduler fires once, the first time (01:30 EDT)',
      },
    ]);
  });

  it('groups the firings of one job in the gap into one line', () => {
    expect(jobNotices({ often: ['cron(0/15 * * * ? *)', 'Europe/Berlin'], twice: ['cron(10,40 2 * * ? *)', 'Europe/Berlin'] })).toEqual([
      {
        kind: 'skipped',
        text: 'jobs.often: 4 times from 02:00 to 02:45 Europe/Berlin do not exist on 2027-03-28: Scheduler skips those firings',
      },
      { kind: 'skipped', text: 'jobs.twice: 02:10 and 02:40 Europe/Berlin do not exist on 2027-03-28: Scheduler skips those firings' },
      {
        kind: 'repeated',
        text: 'jobs.often: 4 times from 02:00 to 02:45 Europe/Berlin occur twice on 2027-10-31: Scheduler fires each once, the first time (CEST)',
      },
      {
        kind: 'repeated',
        text: 'jobs.twice: 02:10 and 02:40 Europe/Berlin occur twice on 2027-10-31: Scheduler fires each once, the first time (CEST)',
      },
    ]);
  });

  it('says so of an at() schedule in the gap', () => {
    expect(jobNotices({ once: ['at(2027-03-28T02:30:00)', 'Europe/Berlin'] })).toEqual([
      { kind: 'skipped', text: 'jobs.once: 02:30 Europe/Berlin does not exist on 2027-03-28: Scheduler skips that firing' },
    ]);
  });

  it('says nothing of times that exist once, days the cron does not name, rate() schedules, zones without daylight saving', () => {
    expect(
      jobNotices({
        weekdays: ['cron(0 2 ? * MON-FRI *)', 'Europe/Berlin'],
        three: ['cron(0 3 * * ? *)', 'Europe/Berlin'],
        hourly: ['rate(1 hour)', 'Europe/Berlin'],
        tokyo: ['cron(0 2 * * ? *)', 'Asia/Tokyo'],
        utc: ['cron(0 2 * * ? *)', 'UTC'],
      }),
    ).toEqual([]);
  });

  it('leaves out suspended jobs: they do not fire at all', () => {
    const automation = validateAutomation({
      jobs: { paused: { schedule: 'cron(0 2 * * ? *)', timezone: 'Europe/Berlin', taskDefinition: 'p', cluster: 'c', suspended: true } },
    });

    expect(daylightSavingNotices(automation, ...YEAR_FROM_2026_12)).toEqual([]);
  });

  it('reports only the changes inside the window', () => {
    const job = { 'nightly-report': ['cron(0 2 * * ? *)', 'Europe/Berlin'] as [string, string] };

    expect(jobNotices(job, [new Date('2027-03-28T00:00:00Z'), new Date('2027-03-28T01:00:00Z')])).toEqual([]);
    expect(jobNotices(job, [new Date('2027-03-28T01:00:00Z'), new Date('2027-03-28T01:00:01Z')])).toHaveLength(1);
  });
});

describe('daylightSavingNotices: scaling', () => {
  it('America/New_York: a period boundary in the gap happens at the first instant after it', () => {
    expect(
      scalingNotices({
        timezone: 'America/New_York',
        periods: {
          'early-shift': { days: 'SUN', from: '02:30', to: '06:00', desired: 2 },
          'late-night': { days: 'SAT', from: '22:00', to: '02:15', stop: true },
        },
      }),
    ).toEqual([
      'services.web.scaling.periods.early-shift: 02:30 America/New_York does not exist on 2027-03-14: the period starts at the first instant after it (03:00 EDT)',
      'services.web.scaling.periods.late-night: 02:15 America/New_York does not exist on 2027-03-14: the period ends at the first instant after it (03:00 EDT)',
    ]);
  });

  it('America/New_York: a boundary in the repeated hour happens the first time, and the period does not reopen', () => {
    expect(
      scalingNotices({
        timezone: 'America/New_York',
        periods: {
          night: { days: 'SAT', from: '22:00', to: '01:30', stop: true },
          dawn: { days: 'SUN', from: '01:45', to: '05:00', desired: 1 },
        },
      }),
    ).toEqual([
      'services.web.scaling.periods.dawn: 01:45 America/New_York occurs twice on 2027-11-07: the period starts the first time (01:45 EDT) and stays open through the second',
      'services.web.scaling.periods.night: 01:30 America/New_York occurs twice on 2027-11-07: the period ends the first time (01:30 EDT) and does not reopen the second',
    ]);
  });

  it('Europe/Berlin: an override whose firing is skipped does not start that day', () => {
    expect(
      scalingNotices({
        timezone: 'Europe/Berlin',
        overrides: { 'sunday-batch': { schedule: 'cron(30 2 ? * SUN *)', for: '2h', desired: 6 } },
      }),
    ).toEqual([
      'services.web.scaling.overrides.sunday-batch: 02:30 Europe/Berlin does not exist on 2027-03-28: Scheduler skips that firing, so the override does not start that day',
      'services.web.scaling.overrides.sunday-batch: 02:30 Europe/Berlin occurs twice on 2027-10-31: Scheduler starts the override once, the first time (02:30 CEST)',
    ]);
  });

  it('says nothing of periods that start and end away from the changes, or on other days', () => {
    expect(
      scalingNotices({
        timezone: 'Europe/Berlin',
        periods: {
          'business-hours': { days: 'MON-FRI', from: '08:00', to: '19:00', min: 4, max: 20 },
          weekday: { days: 'MON-FRI', from: '02:30', to: '04:00', desired: 1 },
        },
      }),
    ).toEqual([]);
  });
});
