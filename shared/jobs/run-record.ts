/** One run of a scheduled job, as kept in the state table and shown by `ecs-autopilot runs`. */
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import type { StopCategory } from '../stopped-tasks/categories.ts';

export const RUN_STATUSES = ['launching', 'launched', 'skipped', 'missed', 'failed', 'timed-out', 'replaced', 'succeeded'] as const;
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
  /** While a launched run may still be running: when maxRuntime is exceeded. */
  maxRuntimeDeadline?: string | undefined;
  /** How each of its tasks ended, as on-task-stopped learnt it; the run settles when all have. */
  taskOutcomes?: Record<string, TaskOutcome> | undefined;
  /** A failed run: why its (first failing) task stopped. */
  category?: StopCategory | undefined;
  /** The stopped task that decided the run's outcome, for messages and `runs`. */
  stop?: StoppedTaskSummary | undefined;
  /** A failed run: whether the job's retry policy launches another attempt. */
  retry?: RetryDecision | undefined;
  /** Whether the outcome's event reached the bus; a redelivery publishes it if not. */
  eventPublished: boolean;
  /** Optimistic lock: every write expects the version it read. */
  version: number;
}

/** Statuses after which the firing needs nothing more from run-batch-job. */
export function isSettled(status: RunStatus): boolean {
  return status !== 'launching';
}

export interface TaskOutcome {
  category: StopCategory;
  /** Exit code per container (null: it never ran). */
  exitCodes: Record<string, number | null>;
  stoppedAt: string | undefined;
}

export type RetryDecision =
  | { willRetry: true; nextAttempt: number; retryAt: string; because: string }
  | { willRetry: false; because: string };

/** A failure that no further attempt will follow: the one a person must hear about. */
export function isFinalFailure(run: RunRecord): boolean {
  return (run.status === 'failed' || run.status === 'timed-out') && run.retry?.willRetry !== true;
}
