import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../shared/config/schema.ts';
import type { StoppedTaskSummary } from '../../shared/events/stopped-task-events.ts';
import type { RunRecord } from '../../shared/jobs/run-record.ts';
import { decideJobStop, type JobStopDecision, type JobStopInput, taskOutcome } from '../../shared/stopped-tasks/decide-job-stop.ts';
import { jobSpec, runRecord } from './fixtures.ts';
import { fixtureStop, stoppedTask } from './stop-fixtures.ts';

const NOW = new Date('2026-11-22T02:41:50.000Z');
const NOW_ISO = NOW.toISOString();
const STOPPED_AT = '2026-11-22T02:41:48.882Z';

/** A task of the run: container "report" exits `exitCode` by itself (EssentialContainerExited). */
function taskOfRun(taskId: string, exitCode: number, fields: Parameters<typeof stoppedTask>[0] = {}): StoppedTaskSummary {
  return stoppedTask({ taskId, containers: [{ name: 'report', exitCode }], ...fields });
}

const COMPLETED = taskOfRun('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 0);
const FAILED = taskOfRun('b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2', 3);

/** The launched run of the nightly-report firing, with `tasks` as its tasks. */
function launchedRun(tasks: StoppedTaskSummary[], fields: Partial<RunRecord> = {}): RunRecord {
  return runRecord({
    status: 'launched',
    taskArns: tasks.map((t) => t.taskArn),
    launchedAt: '2026-11-22T02:00:02.000Z',
    updatedAt: '2026-11-22T02:00:02.000Z',
    ...fields,
  });
}

function input(run: RunRecord, stop: StoppedTaskSummary, fields: Partial<JobStopInput> = {}): JobStopInput {
  return { run, job: jobSpec(), stop, essentialContainers: undefined, now: NOW, ...fields };
}

const RETRY_THREE_TIMES: JobSpec = jobSpec({ retry: { attempts: 3 } });

/** The next attempt's timer a settled run carries in its outbox: its attempt and time, or undefined. */
function retryTimer(decision: JobStopDecision): { attempt: number; at: string; capacityProvider?: string } | undefined {
  if (decision.kind !== 'settle') return undefined;
  const timer = decision.run.outbox.find((action) => action.kind === 'set-timer');
  if (!timer || !('attempt' in timer.input)) return undefined;
  return {
    attempt: timer.input.attempt,
    at: timer.at,
    ...(timer.input.capacityProvider && { capacityProvider: timer.input.capacityProvider }),
  };
}

/** The detail-types of the events a decision queued, in order. */
function announced(decision: JobStopDecision): string[] {
  if (decision.kind === 'ignore') return [];
  return decision.run.outbox.flatMap((action) => (action.kind === 'publish' ? [action.event.detailType] : []));
}

describe('decideJobStop: stops that change nothing but the record', () => {
  it('ignores a stop that is recorded already (a redelivery or the STOPPED after DEPROVISIONING)', () => {
    const run = launchedRun([COMPLETED], { taskOutcomes: { [COMPLETED.taskArn]: taskOutcome(COMPLETED, undefined) } });

    expect(decideJobStop(input(run, COMPLETED))).toEqual({
      kind: 'ignore',
      reason: 'the stop of a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1 is already recorded',
    });
  });

  it.each(['timed-out', 'replaced', 'failed', 'succeeded'] as const)(
    'only records the outcome of a task of a run that is %s already, keeping its status',
    (status) => {
      const run = launchedRun([FAILED], { status, reason: 'settled earlier', endedAt: '2026-11-22T02:40:00.000Z' });

      expect(decideJobStop(input(run, FAILED, { job: RETRY_THREE_TIMES }))).toEqual({
        kind: 'record',
        run: {
          ...run,
          taskOutcomes: { [FAILED.taskArn]: { category: 'app-error', exitCodes: { report: 3 }, stoppedAt: STOPPED_AT } },
          updatedAt: NOW_ISO,
        },
      });
    },
  );

  it('records the stop of a task of a run still launching (waiting for capacity for its other tasks): no stop waits for the launch', () => {
    const pending = { kind: 'run-task', slot: 1, try: 3, providerIndex: 1 } as const;
    const run = launchedRun([FAILED], { status: 'launching', leaseUntil: '2026-11-22T02:45:00.000Z', outbox: [pending] });

    expect(decideJobStop(input(run, FAILED, { job: RETRY_THREE_TIMES }))).toEqual({
      kind: 'record',
      run: {
        ...run,
        taskOutcomes: { [FAILED.taskArn]: { category: 'app-error', exitCodes: { report: 3 }, stoppedAt: STOPPED_AT } },
        stop: FAILED,
        updatedAt: NOW_ISO,
      },
    });
  });

  it('records the stop of a task its run has not recorded yet (it stopped before the launch recorded it)', () => {
    const run = launchedRun([], { status: 'launching' });

    expect(decideJobStop(input(run, COMPLETED))).toMatchObject({
      kind: 'record',
      run: { status: 'launching', taskArns: [], taskOutcomes: { [COMPLETED.taskArn]: { category: 'completed' } } },
    });
  });

  it('records a task that completed while another task of the run still runs, and waits', () => {
    const run = launchedRun([COMPLETED, FAILED]);

    expect(decideJobStop(input(run, COMPLETED))).toEqual({
      kind: 'record',
      run: {
        ...run,
        taskOutcomes: { [COMPLETED.taskArn]: { category: 'completed', exitCodes: { report: 0 }, stoppedAt: STOPPED_AT } },
        stop: COMPLETED,
        updatedAt: NOW_ISO,
      },
    });
  });

  it('records a failing task as the stop that will decide the run while the others still run', () => {
    const run = launchedRun([FAILED, COMPLETED]);

    const decision = decideJobStop(input(run, FAILED, { job: RETRY_THREE_TIMES }));

    expect(decision).toEqual({
      kind: 'record',
      run: {
        ...run,
        taskOutcomes: { [FAILED.taskArn]: { category: 'app-error', exitCodes: { report: 3 }, stoppedAt: STOPPED_AT } },
        stop: FAILED,
        updatedAt: NOW_ISO,
      },
    });
  });
});

describe('decideJobStop: a run that succeeded', () => {
  it('settles a one-task run as succeeded with the classification as its reason', () => {
    const run = launchedRun([COMPLETED]);

    expect(decideJobStop(input(run, COMPLETED))).toEqual({
      kind: 'settle',
      run: {
        ...run,
        status: 'succeeded',
        reason: 'container "report" exited 0 (stop code EssentialContainerExited)',
        taskOutcomes: { [COMPLETED.taskArn]: { category: 'completed', exitCodes: { report: 0 }, stoppedAt: STOPPED_AT } },
        stop: COMPLETED,
        endedAt: STOPPED_AT,
        updatedAt: NOW_ISO,
        outbox: [{ kind: 'publish', event: expect.objectContaining({ id: `nightly-report:${run.scheduledTime}:1:succeeded` }) }],
        eventPublished: false,
      },
    });
  });

  it('settles a run of several tasks when the last one exits 0 and all did', () => {
    const second = taskOfRun('c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3', 0, { stoppedAt: '2026-11-22T02:41:49.500Z' });
    const run = launchedRun([COMPLETED, second], { taskOutcomes: { [COMPLETED.taskArn]: taskOutcome(COMPLETED, undefined) } });

    const decision = decideJobStop(input(run, second));

    expect(decision.kind).toBe('settle');
    if (decision.kind !== 'settle') return;
    expect(decision.run).toMatchObject({
      status: 'succeeded',
      reason: 'all 2 tasks exited 0',
      stop: second,
      endedAt: '2026-11-22T02:41:49.500Z',
    });
    expect(Object.keys(decision.run.taskOutcomes ?? {})).toEqual([COMPLETED.taskArn, second.taskArn]);
    expect(announced(decision)).toEqual(['Job Run Succeeded']);
  });

  it('ends the run now when the stop carries no stoppedAt', () => {
    const stop = taskOfRun('d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4', 0, { stoppedAt: undefined });

    const decision = decideJobStop(input(launchedRun([stop]), stop));

    expect(decision).toMatchObject({ kind: 'settle', run: { status: 'succeeded', endedAt: NOW_ISO } });
  });
});

describe('decideJobStop: a run that failed', () => {
  it('settles as failed with the category, the reason, the retry decision and the next attempt', () => {
    const stop = fixtureStop('batch-job-failed');
    const run = launchedRun([stop]);

    expect(decideJobStop(input(run, stop, { job: RETRY_THREE_TIMES }))).toEqual({
      kind: 'settle',
      run: {
        ...run,
        status: 'failed',
        reason: 'app-error: container "report" exited 1 (stop code EssentialContainerExited)',
        category: 'app-error',
        taskOutcomes: { [stop.taskArn]: { category: 'app-error', exitCodes: { report: 1 }, stoppedAt: '2026-11-23T02:39:17.532Z' } },
        stop,
        retry: {
          willRetry: true,
          nextAttempt: 2,
          retryAt: '2026-11-22T02:42:50.000Z',
          because: 'no rule matched; otherwise: retry: attempt 2 of 3 in 60s',
        },
        endedAt: '2026-11-23T02:39:17.532Z',
        updatedAt: NOW_ISO,
        outbox: [
          {
            kind: 'set-timer',
            name: expect.stringMatching(/^retry-nightly-report-/),
            at: '2026-11-22T02:42:50.000Z',
            input: { job: 'nightly-report', scheduledTime: run.scheduledTime, attempt: 2 },
          },
          {
            kind: 'publish',
            event: expect.objectContaining({ detailType: 'Job Run Failed', id: `nightly-report:${run.scheduledTime}:1:failed` }),
          },
        ],
        eventPublished: false,
      },
    });
  });

  it('settles without a retry when the job has no retry policy', () => {
    const run = launchedRun([FAILED]);

    const decision = decideJobStop(input(run, FAILED));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: { status: 'failed', retry: { willRetry: false, because: 'the job has no retry policy (retry.attempts is 1)' } },
    });
    expect(retryTimer(decision)).toBeUndefined();
  });

  it('counts the run’s attempt: the third of three failing is final', () => {
    const run = launchedRun([FAILED], { attempt: 3 });

    const decision = decideJobStop(input(run, FAILED, { job: RETRY_THREE_TIMES }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: { retry: { willRetry: false, because: 'attempt 3 was the last of 3' } },
    });
    expect(retryTimer(decision)).toBeUndefined();
  });

  it('backs off from the run’s attempt: attempt 2 failing retries after 2×backoff', () => {
    const run = launchedRun([FAILED], { attempt: 2 });

    const decision = decideJobStop(input(run, FAILED, { job: RETRY_THREE_TIMES }));

    expect(retryTimer(decision)).toEqual({ attempt: 3, at: '2026-11-22T02:43:50.000Z' });
  });

  it('never retries a run whose task ecs-autopilot stopped to replace it', () => {
    const stop = fixtureStop('ecs-autopilot-replaced');

    const decision = decideJobStop(input(launchedRun([stop]), stop, { job: RETRY_THREE_TIMES }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: {
        status: 'failed',
        category: 'replaced',
        retry: { willRetry: false, because: 'a run replaced by a newer one is never retried' },
      },
    });
    expect(retryTimer(decision)).toBeUndefined();
  });

  it('lets the first failing task decide when a later one completes', () => {
    const job = jobSpec({ retry: { attempts: 3, evaluateOnExit: [{ onExitCode: '3', action: 'exit' }] } });
    const run = launchedRun([FAILED, COMPLETED], {
      taskOutcomes: { [FAILED.taskArn]: taskOutcome(FAILED, undefined) },
      stop: FAILED,
    });

    const decision = decideJobStop(input(run, COMPLETED, { job }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: {
        status: 'failed',
        category: 'app-error',
        reason: 'app-error: container "report" exited 3 (stop code EssentialContainerExited)',
        stop: FAILED,
        retry: { willRetry: false, because: 'evaluateOnExit rule 1 (onExitCode 3) says exit' },
      },
    });
    expect(retryTimer(decision)).toBeUndefined();
  });

  it('lets the first failing task decide when a later one fails differently', () => {
    const oom = stoppedTask({
      taskId: 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5',
      containers: [{ name: 'report', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
    });
    const run = launchedRun([FAILED, oom], { taskOutcomes: { [FAILED.taskArn]: taskOutcome(FAILED, undefined) }, stop: FAILED });

    const decision = decideJobStop(input(run, oom, { job: RETRY_THREE_TIMES }));

    expect(decision).toMatchObject({ kind: 'settle', run: { status: 'failed', category: 'app-error', stop: FAILED } });
    if (decision.kind === 'settle') expect(decision.run.taskOutcomes?.[oom.taskArn]?.category).toBe('out-of-memory');
  });

  it('fails the run when its last task fails after the others completed', () => {
    const run = launchedRun([COMPLETED, FAILED], { taskOutcomes: { [COMPLETED.taskArn]: taskOutcome(COMPLETED, undefined) } });

    const decision = decideJobStop(input(run, FAILED, { job: RETRY_THREE_TIMES }));

    expect(decision).toMatchObject({ kind: 'settle', run: { status: 'failed', category: 'app-error', stop: FAILED } });
    expect(retryTimer(decision)).toMatchObject({ attempt: 2 });
  });

  it("matches onReason against the containers' reasons as well as the stop reason", () => {
    const stop = fixtureStop('out-of-memory');
    const job = jobSpec({ retry: { attempts: 3, evaluateOnExit: [{ onReason: 'OutOfMemoryError*', action: 'exit' }] } });

    const decision = decideJobStop(input(launchedRun([stop]), stop, { job }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: {
        category: 'out-of-memory',
        retry: { willRetry: false, because: 'evaluateOnExit rule 1 (onReason "OutOfMemoryError*") says exit' },
      },
    });
  });

  it('gives the retry rules no exit code of a container that never ran', () => {
    const stop = fixtureStop('image-pull-failed');
    const job = jobSpec({ retry: { attempts: 3, otherwise: 'exit', evaluateOnExit: [{ onExitCode: '*', action: 'retry' }] } });

    const decision = decideJobStop(input(launchedRun([stop]), stop, { job }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: {
        category: 'failed-to-start',
        taskOutcomes: { [stop.taskArn]: { category: 'failed-to-start', exitCodes: { app: null } } },
        retry: { willRetry: false, because: 'no rule matched; otherwise: exit' },
      },
    });
  });
});

describe('decideJobStop: a run that launched fewer tasks than its count', () => {
  it('fails when its tasks end, even when they exit 0, saying how many never started and why', () => {
    const run = launchedRun([COMPLETED], {
      launch: { count: 2, firstProviderIndex: 0, rounds: 2, gaveUpBecause: 'no capacity after 2 rounds over FARGATE_SPOT → FARGATE' },
      missingTasks: 1,
      reason: 'only 1 of 2 tasks started: no capacity after 2 rounds over FARGATE_SPOT → FARGATE',
    });

    const decision = decideJobStop(input(run, COMPLETED, { job: RETRY_THREE_TIMES }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: {
        status: 'failed',
        missingTasks: 1,
        reason: '1 of 2 tasks never started: no capacity after 2 rounds over FARGATE_SPOT → FARGATE',
      },
    });
    expect(retryTimer(decision)).toBeUndefined();
    if (decision.kind === 'settle') {
      const event = decision.run.outbox.find((action) => action.kind === 'publish');
      expect(event?.kind === 'publish' && event.event.detail).toMatchObject({ missingTasks: 1, alert: { category: 'job-failing' } });
    }
  });

  it("is a failed attempt of category capacity, which the job's retry policy retries, when the launch gave up for lack of capacity", () => {
    const run = launchedRun([COMPLETED], {
      launch: {
        count: 2,
        firstProviderIndex: 0,
        rounds: 2,
        gaveUpBecause: 'no capacity after 2 rounds over FARGATE_SPOT → FARGATE',
        capacityExhausted: true,
      },
      missingTasks: 1,
    });

    const decision = decideJobStop(input(run, COMPLETED, { job: RETRY_THREE_TIMES }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: {
        status: 'failed',
        category: 'capacity',
        reason: '1 of 2 tasks never started: no capacity after 2 rounds over FARGATE_SPOT → FARGATE',
      },
    });
    expect(retryTimer(decision)).toEqual({ attempt: 2, at: '2026-11-22T02:42:50.000Z' });
  });
});

describe('decideJobStop: the attempt after a Spot interruption', () => {
  const onSpot = stoppedTask({
    taskId: 'f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6',
    capacityProviderName: 'FARGATE_SPOT',
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    containers: [{ name: 'report', exitCode: 143 }],
  });
  const spotJob = (retry: Record<string, unknown> = {}) =>
    jobSpec({
      capacityProviders: ['FARGATE_SPOT', 'FARGATE'],
      network: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0e1f2a3b'] },
      retry: { attempts: 2, ...retry },
    });

  it('launches on the next capacity provider, on-demand after Spot (the default), and says so', () => {
    const decision = decideJobStop(input(launchedRun([onSpot], { capacityProvider: 'FARGATE_SPOT' }), onSpot, { job: spotJob() }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: {
        category: 'spot-interruption',
        retry: {
          willRetry: true,
          capacityProvider: 'FARGATE',
          because: 'no rule matched; otherwise: retry: attempt 2 of 2 in 60s on FARGATE after the Spot interruption on FARGATE_SPOT',
        },
      },
    });
    expect(retryTimer(decision)).toMatchObject({ attempt: 2, capacityProvider: 'FARGATE' });
  });

  it("launches in the job's own order when the job says afterSpotInterruption: same", () => {
    const decision = decideJobStop(input(launchedRun([onSpot]), onSpot, { job: spotJob({ afterSpotInterruption: 'same' }) }));

    expect(retryTimer(decision)).toEqual({ attempt: 2, at: expect.any(String) });
  });

  it('has nowhere else to go when the interrupted provider is the last one', () => {
    const onlySpot = jobSpec({
      capacityProviders: ['FARGATE_SPOT'],
      network: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0e1f2a3b'] },
      retry: { attempts: 2 },
    });

    expect(retryTimer(decideJobStop(input(launchedRun([onSpot]), onSpot, { job: onlySpot })))).toEqual({
      attempt: 2,
      at: expect.any(String),
    });
  });

  it('rejects any other value of afterSpotInterruption in automation.yml', () => {
    expect(() => spotJob({ afterSpotInterruption: 'on-demand' })).toThrow(
      /jobs\.nightly-report\.retry\.afterSpotInterruption: .*"next-provider".*"same"/,
    );
  });
});

describe('decideJobStop: essential containers', () => {
  const SIDECAR_FAILED = {
    containers: [
      { name: 'report', exitCode: 0 },
      { name: 'log-router', exitCode: 1 },
    ],
  };
  const APP_FAILED = {
    containers: [
      { name: 'report', exitCode: 2 },
      { name: 'log-router', exitCode: 1 },
    ],
  };

  it('settles as succeeded when only a sidecar exited non-zero', () => {
    const stop = stoppedTask(SIDECAR_FAILED, ['report']);

    const decision = decideJobStop(input(launchedRun([stop]), stop, { essentialContainers: ['report'] }));

    expect(decision).toMatchObject({
      kind: 'settle',
      run: { status: 'succeeded', taskOutcomes: { [stop.taskArn]: { category: 'completed', exitCodes: { report: 0 } } } },
    });
  });

  it("hands the retry rules only the essential containers' exit codes", () => {
    const job = jobSpec({ retry: { attempts: 3, evaluateOnExit: [{ onExitCode: '1', action: 'exit' }] } });
    const knownEssentials = stoppedTask(APP_FAILED, ['report']);
    const unknownEssentials = stoppedTask(APP_FAILED);

    const withEssentials = decideJobStop(input(launchedRun([knownEssentials]), knownEssentials, { job, essentialContainers: ['report'] }));
    const withoutEssentials = decideJobStop(input(launchedRun([unknownEssentials]), unknownEssentials, { job }));

    expect(withEssentials).toMatchObject({ kind: 'settle', run: { retry: { willRetry: true } } });
    expect(retryTimer(withEssentials)).toMatchObject({ attempt: 2 });
    expect(withoutEssentials).toMatchObject({
      kind: 'settle',
      run: { retry: { willRetry: false, because: 'evaluateOnExit rule 1 (onExitCode 1) says exit' } },
    });
    expect(retryTimer(withoutEssentials)).toBeUndefined();
  });
});

describe('taskOutcome', () => {
  it('keeps the category, every exit code and stoppedAt when the essential containers are unknown', () => {
    const stop = stoppedTask({ containers: [{ name: 'report', exitCode: 2 }, { name: 'log-router', exitCode: 1 }, { name: 'init' }] });

    expect(taskOutcome(stop, undefined)).toEqual({
      category: 'app-error',
      exitCodes: { report: 2, 'log-router': 1, init: null },
      stoppedAt: STOPPED_AT,
    });
  });

  it('keeps only the essential containers’ exit codes when they are known', () => {
    const stop = stoppedTask(
      {
        containers: [
          { name: 'report', exitCode: 2 },
          { name: 'log-router', exitCode: 1 },
        ],
      },
      ['report'],
    );

    expect(taskOutcome(stop, ['report'])).toEqual({ category: 'app-error', exitCodes: { report: 2 }, stoppedAt: STOPPED_AT });
  });

  it('writes null for a container that never ran', () => {
    expect(taskOutcome(fixtureStop('volume-creation-failed'), undefined)).toEqual({
      category: 'failed-to-start',
      exitCodes: { archiver: null },
      stoppedAt: '2026-11-22T03:16:12.304Z',
    });
  });
});

describe('decideJobStop: success (a completions policy)', () => {
  const THIRD = taskOfRun('c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3', 0);
  const atLeastTwo = jobSpec({ count: 3, success: { atLeast: 2 }, retry: { attempts: 3 } });
  const outcomes = (...tasks: StoppedTaskSummary[]) => Object.fromEntries(tasks.map((t) => [t.taskArn, taskOutcome(t, undefined)]));

  it('succeeds a run of three when two exited 0 and one failed, with atLeast 2, once the last task ended', () => {
    const run = launchedRun([COMPLETED, FAILED, THIRD], {
      launch: { count: 3, firstProviderIndex: 0, rounds: 0 },
      taskOutcomes: outcomes(COMPLETED, FAILED),
      stop: FAILED,
    });

    const decision = decideJobStop(input(run, THIRD, { job: atLeastTwo }));

    expect(decision).toMatchObject({ kind: 'settle', run: { status: 'succeeded', reason: '2 of 3 tasks exited 0 (success: atLeast 2)' } });
    expect(retryTimer(decision)).toBeUndefined();
  });

  it('waits for every task, even once enough succeeded: the run is over when all its tasks are', () => {
    const run = launchedRun([COMPLETED, FAILED, THIRD], {
      launch: { count: 3, firstProviderIndex: 0, rounds: 0 },
      taskOutcomes: outcomes(COMPLETED),
    });

    expect(decideJobStop(input(run, THIRD, { job: atLeastTwo }))).toMatchObject({ kind: 'record', run: { status: 'launched' } });
  });

  it('fails, and retries, when fewer than atLeast exited 0', () => {
    const secondFailure = taskOfRun('d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4', 1);
    const run = launchedRun([COMPLETED, FAILED, secondFailure], {
      launch: { count: 3, firstProviderIndex: 0, rounds: 0 },
      taskOutcomes: outcomes(COMPLETED, FAILED),
      stop: FAILED,
    });

    const decision = decideJobStop(input(run, secondFailure, { job: atLeastTwo }));

    expect(decision).toMatchObject({ kind: 'settle', run: { status: 'failed', category: 'app-error' } });
    expect(retryTimer(decision)).toMatchObject({ attempt: 2 });
  });

  it('fails with all (the default) when any task failed', () => {
    const run = launchedRun([COMPLETED, FAILED], { taskOutcomes: outcomes(COMPLETED), stop: COMPLETED });

    expect(decideJobStop(input(run, FAILED, { job: jobSpec({ count: 2 }) }))).toMatchObject({ kind: 'settle', run: { status: 'failed' } });
  });
});
