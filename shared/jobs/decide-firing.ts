/**
 * What to do when a schedule fires: the whole policy of a firing (duplicates, starting deadline,
 * concurrency) in one pure function of what was read.
 */

import { formatDuration } from '../config/duration.ts';
import type { JobSpec } from '../config/schema.ts';
import { isSettled, type RunRecord } from './run-record.ts';

export interface Firing {
  job: string;
  scheduledTime: string;
  attempt: number;
}

/** A task of this job that ECS still wants running, as read from ListTasks/DescribeTasks. */
export interface ActiveTask {
  taskArn: string;
  lastStatus: string;
  scheduledTime: string | undefined;
  attempt: number | undefined;
}

export interface FiringFacts {
  firing: Firing;
  job: JobSpec;
  now: Date;
  /** The run record of this firing and attempt, if a delivery already got that far. */
  existing: RunRecord | undefined;
  /** Tasks of this job that are not stopped. */
  activeTasks: ActiveTask[];
}

export type FiringDecision =
  /** Already handled by an earlier delivery; nothing to do. */
  | { kind: 'duplicate'; reason: string }
  /** Already handled, but its event never reached the bus: publish it now. */
  | { kind: 'republish'; record: RunRecord }
  /** Another invocation holds the launch lease: retry later rather than launch twice. */
  | { kind: 'in-progress'; reason: string }
  /** Tasks of this very firing are running (an earlier invocation launched them, then died). */
  | { kind: 'adopt'; taskArns: string[] }
  | { kind: 'missed'; reason: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'launch'; stopFirst: ActiveTask[]; stopReason: string | undefined };

export function decideFiring(facts: FiringFacts): FiringDecision {
  const { firing, job, now, existing, activeTasks } = facts;
  if (existing && isSettled(existing.status)) {
    if (!existing.eventPublished) return { kind: 'republish', record: existing };
    return { kind: 'duplicate', reason: `firing already handled: run is ${existing.status}` };
  }
  if (existing?.leaseUntil && new Date(existing.leaseUntil) > now) {
    return { kind: 'in-progress', reason: `another invocation is launching this firing until ${existing.leaseUntil}` };
  }

  const ofThisFiring = activeTasks.filter((t) => t.scheduledTime === firing.scheduledTime && t.attempt === firing.attempt);
  if (ofThisFiring.length > 0) return { kind: 'adopt', taskArns: ofThisFiring.map((t) => t.taskArn) };

  // The deadline applies to a first launch only: a retry attempt is late by design.
  const lateBySeconds = (now.getTime() - new Date(firing.scheduledTime).getTime()) / 1000;
  if (firing.attempt === 1 && job.startingDeadlineSeconds !== undefined && lateBySeconds > job.startingDeadlineSeconds) {
    return {
      kind: 'missed',
      reason: `delivered ${formatDuration(lateBySeconds)} after its scheduled time, past the startingDeadline of ${formatDuration(job.startingDeadlineSeconds)}`,
    };
  }

  const others = activeTasks.filter((t) => !(t.scheduledTime === firing.scheduledTime && t.attempt === firing.attempt));
  if (others.length === 0 || job.concurrency === 'allow') return { kind: 'launch', stopFirst: [], stopReason: undefined };
  const running = describeRuns(others);
  if (job.concurrency === 'forbid') {
    return { kind: 'skipped', reason: `concurrency is forbid and ${running} still running` };
  }
  return {
    kind: 'launch',
    stopFirst: others,
    stopReason: `ecs-autopilot: replaced by the run scheduled at ${firing.scheduledTime} (concurrency: replace)`,
  };
}

function describeRuns(tasks: ActiveTask[]): string {
  const runs = [...new Set(tasks.map((t) => t.scheduledTime ?? 'an unknown time'))];
  const taskIds = tasks.map((t) => t.taskArn.split('/').pop()).join(', ');
  return `the run${runs.length > 1 ? 's' : ''} scheduled at ${runs.join(', ')} (task ${taskIds}) ${runs.length > 1 ? 'are' : 'is'}`;
}
