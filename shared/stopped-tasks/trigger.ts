/**
 * on-task-stopped's trigger contract, the one definition of what invokes it: the stack generator builds
 * the rule's event pattern from it, the handler guards and parses with it, the sandbox delivers only what
 * it lets through. zod/mini keeps the cold start small.
 *
 * - "ECS Task State Change" events of the configured clusters, from the default bus, in the states acted
 *   on: STOPPED, and the capacity reclaim notice (Fargate Spot's two-minute warning: still RUNNING, desired
 *   STOPPED), which lets a watched task's replacement start before the old one is gone;
 * - its own timers (one-time schedules): a delayed restart of a watched task, and the check whether a
 *   paused one has a new task definition revision.
 * - ECS's own events about a watched service (placement failures, failed deployments, steady state): their
 *   contract is shared/service-events/trigger.ts, and the handler hands them over before anything here.
 *
 * It emits the Job Run events (shared/jobs/trigger.ts) and the stopped-task events of
 * STOPPED_TASK_DETAIL_TYPES (shared/events/stopped-task-events.ts).
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { BadEventError, excerptOf, inputProblems } from '../errors.ts';

export const TASK_STATE_CHANGE = { source: 'aws.ecs', detailType: 'ECS Task State Change' } as const;

/**
 * The stop codes of a capacity reclaim notice (Fargate Spot, EC2 termination), sent while the task still runs.
 * A notice is known by its stop code only: one with the Spot reason and no stop code (users have seen them)
 * is left, by the rule and the handler alike, to the STOPPED event that follows, which the reason classifies
 * as spot-interruption. Matching the reason text would tie the rule to the wording of one message, and the
 * STOPPED event comes anyway.
 */
export const RECLAIM_NOTICE_STOP_CODES = ['SpotInterruption', 'TerminationNotice'] as const;

/** The fields of a task's state that say whether it is acted on. */
export interface TaskState {
  lastStatus?: string | undefined;
  desiredStatus?: string | undefined;
  stopCode?: string | undefined;
}

type StateAlternative = { readonly [field in keyof TaskState]?: readonly string[] };

const STOPPED: StateAlternative = { lastStatus: ['STOPPED'] };
const RECLAIM_NOTICE: StateAlternative = { lastStatus: ['RUNNING'], desiredStatus: ['STOPPED'], stopCode: RECLAIM_NOTICE_STOP_CODES };

/** The states acted on, as event-pattern alternatives: the rule's `$or`, and the handler's guard. */
const ACTED_ON: readonly StateAlternative[] = [STOPPED, RECLAIM_NOTICE];

function matches(alternative: StateAlternative, state: TaskState): boolean {
  return Object.entries(alternative).every(([field, values]) => values.includes(state[field as keyof TaskState] ?? ''));
}

/** A task that stopped, or got its capacity reclaim notice: what on-task-stopped acts on. */
export function isStoppedOrReclaimNotice(state: TaskState): boolean {
  return ACTED_ON.some((alternative) => matches(alternative, state));
}

/** A Fargate Spot (or EC2 termination) notice: the task still runs and stops in about two minutes. */
export function isReclaimNotice(state: TaskState): boolean {
  return matches(RECLAIM_NOTICE, state);
}

/** The EventBridge pattern of the rule that invokes on-task-stopped, for these clusters (ARNs, or the template's expressions of them). */
export function taskEventPattern(clusterArns: readonly unknown[]) {
  return {
    source: [TASK_STATE_CHANGE.source],
    'detail-type': [TASK_STATE_CHANGE.detailType],
    detail: {
      clusterArn: [...clusterArns],
      $or: ACTED_ON.map((alternative) => Object.fromEntries(Object.entries(alternative).map(([field, values]) => [field, [...values]]))),
    },
  };
}

/** What each field of a timer takes, for the message of a bad one. */
const TIMER_FIELDS = {
  timer: '"restart-watched-task" or "check-paused-watched-task"',
  watchedTask: 'the name of a watched task in automation.yml',
  replacing: 'the ARN of the task replaced',
  try: 'a whole number from 1',
  taskDefinitionArn: 'a task definition ARN',
};

/** Built on first use: an invocation for a task event never needs it. */
const stopTimerSchema = builtOnFirstUse(() => {
  const restartTimer = z.object({
    timer: z.literal('restart-watched-task'),
    watchedTask: z.string().check(z.minLength(1)),
    /** The stopped task this restart replaces: with the try number, the launch's idempotency token. */
    replacing: z.string().check(z.minLength(1)),
    try: z._default(z.number().check(z.int(), z.minimum(1)), 1),
    /** The revision the replaced task ran: the one a pause after a failed launch waits to see superseded. */
    taskDefinitionArn: z.optional(z.string().check(z.minLength(1))),
  });

  const pausedCheckTimer = z.object({
    timer: z.literal('check-paused-watched-task'),
    watchedTask: z.string().check(z.minLength(1)),
  });

  return z.discriminatedUnion('timer', [restartTimer, pausedCheckTimer]);
});
export type StopTimer = z.infer<ReturnType<typeof stopTimerSchema>>;
export type RestartTimer = Extract<StopTimer, { timer: 'restart-watched-task' }>;
export type PausedCheckTimer = Extract<StopTimer, { timer: 'check-paused-watched-task' }>;

export type StopFunctionInput = { kind: 'timer'; timer: StopTimer } | { kind: 'task-event'; event: unknown };

/** A timer of its own (it has a `timer` field), or else a task event for the event parser to judge. */
export function classifyInput(event: unknown): StopFunctionInput {
  if (typeof event === 'object' && event !== null && 'timer' in event) {
    const result = stopTimerSchema().safeParse(event);
    if (!result.success) {
      const problems = inputProblems(result.error.issues, TIMER_FIELDS, 'timer');
      throw new BadEventError(`not an on-task-stopped timer (${problems}): ${excerptOf(event)}`);
    }
    return { kind: 'timer', timer: result.data };
  }
  return { kind: 'task-event', event };
}
