import { describe, expect, it } from 'vitest';
import { freshnessWarnings } from '../../shared/config/freshness-warnings.ts';
import { validateAutomation } from '../../shared/config/load.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

function warningsOf(job: Record<string, unknown>): string[] {
  const automation = validateAutomation({ jobs: { report: { taskDefinition: 'report', cluster: 'batch', ...job } } });
  return freshnessWarnings(automation, NOW).map((warning) => warning.text);
}

describe('freshnessWarnings: an expectSuccessWithin that a healthy job would not meet', () => {
  it.each([
    { schedule: 'cron(0 2 * * ? *)', within: '26h' },
    { schedule: 'rate(1 hour)', within: '3h' },
    { schedule: 'cron(0 3 ? * MON *)', within: '8d' },
  ])('says nothing of $schedule within $within', ({ schedule, within }) => {
    expect(warningsOf({ schedule, expectSuccessWithin: within })).toEqual([]);
  });

  it('names the longest gap between two firings when the window is not longer, weekdays only over a weekend', () => {
    expect(warningsOf({ schedule: 'cron(0 2 ? * MON-FRI *)', expectSuccessWithin: '26h' })).toEqual([
      'jobs.report: expectSuccessWithin 1d2h is not longer than the 3d between two of its firings (2026-11-27T02:00:00.000Z and 2026-11-30T02:00:00.000Z): it alerts even when every run succeeds; make it longer than that gap plus a run',
    ]);
  });

  it('says a job that fires once is alerted a window after its run', () => {
    expect(warningsOf({ schedule: 'at(2026-12-01T02:00:00)', expectSuccessWithin: '1d' })).toEqual([
      'jobs.report: expectSuccessWithin 1d, but at(2026-12-01T02:00:00) fires once in the next 70 days: the job is alerted 1d after its last run',
    ]);
  });

  it('leaves out suspended jobs and jobs that expect nothing', () => {
    expect(warningsOf({ schedule: 'cron(0 2 ? * MON-FRI *)', expectSuccessWithin: '26h', suspended: true })).toEqual([]);
    expect(warningsOf({ schedule: 'cron(0 2 ? * MON-FRI *)' })).toEqual([]);
  });
});
