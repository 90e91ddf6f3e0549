/**
 * Chains of jobs (issue 15 §3), the decisions: what validate refuses, how a chained job resolves, how an
 * upstream's run counts as ended, what a chained job does once all its upstreams have, the skip it is
 * recorded with, the event that tells run-batch-job, and the rule and plan lines that follow.
 */
import { describe, expect, it } from 'vitest';
import { chainedStart, planFirings } from '../../cli/plan.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { AutomationInput } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { JOB_RUN_DETAIL_TYPES } from '../../shared/events/bus.ts';
import { matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { chainProblems, decideChained, downstreamOf, rootsOf, type UpstreamEnd, upstreamEndOf } from '../../shared/jobs/chains.ts';
import { decideFiring } from '../../shared/jobs/decide.ts';
import type { JobRuntime } from '../../shared/jobs/runtime.ts';
import { chainEventPattern, isBusEvent, parseUpstreamEnded } from '../../shared/jobs/trigger.ts';
import { eventRules } from '../../shared/stack/event-rules.ts';
import { firingFacts, runRecord, SCHEDULED_TIME } from './fixtures.ts';

const BASE = { taskDefinition: 'etl', cluster: 'etl' };

/** extract (scheduled) → transform → load, and report after load whatever happened. */
function chain(extra: NonNullable<AutomationInput['jobs']> = {}) {
  return validateAutomation({
    defaults: { timezone: 'Europe/Berlin' },
    jobs: {
      extract: { ...BASE, schedule: 'cron(0 2 * * ? *)' },
      transform: { ...BASE, after: ['extract'] },
      load: { ...BASE, after: ['transform'] },
      report: { ...BASE, after: ['load'], onUpstreamFailure: 'run' },
      ...extra,
    },
  });
}

function problemsOf(jobs: NonNullable<AutomationInput['jobs']>): string[] {
  try {
    validateAutomation({ jobs });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('validate: chains', () => {
  it('refuses an upstream that is not a job, naming the jobs there are', () => {
    expect(problemsOf({ a: { ...BASE, schedule: 'rate(1 hour)' }, b: { ...BASE, after: ['nope'] } })).toEqual([
      'jobs.b.after: nope is not a job (jobs: a, b)',
    ]);
  });

  it('refuses a job after itself', () => {
    expect(problemsOf({ a: { ...BASE, schedule: 'rate(1 hour)' }, b: { ...BASE, after: ['a', 'b'] } })).toEqual([
      'jobs.b.after: b cannot run after itself',
    ]);
  });

  it('refuses a cycle, naming it in order, once', () => {
    const problems = problemsOf({
      root: { ...BASE, schedule: 'rate(1 hour)' },
      a: { ...BASE, after: ['c'] },
      b: { ...BASE, after: ['a'] },
      c: { ...BASE, after: ['b', 'root'] },
    });

    expect(problems).toEqual(['jobs.a.after: the jobs run after each other in a cycle: a → c → b → a']);
  });

  it('refuses a job with both a schedule and upstreams, and one with neither', () => {
    expect(
      problemsOf({
        a: { ...BASE, schedule: 'rate(1 hour)' },
        b: { ...BASE, schedule: 'rate(1 hour)', after: ['a'] },
        c: { ...BASE },
      }),
    ).toEqual([
      'jobs.b.schedule: a job runs on its schedule or after other jobs, not both: remove schedule (it fires when its upstreams end)',
      'jobs.c.schedule: missing: give the job a schedule, or after: [jobs] to chain it',
    ]);
  });

  it('refuses onUpstreamFailure on a scheduled job, and startingDeadline on a chained one', () => {
    expect(
      problemsOf({
        a: { ...BASE, schedule: 'rate(1 hour)', onUpstreamFailure: 'run' },
        b: { ...BASE, after: ['a'], startingDeadline: '10m' },
      }),
    ).toEqual([
      'jobs.a.onUpstreamFailure: only a chained job (after: [jobs]) has upstreams',
      'jobs.b.startingDeadline: a chained job starts when its upstreams end, however late that is: startingDeadline does not apply',
    ]);
  });

  it('refuses upstreams that fire on different schedules (a period would never have both)', () => {
    expect(
      problemsOf({
        a: { ...BASE, schedule: 'cron(0 2 * * ? *)' },
        x: { ...BASE, schedule: 'cron(0 3 * * ? *)' },
        b: { ...BASE, after: ['a', 'x'] },
      }),
    ).toEqual([
      'jobs.b.after: its upstreams fire on different schedules (a: cron(0 2 * * ? *) UTC; x: cron(0 3 * * ? *) UTC); a chained job runs once per firing of its chain, so they must share one',
    ]);
  });

  it('takes a chain of N jobs: each fires with the chain (its schedule and zone), without a starting deadline', () => {
    const automation = validateAutomation({
      defaults: { startingDeadline: '10m' },
      jobs: {
        extract: { ...BASE, schedule: 'cron(0 2 * * ? *)', timezone: 'Europe/Berlin' },
        transform: { ...BASE, after: ['extract'] },
        load: { ...BASE, after: ['transform'] },
      },
    });

    expect(automation.jobs.load).toMatchObject({
      after: ['transform'],
      onUpstreamFailure: 'skip',
      schedule: 'cron(0 2 * * ? *)',
      timezone: 'Europe/Berlin',
      startingDeadlineSeconds: undefined,
    });
    expect(automation.jobs.extract).toMatchObject({ after: [], startingDeadlineSeconds: 600 });
    expect(rootsOf('load', automation.jobs)).toEqual(['extract']);
    expect(downstreamOf('transform', automation.jobs).map((job) => job.name)).toEqual(['load']);
  });

  it('chainProblems is quiet on a diamond (two paths to one root)', () => {
    const jobs = { a: { schedule: 'rate(1 hour)' }, b: { after: ['a'] }, c: { after: ['a'] }, d: { after: ['b', 'c'] } };

    expect(chainProblems(jobs, 'UTC')).toEqual([]);
  });
});

describe('upstreamEndOf: when an upstream run has ended for its downstream jobs', () => {
  it.each([
    ['succeeded', {}, { kind: 'succeeded' }],
    ['failed', { retry: { willRetry: false, because: 'no attempts left' } }, { kind: 'failed', reason: 'extract failed (app-error)' }],
    ['timed-out', {}, { kind: 'failed', reason: 'extract timed-out (app-error)' }],
    ['skipped', {}, { kind: 'failed', reason: 'extract was skipped (app-error)' }],
    ['missed', {}, { kind: 'failed', reason: 'extract was missed (app-error)' }],
  ] as const)('%s', (status, fields, end) => {
    expect(upstreamEndOf(runRecord({ job: 'extract', status, reason: 'app-error', ...fields }))).toEqual(end);
  });

  it('not while it runs, nor when it failed with another attempt to come, nor without a run', () => {
    const retrying = runRecord({ status: 'failed', retry: { willRetry: true, nextAttempt: 2, retryAt: SCHEDULED_TIME, because: 'x' } });

    expect(upstreamEndOf(runRecord({ status: 'launched' }))).toBeUndefined();
    expect(upstreamEndOf(retrying)).toBeUndefined();
    expect(upstreamEndOf(undefined)).toBeUndefined();
  });
});

describe('decideChained: once every upstream has ended', () => {
  const automation = validateAutomation({
    jobs: {
      a: { ...BASE, schedule: 'rate(1 hour)' },
      x: { ...BASE, schedule: 'rate(1 hour)' },
      skips: { ...BASE, after: ['a', 'x'] },
      runs: { ...BASE, after: ['a', 'x'], onUpstreamFailure: 'run' },
      paused: { ...BASE, after: ['a'], suspended: true },
    },
  });
  const jobOf = (name: string) => {
    const job = automation.jobs[name];
    if (!job) throw new Error(`no job ${name}`);
    return job;
  };
  const [skips, runs, paused] = [jobOf('skips'), jobOf('runs'), jobOf('paused')];
  const ok: UpstreamEnd = { kind: 'succeeded' };
  const failed: UpstreamEnd = { kind: 'failed', reason: 'x failed (app-error)' };

  it('waits while an upstream has not ended, naming it', () => {
    expect(decideChained(skips, { a: ok, x: undefined })).toEqual({ kind: 'wait', reason: 'waiting for x to end for the period' });
  });

  it('runs when all succeeded', () => {
    expect(decideChained(skips, { a: ok, x: ok })).toEqual({ kind: 'run', reason: 'after a, x succeeded' });
  });

  it('is skipped, with why, when one did not succeed (onUpstreamFailure: skip)', () => {
    expect(decideChained(skips, { a: ok, x: failed })).toEqual({ kind: 'skip', reason: 'upstream x failed (app-error)' });
  });

  it('runs anyway under onUpstreamFailure: run, once all have ended', () => {
    expect(decideChained(runs, { a: undefined, x: failed }).kind).toBe('wait');
    expect(decideChained(runs, { a: ok, x: failed })).toEqual({
      kind: 'run',
      reason: 'upstream x failed (app-error), and onUpstreamFailure is run',
    });
  });

  it('does nothing for a suspended job', () => {
    expect(decideChained(paused, { a: ok })).toEqual({ kind: 'ignore', reason: 'paused is suspended' });
  });
});

describe('decideFiring: a chained job skipped for its upstream', () => {
  it('records the run skipped with the reason and announces it, without an alert', () => {
    const decision = decideFiring(firingFacts({ upstreamSkip: 'upstream extract failed (app-error)' }));

    expect(decision.kind).toBe('skipped');
    const run = 'run' in decision ? decision.run : undefined;
    expect(run).toMatchObject({ status: 'skipped', reason: 'upstream extract failed (app-error)', version: 0 });
    const publish = run?.outbox.find((action) => action.kind === 'publish');
    expect(publish?.kind === 'publish' && publish.event.detailType).toBe('Job Run Skipped');
    expect(publish?.kind === 'publish' && publish.event.detail.alert).toBeUndefined();
  });

  it('is a duplicate once the run is recorded', () => {
    const existing = runRecord({ status: 'skipped', eventPublished: true });

    expect(decideFiring(firingFacts({ existing, upstreamSkip: 'upstream x failed' })).kind).toBe('duplicate');
  });
});

/** The event run-batch-job publishes when extract's 02:00 run ends, as the bus delivers it. */
function ended(status: string, detail: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'eb-1',
    source: 'ecs-autopilot',
    'detail-type': JOB_RUN_DETAIL_TYPES[status as keyof typeof JOB_RUN_DETAIL_TYPES],
    account: '111122223333',
    region: 'eu-west-1',
    time: '2026-11-22T02:30:00Z',
    resources: [],
    detail: { job: 'extract', scheduledTime: '2026-11-22T02:00:00Z', attempt: 1, status, eventId: 'extract:…', ...detail },
    ...envelope,
  };
}

describe('the trigger contract: an upstream run ended', () => {
  it('parses the end of a run, in the one spelling of its time', () => {
    expect(isBusEvent(ended('succeeded'))).toBe(true);
    expect(isBusEvent({ job: 'extract', scheduledTime: SCHEDULED_TIME })).toBe(false);
    expect(parseUpstreamEnded(ended('failed', { retry: { willRetry: false, because: 'x' } }))).toMatchObject({
      eventId: 'eb-1',
      job: 'extract',
      scheduledTime: '2026-11-22T02:00:00.000Z',
      status: 'failed',
      retry: { willRetry: false },
    });
  });

  it('refuses a forged shape with a clear message', () => {
    expect(() => parseUpstreamEnded(ended('succeeded', { scheduledTime: 'tomorrow', attempt: 0 }))).toThrow(
      /not the end of a job's run from the ecs-autopilot bus \(detail.scheduledTime: expected an ISO 8601 time.*detail.attempt: expected a whole number from 1/,
    );
    expect(() => parseUpstreamEnded(ended('succeeded', { status: 'launched' }))).toThrow(/detail.status: expected one of succeeded/);
    expect(() => parseUpstreamEnded(ended('succeeded', {}, { source: 'aws.ecs' }))).toThrow(/source: expected "ecs-autopilot"/);
  });

  it('refuses a detail-type that is not its status: not an event ecs-autopilot published', () => {
    expect(() => parseUpstreamEnded(ended('failed', {}, { 'detail-type': 'Job Run Succeeded' }))).toThrow(
      /a "?Job Run Succeeded"? event whose run is failed: not an event ecs-autopilot published/,
    );
  });

  it("the rule's pattern takes the ends of the upstreams' runs only", () => {
    const pattern = chainEventPattern(['extract']);

    for (const status of ['succeeded', 'failed', 'timed-out', 'skipped', 'missed', 'replaced']) {
      expect(matchesEventPattern(pattern, ended(status))).toBe(true);
    }
    expect(matchesEventPattern(pattern, ended('launched'))).toBe(false);
    expect(matchesEventPattern(pattern, ended('succeeded', { job: 'load' }))).toBe(false);
  });
});

describe('run-batch-job: ends it does not act on (from elsewhere: test/unit/event-origin.test.ts)', () => {
  const log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  /** A runtime that throws when anything beyond its automation, home and log is used. */
  const trap = (automation: JobRuntime['automation']) =>
    new Proxy({ automation, log, account: '111122223333', region: 'eu-west-1' } as Record<string, unknown>, {
      get: (target, key) => {
        if (typeof key === 'string' && key in target) return target[key];
        throw new Error(`taken: the function went on to use ${String(key)}`);
      },
    }) as unknown as JobRuntime;

  it('of a job nothing runs after: ignored, nothing read', async () => {
    expect(await runBatchJob(ended('succeeded', { job: 'report' }), trap(chain()))).toEqual({
      upstream: 'report',
      scheduledTime: '2026-11-22T02:00:00.000Z',
      chained: [],
    });
  });

  it('of a job that others run after, from home: taken', async () => {
    await expect(runBatchJob(ended('succeeded'), trap(chain()))).rejects.toThrow(/^taken: /);
  });
});

describe('the stack and plan', () => {
  const names = { cluster: (c: string) => c, service: (c: string, s: string) => `${c}/${s}` };

  it('one job-chains rule on our bus, to run-batch-job, for the jobs others run after; none without chains', () => {
    const rule = eventRules(chain(), names).find((candidate) => candidate.name === 'job-chains');

    expect(rule).toMatchObject({ bus: 'own', target: 'run-batch-job', pattern: { detail: { job: ['extract', 'transform', 'load'] } } });
    expect(eventRules(validateAutomation({ jobs: { a: { ...BASE, schedule: 'rate(1 hour)' } } }), names).map((r) => r.name)).toEqual([
      'task-events',
      'alerts',
    ]);
  });

  it('plan lists each firing of the chain in the order it runs, each chained job with when it starts', () => {
    const { planned } = planFirings(chain(), new Date('2026-11-22T00:00:00Z'), 24);

    expect(planned.map((p) => [p.local, p.name, p.kind === 'job' ? p.starts : undefined])).toEqual([
      ['2026-11-22 02:00 CET', 'extract', undefined],
      ['2026-11-22 02:00 CET', 'transform', 'after extract succeeds'],
      ['2026-11-22 02:00 CET', 'load', 'after transform succeeds'],
      ['2026-11-22 02:00 CET', 'report', 'after load ends, whatever the outcome (onUpstreamFailure: run)'],
    ]);
    expect(chainedStart({ after: ['a', 'x'], onUpstreamFailure: 'skip' })).toBe('after a and x all succeed');
  });
});
