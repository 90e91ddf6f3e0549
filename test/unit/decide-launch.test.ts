import { describe, expect, it } from 'vitest';
import { decideActionFailed, decideAfterRunTask, decideFiring, withoutApplied } from '../../shared/jobs/decide.ts';
import type { LaunchOutcome } from '../../shared/jobs/launch-outcome.ts';
import type { RunAction, RunRecord, RunTaskAction } from '../../shared/jobs/run-record.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import { firingFacts, runRecord, spotJobSpec, taskArn } from './fixtures.ts';
import { stoppedTask } from './stop-fixtures.ts';

const NOW = new Date('2026-11-22T02:00:10.000Z');
const NO_CAPACITY: LaunchOutcome = { kind: 'no-capacity', reason: 'Capacity is unavailable at this time' };
const started = (id: string): LaunchOutcome => ({ kind: 'started', taskArns: [taskArn(id)], shortBy: 0 });

/** A two-task run launching on FARGATE_SPOT → FARGATE, with `action` just made (no longer in its outbox). */
function launching(fields: Partial<RunRecord> = {}): RunRecord {
  return runRecord({
    status: 'launching',
    leaseUntil: '2026-11-22T02:02:05.000Z',
    launch: { count: 2, firstProviderIndex: 0, rounds: 0 },
    ...fields,
  });
}

const job = spotJobSpec({ count: 2, launchRetry: { attempts: 2, backoff: '10s', maxBackoff: '1m' } });
const facts = { job, now: NOW, leaseSeconds: 120 };
const slot = (n: number, fields: Partial<RunTaskAction> = {}): RunTaskAction => ({
  kind: 'run-task',
  slot: n,
  try: 0,
  providerIndex: 0,
  ...fields,
});

describe('decideAfterRunTask', () => {
  it('launches the next task slot on the same provider once a slot has its task, renewing the lease', () => {
    const { run, retryLater } = decideAfterRunTask(launching(), slot(0), started('t1'), facts);

    expect(retryLater).toBeUndefined();
    expect(run).toMatchObject({
      status: 'launching',
      taskArns: [taskArn('t1')],
      capacityProvider: 'FARGATE_SPOT',
      leaseUntil: '2026-11-22T02:02:10.000Z',
      outbox: [slot(1)],
    });
  });

  it('records the run launched when its last slot has its task, and announces it', () => {
    const { run } = decideAfterRunTask(launching({ taskArns: [taskArn('t1')] }), slot(1), started('t2'), facts);

    expect(run).toMatchObject({
      status: 'launched',
      taskArns: [taskArn('t1'), taskArn('t2')],
      leaseUntil: undefined,
      launchedAt: NOW.toISOString(),
    });
    expect(run.outbox.map((a) => a.kind === 'publish' && a.event.id)).toEqual([`nightly-report:${run.scheduledTime}:1:launched`]);
  });

  it('settles the run at once when every task stopped while the launch went on: the launch came last', () => {
    const first = stoppedTask({ taskId: 't1', containers: [{ name: 'report', exitCode: 0 }] });
    const outcome = { category: 'completed' as const, exitCodes: { report: 0 }, stoppedAt: '2026-11-22T02:00:08.000Z' };
    const second = stoppedTask({ taskId: 't2', containers: [{ name: 'report', exitCode: 0 }] });
    const run = launching({
      taskArns: [first.taskArn],
      taskOutcomes: { [first.taskArn]: outcome, [second.taskArn]: outcome },
      stop: second,
    });

    const { run: settled } = decideAfterRunTask(run, slot(1), { kind: 'started', taskArns: [second.taskArn], shortBy: 0 }, facts);

    expect(settled).toMatchObject({ status: 'succeeded', reason: 'all 2 tasks exited 0', endedAt: '2026-11-22T02:00:08.000Z' });
    expect(settled.outbox.map((a) => a.kind === 'publish' && a.event.detailType)).toEqual(['Job Run Launched', 'Job Run Succeeded']);
  });

  it('takes a task a RunTask made again answers with (its client token) once', () => {
    const { run } = decideAfterRunTask(launching({ taskArns: [taskArn('t1')] }), slot(0), started('t1'), facts);

    expect(run).toMatchObject({ taskArns: [taskArn('t1')], outbox: [slot(1)] });
  });

  it('falls back to the next provider for the same slot with its next try (a new client token)', () => {
    const { run } = decideAfterRunTask(launching({ taskArns: [taskArn('t1')] }), slot(1), NO_CAPACITY, facts);

    expect(run.outbox).toEqual([slot(1, { try: 1, providerIndex: 1 })]);
  });

  it('waits before the next round without room anywhere, holding the lease past the wait', () => {
    const { run } = decideAfterRunTask(launching(), slot(0, { try: 1, providerIndex: 1 }), NO_CAPACITY, facts);

    expect(run).toMatchObject({
      launch: { rounds: 1 },
      leaseUntil: '2026-11-22T02:02:20.000Z',
      outbox: [slot(0, { try: 2, providerIndex: 0, notBefore: '2026-11-22T02:00:20.000Z' })],
    });
  });

  it('keeps the same RunTask for the redelivery after a throttle, and releases the launch at once', () => {
    const action = slot(1, { try: 1, providerIndex: 1 });

    const { run, retryLater } = decideAfterRunTask(
      launching({ taskArns: [taskArn('t1')] }),
      action,
      { kind: 'retryable', reason: 'ThrottlingException: Rate exceeded' },
      facts,
    );

    expect(retryLater).toBe('ThrottlingException: Rate exceeded');
    expect(run).toMatchObject({ status: 'launching', leaseUntil: NOW.toISOString(), taskArns: [taskArn('t1')], outbox: [action] });
  });

  it('records the run launched with the tasks that started, saying how many never did, when it gives up', () => {
    const launched = launching({ taskArns: [taskArn('t1')], launch: { count: 2, firstProviderIndex: 0, rounds: 1 } });

    const { run } = decideAfterRunTask(launched, slot(1, { try: 3, providerIndex: 1 }), NO_CAPACITY, facts);

    expect(run).toMatchObject({
      status: 'launched',
      missingTasks: 1,
      reason: 'only 1 of 2 tasks started: no capacity after 2 rounds over FARGATE_SPOT → FARGATE: Capacity is unavailable at this time',
    });
  });

  it('fails the run when no task could start at all', () => {
    const { run } = decideAfterRunTask(
      launching(),
      slot(0),
      { kind: 'permanent', reason: 'ClientException: TaskDefinition not found.' },
      facts,
    );

    expect(run).toMatchObject({ status: 'failed', reason: 'ClientException: TaskDefinition not found.', endedAt: NOW.toISOString() });
    expect(run.outbox.map((a) => a.kind === 'publish' && a.event.detail.alert)).toEqual([
      expect.objectContaining({ category: 'job-failing' }),
    ]);
  });
});

describe('decideActionFailed', () => {
  it('says in the run and in its pending event that a task could not be stopped', () => {
    const timedOut = runRecord({ status: 'timed-out', reason: 'ecs-autopilot: exceeded maxRuntime 2h', taskArns: [taskArn('t1')] });
    const stop: RunAction = { kind: 'stop-task', taskArn: taskArn('t1'), reason: 'ecs-autopilot: exceeded maxRuntime 2h' };
    const run = { ...timedOut, outbox: [{ kind: 'publish', event: runOutcomeEvent(timedOut, NOW) } as const] };

    const failed = decideActionFailed(run, stop, 'AccessDeniedException: not authorized to perform ecs:StopTask', NOW);

    expect(failed.reason).toBe(
      'ecs-autopilot: exceeded maxRuntime 2h; could not do StopTask of t1: AccessDeniedException: not authorized to perform ecs:StopTask',
    );
    expect(failed.outbox).toEqual([
      { kind: 'publish', event: expect.objectContaining({ detail: expect.objectContaining({ reason: failed.reason }) }) },
    ]);
  });

  it('makes a failure final, and alerted, when its retry could not be scheduled', () => {
    const retried = runRecord({
      status: 'failed',
      category: 'app-error',
      retry: { willRetry: true, nextAttempt: 2, retryAt: '2026-11-22T02:01:10.000Z', because: 'otherwise: retry' },
    });
    const timer: RunAction = {
      kind: 'set-timer',
      name: 'retry-x',
      at: '2026-11-22T02:01:10.000Z',
      input: { job: 'nightly-report', scheduledTime: retried.scheduledTime, attempt: 2 },
    };
    const run = { ...retried, outbox: [{ kind: 'publish', event: runOutcomeEvent(retried, NOW) } as const] };

    const failed = decideActionFailed(run, timer, 'ValidationException: bad role', NOW);

    expect(failed.retry).toEqual({ willRetry: false, because: 'the retry could not be scheduled: ValidationException: bad role' });
    expect(failed.outbox.map((a) => a.kind === 'publish' && a.event.detail)).toEqual([
      expect.objectContaining({ category: 'app-error', alert: expect.objectContaining({ category: 'job-failing' }) }),
    ]);
  });
});

describe('withoutApplied', () => {
  it('removes each applied action once, keeping what was added meanwhile, and says whether an event still waits', () => {
    const event = runOutcomeEvent(runRecord({ status: 'skipped' }), NOW);
    const publish: RunAction = { kind: 'publish', event };
    const timer: RunAction = {
      kind: 'set-timer',
      name: 'retry-x',
      at: NOW.toISOString(),
      input: { job: 'nightly-report', scheduledTime: NOW.toISOString(), attempt: 2 },
    };

    expect(withoutApplied(runRecord({ outbox: [publish, timer] }), [publish])).toMatchObject({ outbox: [timer], eventPublished: true });
    expect(withoutApplied(runRecord({ outbox: [timer, publish] }), [timer])).toMatchObject({ outbox: [publish], eventPublished: false });
  });
});

describe('a launch that exhausts launchRetry: a failed attempt of category capacity', () => {
  const retrying = spotJobSpec({
    count: 2,
    launchRetry: { attempts: 2, backoff: '10s', maxBackoff: '1m' },
    retry: { attempts: 3, backoff: '5m' },
  });
  const exhausted = launching({ launch: { count: 2, firstProviderIndex: 0, rounds: 1 } });

  it("is retried by the job's retry policy, after its own back-off, by a timer", () => {
    const { run } = decideAfterRunTask(exhausted, slot(0, { try: 3, providerIndex: 1 }), NO_CAPACITY, { ...facts, job: retrying });

    expect(run).toMatchObject({
      status: 'failed',
      category: 'capacity',
      retry: { willRetry: true, nextAttempt: 2, retryAt: '2026-11-22T02:05:10.000Z' },
    });
    expect(run.outbox.map((a) => a.kind)).toEqual(['set-timer', 'publish']);
    expect(run.outbox[0]).toMatchObject({ at: '2026-11-22T02:05:10.000Z', input: { job: 'nightly-report', attempt: 2 } });
    expect(run.outbox.map((a) => a.kind === 'publish' && a.event.detail.alert)).toEqual([false, undefined]);
  });

  it('is final, and alerts, when an evaluateOnExit rule says exit on capacity', () => {
    const noRetry = spotJobSpec({
      count: 2,
      launchRetry: { attempts: 2, backoff: '10s', maxBackoff: '1m' },
      retry: { attempts: 3, evaluateOnExit: [{ onCategory: ['capacity'], action: 'exit' }] },
    });

    const { run } = decideAfterRunTask(exhausted, slot(0, { try: 3, providerIndex: 1 }), NO_CAPACITY, { ...facts, job: noRetry });

    expect(run).toMatchObject({ status: 'failed', category: 'capacity', retry: { willRetry: false } });
    expect(run.outbox.map((a) => a.kind === 'publish' && a.event.detail.alert)).toEqual([
      expect.objectContaining({ category: 'job-failing' }),
    ]);
  });

  it('is not retried when the launch failed for good (a permanent RunTask error)', () => {
    const { run } = decideAfterRunTask(
      launching(),
      slot(0),
      { kind: 'permanent', reason: 'ClientException: TaskDefinition not found.' },
      {
        ...facts,
        job: retrying,
      },
    );

    expect(run.status).toBe('failed');
    expect(run.retry).toBeUndefined();
    expect(run.category).toBeUndefined();
  });
});

describe('waitForCapacity: a launch that found no capacity within launchRetry waits, then fails', () => {
  const waiting = spotJobSpec({
    count: 2,
    launchRetry: { attempts: 2, backoff: '10s', maxBackoff: '1m' },
    waitForCapacity: '45m',
    retry: { attempts: 2 },
  });
  const exhausted = launching({ launch: { count: 2, firstProviderIndex: 0, rounds: 1 } });
  const lastTry = slot(0, { try: 3, providerIndex: 1 });
  const until = '2026-11-22T02:45:01.000Z';

  it('waits for capacity, announced once without an alert, its timer firing the same firing again', () => {
    const { run } = decideAfterRunTask(exhausted, lastTry, NO_CAPACITY, { ...facts, job: waiting });

    expect(run).toMatchObject({
      status: 'waiting-for-capacity',
      leaseUntil: undefined,
      capacityWait: { until, waits: 1, nextTry: 4 },
      reason: expect.stringMatching(
        /^waiting for capacity until 2026-11-22T02:45:01.000Z \(waitForCapacity\), next try at 2026-11-22T02:01:10.000Z/,
      ),
    });
    expect(run.outbox).toEqual([
      {
        kind: 'set-timer',
        name: expect.stringMatching(/^capacity-nightly-report-/),
        at: '2026-11-22T02:01:10.000Z',
        input: { job: 'nightly-report', scheduledTime: run.scheduledTime, attempt: 1 },
      },
      { kind: 'publish', event: expect.objectContaining({ detailType: 'Job Run Waiting For Capacity' }) },
    ]);
    expect(run.outbox[1]?.kind === 'publish' && run.outbox[1].event.detail.alert).toBeUndefined();
  });

  it('sets only the next timer, under its own name, at each further wait', () => {
    const first = decideAfterRunTask(exhausted, lastTry, NO_CAPACITY, { ...facts, job: waiting }).run;
    const again = { ...first, status: 'launching' as const, outbox: [] };

    const { run } = decideAfterRunTask(again, slot(0, { try: 7, providerIndex: 1 }), NO_CAPACITY, { ...facts, job: waiting });

    expect(run.capacityWait).toEqual({ until, waits: 2, nextTry: 8 });
    expect(run.outbox.map((a) => a.kind)).toEqual(['set-timer']);
    expect(run.outbox[0]?.kind === 'set-timer' && run.outbox[0].name).not.toBe(
      first.outbox[0]?.kind === 'set-timer' && first.outbox[0].name,
    );
  });

  it('fails as a capacity failure, with one alert, when the next try would come after the window', () => {
    const late = {
      ...facts,
      job: spotJobSpec({ ...{ count: 2 }, waitForCapacity: '45m', launchRetry: { attempts: 2, backoff: '10s', maxBackoff: '1m' } }),
    };
    const afterWaits = launching({
      launch: { count: 2, firstProviderIndex: 0, rounds: 1 },
      capacityWait: { until, waits: 40, nextTry: 90 },
    });

    const { run } = decideAfterRunTask(afterWaits, slot(0, { try: 93, providerIndex: 1 }), NO_CAPACITY, {
      ...late,
      now: new Date('2026-11-22T02:44:30.000Z'),
    });

    expect(run).toMatchObject({ status: 'failed', category: 'capacity', retry: { willRetry: false } });
    expect(run.reason).toMatch(/; waited for capacity until 2026-11-22T02:45:01.000Z \(waitForCapacity\)$/);
    expect(run.outbox.map((a) => a.kind === 'publish' && a.event.detail.alert)).toEqual([
      expect.objectContaining({ category: 'job-failing' }),
    ]);
  });

  it('fails at once, without waiting, when the RunTask was refused for good', () => {
    const { run } = decideAfterRunTask(
      launching(),
      slot(0),
      { kind: 'permanent', reason: 'ClientException: nope' },
      { ...facts, job: waiting },
    );

    expect(run.status).toBe('failed');
  });
});

describe('decideFiring: a run waiting for capacity', () => {
  const job = spotJobSpec({ count: 2, waitForCapacity: '45m' });
  const waitingRun = runRecord({
    status: 'waiting-for-capacity',
    taskArns: [taskArn('t1')],
    launch: { count: 2, firstProviderIndex: 0, rounds: 1 },
    capacityWait: { until: '2026-11-22T02:45:01.000Z', waits: 1, nextTry: 4 },
    eventPublished: true,
  });

  it("resumes the launch when its timer fires: the waiting slot's next try, a fresh round, under a new lease", () => {
    const decision = decideFiring(firingFacts({ job, existing: waitingRun, now: new Date('2026-11-22T02:01:10.000Z') }));

    expect(decision).toMatchObject({
      kind: 'resume',
      run: {
        status: 'launching',
        leaseUntil: '2026-11-22T02:03:10.000Z',
        launch: { rounds: 0 },
        outbox: [{ kind: 'run-task', slot: 1, try: 4, providerIndex: 0 }],
      },
    });
  });

  it('backs off, launching nothing, when a second delivery of the timer finds the resumed launch under its lease', () => {
    const resumed = decideFiring(firingFacts({ job, existing: waitingRun, now: new Date('2026-11-22T02:01:10.000Z') }));
    const claimed = 'run' in resumed ? resumed.run : waitingRun;

    expect(decideFiring(firingFacts({ job, existing: claimed, now: new Date('2026-11-22T02:01:20.000Z') })).kind).toBe('in-progress');
  });
});

describe('decideActionFailed: a run waiting for capacity', () => {
  it('fails, with one alert, when the timer of its next try is refused: it would otherwise wait for ever', () => {
    const timer: RunAction = {
      kind: 'set-timer',
      name: 'capacity-nightly-report-1',
      at: '2026-11-22T02:01:10.000Z',
      input: { job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00.000Z', attempt: 1 },
    };
    const waiting = runRecord({ status: 'waiting-for-capacity', reason: 'waiting for capacity until 02:45', eventPublished: true });

    const run = decideActionFailed(waiting, timer, 'AccessDeniedException: not allowed', NOW);

    expect(run).toMatchObject({ status: 'failed', category: 'capacity', retry: { willRetry: false } });
    expect(run.reason).toMatch(/the next try for capacity could not be scheduled: AccessDeniedException: not allowed$/);
    expect(run.outbox.map((a) => a.kind === 'publish' && a.event.detail.alert)).toEqual([
      expect.objectContaining({ category: 'job-failing' }),
    ]);
  });
});
