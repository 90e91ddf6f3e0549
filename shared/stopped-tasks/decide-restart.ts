/**
 * A watched standalone task stopped (or got its Spot notice): restart it or not, when, and whether its
 * crash-loop budget is spent. Kubernetes' restart policy and CrashLoopBackOff: back-off from `initial`
 * doubling to `max`, reset by a run of `resetAfter`; past `crashLoopBudget.restarts` restarts within
 * the window, restarts pause until `ecs-autopilot resume` or a new task definition revision. Pure.
 */
import { formatDuration } from '../config/duration.ts';
import type { WatchedTaskSpec } from '../config/schema.ts';
import type { StopCategory } from './categories.ts';
import type { Classification, TaskStopFacts } from './stop-facts.ts';

export interface WatchState {
  name: string;
  /** Restarts counted against the crash-loop budget (ISO times), oldest first, within the window. */
  restarts: string[];
  /** The category of the stop each restart answered, index for index with `restarts`. */
  restartCategories?: StopCategory[] | undefined;
  /** Failed runs since the last healthy one: the exponent of the back-off. */
  consecutiveFailures: number;
  paused?: { at: string; reason: string; taskDefinitionArn: string } | undefined;
  version: number;
}

export function freshWatchState(name: string): WatchState {
  return { name, restarts: [], consecutiveFailures: 0, version: 0 };
}

export type RestartDecision =
  | { kind: 'no-restart'; reason: string }
  /** Already paused: the budget was spent earlier; nothing restarts until a resume. */
  | { kind: 'paused'; reason: string }
  /** Not the application's fault (Spot, a lost host): at once, no back-off, not counted. */
  | { kind: 'restart-now'; reason: string }
  | { kind: 'restart-later'; reason: string; delaySeconds: number; at: Date; state: WatchState }
  /** The budget is spent: stop restarting and say so once. */
  | {
      kind: 'pause';
      reason: string;
      state: WatchState;
      restartsInWindow: number;
      /** The categories of the stops within the window, this one included. */
      categories: Partial<Record<StopCategory, number>>;
    };

export interface RestartInput {
  spec: WatchedTaskSpec;
  facts: TaskStopFacts;
  classification: Classification;
  state: WatchState | undefined;
  /** The task's replacement was started at its Spot notice already. */
  replacementStarted: boolean;
  now: Date;
}

export function decideRestart(input: RestartInput): RestartDecision {
  const { spec, facts, classification, now } = input;
  const state = input.state ?? freshWatchState(spec.name);
  const { category } = classification;
  if (spec.restart === 'never') return { kind: 'no-restart', reason: 'restart is never' };
  if (state.paused) {
    const resumes = spec.taskDefinition.includes(':')
      ? `\`ecs-autopilot resume ${spec.name}\` resumes them`
      : `\`ecs-autopilot resume ${spec.name}\` or a new revision of ${spec.taskDefinition} resumes them`;
    return { kind: 'paused', reason: `restarts are paused since ${state.paused.at} (${state.paused.reason}); ${resumes}` };
  }
  if (facts.isSpotNotice)
    return { kind: 'restart-now', reason: 'Spot interruption notice: the replacement starts before the task is gone' };
  if (input.replacementStarted) return { kind: 'no-restart', reason: 'its replacement was started at the Spot interruption notice' };
  if (spec.restart === 'on-failure' && category === 'completed')
    return { kind: 'no-restart', reason: 'it exited 0 and restart is on-failure' };
  if (spec.restart === 'on-failure' && category === 'user-stopped') {
    return { kind: 'no-restart', reason: 'someone stopped it on purpose and restart is on-failure (always would restart it)' };
  }
  if (category === 'spot-interruption' || category === 'host-lost') {
    return { kind: 'restart-now', reason: `${category}: not the application's fault, so no back-off` };
  }

  const windowStart = now.getTime() - spec.crashLoopBudget.windowSeconds * 1000;
  const inWindow = state.restarts.flatMap((at, index) =>
    Date.parse(at) > windowStart ? [{ at, category: state.restartCategories?.[index] ?? 'unknown' }] : [],
  );
  const recent = inWindow.map((restart) => restart.at);
  const recentCategories = inWindow.map((restart) => restart.category);
  const { restarts: budget, windowSeconds } = spec.crashLoopBudget;
  if (recent.length >= budget) {
    const reason = `${recent.length} restarts within ${formatDuration(windowSeconds)} (crashLoopBudget ${budget}); last stop: ${category}`;
    const categories: Partial<Record<StopCategory, number>> = {};
    for (const seen of [...recentCategories, category]) categories[seen] = (categories[seen] ?? 0) + 1;
    return {
      kind: 'pause',
      reason,
      restartsInWindow: recent.length,
      categories,
      state: {
        ...state,
        restarts: recent,
        restartCategories: recentCategories,
        paused: { at: now.toISOString(), reason, taskDefinitionArn: facts.taskDefinitionArn },
      },
    };
  }
  const consecutiveFailures = ranHealthy(facts, spec) ? 1 : state.consecutiveFailures + 1;
  const delaySeconds = restartDelaySeconds(spec, consecutiveFailures);
  return {
    kind: 'restart-later',
    reason: `${category}: restart ${recent.length + 1} of at most ${budget} within ${formatDuration(windowSeconds)}, after ${formatDuration(delaySeconds)}`,
    delaySeconds,
    at: new Date(now.getTime() + delaySeconds * 1000),
    state: { ...state, restarts: [...recent, now.toISOString()], restartCategories: [...recentCategories, category], consecutiveFailures },
  };
}

/** initial, 2×initial, 4×initial… capped at max. */
export function restartDelaySeconds(spec: Pick<WatchedTaskSpec, 'backoff'>, consecutiveFailures: number): number {
  const { initialSeconds, maxSeconds } = spec.backoff;
  return Math.min(maxSeconds, initialSeconds * 2 ** Math.max(0, consecutiveFailures - 1));
}

/** A task that ran at least resetAfter before stopping was healthy: the back-off starts over. */
function ranHealthy(facts: TaskStopFacts, spec: WatchedTaskSpec): boolean {
  if (!facts.startedAt) return false;
  const end = Date.parse(facts.stoppedAt ?? facts.stoppingAt ?? facts.eventTime);
  return end - Date.parse(facts.startedAt) >= spec.backoff.resetAfterSeconds * 1000;
}

export type ResumeDecision = { kind: 'resume'; state: WatchState; reason: string } | { kind: 'stay'; reason: string };

/**
 * Resuming a paused watched task: on request, or when its family has a revision newer than the one
 * that crash-looped (the fix was deployed).
 */
export function decideResume(
  state: WatchState | undefined,
  trigger: { by: 'resume-command' } | { by: 'new-task-definition'; latestTaskDefinitionArn: string | undefined },
): ResumeDecision {
  if (!state?.paused) return { kind: 'stay', reason: 'restarts are not paused' };
  const resumed: WatchState = { ...state, paused: undefined, restarts: [], restartCategories: [], consecutiveFailures: 0 };
  if (trigger.by === 'resume-command') return { kind: 'resume', state: resumed, reason: 'resumed by `ecs-autopilot resume`' };
  const paused = revisionOf(state.paused.taskDefinitionArn);
  const latest = trigger.latestTaskDefinitionArn ? revisionOf(trigger.latestTaskDefinitionArn) : undefined;
  if (!paused || !latest || latest.family !== paused.family || latest.revision <= paused.revision) {
    return { kind: 'stay', reason: `no revision newer than ${state.paused.taskDefinitionArn.split('/').pop()}` };
  }
  return { kind: 'resume', state: resumed, reason: `new task definition revision ${latest.family}:${latest.revision}` };
}

function revisionOf(arn: string): { family: string; revision: number } | undefined {
  const match = /task-definition\/([^:]+):(\d+)$/.exec(arn);
  return match?.[1] && match[2] ? { family: match[1], revision: Number(match[2]) } : undefined;
}
