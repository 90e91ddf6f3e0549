/**
 * Mute windows: automation.yml's notifications.muteWindows as validate reads them, and when a window is
 * open and closes — wall-clock times in the window's zone, across the changes of the clocks.
 */
import { describe, expect, it } from 'vitest';
import { type MuteWindow, muteWindowHold, openMuteWindow } from '../../shared/alerts/mute-windows.ts';
import { parseAutomationText, validateAutomation } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { AlertBlock } from '../../shared/events/alert.ts';

const crashLoop: AlertBlock = { cluster: 'prod', subject: { kind: 'service', name: 'web' }, category: 'crash-loop', severity: 'critical' };
const nightly: AlertBlock = { cluster: 'batch', subject: { kind: 'job', name: 'nightly' }, category: 'app-error', severity: 'warning' };

function windows(muteWindows: unknown, defaults: Record<string, unknown> = {}): MuteWindow[] {
  return validateAutomation({ defaults, notifications: { muteWindows } }).notifications.muteWindows;
}

function problemsOf(muteWindows: unknown): string[] {
  try {
    validateAutomation({ notifications: { muteWindows } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the mute windows were accepted');
}

/** When `window` mutes `alert` at `at`, its close as ISO; undefined when it does not. */
function closes(window: MuteWindow[], at: string, alert: AlertBlock = crashLoop): string | undefined {
  return openMuteWindow(window, alert, new Date(at))?.closesAt.toISOString();
}

const maintenance = windows({ maintenance: { weekdays: ['monday-friday'], times: ['02:00-03:00'], timezone: 'Europe/Berlin' } });

describe('mute windows in automation.yml', () => {
  it('reads weekdays, times and the zone, with every alert muted when no matchers are named', () => {
    expect(maintenance).toEqual([
      { name: 'maintenance', weekdays: [2, 3, 4, 5, 6], times: [{ start: 120, end: 180 }], timezone: 'Europe/Berlin', matchers: [] },
    ]);
  });

  it("reads Alertmanager's spellings too, days of the month, months, matchers, and defaults.timezone for the zone", () => {
    const [window] = windows(
      {
        'month-end': {
          weekdays: ['saturday:sunday', 'Fri'],
          daysOfMonth: ['-7:-1', 1],
          months: ['november:january', 6],
          times: ['22:00-24:00', '00:00-06:00'],
          matchers: ['subject=job:ledger-close', 'severity!=critical'],
        },
      },
      { timezone: 'America/New_York' },
    );
    expect(window).toEqual({
      name: 'month-end',
      weekdays: [1, 6, 7],
      daysOfMonth: [
        { from: -7, to: -1 },
        { from: 1, to: 1 },
      ],
      months: [1, 6, 11, 12],
      times: [
        { start: 22 * 60, end: 24 * 60 },
        { start: 0, end: 6 * 60 },
      ],
      timezone: 'America/New_York',
      matchers: [
        { label: 'subject', operator: '=', value: 'job:ledger-close' },
        { label: 'severity', operator: '!=', value: 'critical' },
      ],
    });
  });

  it('takes the zone of UTC when none is named anywhere, and no windows when the field is left out', () => {
    expect(windows({ nights: { times: ['22:00-06:00'] } })[0]?.timezone).toBe('UTC');
    expect(parseAutomationText('notifications: {}\n').notifications.muteWindows).toEqual([]);
    expect(parseAutomationText('jobs: {}\n').notifications.muteWindows ?? []).toEqual([]);
  });

  it.each([
    [
      { w: { weekdays: ['mondy'] } },
      /notifications\.muteWindows\.w\.weekdays\.0: "mondy" is not a weekday: write e\.g\. monday, monday:friday/,
    ],
    [{ w: { weekdays: ['monday:friday:sunday'] } }, /is not a weekday/],
    [{ w: { months: ['13'] } }, /"13" is not a month/],
    [{ w: { times: ['2:00-3:00'] } }, /"2:00-3:00" is not a time range: write "HH:MM-HH:MM"/],
    [{ w: { times: ['02:00'] } }, /"02:00" is not a time range/],
    [{ w: { times: ['25:00-26:00'] } }, /is not a time range/],
    [{ w: { times: ['03:00-03:00'] } }, /"03:00-03:00" is empty: leave times out for whole days/],
    [{ w: { times: ['00:00-24:00'] } }, /is the whole day: leave times out/],
    [{ w: { daysOfMonth: [0] } }, /0 is not a day of the month/],
    [{ w: { daysOfMonth: ['32'] } }, /"32" is not a day of the month/],
    [{ w: { daysOfMonth: ['7:1'] } }, /"7:1": a range of days goes from the earlier to the later day/],
    [{ w: { times: ['02:00-03:00'], timezone: 'Europe/Berln' } }, /unknown time zone "Europe\/Berln"/],
    [{ w: { times: ['02:00-03:00'], matchers: ['clustr=prod'] } }, /unknown label "clustr"/],
    [{ w: { times: ['02:00-03:00'], matchers: ['category=~"("'] } }, /not a regular expression/],
    [{ w: { matchers: ['cluster=prod'] } }, /would always be open: say when it is open/],
    [{ w: { times: ['02:00-03:00'], every: 'day' } }, /every/],
  ])('refuses %j', (value, problem) => {
    expect(problemsOf(value).join('\n')).toMatch(problem);
  });
});

describe('when a mute window is open', () => {
  it('is open on its weekdays in its times, by the wall clock of its zone, and says when it closes', () => {
    // Monday 7 December 2026, CET (UTC+1): 02:00-03:00 is 01:00Z-02:00Z.
    expect(closes(maintenance, '2026-12-07T00:59:59Z')).toBeUndefined();
    expect(closes(maintenance, '2026-12-07T01:00:00Z')).toBe('2026-12-07T02:00:00.000Z');
    expect(closes(maintenance, '2026-12-07T01:59:59Z')).toBe('2026-12-07T02:00:00.000Z');
    expect(closes(maintenance, '2026-12-07T02:00:00Z')).toBeUndefined();
    // Saturday and Sunday are not named.
    expect(closes(maintenance, '2026-12-05T01:30:00Z')).toBeUndefined();
    expect(closes(maintenance, '2026-12-06T01:30:00Z')).toBeUndefined();
  });

  it('follows the wall clock through daylight saving time: 02:00 in Berlin is 00:00Z in summer', () => {
    // Monday 6 July 2026, CEST (UTC+2).
    expect(closes(maintenance, '2026-07-06T00:30:00Z')).toBe('2026-07-06T01:00:00.000Z');
    expect(closes(maintenance, '2026-07-06T01:30:00Z')).toBeUndefined();
  });

  it('mutes the hour the clocks go back twice, and not the hour they skip', () => {
    const daily = windows({ nightly: { times: ['02:00-03:00'], timezone: 'Europe/Berlin' } });
    // Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:00-03:00 lasts from 00:00Z to 02:00Z.
    expect(closes(daily, '2026-10-25T00:15:00Z')).toBe('2026-10-25T02:00:00.000Z');
    expect(closes(daily, '2026-10-25T01:15:00Z')).toBe('2026-10-25T02:00:00.000Z');
    expect(closes(daily, '2026-10-25T02:00:00Z')).toBeUndefined();
    // Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00Z; no instant reads 02:xx.
    for (const at of ['2026-03-29T00:30:00Z', '2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-03-29T01:30:00Z']) {
      expect(closes(daily, at)).toBeUndefined();
    }
  });

  it('closes at the jump when the clocks go forward over the end of its range', () => {
    const early = windows({ early: { times: ['01:00-02:30'], timezone: 'Europe/Berlin' } });
    // 01:30 CET on 29 March 2026 is 00:30Z; at 01:00Z the clocks read 03:00 and 02:30 never comes.
    expect(closes(early, '2026-03-29T00:30:00Z')).toBe('2026-03-29T01:00:00.000Z');
  });

  it('crosses midnight into the next day, counting the day it starts on', () => {
    const fridayNights = windows({ fridays: { weekdays: ['friday'], times: ['22:00-02:00'] } });
    // Friday 11 December 2026, UTC.
    expect(closes(fridayNights, '2026-12-11T21:59:00Z')).toBeUndefined();
    expect(closes(fridayNights, '2026-12-11T22:00:00Z')).toBe('2026-12-12T02:00:00.000Z');
    expect(closes(fridayNights, '2026-12-12T01:59:00Z')).toBe('2026-12-12T02:00:00.000Z');
    expect(closes(fridayNights, '2026-12-12T02:00:00Z')).toBeUndefined();
    // Saturday 22:00 starts no window; Friday 00:30 ends the window of Thursday, which is not named.
    expect(closes(fridayNights, '2026-12-12T22:30:00Z')).toBeUndefined();
    expect(closes(fridayNights, '2026-12-11T00:30:00Z')).toBeUndefined();
  });

  it('closes at the end of an open stretch: whole weekend days, ranges that meet at midnight', () => {
    const weekend = windows({ weekend: { weekdays: ['saturday:sunday'], timezone: 'Europe/Berlin' } });
    // Saturday 12 December 2026 10:00 CET, until Monday 00:00 CET.
    expect(closes(weekend, '2026-12-12T09:00:00Z')).toBe('2026-12-13T23:00:00.000Z');
    const nights = windows({ nights: { times: ['22:00-24:00', '00:00-06:00'] } });
    expect(closes(nights, '2026-12-12T23:00:00Z')).toBe('2026-12-13T06:00:00.000Z');
  });

  it('reads days of the month from the end, for the month at hand', () => {
    const lastDay = windows({ 'last-day': { daysOfMonth: ['-1'], times: ['20:00-23:00'] } });
    expect(closes(lastDay, '2027-02-28T21:00:00Z')).toBe('2027-02-28T23:00:00.000Z');
    expect(closes(lastDay, '2028-02-28T21:00:00Z')).toBeUndefined();
    expect(closes(lastDay, '2028-02-29T21:00:00Z')).toBe('2028-02-29T23:00:00.000Z');
    const december = windows({ december: { months: ['december'], daysOfMonth: ['24:26'] } });
    expect(closes(december, '2026-12-25T12:00:00Z')).toBe('2026-12-27T00:00:00.000Z');
    expect(closes(december, '2026-11-25T12:00:00Z')).toBeUndefined();
  });

  it('mutes only the alerts its matchers select, and holds a message as muted by its name until it closes', async () => {
    const prodOnly = windows({ deploys: { times: ['02:00-03:00'], matchers: ['cluster=prod', 'category=~"crash-loop|app-error"'] } });
    expect(closes(prodOnly, '2026-12-07T02:30:00Z', crashLoop)).toBe('2026-12-07T03:00:00.000Z');
    expect(closes(prodOnly, '2026-12-07T02:30:00Z', nightly)).toBeUndefined();
    const hold = muteWindowHold(prodOnly);
    const subject = { groupKey: 'prod|service:web|crash-loop', alert: crashLoop, status: 'firing' as const };
    expect(await hold(subject, new Date('2026-12-07T02:30:00Z'))).toEqual({
      kind: 'muted',
      by: 'deploys',
      until: '2026-12-07T03:00:00.000Z',
    });
    expect(await hold(subject, new Date('2026-12-07T03:00:00Z'))).toBeUndefined();
  });
});
