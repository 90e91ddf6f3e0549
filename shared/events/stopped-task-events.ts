/**
 * The bus events about stopped tasks (besides the Job Run events of shared/jobs/trigger.ts), with the shape of
 * their detail. The README's event catalogue lists them; notify renders the ones carrying an alert.
 */
import type { StopCategory } from '../stopped-tasks/categories.ts';
import type { Advice, Classification, TaskStopFacts } from '../stopped-tasks/stop-facts.ts';
import type { AlertBlock } from './alert.ts';

export const STOPPED_TASK_DETAIL_TYPES = {
  watchedTaskStopped: 'Watched Task Stopped',
  watchedTaskRestarted: 'Watched Task Restarted',
  watchedTaskResumed: 'Watched Task Restarts Resumed',
  watchedTaskRestartFailed: 'Watched Task Restart Failed',
  crashLoopDetected: 'Crash Loop Detected',
  infrastructureLossDetected: 'Infrastructure Loss Detected',
  serviceTaskStopped: 'Service Task Stopped',
} as const;

export interface LogLink {
  container: string;
  logGroup: string;
  logStream: string;
  url: string;
}

/** A stopped task as every event about it carries it: the facts, why, and where to look. */
export interface StoppedTaskSummary extends TaskStopFacts {
  classification: Classification;
  advice: Advice;
  consoleUrl: string;
  /** Only for containers that log with awslogs. */
  logs: LogLink[];
}

export interface WatchedTaskStoppedDetail {
  watchedTask: string;
  stop: StoppedTaskSummary;
  /** What ecs-autopilot does about it. */
  decision:
    | { kind: 'restart'; delaySeconds: number; restartAt: string }
    | { kind: 'restart-now'; reason: string }
    | { kind: 'no-restart'; reason: string }
    | { kind: 'paused'; reason: string };
  alert?: AlertBlock;
}

export interface WatchedTaskRestartedDetail {
  watchedTask: string;
  cluster: string;
  taskArns: string[];
  taskDefinition: string;
  /** The task whose stop (or Spot notice) this restart answers. */
  replacing: string;
  restartsInWindow: number;
}

export interface CrashLoopDetail {
  subject: { kind: 'watched-task' | 'service'; name: string };
  cluster: string;
  stops: number;
  windowSeconds: number;
  dominantCategory: StopCategory;
  categories: Partial<Record<StopCategory, number>>;
  /** restarts-paused: a watched task's restarts stop until `ecs-autopilot resume`; alert-only: a service. */
  action: 'restarts-paused' | 'alert-only';
  lastStop: StoppedTaskSummary;
  /** restarts-paused: the command that resumes them, and since when they are paused. */
  resumeWith?: string | undefined;
  pausedAt?: string | undefined;
  alert: AlertBlock;
}

/**
 * A service's tasks stopped because their hosts or Spot capacity went away, past crashLoop.infrastructure.stops
 * within the window: the cluster is losing hosts. Alerted under category "infrastructure-loss", apart from
 * crash loops, which these stops do not count toward.
 */
export interface InfrastructureLossDetail {
  subject: { kind: 'service'; name: string };
  cluster: string;
  /** The infrastructure stops within the window. */
  stops: number;
  windowSeconds: number;
  categories: Partial<Record<StopCategory, number>>;
  lastStop: StoppedTaskSummary;
  /** One line: "the cluster is losing hosts: …". */
  reason: string;
  /** About the hosts going away, not about the last task. */
  advice: Advice;
  alert: AlertBlock;
}

/** A restart that cannot launch (RunTask refused it, or no capacity after every try): restarts pause until a resume. */
export interface WatchedTaskRestartFailedDetail {
  watchedTask: string;
  cluster: string;
  taskDefinition: string;
  /** The task whose stop this restart answers. */
  replacing: string;
  /** How many times it was tried. */
  tries: number;
  /** What RunTask answered. */
  reason: string;
  /** What to do about it, ending with the command that resumes restarts. */
  nextStep: string;
  alert: AlertBlock;
}

export interface WatchedTaskResumedDetail {
  watchedTask: string;
  cluster: string;
  by: 'resume-command' | 'new-task-definition';
  taskDefinition: string;
}

export interface ServiceTaskStoppedDetail {
  service: string;
  cluster: string;
  stop: StoppedTaskSummary;
  /** Whether it is counted in the window (ignored categories are not). */
  counted: boolean;
  /** Counted stops of its kind within the window: infrastructure stops for one (crashLoop.infrastructure), the others for the rest. */
  stopsInWindow: number;
  alert?: AlertBlock;
}

/** Fields a failed/succeeded Job Run event from on-task-stopped adds to the run record's. */
export interface JobRunStopDetail {
  stop: StoppedTaskSummary;
  retry: { willRetry: true; nextAttempt: number; retryAt: string; because: string } | { willRetry: false; because: string };
}
