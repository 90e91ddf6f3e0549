/**
 * A task of a job's run stopped: record how it ended, whatever the run's state (a fact to keep), and when
 * it was the last outcome a launched run waited for, settle the run — succeeded, or failed with its
 * category, exit codes and what the retry policy does (shared/jobs/decide.ts). No stop waits for the
 * launch: a launch that finishes after the last stop settles the run itself. Pure.
 */
import type { JobSpec } from '../config/schema.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { settleWhenOver, withStopRecorded } from '../jobs/decide.ts';
import type { RunRecord, TaskOutcome } from '../jobs/run-record.ts';

export interface JobStopInput {
  run: RunRecord;
  job: JobSpec;
  stop: StoppedTaskSummary;
  /** The task definition's essential containers, when known: only their exit codes decide. */
  essentialContainers: string[] | undefined;
  now: Date;
}

export type JobStopDecision =
  /** Nothing to change: this stop is recorded already. */
  | { kind: 'ignore'; reason: string }
  /** The run goes on (other tasks still run, or it is still launching), or it settled earlier: keep this task's outcome. */
  | { kind: 'record'; run: RunRecord }
  /** The run is over: its event (and a retry's timer) are in its outbox. */
  | { kind: 'settle'; run: RunRecord };

export function decideJobStop(input: JobStopInput): JobStopDecision {
  const { run, job, stop, now } = input;
  if (run.taskOutcomes?.[stop.taskArn]) return { kind: 'ignore', reason: `the stop of ${stop.taskId} is already recorded` };
  const recorded = withStopRecorded(run, stop, taskOutcome(stop, input.essentialContainers), now);
  const settled = settleWhenOver(recorded, job, now);
  return settled ? { kind: 'settle', run: settled } : { kind: 'record', run: recorded };
}

export function taskOutcome(stop: StoppedTaskSummary, essentialContainers: string[] | undefined): TaskOutcome {
  const deciding = essentialContainers ? stop.containers.filter((c) => essentialContainers.includes(c.name)) : stop.containers;
  return {
    category: stop.classification.category,
    exitCodes: Object.fromEntries(deciding.map((c) => [c.name, c.exitCode ?? null])),
    stoppedAt: stop.stoppedAt,
  };
}
