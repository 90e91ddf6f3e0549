/**
 * A task of a job's run stopped: record how it ended and, once every task of the run has, settle the
 * run — succeeded, or failed with its category, exit codes and what the retry policy does. Pure.
 */
import type { JobSpec } from '../config/schema.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import type { RunRecord, TaskOutcome } from '../jobs/run-record.ts';
import { isSuccess } from './categories.ts';
import { decideRetry } from './retry-policy.ts';

export interface JobStopInput {
  run: RunRecord;
  job: JobSpec;
  stop: StoppedTaskSummary;
  /** The task definition's essential containers, when known: only their exit codes decide. */
  essentialContainers: string[] | undefined;
  now: Date;
}

export type JobStopDecision =
  /** Nothing to change: the run settled already (timed out, replaced) or this stop was recorded. */
  | { kind: 'ignore'; reason: string }
  /** The run is still launching (waiting for capacity for its other tasks): come back when it is launched. */
  | { kind: 'wait'; reason: string }
  /** Other tasks of the run still run: keep this one's outcome and wait for them. */
  | { kind: 'record'; run: RunRecord }
  /** The run is over. With retryAt set, a new attempt of the same firing follows. */
  | { kind: 'settle'; run: RunRecord; retry: { attempt: number; at: Date } | undefined };

export function decideJobStop(input: JobStopInput): JobStopDecision {
  const { run, job, stop, now } = input;
  if (run.taskOutcomes?.[stop.taskArn]) return { kind: 'ignore', reason: `the stop of ${stop.taskId} is already recorded` };
  const outcome = taskOutcome(stop, input.essentialContainers);
  const taskOutcomes = { ...run.taskOutcomes, [stop.taskArn]: outcome };
  const nowIso = now.toISOString();
  // The launching invocation owns the record until it settles it; writing now would fail its save.
  if (run.status === 'launching') return { kind: 'wait', reason: `run ${run.scheduledTime} #${run.attempt} is still launching` };
  if (run.status !== 'launched') {
    // The watchdog (timed-out) or a newer run (replaced) settled it first; keep the fact, change nothing else.
    return { kind: 'record', run: { ...run, taskOutcomes, updatedAt: nowIso } };
  }
  const waitingFor = run.taskArns.filter((arn) => !taskOutcomes[arn]);
  const firstFailure = firstFailingStop(run, stop, outcome);
  if (waitingFor.length > 0) {
    return { kind: 'record', run: { ...run, taskOutcomes, ...(firstFailure && { stop: firstFailure }), updatedAt: nowIso } };
  }
  const endedAt = stop.stoppedAt ?? nowIso;
  if (!firstFailure) {
    return {
      kind: 'settle',
      run: {
        ...run,
        status: 'succeeded',
        reason: run.taskArns.length > 1 ? `all ${run.taskArns.length} tasks exited 0` : stop.classification.because,
        taskOutcomes,
        stop,
        endedAt,
        updatedAt: nowIso,
        eventPublished: false,
      },
      retry: undefined,
    };
  }
  const failedOutcome = taskOutcomes[firstFailure.taskArn] ?? outcome;
  const retry = decideRetry(
    job.retry,
    {
      attempt: run.attempt,
      category: failedOutcome.category,
      exitCodes: Object.values(failedOutcome.exitCodes).filter((code): code is number => code !== null),
      reasons: [firstFailure.stoppedReason, ...firstFailure.containers.map((c) => c.reason)].filter((r): r is string => !!r),
    },
    now,
  );
  return {
    kind: 'settle',
    run: {
      ...run,
      status: 'failed',
      reason: `${failedOutcome.category}: ${firstFailure.classification.because}`,
      category: failedOutcome.category,
      taskOutcomes,
      stop: firstFailure,
      retry,
      endedAt,
      updatedAt: nowIso,
      eventPublished: false,
    },
    retry: retry.willRetry ? { attempt: retry.nextAttempt, at: new Date(retry.retryAt) } : undefined,
  };
}

export function taskOutcome(stop: StoppedTaskSummary, essentialContainers: string[] | undefined): TaskOutcome {
  const deciding = essentialContainers ? stop.containers.filter((c) => essentialContainers.includes(c.name)) : stop.containers;
  return {
    category: stop.classification.category,
    exitCodes: Object.fromEntries(deciding.map((c) => [c.name, c.exitCode ?? null])),
    stoppedAt: stop.stoppedAt,
  };
}

/** The run's first failing task decides its category: the one already recorded, or this one. */
function firstFailingStop(run: RunRecord, stop: StoppedTaskSummary, outcome: TaskOutcome): StoppedTaskSummary | undefined {
  if (run.stop && !isSuccess(run.stop.classification.category)) return run.stop;
  return isSuccess(outcome.category) ? undefined : stop;
}
