/** maxRuntime: what to do with a run whose deadline has passed. Pure. */
import type { Task } from '@aws-sdk/client-ecs';
import { formatDuration } from '../config/duration.ts';
import type { RunRecord } from './run-record.ts';

export type OverdueDecision =
  | { kind: 'stop'; taskArns: string[]; stopReason: string }
  /** Every task had already stopped: record how it ended instead of stopping anything. */
  | { kind: 'ended'; status: 'succeeded' | 'failed'; reason: string | undefined }
  /** ECS no longer knows the tasks (they stopped over an hour ago): stop watching. */
  | { kind: 'forget'; reason: string };

export function maxRuntimeStopReason(maxRuntimeSeconds: number): string {
  return `ecs-autopilot: exceeded maxRuntime ${formatDuration(maxRuntimeSeconds)}`;
}

export function decideOverdueRun(run: RunRecord, tasks: Task[], maxRuntimeSeconds: number): OverdueDecision {
  const running = tasks.filter((t) => t.lastStatus !== 'STOPPED' && t.lastStatus !== 'DELETED');
  if (running.length > 0) {
    return { kind: 'stop', taskArns: running.map((t) => t.taskArn ?? ''), stopReason: maxRuntimeStopReason(maxRuntimeSeconds) };
  }
  if (tasks.length === 0) return { kind: 'forget', reason: 'the tasks are no longer known to ECS; their outcome was not observed' };
  const nonZero = tasks.flatMap((task) =>
    (task.containers ?? [])
      .filter((c) => c.exitCode !== undefined && c.exitCode !== 0)
      .map((c) => `${c.name} exited ${c.exitCode}${c.reason ? ` (${c.reason})` : ''}`),
  );
  const withoutExit = tasks.flatMap((task) => (task.containers ?? []).filter((c) => c.exitCode === undefined).map((c) => c.name));
  if (nonZero.length === 0 && withoutExit.length === 0) return { kind: 'ended', status: 'succeeded', reason: undefined };
  const stopped = [...new Set(tasks.map((t) => t.stoppedReason).filter(Boolean))];
  return { kind: 'ended', status: 'failed', reason: [...nonZero, ...stopped].join('; ') || `stopped before ${run.job} finished` };
}
