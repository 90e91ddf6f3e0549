/** `jobs` and `run --wait`, the pure parts: a job's state from its runs and suspension, its next firing, when a run is over. */
import { describe, expect, it } from 'vitest';
import { isOver, jobRows, jobState, nextFiring } from '../../cli/jobs.ts';
import { jobSpec, runRecord } from './fixtures.ts';

const NOW = new Date('2026-11-22T10:20:00Z');

describe('jobs: the state of a job', () => {
  it('says what holds a suspension (automation.yml, run time, both) and shows no next firing while one does', () => {
    const suspension = {
      job: 'nightly-report',
      suspended: true,
      suspendedAt: '2026-11-22T09:00:00.000Z',
      suspendedBy: 'cli:ana',
      version: 1,
    };
    const both = jobState(jobSpec({ suspended: true }), [], suspension, NOW);
    const neither = jobState(jobSpec(), [], { ...suspension, suspended: false }, NOW);

    expect(both).toMatchObject({
      nextFiring: null,
      suspended: { inConfig: true, atRunTime: { since: '2026-11-22T09:00:00.000Z', by: 'cli:ana', comment: null } },
    });
    expect(jobRows([both])[0]?.[4]).toBe('config, run time (cli:ana)');
    expect(neither).toMatchObject({ nextFiring: { utc: '2026-11-23T02:00:00.000Z' }, suspended: { atRunTime: null } });
  });

  it('takes what runs, the last outcome and the last success from the newest runs', () => {
    const runs = [
      runRecord({ scheduledTime: '2026-11-22T10:00:00.000Z', status: 'launched', manualId: 'fix-1' }),
      runRecord({ scheduledTime: '2026-11-22T02:00:00.000Z', status: 'failed', reason: 'app-error: exit 1' }),
      runRecord({ scheduledTime: '2026-11-21T02:00:00.000Z', status: 'succeeded', endedAt: '2026-11-21T02:30:00.000Z' }),
    ];

    expect(jobState(jobSpec(), runs, undefined, NOW)).toMatchObject({
      running: [{ scheduledTime: '2026-11-22T10:00:00.000Z', status: 'launched', manualId: 'fix-1' }],
      lastOutcome: { scheduledTime: '2026-11-22T02:00:00.000Z', status: 'failed', reason: 'app-error: exit 1' },
      lastSuccess: { scheduledTime: '2026-11-21T02:00:00.000Z', endedAt: '2026-11-21T02:30:00.000Z' },
    });
  });

  it("counts a rate schedule's next firing from its latest scheduled run, not a manual one, and knows none before its first run", () => {
    const job = jobSpec({ schedule: 'rate(2 hours)' });
    const runs = [
      runRecord({ scheduledTime: '2026-11-22T10:05:00.000Z', manualId: 'now' }),
      runRecord({ scheduledTime: '2026-11-22T08:17:00.000Z' }),
    ];

    expect(nextFiring(job, NOW, runs)?.toISOString()).toBe('2026-11-22T12:17:00.000Z');
    expect(nextFiring(job, NOW, [])).toBeUndefined();
  });
});

describe('run --wait: when a run is over', () => {
  it.each([
    ['succeeded', runRecord({ status: 'succeeded' }), true],
    ['failed for good', runRecord({ status: 'failed', retry: { willRetry: false, because: 'attempts spent' } }), true],
    [
      'failed with a retry to come',
      runRecord({ status: 'failed', retry: { willRetry: true, nextAttempt: 2, retryAt: '', because: '' } }),
      false,
    ],
    ['still launched', runRecord({ status: 'launched' }), false],
  ])('%s: %s', (_, run, over) => {
    expect(isOver(run)).toBe(over);
  });
});

describe('jobs: a run waiting for capacity', () => {
  it('is running, not the last outcome', () => {
    const runs = [
      runRecord({ scheduledTime: '2026-11-22T10:00:00.000Z', status: 'waiting-for-capacity' }),
      runRecord({ status: 'succeeded' }),
    ];

    expect(jobState(jobSpec(), runs, undefined, NOW)).toMatchObject({
      running: [{ status: 'waiting-for-capacity' }],
      lastOutcome: { status: 'succeeded' },
    });
  });
});
