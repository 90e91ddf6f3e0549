import { describe, expect, it } from 'vitest';
import { humanMessage } from '../../shared/alerts/render.ts';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { type AlertBlock, alertGroupKey } from '../../shared/events/alert.ts';
import { decideActionFailed, decideFiring, runPastItsDeadline, settleWhenOver, withoutApplied } from '../../shared/jobs/decide.ts';
import {
  atFiring,
  checkDueAt,
  decideFreshness,
  type FreshnessCheck,
  parseFreshnessCheck,
  successCountsAfter,
} from '../../shared/jobs/freshness.ts';
import type { RunAction, RunRecord } from '../../shared/jobs/run-record.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import { readStoredRun } from '../../shared/state/stored-run.ts';
import { activeTask, firingFacts, JOB_NAME, jobSpec, runRecord, SCHEDULED_TIME, taskArn } from './fixtures.ts';

const DAILY = jobSpec({ expectSuccessWithin: '26h' });
const ENDED_AT = '2026-11-22T02:41:48.882Z';
const NOW = new Date('2026-11-22T02:07:31Z');

const timersOf = (run: RunRecord) =>
  run.outbox.filter((action): action is Extract<RunAction, { kind: 'set-timer' }> => action.kind === 'set-timer');

/** A launched run whose one task exited 0. */
function lastTaskExited0(fields: Partial<RunRecord> = {}): RunRecord {
  const arn = taskArn('a1a1');
  return runRecord({
    status: 'launched',
    taskArns: [arn],
    launchedAt: '2026-11-22T02:00:04.000Z',
    taskOutcomes: { [arn]: { category: 'completed', exitCodes: { app: 0 }, stoppedAt: ENDED_AT } },
    ...fields,
  });
}

describe('expectSuccessWithin: the timers', () => {
  it('is due a window after what armed it, rounded up to a 24th of the window, so successes of one slice share a timer', () => {
    expect(checkDueAt('2026-11-22T02:41:48.882Z', 26 * 3_600).toISOString()).toBe('2026-11-23T05:00:00.000Z');
    expect(checkDueAt('2026-11-22T02:59:59.000Z', 26 * 3_600).toISOString()).toBe('2026-11-23T05:00:00.000Z');
    expect(checkDueAt('2026-11-22T03:00:01.000Z', 26 * 3_600).toISOString()).toBe('2026-11-23T06:00:00.000Z');
    expect(checkDueAt('2026-11-22T02:00:00.000Z', 8 * 86_400).toISOString()).toBe('2026-11-30T06:00:00.000Z');
    expect(checkDueAt('2026-11-22T02:00:00.000Z', 600).toISOString()).toBe('2026-11-22T02:10:00.000Z');
  });

  it('a success arms a check from its end, named after its time; none when the job expects nothing', () => {
    const settled = settleWhenOver(lastTaskExited0(), DAILY, new Date('2026-11-22T02:41:50Z'));
    const quiet = settleWhenOver(lastTaskExited0(), jobSpec(), new Date('2026-11-22T02:41:50Z'));
    const [timer] = timersOf(settled as RunRecord);

    expect(settled?.status).toBe('succeeded');
    expect(timer).toMatchObject({
      at: '2026-11-23T05:00:00.000Z',
      input: { check: 'expect-success', job: JOB_NAME, since: ENDED_AT, armedBy: 'success' },
    });
    expect(timer?.name).toMatch(/^fresh-nightly-report-[0-9a-f]{16}$/);
    expect(timersOf(quiet as RunRecord)).toEqual([]);
  });

  it('a run the maxRuntime watchdog finds succeeded arms one too; a failed one does not', () => {
    const running = lastTaskExited0({ taskOutcomes: undefined, maxRuntimeDeadline: '2026-11-22T03:00:00Z' });
    const now = new Date('2026-11-22T03:00:30Z');

    const succeeded = runPastItsDeadline(running, { kind: 'ended', status: 'succeeded', reason: undefined }, now, DAILY);
    const failed = runPastItsDeadline(running, { kind: 'ended', status: 'failed', reason: 'app exited 1' }, now, DAILY);

    expect(timersOf(succeeded).map((timer) => timer.input)).toEqual([
      { check: 'expect-success', job: JOB_NAME, since: now.toISOString(), armedBy: 'success' },
    ]);
    expect(timersOf(failed)).toEqual([]);
  });

  it("a first attempt's firing keeps one check armed, one name per job, whatever it comes to (launched, skipped); a retry's does not", () => {
    const launched = decideFiring(firingFacts({ job: DAILY }));
    const skipped = decideFiring(firingFacts({ job: DAILY, activeTasks: [activeTask('0f1e2d', '2026-11-21T02:00:00.000Z')] }));
    const retry = decideFiring(firingFacts({ job: DAILY, firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 2 } }));
    const timers = [launched, skipped].map((decision) => ('run' in decision ? timersOf(decision.run) : []));

    expect(timers[0]).toEqual(timers[1]);
    expect(timers[0]).toEqual([
      {
        kind: 'set-timer',
        name: expect.stringMatching(/^fresh-firing-nightly-report-/),
        at: '2026-11-23T04:00:00.000Z',
        input: { check: 'expect-success', job: JOB_NAME, since: SCHEDULED_TIME, armedBy: 'firing' },
      },
    ]);
    expect(atFiring(DAILY, '2026-11-23T02:00:00.000Z', 1)[0]).toMatchObject({ name: timers[0]?.[0]?.name });
    expect('run' in retry && timersOf(retry.run)).toEqual([]);
    // The timer is set before the launch: applyOutbox applies what comes before a RunTask.
    expect('run' in launched && launched.run.outbox.map((action) => action.kind)).toEqual(['set-timer', 'run-task']);
  });

  it('a check Scheduler refuses for good is said in the run, without holding its launch back or its alert', () => {
    const refused = 'AccessDeniedException: not authorized to perform scheduler:CreateSchedule';
    const timerOf = (run: RunRecord) => run.outbox.find((action) => action.kind === 'set-timer') as RunAction;
    const launching = decideFiring(firingFacts({ job: DAILY }));
    const missed = decideFiring(
      firingFacts({
        job: jobSpec({ expectSuccessWithin: '26h', startingDeadline: '5m', alertOn: { missed: true } }),
        now: new Date('2026-11-22T02:07:30Z'),
      }),
    );
    if (!('run' in launching) || !('run' in missed)) throw new Error('expected runs');

    const stillLaunching = decideActionFailed(
      withoutApplied(launching.run, [timerOf(launching.run)]),
      timerOf(launching.run),
      refused,
      NOW,
    );
    const missedAfter = decideActionFailed(withoutApplied(missed.run, [timerOf(missed.run)]), timerOf(missed.run), refused, NOW);

    expect(stillLaunching).toMatchObject({ status: 'launching', outbox: [{ kind: 'run-task' }] });
    expect(missedAfter.outbox).toEqual([
      {
        kind: 'publish',
        event: expect.objectContaining({
          detail: expect.objectContaining({
            reason: expect.stringContaining(`could not do the timer ${(timerOf(missed.run) as { name: string }).name}: ${refused}`),
            alert: expect.objectContaining({ category: 'job-failing' }),
          }),
        }),
      },
    ]);
    expect(missedAfter.retry).toBeUndefined();
  });

  it('a run holding a check in its outbox reads back as stored', () => {
    const [timer] = atFiring(DAILY, SCHEDULED_TIME, 1);
    const reading = readStoredRun({ pk: 'JOB#nightly-report', sk: 'RUN#x', ...runRecord({ outbox: timer ? [timer] : [] }) });

    expect(reading).toEqual({ run: expect.objectContaining({ outbox: [timer] }) });
  });
});

describe('expectSuccessWithin: the check', () => {
  const check: FreshnessCheck = { check: 'expect-success', job: JOB_NAME, since: ENDED_AT, armedBy: 'success' };
  const due = new Date('2026-11-23T05:00:00.000Z');

  it('reads a check as its timer sends it, and refuses another shape', () => {
    expect(parseFreshnessCheck({ ...check })).toEqual(check);
    expect(() => parseFreshnessCheck({ check: 'expect-success', job: JOB_NAME, since: 'yesterday' })).toThrow(
      /not an expectSuccessWithin check \(since: expected an ISO 8601 time, e\.g\. 2026-11-22T02:41:48Z; armedBy: expected "success" or "firing"\)/,
    );
  });

  it('counts a success from the later of the check and a window ago', () => {
    expect(successCountsAfter(check, 26 * 3_600, due)).toBe('2026-11-22T03:00:00.000Z');
    expect(successCountsAfter({ ...check, since: '2026-11-22T04:00:00.000Z' }, 26 * 3_600, due)).toBe('2026-11-22T04:00:00.000Z');
  });

  it('finds a later success and says nothing', () => {
    const success = runRecord({ status: 'succeeded', scheduledTime: '2026-11-23T02:00:00.000Z', endedAt: '2026-11-23T02:30:00.000Z' });

    expect(decideFreshness(check, DAILY, success, due)).toEqual({ kind: 'fresh', success });
  });

  it("alerts no success within the window in the job's job-failing group, the group its failures go to and its success resolves", () => {
    const decision = decideFreshness(check, DAILY, undefined, due);
    if (decision.kind !== 'overdue') throw new Error(`expected overdue, got ${decision.kind}`);
    const failure = runOutcomeEvent(runRecord({ status: 'failed', retry: { willRetry: false, because: 'no retry' } }), due);
    const success = runOutcomeEvent(runRecord({ status: 'succeeded' }), due);

    expect(decision.event).toMatchObject({
      id: `nightly-report:success-overdue:${ENDED_AT}`,
      detailType: 'Job Success Overdue',
      detail: {
        job: JOB_NAME,
        expectSuccessWithin: '1d2h',
        reason: `no run of nightly-report has succeeded since its last success, which ended at ${ENDED_AT}, and expectSuccessWithin is 1d2h`,
        alert: { category: 'job-failing', resolvedBy: 'resolving-event', severity: 'critical' },
      },
    });
    const keyOf = (detail: Record<string, unknown>) => alertGroupKey(detail.alert as AlertBlock);
    expect(keyOf(decision.event.detail)).toBe(keyOf(failure.detail));
    expect(keyOf(decision.event.detail)).toBe(keyOf(success.detail));
  });

  it.each([
    { why: 'the job was removed', job: undefined, reason: 'job nightly-report is no longer in automation.yml' },
    { why: 'the job no longer expects success', job: jobSpec(), reason: 'job nightly-report no longer sets expectSuccessWithin' },
    {
      why: 'the job is suspended',
      job: jobSpec({ expectSuccessWithin: '26h', suspended: true }),
      reason: 'job nightly-report is suspended',
    },
  ])('says nothing when $why', ({ job, reason }) => {
    expect(decideFreshness(check, job, undefined, due)).toEqual({ kind: 'not-watched', reason });
  });

  it('arms itself again, under a name of its own time, when the window was made longer since', () => {
    const decision = decideFreshness({ ...check, armedBy: 'firing' }, jobSpec({ expectSuccessWithin: '2d' }), undefined, due);

    expect(decision).toMatchObject({
      kind: 'not-yet',
      timer: { at: '2026-11-24T04:00:00.000Z', name: expect.stringMatching(/^fresh-nightly/) },
    });
  });
});

describe('Job Success Overdue in notify', () => {
  const check: FreshnessCheck = { check: 'expect-success', job: JOB_NAME, since: '2026-11-22T02:00:00.000Z', armedBy: 'firing' };
  const decision = decideFreshness(check, DAILY, undefined, new Date('2026-11-23T04:00:00Z'));
  if (decision.kind !== 'overdue') throw new Error('expected overdue');
  const { event } = decision;
  const busEvent = {
    id: 'e-21',
    source: 'ecs-autopilot',
    'detail-type': event.detailType,
    time: event.time,
    detail: { ...event.detail, eventId: event.id },
  };

  it('is an alert notify counts by its id', () => {
    expect(parseNotifyInput(busEvent)).toMatchObject({ kind: 'alert', eventId: event.id, alert: { category: 'job-failing' } });
  });

  it('renders what was expected, since when, and what to look at', () => {
    const input = parseNotifyInput(busEvent);
    if (input.kind !== 'alert') throw new Error('expected an alert');
    const at = '2026-11-23T04:00:00.000Z';
    const group = {
      groupKey: alertGroupKey(input.alert),
      pending: 1,
      total: 1,
      firstEventAt: at,
      lastEventAt: at,
      latest: input.sample,
      messagesSent: 0,
      lastSentAt: undefined,
      flushAt: undefined,
      resolveAt: undefined,
    };

    const { subject, text } = humanMessage({ status: 'firing', group, count: 1 });

    expect(subject).toBe('[CRITICAL] Job nightly-report has not succeeded within 1d2h on batch: no-recent-success');
    expect(text).toContain('No success since the firing of');
    expect(text).toContain('ecs-autopilot runs nightly-report');
  });
});
