/**
 * Schedules that never fire (issue 12). A cron that names no date at all (31 February) is refused: it can
 * never fire, whatever the day. What depends on the clock or on a daylight-saving gap is a warning of
 * `validate`: the schema also runs when the stack is packaged, and a file valid yesterday must stay valid.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../cli/validate.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { scheduleWarnings } from '../../shared/config/schedule-warnings.ts';
import { checkAutomation } from '../../shared/config/validate.ts';

const NOW = new Date('2026-12-05T18:00:00Z');
const jobWith = (schedule: string, timezone = 'Europe/Berlin') => ({ schedule, timezone, taskDefinition: 'sync', cluster: 'batch' });
const problemsOf = (config: unknown) => {
  const check = checkAutomation(config);
  return check.ok ? [] : check.problems.map((problem) => problem.text);
};
const warningsOf = (jobs: Record<string, ReturnType<typeof jobWith>>) =>
  scheduleWarnings(validateAutomation({ jobs }), NOW).map((warning) => warning.text);

describe('validate refuses a cron that names no date', () => {
  it.each([
    ['cron(0 2 31 2 ? *)', 'FEB has at most 29 days'],
    ['cron(0 0 30 2 ? *)', 'FEB has at most 29 days'],
    ['cron(0 0 31 4,6,9,11 ? *)', 'APR, JUN, SEP and NOV have at most 30 days'],
    ['cron(0 0 29 2 ? 2027)', 'FEB has at most 28 days in 2027'],
    ['cron(0 0 ? 2 MON#5 2027)', 'no day of FEB in 2027 matches its day fields'],
  ])('%s', (schedule, why) => {
    expect(problemsOf({ jobs: { sync: jobWith(schedule) } })).toEqual([
      `jobs.sync.schedule: ${schedule} never fires: ${why}; name a day that exists`,
    ]);
  });

  it('in a scaling override too', () => {
    const overrides = { sale: { schedule: 'cron(0 8 31 11 ? *)', for: '1d', min: 4, max: 8 } };

    expect(problemsOf({ services: { web: { cluster: 'web', scaling: { overrides } } } })).toEqual([
      expect.stringMatching(
        /^services\.web\.scaling\.overrides\.sale\.schedule: cron\(0 8 31 11 \? \*\) never fires: NOV has at most 30 days/,
      ),
    ]);
  });

  it('takes what some year or month does hold: 29 February, the 31st of some months, a fifth Monday, the last day', () => {
    for (const schedule of [
      'cron(0 0 29 2 ? *)',
      'cron(0 0 31 1-12 ? *)',
      'cron(0 0 ? 2 MON#5 *)',
      'cron(0 0 L 2 ? *)',
      'cron(0 0 30 2,3 ? *)',
    ]) {
      expect(problemsOf({ jobs: { sync: jobWith(schedule) } })).toEqual([]);
    }
  });
});

describe('validate warns of a schedule that will not fire again', () => {
  it('an at() in the past: Scheduler never fires it', () => {
    expect(warningsOf({ once: jobWith('at(2026-01-15T09:00:00)') })).toEqual([
      'jobs.once: at(2026-01-15T09:00:00) is past (2026-01-15 09:00 CET, now 2026-12-05 19:00 CET): it never fires; give a time to come, or remove the job',
    ]);
  });

  it('an at() in the daylight-saving gap of its zone: the local time does not exist, and Scheduler skips it', () => {
    expect(warningsOf({ once: jobWith('at(2027-03-28T02:30:00)') })).toEqual([
      'jobs.once: at(2027-03-28T02:30:00): 02:30 does not exist in Europe/Berlin on 2027-03-28 (the clocks go from 02:00 to 03:00): EventBridge Scheduler skips a local time that does not exist, so this one-time schedule never fires; write a time outside the gap',
    ]);
  });

  it('a cron whose years are all past', () => {
    expect(warningsOf({ yearly: jobWith('cron(0 0 1 1 ? 2020-2025)') })).toEqual([
      'jobs.yearly: cron(0 0 1 1 ? 2020-2025) fires no more: its years end with 2025, and none of its times is left after now (2026-12-05 19:00 CET); give it years to come, or remove the job',
    ]);
  });

  it('a cron whose last firing this year has passed', () => {
    expect(warningsOf({ spring: jobWith('cron(0 0 1 3 ? 2026)') })).toEqual([
      'jobs.spring: cron(0 0 1 3 ? 2026) fires no more: its years end with 2026, and none of its times is left after now (2026-12-05 19:00 CET); give it years to come, or remove the job',
    ]);
  });

  it('says nothing of schedules to come, rate(), or suspended jobs', () => {
    expect(
      warningsOf({
        soon: jobWith('at(2026-12-24T18:00:00)'),
        nightly: jobWith('cron(0 2 * * ? *)'),
        hourly: jobWith('rate(1 hour)'),
        thisYear: jobWith('cron(0 0 31 12 ? 2026)'),
        paused: { ...jobWith('at(2020-01-01T00:00:00)'), suspended: true } as ReturnType<typeof jobWith>,
      }),
    ).toEqual([]);
  });

  it('validate prints them as warnings and still exits 0; --json lists them in warnings', () => {
    const file = join(tmpdir(), `automation-never-fires-${process.pid}.yml`);
    writeFileSync(
      file,
      'jobs:\n  once: { schedule: at(2026-01-15T09:00:00), timezone: Europe/Berlin, taskDefinition: sync, cluster: batch }\n',
    );
    const err: string[] = [];
    const out: string[] = [];

    expect(validateCommand(file, { out: (line) => out.push(line), err: (line) => err.push(line) }, false, NOW)).toBe(0);
    expect(err).toEqual([expect.stringMatching(/^warning: jobs\.once: at\(2026-01-15T09:00:00\) is past/)]);
    out.length = 0;
    expect(validateCommand(file, { out: (line) => out.push(line), err: () => {} }, true, NOW)).toBe(0);
    expect(JSON.parse(out[0] ?? '{}').warnings).toEqual([expect.stringMatching(/^jobs\.once: at\(2026-01-15T09:00:00\) is past/)]);
  });

  it('an at() in the gap within the 12 months validate looks at is said once, not also as a skipped daylight-saving time', () => {
    const file = join(tmpdir(), `automation-gap-${process.pid}.yml`);
    writeFileSync(
      file,
      'jobs:\n  once: { schedule: at(2027-03-28T02:30:00), timezone: Europe/Berlin, taskDefinition: sync, cluster: batch }\n',
    );
    const err: string[] = [];

    expect(validateCommand(file, { out: () => {}, err: (line) => err.push(line) }, false, NOW)).toBe(0);
    expect(err).toEqual([expect.stringMatching(/^warning: jobs\.once: at\(2027-03-28T02:30:00\): 02:30 does not exist in Europe\/Berlin/)]);
  });
});
