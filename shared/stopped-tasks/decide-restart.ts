/**
 * A watched standalone task, decided. Kubernetes' restart policy and CrashLoopBackOff: a stopped task is
 * restarted after a back-off from `initial` doubling to `max`, reset by a run of `resetAfter` or when no
 * restart is left in the crash-loop window; past `crashLoopBudget.restarts` restarts within the window,
 * restarts pause (one alert) until `ecs-autopilot resume` or a new task definition revision. A stop that is not the application's fault (Spot, a lost
 * host) restarts one step of the back-off sooner — at once after a healthy run — and counts like any other.
 *
 * Every decision returns the new state with the actions that carry it out (each event to publish is one);
 * the handler saves them together, as the outbox, before doing any. Pure.
 */
import { backoffSeconds } from '../backoff.ts';
import { clusterNameOf } from '../config/cluster.ts';
import { formatDuration } from '../config/duration.ts';
import type { WatchedTaskSpec } from '../config/schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import {
  type CrashLoopDetail,
  STOPPED_TASK_DETAIL_TYPES,
  type StoppedTaskSummary,
  type WatchedTaskRestartedDetail,
  type WatchedTaskRestartFailedDetail,
  type WatchedTaskResumedDetail,
  type WatchedTaskStoppedDetail,
} from '../events/stopped-task-events.ts';
import { timerName } from '../timers/timers.ts';
import { eventId, publish, type RestartLaunchRequest, type StopAction, setTimer } from './actions.ts';
import type { StopCategory } from './categories.ts';
import { dominant } from './decide-service-stop.ts';
import type { Classification, TaskStopFacts } from './stop-facts.ts';
import { type StopRecord, type StopRecordAction, stopRecordOf } from './stop-record.ts';
import type { PausedCheckTimer, RestartTimer } from './trigger.ts';

export interface WatchState {
  name: string;
  /** Restarts counted against the crash-loop budget (ISO times), oldest first, within the window. */
  restarts: string[];
  /** The category of the stop each restart answered, index for index with `restarts`. */
  restartCategories?: StopCategory[] | undefined;
  /** Failed runs since the last healthy one: the step of the back-off. */
  consecutiveFailures: number;
  paused?: PausedRestarts | undefined;
  /** The stops decided already (a day of them), oldest first: a redelivered or older event decides nothing again. */
  decidedStops?: DecidedStop[] | undefined;
  /** Actions decided and not yet known to be done: the next invocation does them (each is idempotent). */
  outbox?: StopAction[] | undefined;
  version: number;
}

export interface PausedRestarts {
  at: string;
  reason: string;
  /** The revision that crash-looped (or whose restart could not launch): a newer one resumes restarts. */
  taskDefinitionArn: string;
  /** What paused them, the category of the alert the resume resolves (absent: a crash loop, as before it was recorded). */
  cause?: 'crash-loop' | 'launch-failed' | undefined;
}

/** A task's stop (or Spot notice) that was decided, keyed by its task ARN, stage and the event's detail.version. */
export interface DecidedStop {
  taskArn: string;
  stage: 'notice' | 'stopped';
  version: number;
  at: string;
  /** How the decision restarted it: at once, or after a back-off. */
  restart?: 'now' | 'later' | undefined;
}

export function freshWatchState(name: string): WatchState {
  return { name, restarts: [], consecutiveFailures: 0, version: 0 };
}

/** A paused task is checked this often for a new task definition revision. */
export const PAUSED_CHECK_SECONDS = 300;
/** A restart that cannot launch (no capacity) is tried this many times in all, with the task's back-off between tries. */
export const MAX_RESTART_TRIES = 10;
/** How long a decided stop is remembered: longer than EventBridge and Lambda keep redelivering an event. */
const DECIDED_STOPS_SECONDS = 86_400;

export type RestartDecision =
  | { kind: 'no-restart'; reason: string }
  /** Already paused: the budget was spent earlier; nothing restarts until a resume. */
  | { kind: 'paused'; reason: string }
  /** Counted, without a wait: a Spot notice or a lost host after a healthy run. */
  | { kind: 'restart-now'; reason: string; state: WatchState }
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
  /** How the task's Spot notice restarted it already, if it did. */
  restartedAtNotice?: 'now' | 'later' | undefined;
  now: Date;
}

/** Stops that are not the application's fault. */
const INFRASTRUCTURE: readonly StopCategory[] = ['spot-interruption', 'host-lost'];

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
  if (input.restartedAtNotice === 'now')
    return { kind: 'no-restart', reason: 'its replacement was started at the Spot interruption notice' };
  if (input.restartedAtNotice === 'later') return { kind: 'no-restart', reason: 'its restart was decided at the Spot interruption notice' };
  if (spec.restart === 'on-failure' && category === 'completed')
    return { kind: 'no-restart', reason: 'it exited 0 and restart is on-failure' };
  if (spec.restart === 'on-failure' && category === 'user-stopped') {
    return { kind: 'no-restart', reason: 'someone stopped it on purpose and restart is on-failure (always would restart it)' };
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
        paused: { at: now.toISOString(), reason, taskDefinitionArn: facts.taskDefinitionArn, cause: 'crash-loop' },
      },
    };
  }
  // The back-off measures quick repeats: it starts over after a healthy run, or with no restart left in the window.
  const consecutiveFailures = ranHealthy(facts, spec) || recent.length === 0 ? 1 : state.consecutiveFailures + 1;
  const infrastructure = INFRASTRUCTURE.includes(category);
  const delaySeconds = backoffSeconds(spec.backoff, infrastructure ? consecutiveFailures - 1 : consecutiveFailures);
  const counted = `restart ${recent.length + 1} of at most ${budget} within ${formatDuration(windowSeconds)}`;
  const next: WatchState = {
    ...state,
    restarts: [...recent, now.toISOString()],
    restartCategories: [...recentCategories, category],
    consecutiveFailures,
  };
  if (delaySeconds === 0) {
    const reason = facts.isSpotNotice
      ? `${category === 'spot-interruption' ? 'Spot interruption' : 'termination'} notice: the replacement starts before the task is gone (${counted})`
      : `${category}: not the application's fault, so at once (${counted})`;
    return { kind: 'restart-now', reason, state: next };
  }
  return {
    kind: 'restart-later',
    reason: `${category}: ${counted}, after ${formatDuration(delaySeconds)}`,
    delaySeconds,
    at: new Date(now.getTime() + delaySeconds * 1000),
    state: next,
  };
}

/** A task that ran at least resetAfter before stopping was healthy: the back-off starts over. */
function ranHealthy(facts: TaskStopFacts, spec: WatchedTaskSpec): boolean {
  if (!facts.startedAt) return false;
  const end = Date.parse(facts.stoppedAt ?? facts.stoppingAt ?? facts.eventTime);
  return end - Date.parse(facts.startedAt) >= spec.backoff.resetAfterSeconds * 1000;
}

/** A decision with what carries it out. */
export interface WatchDecision {
  /** The new state, saved with `actions` as its outbox before any is done; undefined: the state stays as it is. */
  state: WatchState | undefined;
  actions: StopAction[];
  /** What was decided, in words. */
  summary: string;
  /** The stop decided, for the stop history: saved in the same write as `state`. */
  record?: StopRecord | undefined;
}

/** A watched task stopped (or got its Spot notice). */
export function decideWatchedTaskStop(
  spec: WatchedTaskSpec,
  stop: StoppedTaskSummary,
  current: WatchState | undefined,
  now: Date,
): WatchDecision {
  const state = current ?? freshWatchState(spec.name);
  const stage = stop.isSpotNotice ? 'notice' : 'stopped';
  const decidedBefore = (state.decidedStops ?? []).filter((decided) => decided.taskArn === stop.taskArn);
  const seen = decidedBefore.find((decided) => decided.stage === stage || decided.stage === 'stopped');
  if (seen) {
    return { state: undefined, actions: [], summary: `nothing: its ${seen.stage} (version ${seen.version}) was decided at ${seen.at}` };
  }
  const decision = decideRestart({
    spec,
    facts: stop,
    classification: stop.classification,
    state,
    restartedAtNotice: decidedBefore.find((decided) => decided.stage === 'notice')?.restart,
    now,
  });
  const decided: DecidedStop = {
    taskArn: stop.taskArn,
    stage,
    version: stop.version,
    at: now.toISOString(),
    ...(decision.kind === 'restart-now' && { restart: 'now' as const }),
    ...(decision.kind === 'restart-later' && { restart: 'later' as const }),
  };
  const remember = (next: WatchState): WatchState => ({ ...next, decidedStops: [...recentlyDecided(next, now), decided] });
  const stopped = (detailDecision: WatchedTaskStoppedDetail['decision'], alert?: AlertBlock) =>
    publish(
      {
        id: eventId(STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped, `${stop.taskArn}#${stop.version}`),
        detailType: STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped,
        detail: { watchedTask: spec.name, stop, decision: detailDecision, ...(alert && { alert }) } satisfies WatchedTaskStoppedDetail,
        resources: [stop.taskArn],
      },
      now,
    );
  // A task that cannot even start will not heal by restarting: someone must hear of it at once.
  const startFailure: AlertBlock | undefined =
    stop.classification.category === 'failed-to-start'
      ? { cluster: stop.clusterName, subject: { kind: 'watched-task', name: spec.name }, category: 'failed-to-start', severity: 'critical' }
      : undefined;
  const restartOf = (tryNumber: number): RestartLaunchRequest => ({
    replacing: stop.taskArn,
    try: tryNumber,
    taskDefinitionArn: stop.taskDefinitionArn,
  });
  const recorded = (action: StopRecordAction, summary: string) => ({ summary, record: stopRecordOf(stop, action, summary) });
  switch (decision.kind) {
    case 'no-restart':
    case 'paused':
      return {
        state: remember(state),
        actions: [stopped({ kind: decision.kind, reason: decision.reason }, startFailure)],
        ...recorded(decision.kind, `no restart: ${decision.reason}`),
      };
    case 'restart-now':
      return {
        state: remember(decision.state),
        actions: [
          { kind: 'launch-restart', launch: restartOf(1) },
          stopped({ kind: 'restart-now', reason: decision.reason }, startFailure),
        ],
        ...recorded('restart', `restarted now: ${decision.reason}`),
      };
    case 'restart-later':
      return {
        state: remember(decision.state),
        actions: [
          restartTimer(spec, restartOf(1), decision.at),
          stopped({ kind: 'restart', delaySeconds: decision.delaySeconds, restartAt: decision.at.toISOString() }, startFailure),
        ],
        ...recorded('restart-later', `restart in ${decision.delaySeconds}s: ${decision.reason}`),
      };
    case 'pause': {
      const crashLoop: CrashLoopDetail = {
        subject: { kind: 'watched-task', name: spec.name },
        cluster: stop.clusterName,
        stops: decision.restartsInWindow + 1,
        windowSeconds: spec.crashLoopBudget.windowSeconds,
        dominantCategory: dominant(decision.categories) ?? stop.classification.category,
        categories: decision.categories,
        action: 'restarts-paused',
        lastStop: stop,
        resumeWith: resumeCommand(spec),
        pausedAt: decision.state.paused?.at,
        alert: pausedAlert(spec, 'crash-loop'),
      };
      return {
        state: remember(decision.state),
        actions: [
          pausedCheck(spec, now),
          stopped({ kind: 'paused', reason: decision.reason }),
          publish(
            {
              id: eventId(STOPPED_TASK_DETAIL_TYPES.crashLoopDetected, `${stop.taskArn}#${stop.version}`),
              detailType: STOPPED_TASK_DETAIL_TYPES.crashLoopDetected,
              detail: { ...crashLoop },
              resources: [stop.taskArn],
            },
            now,
          ),
        ],
        ...recorded('crash-loop-pause', `restarts paused: ${decision.reason}`),
      };
    }
  }
}

/** The decided stops still worth remembering. */
function recentlyDecided(state: WatchState, now: Date): DecidedStop[] {
  const since = now.getTime() - DECIDED_STOPS_SECONDS * 1000;
  return (state.decidedStops ?? []).filter((decided) => Date.parse(decided.at) > since);
}

/** A delayed restart's timer fired: launch it, unless restarts were paused meanwhile. */
export function decideRestartTimer(timer: RestartTimer, state: WatchState | undefined): WatchDecision {
  if (state?.paused) return { state: undefined, actions: [], summary: 'nothing: restarts are paused' };
  const launch: RestartLaunchRequest = {
    replacing: timer.replacing,
    try: timer.try,
    ...(timer.taskDefinitionArn && { taskDefinitionArn: timer.taskDefinitionArn }),
  };
  return { state: undefined, actions: [{ kind: 'launch-restart', launch }], summary: `restart of ${timer.replacing}, try ${timer.try}` };
}

/** What RunTask made of a restart. */
export type RestartLaunchOutcome =
  | { kind: 'started'; taskArn: string }
  /** No capacity on any of the task's capacity providers (or launch type) now. */
  | { kind: 'no-capacity'; reason: string }
  /** RunTask refused it, and will again: a missing permission, task definition, subnet… */
  | { kind: 'refused'; reason: string };

/** A restart's launch came to `outcome`: announce it, try again later, or pause restarts with an alert. */
export function decideRestartLaunched(
  spec: WatchedTaskSpec,
  launch: RestartLaunchRequest,
  outcome: RestartLaunchOutcome,
  current: WatchState | undefined,
  now: Date,
): WatchDecision {
  const state = current ?? freshWatchState(spec.name);
  const key = `${launch.replacing}#${launch.try}`;
  if (outcome.kind === 'started') {
    const restarted: WatchedTaskRestartedDetail = {
      watchedTask: spec.name,
      cluster: spec.cluster,
      taskArns: [outcome.taskArn],
      taskDefinition: spec.taskDefinition,
      replacing: launch.replacing,
      restartsInWindow: state.restarts.length,
    };
    const event = { detailType: STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted, detail: { ...restarted }, resources: [outcome.taskArn] };
    return {
      state: undefined,
      actions: [publish({ ...event, id: eventId(event.detailType, key) }, now)],
      summary: `restarted: ${outcome.taskArn}`,
    };
  }
  if (outcome.kind === 'no-capacity' && launch.try < MAX_RESTART_TRIES) {
    const waitSeconds = backoffSeconds(spec.backoff, launch.try);
    return {
      state: undefined,
      actions: [restartTimer(spec, { ...launch, try: launch.try + 1 }, new Date(now.getTime() + waitSeconds * 1000))],
      summary: `no capacity (${outcome.reason}): try ${launch.try + 1} of ${MAX_RESTART_TRIES} in ${formatDuration(waitSeconds)}`,
    };
  }
  if (state.paused)
    return { state: undefined, actions: [], summary: `nothing more: restarts were paused meanwhile (${state.paused.reason})` };
  const reason =
    outcome.kind === 'no-capacity'
      ? `no capacity after ${launch.try} tries over ${describeCapacity(spec)}: ${outcome.reason}`
      : outcome.reason;
  const failed: WatchedTaskRestartFailedDetail = {
    watchedTask: spec.name,
    cluster: spec.cluster,
    taskDefinition: spec.taskDefinition,
    replacing: launch.replacing,
    tries: launch.try,
    reason,
    nextStep: nextStepAfter(spec, outcome),
    alert: pausedAlert(spec, 'launch-failed'),
  };
  const paused: PausedRestarts = {
    at: now.toISOString(),
    reason: `a restart could not launch: ${reason}`,
    taskDefinitionArn: launch.taskDefinitionArn ?? '',
    cause: 'launch-failed',
  };
  return {
    state: { ...state, paused },
    actions: [
      pausedCheck(spec, now),
      publish(
        {
          id: eventId(STOPPED_TASK_DETAIL_TYPES.watchedTaskRestartFailed, key),
          detailType: STOPPED_TASK_DETAIL_TYPES.watchedTaskRestartFailed,
          detail: { ...failed },
          resources: [],
        },
        now,
      ),
    ],
    summary: `restarts paused: ${paused.reason}`,
  };
}

function describeCapacity(spec: WatchedTaskSpec): string {
  if ('capacityProviders' in spec.launch) return spec.launch.capacityProviders.join(' → ');
  if ('launchType' in spec.launch) return spec.launch.launchType;
  return "the cluster's default capacity provider strategy";
}

/** What the person alerted of a restart that cannot launch should do, ending with how restarts resume. */
function nextStepAfter(spec: WatchedTaskSpec, outcome: Exclude<RestartLaunchOutcome, { kind: 'started' }>): string {
  const resume = `then \`${resumeCommand(spec)}\``;
  const key = `watchedTasks.${spec.name}`;
  if (outcome.kind === 'no-capacity')
    return `restarts resume with \`${resumeCommand(spec)}\` once ${describeCapacity(spec)} has room again`;
  if (/^its timer could not be set/.test(outcome.reason)) {
    return `check the stack's schedule group and the role EventBridge Scheduler invokes on-task-stopped with (redeploy to restore them), ${resume}`;
  }
  if (/PassRole/i.test(outcome.reason))
    return `list the task definition's roles as taskRole/executionRole of ${key} in automation.yml and redeploy, ${resume}`;
  if (/AccessDenied|not authorized/i.test(outcome.reason)) {
    return `on-task-stopped's role lacks a permission: check the cluster and taskDefinition of ${key} in automation.yml and redeploy, ${resume}`;
  }
  if (/task ?definition/i.test(outcome.reason)) {
    return `check that ${spec.taskDefinition} exists and is ACTIVE in this region (a new revision resumes restarts by itself), or fix ${key} in automation.yml, ${resume}`;
  }
  if (/subnet|security ?group|network/i.test(outcome.reason))
    return `check the network of ${key} in automation.yml and redeploy, ${resume}`;
  return `fix what RunTask refused (the reason above) in automation.yml or the account, ${resume}`;
}

export type ResumeTrigger = { by: 'resume-command' } | { by: 'new-task-definition'; latestTaskDefinitionArn: string | undefined };

/**
 * Resuming a paused watched task: on request, or when its family has a revision newer than the one that
 * paused (the fix was deployed). A resume announces itself, resolves the alert of the pause and starts one task.
 */
export function decideResume(spec: WatchedTaskSpec, state: WatchState | undefined, trigger: ResumeTrigger, now: Date): WatchDecision {
  if (!state?.paused) return { state: undefined, actions: [], summary: 'stay: restarts are not paused' };
  const reason = resumeReason(state.paused, trigger);
  if (reason === undefined) {
    const pausedRevision = state.paused.taskDefinitionArn.split('/').pop() || 'the one that paused (not recorded)';
    return { state: undefined, actions: [], summary: `stay: no revision newer than ${pausedRevision}` };
  }
  const resumed: WatchedTaskResumedDetail = {
    watchedTask: spec.name,
    cluster: spec.cluster,
    by: trigger.by,
    taskDefinition: spec.taskDefinition,
  };
  // Ends the alert the pause opened (notify sends its resolved message).
  const resolvesPause: AlertBlock = {
    cluster: clusterNameOf(spec.cluster),
    subject: { kind: 'watched-task', name: spec.name },
    category: state.paused.cause ?? 'crash-loop',
    severity: 'warning',
    resolves: true,
  };
  const launch: RestartLaunchRequest = {
    replacing: `resume-${state.version}`,
    try: 1,
    ...(state.paused.taskDefinitionArn && { taskDefinitionArn: state.paused.taskDefinitionArn }),
  };
  return {
    state: { ...state, paused: undefined, restarts: [], restartCategories: [], consecutiveFailures: 0 },
    actions: [
      { kind: 'launch-restart', launch },
      publish(
        {
          id: eventId(STOPPED_TASK_DETAIL_TYPES.watchedTaskResumed, `${spec.name}#${state.version}`),
          detailType: STOPPED_TASK_DETAIL_TYPES.watchedTaskResumed,
          detail: { ...resumed, reason, alert: resolvesPause },
          resources: [],
        },
        now,
      ),
    ],
    summary: `resumed: ${reason}`,
  };
}

function resumeReason(paused: PausedRestarts, trigger: ResumeTrigger): string | undefined {
  if (trigger.by === 'resume-command') return 'resumed by `ecs-autopilot resume`';
  const before = revisionOf(paused.taskDefinitionArn);
  const latest = trigger.latestTaskDefinitionArn ? revisionOf(trigger.latestTaskDefinitionArn) : undefined;
  if (!before || !latest || latest.family !== before.family || latest.revision <= before.revision) return undefined;
  return `new task definition revision ${latest.family}:${latest.revision}`;
}

function revisionOf(arn: string): { family: string; revision: number } | undefined {
  const match = /task-definition\/([^:]+):(\d+)$/.exec(arn);
  return match?.[1] && match[2] ? { family: match[1], revision: Number(match[2]) } : undefined;
}

/** A paused task's check for a new revision fired: resume, or check again later. */
export function decidePausedCheck(
  spec: WatchedTaskSpec,
  state: WatchState | undefined,
  latestTaskDefinitionArn: string | undefined,
  now: Date,
): WatchDecision {
  if (!state?.paused) return { state: undefined, actions: [], summary: 'nothing: restarts are not paused' };
  const resumed = decideResume(spec, state, { by: 'new-task-definition', latestTaskDefinitionArn }, now);
  if (resumed.state) return resumed;
  return { ...resumed, actions: [pausedCheck(spec, now)] };
}

export function resumeCommand(spec: WatchedTaskSpec): string {
  return `npx ecs-autopilot resume ${spec.name}`;
}

/** Paused restarts stay paused however quiet it gets: the resume resolves the alert. */
function pausedAlert(spec: WatchedTaskSpec, category: 'crash-loop' | 'launch-failed'): AlertBlock {
  return {
    cluster: clusterNameOf(spec.cluster),
    subject: { kind: 'watched-task', name: spec.name },
    category,
    severity: 'critical',
    resolvedBy: 'resolving-event',
  };
}

function restartTimer(spec: WatchedTaskSpec, launch: RestartLaunchRequest, at: Date): StopAction {
  const input: RestartTimer = {
    timer: 'restart-watched-task',
    watchedTask: spec.name,
    replacing: launch.replacing,
    try: launch.try,
    ...(launch.taskDefinitionArn && { taskDefinitionArn: launch.taskDefinitionArn }),
  };
  return setTimer({ name: timerName('restart', spec.name, launch.replacing, launch.try), at, target: 'on-task-stopped', input });
}

function pausedCheck(spec: WatchedTaskSpec, now: Date): StopAction {
  const at = new Date(now.getTime() + PAUSED_CHECK_SECONDS * 1000);
  const input: PausedCheckTimer = { timer: 'check-paused-watched-task', watchedTask: spec.name };
  return setTimer({ name: timerName('paused-check', spec.name, at.toISOString()), at, target: 'on-task-stopped', input });
}
