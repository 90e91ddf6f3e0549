import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SandboxOptionError } from '../../sandbox/options.ts';
import { exitForRun, planSimulation } from '../../sandbox/plan.ts';
import { loadScenarioFile, validateScenario } from '../../sandbox/scenario.ts';
import { DELIVERY_DELAY_SECONDS, schedulerTime } from '../../sandbox/scheduler-delivery.ts';
import { dayOverridden, localWeekday, resolveMoment, sandboxWindow, startOfDay, startsOnDay } from '../../sandbox/window.ts';
import { loadAutomationFile, validateAutomation } from '../../shared/config/load.ts';
import { formatLocal } from '../../shared/config/time-zone.ts';

const automation = validateAutomation({
  defaults: {
    cluster: 'batch',
    timezone: 'Europe/Berlin',
    capacityProviders: ['FARGATE_SPOT', 'FARGATE'],
    network: { subnets: ['subnet-0a1b2c3d'] },
  },
  jobs: {
    'nightly-report': { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report:2', startingDeadline: '10m', retry: { attempts: 3 } },
    'hourly-sync': { schedule: 'rate(1 hour)', taskDefinition: 'sync' },
    'legacy-export': { schedule: 'cron(0 4 * * ? *)', taskDefinition: 'legacy', suspended: true },
  },
  watchedTasks: { 'queue-worker': { taskDefinition: 'queue-worker', launchType: 'FARGATE' } },
});
const FROM = new Date('2026-11-23T00:00:00+01:00');
const window = sandboxWindow(automation, { from: FROM, hours: 24 });
const plan = (injections: unknown[]) => planSimulation(automation, validateScenario({ injections }, automation), window);

describe('the simulated window', () => {
  it("starts by default at the next midnight in the first job's time zone and lasts 24 hours", () => {
    const defaults = sandboxWindow(automation, {}, new Date('2026-11-22T15:00:00Z'));

    expect(defaults).toEqual({
      from: new Date('2026-11-22T23:00:00Z'),
      to: new Date('2026-11-23T23:00:00Z'),
      hours: 24,
      timeZone: 'Europe/Berlin',
      chosenBy: 'next-midnight',
    });
  });

  it('refuses a window that is empty or longer than a month', () => {
    expect(() => sandboxWindow(automation, { hours: 0 })).toThrow(SandboxOptionError);
    expect(() => sandboxWindow(automation, { hours: 745 })).toThrow(/--hours must be more than 0 and at most 744/);
    expect(() => sandboxWindow(automation, { from: new Date('soon') })).toThrow(/--from is not a valid time/);
  });

  it("reads --from strictly as ISO 8601: a date or a time without an offset on the scenario's clocks, else the first job's", () => {
    const from = (text: string, scenario?: { timezone: string }) => sandboxWindow(automation, { from: text }, new Date(), scenario).from;

    expect(from('2026-12-07', { timezone: 'America/New_York' })).toEqual(new Date('2026-12-07T05:00:00Z'));
    expect(from('2026-12-07T08:30', { timezone: 'America/New_York' })).toEqual(new Date('2026-12-07T13:30:00Z'));
    expect(from('2026-12-07')).toEqual(new Date('2026-12-06T23:00:00Z'));
    expect(from('2026-07-07T08:30')).toEqual(new Date('2026-07-07T06:30:00Z'));
    expect(from('2026-12-07T08:30:00Z', { timezone: 'America/New_York' })).toEqual(new Date('2026-12-07T08:30:00Z'));
    expect(from('2026-12-07T08:30+05:30')).toEqual(new Date('2026-12-07T03:00:00Z'));
  });

  it('refuses --from that is not ISO 8601, or names a time the zone skips', () => {
    const window = (text: string) => () => sandboxWindow(automation, { from: text });

    for (const text of ['1', 'tomorrow', '07.12.2026', '2026-12-7', '2026-12-07 08:00', '']) {
      expect(window(text)).toThrow(SandboxOptionError);
    }
    expect(window('1')).toThrow(/^--from: "1" is not an ISO 8601 date or time, such as 2026-12-07/);
    expect(window('2026-02-30')).toThrow('--from: "2026-02-30": 2026-02 has no day 30');
    expect(window('2026-03-29T02:30')).toThrow(/does not exist in Europe\/Berlin/);
  });

  it('reads HH:MM as the first time the zone shows it in the window, skipping a time lost to daylight saving', () => {
    const spring = sandboxWindow(automation, { from: new Date('2026-03-29T00:00:00+01:00'), hours: 48 });

    expect(resolveMoment('02:00', 'Europe/Berlin', window)).toEqual(new Date('2026-11-23T01:00:00Z'));
    expect(resolveMoment('02:30', 'Europe/Berlin', spring)).toEqual(new Date('2026-03-30T00:30:00Z'));
    expect(resolveMoment('2026-11-23T09:15:00+01:00', 'UTC', window)).toEqual(new Date('2026-11-23T08:15:00Z'));
    expect(resolveMoment('2026-11-25T09:15:00Z', 'UTC', window)).toBeUndefined();
  });

  it('writes the scheduled time as Scheduler fills in <aws.scheduler.scheduled-time>', () => {
    expect(schedulerTime(new Date('2026-11-23T01:00:00Z'))).toBe('2026-11-23T01:00:00Z');
  });
});

describe("the scenario's day", () => {
  const NEXT_WEEKDAY = { text: 'next-weekday', weekdays: [2, 3, 4, 5, 6] };
  /** 15:00 in Berlin on each day of the week of Monday 2026-12-07. */
  const afternoonOf = (day: number) => new Date(Date.UTC(2026, 11, day, 14));
  const dayStarting = (from: Date) => `${localWeekday(from, 'Europe/Berlin')} ${formatLocal(from, 'Europe/Berlin')}`;

  it.each([
    [7, 'Tuesday 2026-12-08 00:00 CET'],
    [8, 'Wednesday 2026-12-09 00:00 CET'],
    [9, 'Thursday 2026-12-10 00:00 CET'],
    [10, 'Friday 2026-12-11 00:00 CET'],
    [11, 'Monday 2026-12-14 00:00 CET'],
    [12, 'Monday 2026-12-14 00:00 CET'],
    [13, 'Monday 2026-12-14 00:00 CET'],
  ])('next-weekday, run on 2026-12-%i, is the next Monday to Friday after today: %s', (day, expected) => {
    expect(dayStarting(startOfDay(NEXT_WEEKDAY, afternoonOf(day), 'Europe/Berlin'))).toBe(expected);
  });

  it("reads today on the scenario's clocks, not UTC's", () => {
    // Monday 00:30 in Berlin, still Sunday in UTC: today is Monday, so the next weekday is Tuesday.
    const now = new Date('2026-12-06T23:30:00Z');

    expect(startOfDay(NEXT_WEEKDAY, now, 'Europe/Berlin')).toEqual(new Date('2026-12-07T23:00:00Z'));
    expect(startOfDay(NEXT_WEEKDAY, now, 'UTC')).toEqual(new Date('2026-12-07T00:00:00Z'));
  });

  it('takes the named day after today, a week on when today is that day, and a date as it is, at midnight in the zone', () => {
    const sunday = afternoonOf(13);

    expect(startOfDay({ text: 'next-sunday', weekdays: [1] }, sunday, 'Europe/Berlin')).toEqual(new Date('2026-12-19T23:00:00Z'));
    expect(startOfDay({ text: 'next-monday', weekdays: [2] }, sunday, 'Europe/Berlin')).toEqual(new Date('2026-12-13T23:00:00Z'));
    const date = { text: '2026-03-29', date: { year: 2026, month: 3, day: 29 } };
    expect(startOfDay(date, sunday, 'America/New_York')).toEqual(new Date('2026-03-29T04:00:00Z'));
  });

  it("starts the window on the scenario's day unless --from is given, and says which chose it", () => {
    const scenario = { timezone: 'Europe/Berlin', day: NEXT_WEEKDAY };

    expect(sandboxWindow(automation, {}, afternoonOf(12), scenario)).toMatchObject({
      from: new Date('2026-12-13T23:00:00Z'),
      to: new Date('2026-12-14T23:00:00Z'),
      chosenBy: 'scenario-day',
    });
    expect(sandboxWindow(automation, { from: '2026-12-13' }, afternoonOf(12), scenario)).toMatchObject({
      from: new Date('2026-12-12T23:00:00Z'),
      chosenBy: 'from',
    });
  });

  it('knows whether a window starts on the day a scenario is told for', () => {
    // Sunday afternoon in Berlin and New York, already Monday in Tokyo.
    const sunday = new Date('2026-12-13T16:00:00Z');

    expect(startsOnDay(NEXT_WEEKDAY, sunday, 'Europe/Berlin')).toBe(false);
    expect(startsOnDay(NEXT_WEEKDAY, sunday, 'America/New_York')).toBe(false);
    expect(startsOnDay(NEXT_WEEKDAY, sunday, 'Asia/Tokyo')).toBe(true);
    expect(startsOnDay({ text: '2026-12-13', date: { year: 2026, month: 12, day: 13 } }, sunday, 'Europe/Berlin')).toBe(true);
  });

  it('notes when --from starts the window on another day than the scenario is told for', () => {
    expect(dayOverridden(NEXT_WEEKDAY, new Date('2026-12-12T23:00:00Z'), 'Europe/Berlin')).toEqual([
      "--from starts the window on Sunday 2026-12-13 00:00 CET, not on the scenario's day (next-weekday): what its description tells may not happen",
    ]);
    expect(dayOverridden(NEXT_WEEKDAY, new Date('2026-12-13T23:00:00Z'), 'Europe/Berlin')).toEqual([]);
  });

  it('pins the bundled demo to the next weekday', () => {
    const example = loadAutomationFile(fileURLToPath(new URL('../../automation.yml', import.meta.url)));
    const demo = loadScenarioFile(fileURLToPath(new URL('../../sandbox/scenarios/demo.yml', import.meta.url)), example);

    expect(demo.day).toEqual(NEXT_WEEKDAY);
  });
});

describe('planning a scenario', () => {
  it('delivers every firing of the jobs that are not suspended a few seconds after its time', () => {
    const { firings } = plan([]);

    expect(firings.filter((f) => f.job.name === 'hourly-sync')).toHaveLength(24);
    expect(firings.some((f) => f.job.name === 'legacy-export')).toBe(false);
    const nightly = firings.find((f) => f.job.name === 'nightly-report');
    expect(nightly?.scheduledTime).toEqual(new Date('2026-11-23T01:00:00Z'));
    expect(nightly?.deliverAt.getTime()).toBe(Date.parse('2026-11-23T01:00:00Z') + DELIVERY_DELAY_SECONDS * 1000);
  });

  it('moves a late firing and adds the duplicate after the (late) first delivery', () => {
    const { firings, problems } = plan([
      { kind: 'duplicate-delivery', job: 'nightly-report', after: '2m' },
      { kind: 'late-delivery', job: 'nightly-report', scheduledAt: '02:00', by: '15m' },
      { kind: 'late-delivery', job: 'hourly-sync', by: '5m' },
      { kind: 'late-delivery', job: 'hourly-sync', by: '6m' },
    ]);

    expect(problems).toEqual([]);
    const nightly = firings.find((f) => f.job.name === 'nightly-report');
    expect(nightly?.deliverAt).toEqual(new Date('2026-11-23T01:15:00Z'));
    expect(nightly?.duplicateAt).toEqual(new Date('2026-11-23T01:17:00Z'));
    const late = firings.filter((f) => f.job.name === 'hourly-sync' && f.lateBySeconds !== undefined);
    expect(late.map((f) => [f.scheduledTime.toISOString(), f.lateBySeconds])).toEqual([
      ['2026-11-22T23:00:00.000Z', 300],
      ['2026-11-23T00:00:00.000Z', 360],
    ]);
  });

  it('names the injection whose firing is not in the window, with the firings there are', () => {
    expect(
      plan([
        { kind: 'task-exits', job: 'nightly-report', scheduledAt: '03:00', after: '5m', exitCode: 0 },
        { kind: 'late-delivery', job: 'nightly-report', by: '5m' },
        { kind: 'late-delivery', job: 'nightly-report', by: '5m' },
        { kind: 'capacity-outage', capacityProvider: 'FARGATE', at: '2026-12-01T02:00:00Z' },
      ]).problems,
    ).toEqual([
      'injections.0.scheduledAt: nightly-report has no firing at 03:00 (Europe/Berlin) in the window (its firings: 02:00)',
      'injections.2.job: nightly-report has no further firing in the window',
      'injections.3.at: 2026-12-01T02:00:00Z (Europe/Berlin) is not inside the simulated window',
    ]);
  });

  it('names a watched-task crash that starts outside the window', () => {
    const planned = plan([
      { kind: 'watched-task-crashes', watchedTask: 'queue-worker', at: '21:00', after: '30s', exitCode: 1 },
      { kind: 'watched-task-crashes', watchedTask: 'queue-worker', at: '2026-12-01T21:00:00Z', after: '30s', exitCode: 1 },
    ]);

    expect(planned.cues.map((cue) => cue.at)).toEqual([new Date('2026-11-23T20:00:00Z')]);
    expect(planned.problems).toEqual(['injections.1.at: 2026-12-01T21:00:00Z (Europe/Berlin) is not inside the simulated window']);
  });

  it('plans the bundled demo scenario against the example automation.yml without problems', () => {
    const example = loadAutomationFile(fileURLToPath(new URL('../../automation.yml', import.meta.url)));
    const demo = loadScenarioFile(fileURLToPath(new URL('../../sandbox/scenarios/demo.yml', import.meta.url)), example);

    expect(planSimulation(example, demo, sandboxWindow(example, { from: FROM })).problems).toEqual([]);
  });
});

describe('which task-exits injection ends an attempt', () => {
  const NIGHT = '2026-11-23T01:00:00.000Z';
  const NEXT_NIGHT = '2026-11-24T01:00:00.000Z';
  const exitsOf = (injections: unknown[]) => plan(injections).exits;
  const run = (scheduledTime: string, attempt: number, job = 'nightly-report') => ({ job, scheduledTime, attempt });

  it('ends each attempt of the run it first ended, unless an injection names that attempt', () => {
    const exits = exitsOf([
      { kind: 'task-exits', job: 'nightly-report', after: '5m', category: 'app-error' },
      { kind: 'task-exits', job: 'nightly-report', attempt: 3, after: '20m', exitCode: 0 },
    ]);

    expect(exitForRun(exits, run(NIGHT, 1))?.index).toBe(0);
    expect(exitForRun(exits, run(NIGHT, 2))?.index).toBe(0);
    expect(exitForRun(exits, run(NIGHT, 3))?.index).toBe(1);
    expect(exitForRun(exits, run(NEXT_NIGHT, 1))).toBeUndefined();
    expect(exits.map((exit) => [exit.scheduledTime, exit.applied])).toEqual([
      [NIGHT, 2],
      [NIGHT, 1],
    ]);
  });

  it('prefers the firing an injection names, and leaves everyRun the runs nobody else names', () => {
    const exits = exitsOf([
      { kind: 'task-exits', job: 'hourly-sync', everyRun: true, after: '4m', exitCode: 0 },
      { kind: 'task-exits', job: 'hourly-sync', scheduledAt: '13:00', after: '2h', exitCode: 0 },
      { kind: 'task-exits', job: 'nightly-report', attempt: 2, after: '20m', exitCode: 0 },
    ]);

    expect(exitForRun(exits, run('2026-11-23T11:00:00.000Z', 1, 'hourly-sync'))?.index).toBe(0);
    expect(exitForRun(exits, run('2026-11-23T12:00:00.000Z', 1, 'hourly-sync'))?.index).toBe(1);
    expect(exitForRun(exits, run('2026-11-23T13:00:00.000Z', 1, 'hourly-sync'))?.index).toBe(0);
    expect(exitForRun(exits, run(NIGHT, 1))).toBeUndefined();
    expect(exitForRun(exits, run(NIGHT, 2))?.index).toBe(2);
    expect(exits[0]).toMatchObject({ scheduledTime: undefined, applied: 2 });
  });
});
