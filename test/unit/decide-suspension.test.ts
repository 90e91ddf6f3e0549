/**
 * Suspension at run time, manual runs and catch-up, as decideFiring and decideCatchUp decide them: a
 * suspended job's firing is recorded skipped (never launched, never alerting), a catch-up launches the
 * firing its suspension skipped once, a manual run carries its id and arms no firing check.
 */
import { describe, expect, it } from 'vitest';
import { validateAutomation } from '../../shared/config/load.ts';
import { decideCatchUp, latestMissableFiring } from '../../shared/jobs/catch-up.ts';
import { decideFiring, skipsInARowBefore } from '../../shared/jobs/decide.ts';
import type { RunRecord } from '../../shared/jobs/run-record.ts';
import { parseFiring } from '../../shared/jobs/trigger.ts';
import { firingFacts, JOB_NAME, jobSpec, runRecord, SCHEDULED_TIME } from './fixtures.ts';

const SUSPENSION = { suspendedAt: '2026-11-21T18:00:00.000Z', suspendedBy: 'cli:ana', comment: 'upstream migration' };

function runOf(decision: ReturnType<typeof decideFiring>): RunRecord {
  if (!('run' in decision)) throw new Error(`${decision.kind} decides no run`);
  return decision.run;
}

describe('decideFiring: a job suspended at run time', () => {
  it('records a new firing skipped for the suspension, announced without an alert, even when the job alerts on skips', () => {
    const decision = decideFiring(firingFacts({ job: jobSpec({ alertOn: { skipped: 1 } }), suspension: SUSPENSION }));

    expect(decision.kind).toBe('skipped');
    const run = runOf(decision);
    expect(run).toMatchObject({
      status: 'skipped',
      skippedFor: 'suspension',
      reason: 'the job is suspended (since 2026-11-21T18:00:00.000Z by cli:ana: upstream migration)',
      outbox: [{ kind: 'publish', event: { detailType: 'Job Run Skipped' } }],
    });
    expect(run.outbox[0]?.kind === 'publish' && run.outbox[0].event.detail.alert).toBeUndefined();
    expect(run.outbox.some((action) => action.kind === 'run-task')).toBe(false);
  });

  it("lets a retry of a run that failed before the suspension and a manual run go on (the CLI refuses a suspended job's manual run)", () => {
    expect(
      decideFiring(firingFacts({ firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 2 }, suspension: SUSPENSION })).kind,
    ).toBe('launch');
    const manual = firingFacts({
      firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 1, manualId: 'fix-1' },
      suspension: SUSPENSION,
    });
    expect(decideFiring(manual).kind).toBe('launch');
  });

  it('neither counts a suspension skip towards alertOn.skipped nor lets it end a streak', () => {
    const recent = [
      runRecord({ scheduledTime: '2026-11-22T01:00:00.000Z', status: 'skipped', skippedFor: 'suspension' }),
      runRecord({ scheduledTime: '2026-11-22T00:00:00.000Z', status: 'skipped' }),
      runRecord({ scheduledTime: '2026-11-21T23:00:00.000Z', status: 'succeeded' }),
    ];

    expect(skipsInARowBefore(SCHEDULED_TIME, recent)).toBe(1);
  });
});

describe('decideFiring: catch-up and manual runs', () => {
  const skippedForSuspension = runRecord({ status: 'skipped', skippedFor: 'suspension', eventPublished: true, version: 2 });

  it('launches the firing its suspension skipped, in place of that record (its version), once the suspension has ended', () => {
    const decision = decideFiring(
      firingFacts({ firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 1, catchUp: true }, existing: skippedForSuspension }),
    );

    expect(decision.kind).toBe('launch');
    expect(runOf(decision)).toMatchObject({ status: 'launching', catchUp: true, version: 2 });
  });

  it('is a duplicate once the catch-up launched, and launches nothing while the job is still suspended', () => {
    const catchUp = { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 1, catchUp: true };
    const launched = runRecord({ status: 'launched', catchUp: true, eventPublished: true });

    expect(decideFiring(firingFacts({ firing: catchUp, existing: launched })).kind).toBe('duplicate');
    expect(decideFiring(firingFacts({ firing: catchUp, existing: skippedForSuspension, suspension: SUSPENSION })).kind).toBe('duplicate');
  });

  it('never relaunches a firing skipped for another reason (concurrency forbid)', () => {
    const skipped = runRecord({ status: 'skipped', eventPublished: true });
    const decision = decideFiring(
      firingFacts({ firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 1, catchUp: true }, existing: skipped }),
    );

    expect(decision.kind).toBe('duplicate');
  });

  it('records a manual run with its id and arms no expectSuccessWithin check of a firing', () => {
    const job = jobSpec({ expectSuccessWithin: '26h' });
    const scheduled = runOf(decideFiring(firingFacts({ job })));
    const manual = runOf(
      decideFiring(firingFacts({ job, firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 1, manualId: 'fix-1' } })),
    );

    expect(scheduled.outbox.filter((action) => action.kind === 'set-timer')).toHaveLength(1);
    expect(manual.manualId).toBe('fix-1');
    expect(manual.outbox.filter((action) => action.kind === 'set-timer')).toEqual([]);
  });

  it('parses a firing with a manual id and refuses an id no schedule name could hold', () => {
    expect(parseFiring({ job: JOB_NAME, scheduledTime: SCHEDULED_TIME, manualId: 'fix-1' })).toMatchObject({ manualId: 'fix-1' });
    expect(() => parseFiring({ job: JOB_NAME, scheduledTime: SCHEDULED_TIME, manualId: 'a b' })).toThrow(
      /manualId: expected a manual run id/,
    );
  });
});

describe('decideCatchUp', () => {
  const hourly = (fields = {}) =>
    jobSpec({ schedule: 'cron(0 * * * ? *)', catchUp: 'latest', startingDeadline: '3h', ...fields }, { timezone: 'UTC' });
  const span = { suspendedAt: new Date('2026-11-22T01:30:00Z'), unsuspendedAt: new Date('2026-11-22T06:10:00Z') };

  it('takes the latest firing the schedule named during the suspension, within startingDeadline of the unsuspend', () => {
    expect(decideCatchUp({ job: hourly(), ...span, runs: [] })).toEqual({
      kind: 'catch-up',
      scheduledTime: '2026-11-22T06:00:00.000Z',
      missed: 3,
    });
  });

  it('takes a rate schedule’s firings from the runs its suspension skipped', () => {
    const job = hourly({ schedule: 'rate(2 hours)' });
    const runs = [
      runRecord({ scheduledTime: '2026-11-22T03:17:00.000Z', status: 'skipped', skippedFor: 'suspension' }),
      runRecord({ scheduledTime: '2026-11-22T05:17:00.000Z', status: 'skipped', skippedFor: 'suspension' }),
      runRecord({ scheduledTime: '2026-11-22T05:47:00.000Z', status: 'skipped' }),
    ];

    expect(decideCatchUp({ job, ...span, runs })).toMatchObject({ kind: 'catch-up', scheduledTime: '2026-11-22T05:17:00.000Z' });
  });

  it.each([
    ['catchUp none', { catchUp: 'none' }, /catchUp is none/],
    ['a job still suspended in automation.yml', { suspended: true }, /still suspended in automation.yml/],
    ['no firing within startingDeadline', { startingDeadline: '5m' }, /no firing was missed within the startingDeadline of 5m/],
  ])('launches nothing for %s', (_, fields, reason) => {
    const decision = decideCatchUp({ job: hourly(fields), ...span, runs: [] });

    expect(decision.kind).toBe('none');
    expect(decision.kind === 'none' && decision.reason).toMatch(reason);
  });
});

describe('catchUp in automation.yml', () => {
  it('refuses catchUp: latest without a startingDeadline, and takes it from defaults', () => {
    expect(() => jobSpec({ catchUp: 'latest' })).toThrow(/catchUp: latest needs a startingDeadline/);
    expect(jobSpec({ startingDeadline: '1h' }, { catchUp: 'latest' }).catchUp).toBe('latest');
  });
});

describe('expectSuccessWithin and a suspension at run time', () => {
  it('arms no firing check for a firing skipped for the suspension', () => {
    const decision = decideFiring(firingFacts({ job: jobSpec({ expectSuccessWithin: '26h' }), suspension: SUSPENSION }));

    expect(runOf(decision).outbox.map((action) => action.kind)).toEqual(['publish']);
  });
});

describe('latestMissableFiring: the firing the watchdog catches up', () => {
  const job = (fields = {}) => jobSpec({ schedule: 'cron(0 * * * ? *)', catchUp: 'latest', startingDeadline: '2h', ...fields });

  it('is the latest firing at least 5 minutes old and within startingDeadline', () => {
    expect(latestMissableFiring(job(), new Date('2026-11-22T10:04:00Z'))).toBe('2026-11-22T09:00:00.000Z');
    expect(latestMissableFiring(job(), new Date('2026-11-22T10:05:00Z'))).toBe('2026-11-22T10:00:00.000Z');
  });

  it.each([
    ['catchUp none', { catchUp: 'none' }],
    ['a rate schedule', { schedule: 'rate(1 hour)' }],
    ['a job suspended in automation.yml', { suspended: true }],
    ['a startingDeadline shorter than the 5 minutes a delivery may take', { startingDeadline: '4m' }],
  ])('is none for %s', (_, fields) => {
    expect(latestMissableFiring(job(fields), new Date('2026-11-22T10:20:00Z'))).toBeUndefined();
  });
});

describe('catchUp and chained jobs', () => {
  it('refuses catchUp on a chained job, and a chained job takes none from defaults', () => {
    const config = (extract: Record<string, unknown>, defaults: Record<string, unknown> = {}) => ({
      defaults: { cluster: 'c', launchType: 'EC2', ...defaults },
      jobs: {
        load: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'load', startingDeadline: '1h' },
        extract: { after: ['load'], taskDefinition: 'extract', ...extract },
      },
    });

    expect(() => validateAutomation(config({ catchUp: 'latest' }))).toThrow(
      /jobs\.extract\.catchUp: a chained job \(after\) catches up with its upstreams/,
    );
    const resolved = validateAutomation(config({}, { catchUp: 'latest', startingDeadline: '1h' }));
    expect([resolved.jobs.load?.catchUp, resolved.jobs.extract?.catchUp]).toEqual(['latest', 'none']);
  });
});
