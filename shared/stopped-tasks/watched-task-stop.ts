/**
 * A watched task, end to end: its stop (or Spot notice), a delayed restart's timer, the check of a paused
 * task for a new revision, and `ecs-autopilot resume`. Each loads the task's state, decides (pure:
 * decide-restart.ts), saves the new state with the decided actions as its outbox in one versioned write,
 * then does them (apply.ts) and clears the outbox. An outbox an earlier invocation left (it failed or died
 * midway) is done first, so its work is finished exactly once; a lost write race starts over from the load.
 */
import type { WatchedTaskSpec } from '../config/schema.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { retryOnStaleWrite } from '../state/versioned.ts';
import type { RestartLaunchRequest, StopAction } from './actions.ts';
import { launchRestart, publishEvents, setTimer } from './apply.ts';
import {
  decidePausedCheck,
  decideRestartLaunched,
  decideRestartTimer,
  decideResume,
  decideWatchedTaskStop,
  type WatchDecision,
  type WatchState,
} from './decide-restart.ts';
import { latestRevision } from './load.ts';
import type { StopRuntime } from './runtime.ts';
import type { PausedCheckTimer, RestartTimer } from './trigger.ts';

/** What an invocation did for a watched task. */
export interface WatchedTaskOutcome {
  watchedTask: string;
  action: 'restarted' | 'retry-later' | 'paused' | 'resumed' | 'stay' | 'none';
  reason: string;
  /** The task a restart started. */
  taskArn?: string;
}

export async function onWatchedTaskStopped(spec: WatchedTaskSpec, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  const settled = await settle(spec, rt, async (state) => decideWatchedTaskStop(spec, stop, state, rt.now()));
  return settled.reason;
}

/** A delayed restart's timer fired. */
export async function onRestartTimer(timer: RestartTimer, rt: StopRuntime): Promise<WatchedTaskOutcome> {
  const spec = rt.automation.watchedTasks[timer.watchedTask];
  if (!spec) {
    rt.log.warn('restart timer for a watched task no longer in automation.yml; nothing to do', { watchedTask: timer.watchedTask });
    return { watchedTask: timer.watchedTask, action: 'none', reason: 'not in automation.yml' };
  }
  const settled = await settle(spec, rt, async (state) => decideRestartTimer(timer, state));
  const action = settled.taskArn ? 'restarted' : settled.state?.paused ? 'paused' : 'retry-later';
  return { watchedTask: spec.name, action, reason: settled.reason, ...(settled.taskArn && { taskArn: settled.taskArn }) };
}

/** Every few minutes while paused: a newer revision of the family resumes restarts. */
export async function onPausedCheckTimer(timer: PausedCheckTimer, rt: StopRuntime): Promise<WatchedTaskOutcome> {
  const spec = rt.automation.watchedTasks[timer.watchedTask];
  if (!spec) return { watchedTask: timer.watchedTask, action: 'none', reason: 'not in automation.yml' };
  const family = spec.taskDefinition.split(':')[0] ?? spec.taskDefinition;
  const settled = await settle(spec, rt, async (state) => {
    // A pinned revision (family:12) changes only with automation.yml: only `resume` can help then.
    const latest = state?.paused && !spec.taskDefinition.includes(':') ? await latestRevision(family, rt) : undefined;
    return decidePausedCheck(spec, state, latest, rt.now());
  });
  return resumeOutcome(spec, settled);
}

/** `ecs-autopilot resume <name>`: restarts resume and one task starts now. */
export async function resumeWatchedTask(name: string, rt: StopRuntime): Promise<WatchedTaskOutcome> {
  const spec = rt.automation.watchedTasks[name];
  if (!spec) {
    const known = Object.keys(rt.automation.watchedTasks).join(', ') || 'none';
    throw new RangeError(`"${name}" is not a watched task in automation.yml (watched tasks: ${known})`);
  }
  return resumeOutcome(spec, await settle(spec, rt, async (state) => decideResume(spec, state, { by: 'resume-command' }, rt.now())));
}

function resumeOutcome(spec: WatchedTaskSpec, settled: Settled): WatchedTaskOutcome {
  if (!settled.decided) return { watchedTask: spec.name, action: 'stay', reason: settled.reason.replace(/^(stay|nothing): /, '') };
  return {
    watchedTask: spec.name,
    action: 'resumed',
    reason: settled.reason.replace(/^resumed: /, ''),
    ...(settled.taskArn && { taskArn: settled.taskArn }),
  };
}

interface Settled {
  /** The decision changed the state. */
  decided: boolean;
  /** What was decided and what its launches came to, in words. */
  reason: string;
  state: WatchState | undefined;
  taskArn?: string | undefined;
}

/** load → decide → save with the outbox → do it, after finishing an outbox an earlier invocation left. */
function settle(
  spec: WatchedTaskSpec,
  rt: StopRuntime,
  decide: (state: WatchState | undefined) => Promise<WatchDecision>,
): Promise<Settled> {
  return retryOnStaleWrite(async () => {
    let state = await rt.watches.get(spec.name);
    let taskArn: string | undefined;
    if (state?.outbox?.length) {
      rt.log.info('doing what an earlier invocation decided and may not have done', {
        watchedTask: spec.name,
        actions: state.outbox.map((action) => action.kind),
      });
      ({ state, taskArn } = await carryOut(spec, state, state.outbox, true, rt));
    }
    const decision = await decide(state);
    const saved = decision.state ? await rt.watches.save({ ...decision.state, outbox: decision.actions }, decision.record) : state;
    const done = await carryOut(spec, saved, decision.actions, decision.state !== undefined, rt);
    return {
      decided: decision.state !== undefined,
      reason: [decision.summary, ...done.notes].join('; '),
      state: done.state,
      taskArn: done.taskArn ?? taskArn,
    };
  });
}

interface Done {
  state: WatchState | undefined;
  taskArn: string | undefined;
  /** What the launches came to, when not a start. */
  notes: string[];
}

/**
 * Does `actions` in order, the events last in one call. A launch's outcome (or a restart's timer that
 * Scheduler refuses) goes back to the decision: its follow-ups are done too, and a state it changes (a
 * pause) is saved first, with everything not yet done as its outbox. With `saved` (the actions are
 * `state`'s outbox), the outbox is cleared at the end.
 */
async function carryOut(
  spec: WatchedTaskSpec,
  state: WatchState | undefined,
  actions: StopAction[],
  saved: boolean,
  rt: StopRuntime,
): Promise<Done> {
  let current = state;
  let outboxSaved = saved;
  let taskArn: string | undefined;
  const notes: string[] = [];
  const queue = [...actions];
  let events: PendingEvent[] = [];
  const followUp = async (next: WatchDecision) => {
    if (!next.state) {
      queue.push(...next.actions);
      return;
    }
    const outbox: StopAction[] = [...events.map((event) => ({ kind: 'publish' as const, event })), ...queue, ...next.actions];
    current = await rt.watches.save({ ...next.state, outbox });
    outboxSaved = true;
    events = [];
    queue.splice(0, queue.length, ...outbox);
  };
  for (let action = queue.shift(); action; action = queue.shift()) {
    switch (action.kind) {
      case 'publish':
        events.push(action.event);
        break;
      case 'set-timer': {
        const set = await setTimer(action.timer, rt);
        if (set.kind === 'set') break;
        const restart = restartOfTimer(action.timer.input);
        const refused = `its timer could not be set: ${set.reason}`;
        rt.log.error('Scheduler refused a timer', { watchedTask: spec.name, timer: action.timer.name, reason: set.reason });
        if (!restart) break; // A paused task's check: resume still resumes it, and the pause's alert says so.
        const next = decideRestartLaunched(spec, restart, { kind: 'refused', reason: refused }, current, rt.now());
        notes.push(next.summary);
        await followUp(next);
        break;
      }
      case 'launch-restart': {
        const outcome = await launchRestart(spec, action.launch, rt);
        const next = decideRestartLaunched(spec, action.launch, outcome, current, rt.now());
        if (outcome.kind === 'started') {
          taskArn = outcome.taskArn;
          rt.log.info('restarted a watched task', { watchedTask: spec.name, taskArn, replacing: action.launch.replacing });
        } else {
          notes.push(next.summary);
          rt.log.warn('a restart could not launch', { watchedTask: spec.name, replacing: action.launch.replacing, outcome: next.summary });
        }
        await followUp(next);
        break;
      }
    }
  }
  await publishEvents(events, rt);
  if (outboxSaved && current) current = await rt.watches.save({ ...current, outbox: [] });
  return { state: current, taskArn, notes };
}

/** The restart a restart timer's input launches, or undefined for another timer. */
function restartOfTimer(input: unknown): RestartLaunchRequest | undefined {
  const timer = input as Partial<RestartTimer>;
  if (timer.timer !== 'restart-watched-task' || !timer.replacing) return undefined;
  return { replacing: timer.replacing, try: timer.try ?? 1, taskDefinitionArn: timer.taskDefinitionArn };
}
