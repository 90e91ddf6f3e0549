/**
 * The effects of a job run: the only code that changes AWS for one (besides the run record itself). Each
 * action is keyed and idempotent, so applying it again after a crash changes nothing more:
 * - run-task: RunTask with the client token of its task slot and try — ECS answers a repeated token with
 *   the task it started the first time — answered with what it came to (decide.ts takes it from there);
 * - stop-task: StopTask (a stopped task stays stopped; one ECS forgot is gone already);
 * - publish: the event under its deterministic id, which consumers take once;
 * - set-timer: a one-time schedule named after the retry (setting it again is a conflict, taken as done).
 * (replace-run moves another run record: handle.ts does it, as it handles any run.)
 *
 * Failures: a transient AWS error (throttling, 5xx, no answer) throws RetryableAwsError, so the trigger
 * retries; a permanent one of StopTask or of a timer is answered `refused`, and the run says so (and
 * alerts) rather than being retried for ever. RunTask's errors are outcomes (launch-outcome.ts). Anything
 * that is not an AWS error (a bug, the invocation dying) is thrown as it is.
 */
import { RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { isTransientAwsError } from '../aws/transient-errors.ts';
import type { JobSpec } from '../config/schema.ts';
import { RetryableAwsError } from '../errors.ts';
import { busEventOf } from '../events/pending-event.ts';
import { launchClientToken } from './client-token.ts';
import { type LaunchOutcome, outcomeOfRunTask, outcomeOfRunTaskError } from './launch-outcome.ts';
import type { RunAction, RunRecord, RunTaskAction } from './run-record.ts';
import { capacityOfTry, runTaskRequest } from './run-task-request.ts';
import type { JobRuntime } from './runtime.ts';

/** Scheduler invokes one-time schedules to the minute: the soonest a timer can be set to fire. */
const SOONEST_TIMER_SECONDS = 60;

/** What applying the actions of a run needs. */
export type RunEffects = Pick<JobRuntime, 'ecs' | 'runs' | 'bus' | 'timers' | 'log' | 'now'>;

export type Applied = { kind: 'done' } | { kind: 'refused'; error: string };

/** An error the AWS SDK threw for a request (it carries the response's metadata), as opposed to our own. */
function isAwsError(error: unknown): error is Error {
  return error instanceof Error && '$metadata' in error;
}

/** Applies an action other than run-task and replace-run. */
export async function applyAction(
  action: Exclude<RunAction, RunTaskAction | { kind: 'replace-run' }>,
  run: RunRecord,
  rt: RunEffects,
): Promise<Applied> {
  try {
    switch (action.kind) {
      case 'publish':
        await rt.bus.publish([busEventOf(action.event)]);
        return { kind: 'done' };
      case 'set-timer': {
        // A timer applied after its time (a crash left it to a late redelivery) fires as soon as Scheduler can.
        const at = new Date(Math.max(Date.parse(action.at), rt.now().getTime() + SOONEST_TIMER_SECONDS * 1000));
        await rt.timers.set({ name: action.name, at, target: 'run-batch-job', input: action.input });
        return { kind: 'done' };
      }
      case 'stop-task':
        await rt.ecs.send(new StopTaskCommand({ cluster: run.cluster, task: action.taskArn, reason: action.reason }));
        rt.log.info('stopped a task of a run', { job: run.job, taskArn: action.taskArn, reason: action.reason });
        return { kind: 'done' };
    }
  } catch (error) {
    if (!isAwsError(error)) throw error;
    if (isTransientAwsError(error)) {
      throw new RetryableAwsError(`${action.kind} for ${run.job} failed for now: ${error.name}: ${error.message}`, { cause: error });
    }
    // ECS forgets a task an hour after it stopped: what StopTask was for is so already.
    if (action.kind === 'stop-task' && /not found/i.test(error.message)) return { kind: 'done' };
    rt.log.error('an action of a run was refused', { job: run.job, action: action.kind, error });
    return { kind: 'refused', error: `${error.name}: ${error.message}` };
  }
}

/** One RunTask of a task slot, after the wait its round asks for; answers with what it came to. */
export async function runTask(
  action: RunTaskAction,
  run: RunRecord,
  job: JobSpec,
  rt: RunEffects & Pick<JobRuntime, 'sleep' | 'essentialContainers'>,
): Promise<LaunchOutcome> {
  const capacity = capacityOfTry(job, action.providerIndex);
  if (action.notBefore) {
    const waitSeconds = (Date.parse(action.notBefore) - rt.now().getTime()) / 1000;
    if (waitSeconds > 0) {
      rt.log.info('no capacity anywhere; waiting before the next round', { job: job.name, waitSeconds });
      await rt.sleep(waitSeconds);
    }
  }
  let outcome: LaunchOutcome;
  try {
    const request = runTaskRequest(job, {
      scheduledTime: run.scheduledTime,
      attempt: run.attempt,
      providerIndex: action.providerIndex,
      count: 1,
      clientToken: launchClientToken(job.name, run.scheduledTime, run.attempt, action.slot, action.try),
      taskIndex: action.slot,
      taskCount: run.launch?.count ?? job.count,
      essentialContainers: await rt.essentialContainers(job.taskDefinition),
    });
    outcome = outcomeOfRunTask(await rt.ecs.send(new RunTaskCommand(request)), 1);
  } catch (error) {
    if (!isAwsError(error)) throw error;
    outcome = outcomeOfRunTaskError(error);
  }
  if (outcome.kind === 'started') rt.log.info('task started', { job: job.name, slot: action.slot, taskArns: outcome.taskArns, capacity });
  else rt.log.warn('launch try failed', { job: job.name, slot: action.slot, capacity, outcome: outcome.kind, reason: outcome.reason });
  return outcome;
}
