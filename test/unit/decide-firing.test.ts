import { describe, expect, it } from 'vitest';
import { decideFiring, type FiringDecision } from '../../shared/jobs/decide.ts';
import type { RunAction, RunRecord } from '../../shared/jobs/run-record.ts';
import { activeTask, firingFacts, JOB_NAME, jobSpec, runRecord, SCHEDULED_TIME, spotJobSpec, taskArn } from './fixtures.ts';

const PREVIOUS_RUN = '2026-11-21T02:00:00.000Z';

/** The run a decision persists (every decision but duplicate and in-progress has one). */
function runOf(decision: FiringDecision): RunRecord {
  if (!('run' in decision)) throw new Error(`${decision.kind} decides no run`);
  return decision.run;
}

const firstTry: RunAction = { kind: 'run-task', slot: 0, try: 0, providerIndex: 0 };

describe('decideFiring: redeliveries of a handled firing', () => {
  it('is a duplicate when the run is settled and its event was published', () => {
    const facts = firingFacts({ existing: runRecord({ status: 'launched', eventPublished: true }) });

    expect(decideFiring(facts)).toEqual({ kind: 'duplicate', reason: 'firing already handled: run is launched' });
  });

  it('finishes what an earlier delivery decided for a settled run and did not apply (its event)', () => {
    const record = runRecord({
      status: 'skipped',
      outbox: [{ kind: 'publish', event: { id: 'e', detailType: 'Job Run Skipped', detail: {}, resources: [], time: SCHEDULED_TIME } }],
    });

    expect(decideFiring(firingFacts({ existing: record }))).toEqual({ kind: 'finish', run: record });
  });

  it('does not launch again for a settled run even when its tasks are still running', () => {
    const facts = firingFacts({
      existing: runRecord({ status: 'launched', eventPublished: true, taskArns: [taskArn('t1')] }),
      activeTasks: [activeTask('t1')],
    });

    expect(decideFiring(facts).kind).toBe('duplicate');
  });
});

describe('decideFiring: launches in flight', () => {
  it('backs off while another invocation holds the launch lease', () => {
    const facts = firingFacts({
      now: new Date('2026-11-22T02:00:30.000Z'),
      existing: runRecord({ status: 'launching', leaseUntil: '2026-11-22T02:01:00.000Z' }),
    });

    expect(decideFiring(facts)).toEqual({
      kind: 'in-progress',
      reason: 'another invocation is launching this firing until 2026-11-22T02:01:00.000Z',
    });
  });

  it('takes over a launch whose lease has expired, making the RunTask it had decided again as it was (the same client token)', () => {
    const pending: RunAction = { kind: 'run-task', slot: 1, try: 2, providerIndex: 1 };
    const facts = firingFacts({
      job: jobSpec({ count: 2 }),
      now: new Date('2026-11-22T02:01:00.001Z'),
      existing: runRecord({
        status: 'launching',
        leaseUntil: '2026-11-22T02:01:00.000Z',
        taskArns: [taskArn('t1')],
        launch: { count: 2, firstProviderIndex: 0, rounds: 0 },
        outbox: [pending],
      }),
      activeTasks: [activeTask('t1')],
    });

    const decision = decideFiring(facts);

    expect(decision.kind).toBe('take-over');
    expect(runOf(decision)).toMatchObject({
      status: 'launching',
      taskArns: [taskArn('t1')],
      leaseUntil: '2026-11-22T02:03:00.001Z',
      outbox: [pending],
    });
  });

  it('adopts the task that the dead invocation’s RunTask started, and launches the next slot', () => {
    const facts = firingFacts({
      job: jobSpec({ count: 3 }),
      existing: runRecord({
        status: 'launching',
        taskArns: [taskArn('t1')],
        launch: { count: 3, firstProviderIndex: 0, rounds: 0 },
        outbox: [{ kind: 'run-task', slot: 1, try: 0, providerIndex: 1 }],
      }),
      activeTasks: [activeTask('t1'), activeTask('t2'), activeTask('old', PREVIOUS_RUN)],
    });

    expect(runOf(decideFiring(facts))).toMatchObject({
      taskArns: [taskArn('t1'), taskArn('t2')],
      outbox: [{ kind: 'run-task', slot: 2, try: 0, providerIndex: 1 }],
    });
  });

  it('counts a task whose stop was recorded before the launch recorded it as one of the run’s', () => {
    const stopped = taskArn('t1');
    const facts = firingFacts({
      existing: runRecord({
        status: 'launching',
        launch: { count: 1, firstProviderIndex: 0, rounds: 0 },
        taskOutcomes: { [stopped]: { category: 'completed', exitCodes: { report: 0 }, stoppedAt: SCHEDULED_TIME } },
        outbox: [firstTry],
      }),
    });

    expect(runOf(decideFiring(facts))).toMatchObject({ status: 'succeeded', taskArns: [stopped] });
  });

  it('adopts the tasks of this very firing when no run was recorded, and announces the run launched', () => {
    const facts = firingFacts({
      job: jobSpec({ count: 2 }),
      activeTasks: [activeTask('t1'), activeTask('t2'), activeTask('old', PREVIOUS_RUN)],
    });

    const decision = decideFiring(facts);

    expect(decision.kind).toBe('adopt');
    expect(runOf(decision)).toMatchObject({ status: 'launched', taskArns: [taskArn('t1'), taskArn('t2')], leaseUntil: undefined });
    expect(runOf(decision).outbox).toEqual([
      {
        kind: 'publish',
        event: expect.objectContaining({ id: `${JOB_NAME}:${SCHEDULED_TIME}:1:launched`, detailType: 'Job Run Launched' }),
      },
    ]);
  });

  it('adopts its tasks even when delivered after the starting deadline', () => {
    const facts = firingFacts({
      job: jobSpec({ startingDeadline: '1m' }),
      now: new Date('2026-11-22T02:10:00.000Z'),
      activeTasks: [activeTask('t1')],
    });

    expect(decideFiring(facts)).toMatchObject({ kind: 'adopt', run: { taskArns: [taskArn('t1')] } });
  });

  it('does not adopt the tasks of another attempt of the same firing', () => {
    const facts = firingFacts({
      firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 2 },
      job: jobSpec({ concurrency: 'allow' }),
      activeTasks: [activeTask('t1', SCHEDULED_TIME, 1)],
    });

    expect(decideFiring(facts)).toMatchObject({ kind: 'launch', run: { taskArns: [], outbox: [firstTry] } });
  });

  it('claims a launch with a lease and the RunTask of its first task slot, before anything is launched', () => {
    const decision = decideFiring(firingFacts({ job: jobSpec({ count: 2 }) }));

    expect(runOf(decision)).toMatchObject({
      status: 'launching',
      version: 0,
      leaseUntil: '2026-11-22T02:02:05.000Z',
      launch: { count: 2, firstProviderIndex: 0, rounds: 0 },
      outbox: [firstTry],
    });
  });

  it('starts a retry after a Spot interruption on the capacity provider its firing names', () => {
    const facts = firingFacts({
      firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 2, capacityProvider: 'FARGATE' },
      job: spotJobSpec(),
    });

    expect(runOf(decideFiring(facts))).toMatchObject({
      launch: { firstProviderIndex: 1 },
      outbox: [{ kind: 'run-task', slot: 0, try: 0, providerIndex: 1 }],
    });
  });
});

describe('decideFiring: starting deadline', () => {
  it('misses a first attempt delivered after the starting deadline', () => {
    const facts = firingFacts({ job: jobSpec({ startingDeadline: '5m' }), now: new Date('2026-11-22T02:07:30.000Z') });

    const reason = 'delivered 7m30s after its scheduled time, past the startingDeadline of 5m';
    const decision = decideFiring(facts);

    expect(decision).toMatchObject({ kind: 'missed', reason, run: { status: 'missed', reason, endedAt: '2026-11-22T02:07:30.000Z' } });
    expect(runOf(decision).outbox).toEqual([{ kind: 'publish', event: expect.objectContaining({ detailType: 'Job Run Missed' }) }]);
  });

  it("alerts a missed firing in the job's failure group when the job says alertOn.missed, and not by default", () => {
    const late = new Date('2026-11-22T02:07:30.000Z');
    const alertOf = (decision: ReturnType<typeof decideFiring>) => {
      const [action] = runOf(decision).outbox;
      return action?.kind === 'publish' ? action.event.detail.alert : 'no event';
    };

    const alerted = decideFiring(firingFacts({ job: jobSpec({ startingDeadline: '5m', alertOn: { missed: true } }), now: late }));
    const quiet = decideFiring(firingFacts({ job: jobSpec({ startingDeadline: '5m' }), now: late }));

    expect(alertOf(alerted)).toMatchObject({ category: 'job-failing', resolvedBy: 'resolving-event', subject: { kind: 'job' } });
    expect(alertOf(quiet)).toBeUndefined();
  });

  it('launches a first attempt delivered exactly at the deadline', () => {
    const facts = firingFacts({ job: jobSpec({ startingDeadline: '5m' }), now: new Date('2026-11-22T02:05:00.000Z') });

    expect(decideFiring(facts).kind).toBe('launch');
  });

  it('never misses a retry attempt, which is late by design', () => {
    const facts = firingFacts({
      firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 2 },
      job: jobSpec({ startingDeadline: '5m' }),
      now: new Date('2026-11-22T05:00:00.000Z'),
    });

    expect(decideFiring(facts).kind).toBe('launch');
  });

  it('launches however late when the job has no starting deadline', () => {
    const facts = firingFacts({ now: new Date('2026-11-23T02:00:00.000Z') });

    expect(decideFiring(facts).kind).toBe('launch');
  });
});

describe('decideFiring: concurrency with an earlier run still going', () => {
  it('launches when no other run is active', () => {
    expect(decideFiring(firingFacts({ job: jobSpec({ concurrency: 'forbid' }) }))).toMatchObject({
      kind: 'launch',
      run: { outbox: [firstTry] },
    });
  });

  it('skips under forbid, naming the run that is still running and its task', () => {
    const facts = firingFacts({ job: jobSpec({ concurrency: 'forbid' }), activeTasks: [activeTask('0f1e2d', PREVIOUS_RUN)] });

    expect(decideFiring(facts)).toMatchObject({
      kind: 'skipped',
      reason: 'concurrency is forbid and the run scheduled at 2026-11-21T02:00:00.000Z (task 0f1e2d) is still running',
      run: {
        status: 'skipped',
        reason: 'concurrency is forbid and the run scheduled at 2026-11-21T02:00:00.000Z (task 0f1e2d) is still running',
      },
    });
  });

  it('names every run and task under forbid when several are running', () => {
    const untagged = {
      taskArn: taskArn('ccc'),
      lastStatus: 'RUNNING',
      scheduledTime: undefined,
      attempt: undefined,
      capacityProvider: 'FARGATE',
    };
    const facts = firingFacts({
      job: jobSpec({ concurrency: 'forbid' }),
      activeTasks: [activeTask('aaa', PREVIOUS_RUN), activeTask('bbb', '2026-11-20T02:00:00.000Z'), untagged],
    });

    expect(decideFiring(facts)).toMatchObject({
      kind: 'skipped',
      reason:
        'concurrency is forbid and the runs scheduled at 2026-11-21T02:00:00.000Z, 2026-11-20T02:00:00.000Z, an unknown time (task aaa, bbb, ccc) are still running',
    });
  });

  describe('alertOn.skipped: the skips in a row, counted from the latest runs', () => {
    const hung = runRecord({ scheduledTime: '2026-11-21T22:00:00.000Z', status: 'launched' });
    const skippedAt = (hour: string) =>
      runRecord({ scheduledTime: `${hour === '23' ? '2026-11-21' : '2026-11-22'}T${hour}:00:00.000Z`, status: 'skipped' });
    const alertOf = (decision: FiringDecision) => {
      const [action] = runOf(decision).outbox;
      return action?.kind === 'publish' ? action.event.detail.alert : 'no event';
    };
    const skipAfter = (recentRuns: RunRecord[], skipped = 3) =>
      decideFiring(
        firingFacts({ job: jobSpec({ alertOn: { skipped } }), activeTasks: [activeTask('0f1e2d', hung.scheduledTime)], recentRuns }),
      );

    it.each([
      { before: 'none', recentRuns: [hung], inARow: 1, alerts: false },
      { before: 'one skip', recentRuns: [skippedAt('01'), hung], inARow: 2, alerts: false },
      { before: 'two skips', recentRuns: [skippedAt('01'), skippedAt('00'), hung], inARow: 3, alerts: true },
      {
        before: 'ten skips (more than were read)',
        recentRuns: [skippedAt('01'), skippedAt('00'), skippedAt('23')],
        inARow: 4,
        alerts: true,
      },
      {
        before: 'a skip, then a missed firing, then skips',
        recentRuns: [skippedAt('01'), { ...skippedAt('00'), status: 'missed' as const }, skippedAt('23')],
        inARow: 2,
        alerts: false,
      },
      {
        before: "a later firing's record (delivered first)",
        recentRuns: [skippedAt('03'), skippedAt('01'), hung],
        inARow: 2,
        alerts: false,
      },
    ])('after $before: the skip is $inARow in a row, alerting: $alerts', ({ recentRuns, inARow, alerts }) => {
      const decision = skipAfter(recentRuns);

      expect(runOf(decision)).toMatchObject({ status: 'skipped', consecutiveSkips: inARow });
      if (alerts)
        expect(alertOf(decision)).toMatchObject({ category: 'job-failing', resolvedBy: 'resolving-event', subject: { kind: 'job' } });
      else expect(alertOf(decision)).toBeUndefined();
    });

    it('alerts the first skip at alertOn.skipped 1, and never counts or alerts without alertOn.skipped', () => {
      const quiet = decideFiring(
        firingFacts({ activeTasks: [activeTask('0f1e2d', hung.scheduledTime)], recentRuns: [skippedAt('01'), skippedAt('00')] }),
      );

      expect(alertOf(skipAfter([hung], 1))).toMatchObject({ category: 'job-failing' });
      expect(runOf(quiet).consecutiveSkips).toBeUndefined();
      expect(alertOf(quiet)).toBeUndefined();
    });
  });

  it('forbid is the default', () => {
    const facts = firingFacts({ activeTasks: [activeTask('0f1e2d', PREVIOUS_RUN)] });

    expect(decideFiring(facts).kind).toBe('skipped');
  });

  it('under replace, records the running run replaced, stops its tasks with a reason that names the new run, then launches', () => {
    const running = [activeTask('aaa', PREVIOUS_RUN), activeTask('bbb', PREVIOUS_RUN)];
    const facts = firingFacts({ job: jobSpec({ concurrency: 'replace' }), activeTasks: running });
    const reason = 'ecs-autopilot: replaced by the run scheduled at 2026-11-22T02:00:00.000Z (concurrency: replace)';

    expect(decideFiring(facts)).toMatchObject({
      kind: 'launch',
      run: {
        outbox: [
          { kind: 'replace-run', scheduledTime: PREVIOUS_RUN, attempt: 1, reason },
          { kind: 'stop-task', taskArn: taskArn('aaa'), reason },
          { kind: 'stop-task', taskArn: taskArn('bbb'), reason },
          firstTry,
        ],
      },
    });
  });

  it('under allow, launches alongside the running tasks', () => {
    const facts = firingFacts({ job: jobSpec({ concurrency: 'allow' }), activeTasks: [activeTask('aaa', PREVIOUS_RUN)] });

    expect(decideFiring(facts)).toMatchObject({ kind: 'launch', run: { outbox: [firstTry] } });
  });
});
