/**
 * The effects for watched standalone tasks: launching a restart from the config's spec (never a guess
 * from the stopped task), delayed restarts as timers, pausing and resuming. Decisions come from
 * decide-restart.ts; this is the only place that acts on them.
 */
import { RunTaskCommand, type RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { clusterNameOf } from '../config/cluster.ts';
import type { WatchedTaskSpec } from '../config/schema.ts';
import { RetryableAwsError } from '../errors.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { AutopilotEvent } from '../events/bus.ts';
import {
  STOPPED_TASK_DETAIL_TYPES,
  type WatchedTaskRestartedDetail,
  type WatchedTaskResumedDetail,
} from '../events/stopped-task-events.ts';
import { outcomeOfRunTask, outcomeOfRunTaskError } from '../jobs/launch-outcome.ts';
import { startedByForWatchedTask, TAG } from '../jobs/ownership.ts';
import { launchParameters } from '../jobs/run-task-request.ts';
import { StaleWriteError } from '../state/versioned.ts';
import { timerName } from '../timers/timers.ts';
import { decideResume, type WatchState } from './decide-restart.ts';
import type { StopTimer } from './function-input.ts';
import type { StopRuntime } from './runtime.ts';
import { latestRevisionArn } from './task-definitions.ts';

/** A paused task is checked this often for a new task definition revision. */
export const PAUSED_CHECK_SECONDS = 300;
/** A restart that cannot launch (no capacity, throttled) is tried again, this many times in all. */
const MAX_RESTART_TRIES = 10;

export function watchedTaskRunRequest(spec: WatchedTaskSpec, replacing: string, providerIndex: number): RunTaskCommandInput {
  return {
    ...launchParameters(spec, providerIndex),
    count: 1,
    group: spec.group,
    startedBy: startedByForWatchedTask(spec.name),
    // One restart per stopped task: a second delivery of the same timer gets the same task back.
    clientToken: timerName('restart', spec.name, replacing, providerIndex),
    tags: [...Object.entries(spec.tags).map(([key, value]) => ({ key, value })), { key: TAG.watchedTask, value: spec.name }],
  };
}

export type RestartLaunch = { kind: 'started'; taskArn: string } | { kind: 'failed'; reason: string; retryable: boolean };

/** RunTask from the spec, falling back through its capacity providers once. */
export async function launchRestart(spec: WatchedTaskSpec, replacing: string, rt: StopRuntime): Promise<RestartLaunch> {
  const providers = 'capacityProviders' in spec.launch ? spec.launch.capacityProviders.length : 1;
  const reasons: string[] = [];
  let retryable = false;
  for (let providerIndex = 0; providerIndex < providers; providerIndex++) {
    let outcome: ReturnType<typeof outcomeOfRunTask>;
    try {
      outcome = outcomeOfRunTask(await rt.ecs.send(new RunTaskCommand(watchedTaskRunRequest(spec, replacing, providerIndex))), 1);
    } catch (error) {
      outcome = outcomeOfRunTaskError(error);
    }
    if (outcome.kind === 'started' && outcome.taskArns[0]) return { kind: 'started', taskArn: outcome.taskArns[0] };
    if (outcome.kind === 'started') continue;
    reasons.push(outcome.reason);
    if (outcome.kind === 'permanent') return { kind: 'failed', reason: outcome.reason, retryable: false };
    retryable = true;
  }
  return { kind: 'failed', reason: reasons.join('; ') || 'RunTask started nothing', retryable };
}

/** Launches a restart now and returns its event, or re-arms the restart timer when it cannot launch yet. */
export async function restartWatchedTask(
  spec: WatchedTaskSpec,
  replacing: string,
  attempt: number,
  rt: StopRuntime,
): Promise<AutopilotEvent | undefined> {
  const launched = await launchRestart(spec, replacing, rt);
  if (launched.kind === 'started') {
    rt.log.info('restarted a watched task', { watchedTask: spec.name, taskArn: launched.taskArn, replacing });
    const state = await rt.watches.get(spec.name);
    const detail: WatchedTaskRestartedDetail = {
      watchedTask: spec.name,
      cluster: spec.cluster,
      taskArns: [launched.taskArn],
      taskDefinition: spec.taskDefinition,
      replacing,
      restartsInWindow: state?.restarts.length ?? 0,
    };
    return {
      detailType: STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted,
      detail: { ...detail },
      resources: [launched.taskArn],
      time: rt.now(),
    };
  }
  if (!launched.retryable || attempt >= MAX_RESTART_TRIES) {
    throw new RetryableAwsError(`could not restart watched task ${spec.name} (try ${attempt}): ${launched.reason}`);
  }
  const waitSeconds = Math.min(300, 30 * attempt);
  rt.log.warn('restart could not launch; trying again later', { watchedTask: spec.name, reason: launched.reason, waitSeconds });
  await rt.timers.set({
    name: timerName('restart', spec.name, replacing, attempt + 1),
    at: new Date(rt.now().getTime() + waitSeconds * 1000),
    target: 'on-task-stopped',
    input: { timer: 'restart-watched-task', watchedTask: spec.name, replacing, try: attempt + 1 } satisfies StopTimer,
  });
  return undefined;
}

/** A delayed restart's timer fired. */
export async function onRestartTimer(timer: Extract<StopTimer, { timer: 'restart-watched-task' }>, rt: StopRuntime) {
  const spec = rt.automation.watchedTasks[timer.watchedTask];
  if (!spec) {
    rt.log.warn('restart timer for a watched task no longer in automation.yml; nothing to do', { watchedTask: timer.watchedTask });
    return { watchedTask: timer.watchedTask, action: 'none' as const };
  }
  const state = await rt.watches.get(spec.name);
  if (state?.paused) {
    rt.log.info('restarts are paused; the timer does nothing', { watchedTask: spec.name });
    return { watchedTask: spec.name, action: 'paused' as const };
  }
  const event = await restartWatchedTask(spec, timer.replacing, timer.try, rt);
  if (event) await rt.bus.publish([event]);
  return { watchedTask: spec.name, action: event ? ('restarted' as const) : ('retry-later' as const) };
}

/** Every PAUSED_CHECK_SECONDS while paused: a newer revision of the family resumes restarts. */
export async function onPausedCheckTimer(timer: Extract<StopTimer, { timer: 'check-paused-watched-task' }>, rt: StopRuntime) {
  const spec = rt.automation.watchedTasks[timer.watchedTask];
  if (!spec) return { watchedTask: timer.watchedTask, action: 'none' as const };
  const state = await rt.watches.get(spec.name);
  if (!state?.paused) return { watchedTask: spec.name, action: 'none' as const };
  const family = spec.taskDefinition.split(':')[0] ?? spec.taskDefinition;
  // A pinned revision (family:12) changes only with automation.yml: only `resume` can help then.
  const latest = spec.taskDefinition.includes(':') ? undefined : await latestRevisionArn(rt.ecs, family);
  const result = await resume(spec, state, { by: 'new-task-definition', latestTaskDefinitionArn: latest }, rt);
  if (result.action === 'stay') await armPausedCheck(spec, rt);
  return result;
}

export async function armPausedCheck(spec: WatchedTaskSpec, rt: StopRuntime): Promise<void> {
  const at = new Date(rt.now().getTime() + PAUSED_CHECK_SECONDS * 1000);
  await rt.timers.set({
    name: timerName('paused-check', spec.name, at.toISOString()),
    at,
    target: 'on-task-stopped',
    input: { timer: 'check-paused-watched-task', watchedTask: spec.name } satisfies StopTimer,
  });
}

/** `ecs-autopilot resume <name>`: restarts resume and one task starts now. */
export async function resumeWatchedTask(name: string, rt: StopRuntime) {
  const spec = rt.automation.watchedTasks[name];
  if (!spec) {
    const known = Object.keys(rt.automation.watchedTasks).join(', ') || 'none';
    throw new RangeError(`"${name}" is not a watched task in automation.yml (watched tasks: ${known})`);
  }
  return resume(spec, await rt.watches.get(name), { by: 'resume-command' }, rt);
}

async function resume(
  spec: WatchedTaskSpec,
  state: WatchState | undefined,
  trigger: Parameters<typeof decideResume>[1],
  rt: StopRuntime,
): Promise<{ watchedTask: string; action: 'resumed' | 'stay'; reason: string; taskArn?: string }> {
  const decision = decideResume(state, trigger);
  if (decision.kind === 'stay') return { watchedTask: spec.name, action: 'stay', reason: decision.reason };
  try {
    await rt.watches.save(decision.state);
  } catch (error) {
    if (error instanceof StaleWriteError) return { watchedTask: spec.name, action: 'stay', reason: 'another change came first' };
    throw error;
  }
  const resumed: WatchedTaskResumedDetail = {
    watchedTask: spec.name,
    cluster: spec.cluster,
    by: trigger.by,
    taskDefinition: spec.taskDefinition,
  };
  // Ends the crash-loop alert the pause opened (notify sends its resolved message).
  const resolvesPause: AlertBlock = {
    cluster: clusterNameOf(spec.cluster),
    subject: { kind: 'watched-task', name: spec.name },
    category: 'crash-loop',
    severity: 'warning',
    resolves: true,
  };
  const events: AutopilotEvent[] = [
    {
      detailType: STOPPED_TASK_DETAIL_TYPES.watchedTaskResumed,
      detail: { ...resumed, reason: decision.reason, alert: resolvesPause },
      time: rt.now(),
    },
  ];
  const replacing = `resume-${decision.state.version}`;
  const restarted = await restartWatchedTask(spec, replacing, 1, rt);
  if (restarted) events.push(restarted);
  await rt.bus.publish(events);
  const taskArn = restarted?.resources?.[0];
  return { watchedTask: spec.name, action: 'resumed', reason: decision.reason, ...(taskArn && { taskArn }) };
}
