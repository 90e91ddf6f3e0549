/**
 * One stop as the stop history keeps it (`ecs-autopilot stops`): what ECS said, how ecs-autopilot read
 * it and what it did about it. ECS forgets a stopped task about an hour after it stops; this record is
 * written with the decision about the stop (service-task-stop.ts, watched-task-stop.ts) and kept for
 * STOP_HISTORY_SECONDS. Only what a row shows is kept: a few hundred bytes a stop. Pure.
 */
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import type { StopCategory } from './categories.ts';

/** A week and a day: `stops --since 7d` sees a whole week whatever the time of day it is asked. */
export const STOP_HISTORY_SECONDS = 8 * 86_400;

/** What ecs-autopilot did about a stop, in the operator's words. */
export type StopRecordAction =
  /** A watched task: restarted at once; after its back-off; not restarted; restarts were paused already; this stop paused them. */
  | 'restart'
  | 'restart-later'
  | 'no-restart'
  | 'paused'
  | 'crash-loop-pause'
  /** A service (ECS replaces its tasks): counted toward the crash loop; alerted at once; a crash loop or host loss alerted; in its ignore list. */
  | 'counted'
  | 'alert'
  | 'crash-loop-alert'
  | 'infrastructure-loss-alert'
  | 'not-counted';

export interface StopRecord {
  taskArn: string;
  taskId: string;
  /** When the task stopped (else stopped being wanted, else the event's time), ISO 8601. */
  stoppedAt: string;
  category: StopCategory;
  subKind?: string | undefined;
  /** Why this category, in one line. */
  because: string;
  stopCode?: string | undefined;
  /** The containers' exit codes, those that have one. */
  exitCodes: { container: string; exitCode: number }[];
  /** ECS's stoppedReason. */
  stoppedReason?: string | undefined;
  action: StopRecordAction;
  /** The decision, in words. */
  actionReason: string;
}

export function stopRecordOf(stop: StoppedTaskSummary, action: StopRecordAction, actionReason: string): StopRecord {
  const { classification } = stop;
  return {
    taskArn: stop.taskArn,
    taskId: stop.taskId,
    stoppedAt: new Date(stop.stoppedAt ?? stop.stoppingAt ?? stop.eventTime).toISOString(),
    category: classification.category,
    ...(classification.subKind && { subKind: classification.subKind }),
    because: classification.because,
    ...(stop.stopCode && { stopCode: stop.stopCode }),
    exitCodes: stop.containers.flatMap((container) =>
      container.exitCode === undefined ? [] : [{ container: container.name, exitCode: container.exitCode }],
    ),
    ...(stop.stoppedReason && { stoppedReason: stop.stoppedReason }),
    action,
    actionReason,
  };
}
