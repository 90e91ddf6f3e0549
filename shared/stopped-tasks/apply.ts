/**
 * The effects of on-task-stopped's decisions about watched tasks and services: the only code here that
 * talks to AWS for them. Every action is keyed, so doing it again after a failure or a crash is harmless:
 * a restart's RunTask carries a client token made of the task it replaces, the try and the capacity
 * provider; a timer is known by its name; an event by its id.
 *
 * Failures: throttling, 5xx or no answer throw RetryableAwsError, so the trigger delivers again and the
 * saved outbox is done then; what RunTask refuses for good (a permission, a parameter, a task definition)
 * or cannot place (no capacity), and a timer Scheduler refuses, are answered as outcomes, for the decision
 * to retry later or to record, publish and alert.
 */
import { RunTaskCommand, type RunTaskCommandInput, type RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import { type AwsErrorLike, isTransientAwsError } from '../aws/transient-errors.ts';
import type { WatchedTaskSpec } from '../config/schema.ts';
import { RetryableAwsError } from '../errors.ts';
import { busEventOf, type PendingEvent } from '../events/pending-event.ts';
import { outcomeOfRunTask, outcomeOfRunTaskError } from '../jobs/launch-outcome.ts';
import { startedByForWatchedTask, TAG } from '../jobs/ownership.ts';
import { launchParameters } from '../jobs/run-task-request.ts';
import { timerName } from '../timers/timers.ts';
import type { PendingTimer, RestartLaunchRequest } from './actions.ts';
import type { RestartLaunchOutcome } from './decide-restart.ts';
import type { StopRuntime } from './runtime.ts';

export function watchedTaskRunRequest(spec: WatchedTaskSpec, launch: RestartLaunchRequest, providerIndex: number): RunTaskCommandInput {
  return {
    ...launchParameters(spec, providerIndex),
    count: 1,
    group: spec.group,
    startedBy: startedByForWatchedTask(spec.name),
    // One task per restart and try: a second launch of the same one gets the same task back.
    clientToken: timerName('restart', spec.name, launch.replacing, launch.try, providerIndex),
    tags: [...Object.entries(spec.tags).map(([key, value]) => ({ key, value })), { key: TAG.watchedTask, value: spec.name }],
  };
}

/** RunTask from the spec in automation.yml (never a guess from the stopped task), along its capacity providers. */
export async function launchRestart(spec: WatchedTaskSpec, launch: RestartLaunchRequest, rt: StopRuntime): Promise<RestartLaunchOutcome> {
  const providers = 'capacityProviders' in spec.launch ? spec.launch.capacityProviders.length : 1;
  const shortages: string[] = [];
  for (let providerIndex = 0; providerIndex < providers; providerIndex++) {
    let answer: RunTaskCommandOutput;
    try {
      answer = await rt.ecs.send(new RunTaskCommand(watchedTaskRunRequest(spec, launch, providerIndex)));
    } catch (error) {
      const outcome = outcomeOfRunTaskError(error);
      if (outcome.kind === 'retryable')
        throw new RetryableAwsError(`restarting watched task ${spec.name}: ${outcome.reason}`, { cause: error });
      if (outcome.kind === 'no-capacity') {
        shortages.push(outcome.reason);
        continue;
      }
      const { name = 'Error', message = String(error) } = (error ?? {}) as AwsErrorLike;
      return { kind: 'refused', reason: `${name}: ${message}` };
    }
    const outcome = outcomeOfRunTask(answer, 1);
    if (outcome.kind === 'started' && outcome.taskArns[0]) return { kind: 'started', taskArn: outcome.taskArns[0] };
    if (outcome.kind === 'permanent') return { kind: 'refused', reason: outcome.reason };
    shortages.push(outcome.kind === 'started' ? 'RunTask started no task' : outcome.reason);
  }
  return { kind: 'no-capacity', reason: shortages.join('; ') };
}

export type TimerSet = { kind: 'set' } | { kind: 'refused'; reason: string };

/** A timer decided earlier and set only now (a redelivery) is due at once rather than in the past. */
export async function setTimer(timer: PendingTimer, rt: Pick<StopRuntime, 'timers' | 'now'>): Promise<TimerSet> {
  const at = new Date(Math.max(Date.parse(timer.at), rt.now().getTime()));
  try {
    await rt.timers.set({ ...timer, at });
    return { kind: 'set' };
  } catch (error) {
    if (!isAwsError(error)) throw error;
    if (isTransientAwsError(error))
      throw new RetryableAwsError(`setting timer ${timer.name}: ${error.name}: ${error.message}`, { cause: error });
    return { kind: 'refused', reason: `${error.name}: ${error.message}` };
  }
}

/** An error the AWS SDK threw for a request (it carries the response's metadata), as opposed to our own. */
export function isAwsError(error: unknown): error is Error {
  return error instanceof Error && '$metadata' in error;
}

export async function publishEvents(events: PendingEvent[], rt: Pick<StopRuntime, 'bus'>): Promise<void> {
  if (events.length > 0) await rt.bus.publish(events.map(busEventOf));
}
