/**
 * One run of a scheduled job, as kept in the state table and shown by `ecs-autopilot runs`: the state a
 * decision moves (whole, with a version) and the actions it decided and has not applied yet (its outbox).
 */
import type { PendingEvent } from '../events/pending-event.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import type { AttemptFailureCategory, StopCategory } from '../stopped-tasks/categories.ts';
import type { FreshnessCheck } from './freshness.ts';

export const RUN_STATUSES = [
  'launching',
  'waiting-for-capacity',
  'launched',
  'skipped',
  'missed',
  'failed',
  'timed-out',
  'replaced',
  'succeeded',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRecord {
  job: string;
  /** The time Scheduler meant to fire (ISO 8601 UTC), the run's identity together with the attempt. */
  scheduledTime: string;
  attempt: number;
  status: RunStatus;
  reason?: string | undefined;
  cluster: string;
  taskDefinition: string;
  taskArns: string[];
  capacityProvider?: string | undefined;
  /** First time any delivery of this firing reached us. */
  receivedAt: string;
  updatedAt: string;
  launchedAt?: string | undefined;
  endedAt?: string | undefined;
  /** While `launching`: until when the invocation that claimed the launch owns it. */
  leaseUntil?: string | undefined;
  /** How the launch goes (or went): tasks wanted, where its capacity fallback starts, rounds without room. */
  launch?: LaunchProgress | undefined;
  /** Tasks of the job's count that never started (the launch gave up on them): the run cannot succeed. */
  missingTasks?: number | undefined;
  /** waitForCapacity: while (and after) the launch waits for capacity, until when it may, how many waits, the try it resumes with. */
  capacityWait?: CapacityWait | undefined;
  /** While a launched run may still be running: when maxRuntime is exceeded. */
  maxRuntimeDeadline?: string | undefined;
  /** How each of its tasks ended, as on-task-stopped learnt it; the run settles when all have. */
  taskOutcomes?: Record<string, TaskOutcome> | undefined;
  /** A failed run: why its (first failing) task stopped. */
  category?: AttemptFailureCategory | undefined;
  /** The stopped task that decides the run's outcome (the first failing one, else the latest), for messages and `runs`. */
  stop?: StoppedTaskSummary | undefined;
  /** A manual run (`ecs-autopilot run`): its id. Its scheduledTime is the time it was requested. */
  manualId?: string | undefined;
  /** A run launched as the catch-up of a firing missed while the job was suspended at run time. */
  catchUp?: boolean | undefined;
  /** A skipped run that was skipped because the job was suspended at run time (not counted by alertOn.skipped). */
  skippedFor?: 'suspension' | undefined;
  /** A skipped run: how many firings in a row, this one included, were skipped (counted when the job alerts on skips). */
  consecutiveSkips?: number | undefined;
  /** A failed run: whether the job's retry policy launches another attempt. */
  retry?: RetryDecision | undefined;
  /** Decided and not yet applied, in order; each is idempotent, so a crash leaves them to the next delivery. */
  outbox: RunAction[];
  /** Whether the run's outcome reached the bus: no event of it waits in the outbox. */
  eventPublished: boolean;
  /** Optimistic lock: every write expects the version it read. */
  version: number;
}

/** Statuses after which the firing needs nothing more from run-batch-job. */
export function isSettled(status: RunStatus): boolean {
  return status !== 'launching' && status !== 'waiting-for-capacity';
}

export interface LaunchProgress {
  /** The tasks the run launches: the job's count when the firing was claimed. */
  count: number;
  /** Where the capacity fallback starts and each new round starts over (a retry after a Spot interruption starts past it). */
  firstProviderIndex: number;
  /** Full passes over the capacity providers that found no room anywhere. */
  rounds: number;
  /** Why the launch stopped trying before every task started. */
  gaveUpBecause?: string | undefined;
  /** It gave up for lack of capacity (launchRetry exhausted), not because RunTask was refused: a failed attempt of category capacity. */
  capacityExhausted?: boolean | undefined;
}

export interface CapacityWait {
  /** The firing's time plus waitForCapacity (from when the run was first received): no wait goes past it. */
  until: string;
  /** Waits so far: each a one-time timer that fires the launch again. */
  waits: number;
  /** The try number the waiting slot resumes with, so that each RunTask has its own client token. */
  nextTry: number;
}

export interface TaskOutcome {
  category: StopCategory;
  /** Exit code per container (null: it never ran). */
  exitCodes: Record<string, number | null>;
  stoppedAt: string | undefined;
}

export type RetryDecision =
  | { willRetry: true; nextAttempt: number; retryAt: string; because: string; capacityProvider?: string | undefined }
  | { willRetry: false; because: string };

/** A failure that no further attempt will follow: the one a person must hear about. */
export function isFinalFailure(run: Pick<RunRecord, 'status'> & { retry?: Pick<RetryDecision, 'willRetry'> | undefined }): boolean {
  return (run.status === 'failed' || run.status === 'timed-out') && run.retry?.willRetry !== true;
}

/** What run-batch-job is invoked with: by the job's schedule, or by a retry's timer. */
export interface FiringInput {
  job: string;
  scheduledTime: string;
  attempt: number;
  /** A retry after a Spot interruption: the capacity provider its launch starts on. */
  capacityProvider?: string | undefined;
  /** A manual run's id, carried by its retries. */
  manualId?: string | undefined;
  /** The catch-up of a firing skipped while the job was suspended at run time. */
  catchUp?: boolean | undefined;
}

/** One RunTask of one task slot (a task of the job's count); its clientToken comes from the slot and the try. */
export interface RunTaskAction {
  kind: 'run-task';
  slot: number;
  try: number;
  providerIndex: number;
  /** After a round without room anywhere: not before this time (the launch waits in the invocation). */
  notBefore?: string | undefined;
}

export type RunAction =
  | RunTaskAction
  /** concurrency: replace — the older run is recorded replaced (and announced) before its tasks are stopped. */
  | { kind: 'replace-run'; scheduledTime: string; attempt: number; reason: string }
  | { kind: 'stop-task'; taskArn: string; reason: string }
  | { kind: 'publish'; event: PendingEvent }
  /** The next attempt of a failed run, or an expectSuccessWithin check, by a one-time Scheduler schedule named after it. */
  | { kind: 'set-timer'; name: string; at: string; input: FiringInput | FreshnessCheck };
