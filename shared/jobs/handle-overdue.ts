/** The maxRuntime watchdog tick: find overdue runs, decide (pure), stop and record. */
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { RetryableAwsError } from '../errors.ts';
import { decideOverdueRun } from './decide-overdue.ts';
import { describeTasks } from './ecs-tasks.ts';
import { publishOutcome } from './run-events.ts';
import type { RunRecord } from './run-record.ts';
import type { JobRuntime } from './runtime.ts';

export async function enforceMaxRuntime(rt: JobRuntime): Promise<RunRecord[]> {
  const overdue = await rt.runs.overdue(rt.now());
  const settled: RunRecord[] = [];
  const problems: string[] = [];
  // One run's failure must not keep the others running past their limit.
  for (const run of overdue) {
    try {
      settled.push(await settleOverdueRun(run, rt));
    } catch (error) {
      problems.push(`${run.job} ${run.scheduledTime}: ${(error as Error).message}`);
      rt.log.error('could not enforce maxRuntime', { job: run.job, taskArns: run.taskArns, error: error as Error });
    }
  }
  if (problems.length > 0) throw new RetryableAwsError(`maxRuntime not enforced for ${problems.length} run(s): ${problems.join('; ')}`);
  return settled;
}

async function settleOverdueRun(run: RunRecord, rt: JobRuntime): Promise<RunRecord> {
  // A job removed from the config still gets stopped: its deadline was promised when it launched.
  const launchedAt = Date.parse(run.launchedAt ?? run.updatedAt);
  const maxRuntimeSeconds =
    rt.automation.jobs[run.job]?.maxRuntimeSeconds ?? Math.round((Date.parse(run.maxRuntimeDeadline ?? run.updatedAt) - launchedAt) / 1000);
  const tasks = await describeTasks(rt.ecs, run.cluster, run.taskArns);
  const decision = decideOverdueRun(run, tasks, maxRuntimeSeconds);
  const now = rt.now().toISOString();
  let next: RunRecord;
  switch (decision.kind) {
    case 'stop':
      for (const taskArn of decision.taskArns) {
        await rt.ecs.send(new StopTaskCommand({ cluster: run.cluster, task: taskArn, reason: decision.stopReason }));
      }
      rt.log.info('stopped a run past its maxRuntime', { job: run.job, taskArns: decision.taskArns });
      next = await rt.runs.save({
        ...run,
        status: 'timed-out',
        reason: decision.stopReason,
        endedAt: now,
        updatedAt: now,
        eventPublished: false,
      });
      break;
    case 'ended':
      next = await rt.runs.save({
        ...run,
        status: decision.status,
        reason: decision.reason,
        endedAt: now,
        updatedAt: now,
        eventPublished: false,
      });
      break;
    case 'forget':
      return rt.runs.save({ ...run, reason: decision.reason, maxRuntimeDeadline: undefined, updatedAt: now });
  }
  return publishOutcome(next, rt);
}
