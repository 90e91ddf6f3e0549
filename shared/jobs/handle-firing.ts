/**
 * A schedule firing, end to end: read what the decision needs, decide (pure), then apply — the only
 * place that writes to AWS for a firing.
 */
import { RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { JobSpec } from '../config/schema.ts';
import { BadEventError, RetryableAwsError } from '../errors.ts';
import { launchClientToken } from './client-token.ts';
import { type ActiveTask, decideFiring, type Firing } from './decide-firing.ts';
import { listActiveTasks } from './ecs-tasks.ts';
import { type LaunchProgress, nextLaunchStep, outcomeOfRunTask, outcomeOfRunTaskError } from './launch-outcome.ts';
import { publishOutcome } from './run-events.ts';
import { isSettled, type RunRecord } from './run-record.ts';
import { capacityOfTry, runTaskRequest } from './run-task-request.ts';
import type { JobRuntime } from './runtime.ts';

/** Thrown while another invocation owns the launch: the delivery is retried later, never dropped. */
export class LaunchInProgressError extends RetryableAwsError {
  override name = 'LaunchInProgressError';
}

export async function handleFiring(firing: Firing, rt: JobRuntime): Promise<RunRecord | undefined> {
  const job = rt.automation.jobs[firing.job];
  if (!job) {
    throw new BadEventError(
      `job "${firing.job}" is not in automation.yml (known jobs: ${Object.keys(rt.automation.jobs).join(', ') || 'none'})`,
    );
  }
  const now = rt.now();
  const existing = await rt.runs.get(firing.job, firing.scheduledTime, firing.attempt);
  const activeTasks = existing && isSettled(existing.status) ? [] : await listActiveTasks(rt.ecs, job);
  const decision = decideFiring({ firing, job, now, existing, activeTasks });
  rt.log.info('firing decided', { job: job.name, scheduledTime: firing.scheduledTime, attempt: firing.attempt, decision: decision.kind });

  switch (decision.kind) {
    case 'duplicate':
      rt.log.info(decision.reason, { job: job.name });
      return existing;
    case 'republish':
      return publishOutcome(decision.record, rt);
    case 'in-progress':
      throw new LaunchInProgressError(decision.reason);
  }

  let run = await claim(firing, job, existing, rt);
  switch (decision.kind) {
    case 'adopt':
      run = await settle(
        run,
        { status: 'launched', taskArns: decision.taskArns, reason: 'adopted tasks an interrupted invocation had launched' },
        job,
        rt,
      );
      break;
    case 'missed':
    case 'skipped':
      run = await settle(run, { status: decision.kind, reason: decision.reason }, job, rt);
      break;
    case 'launch':
      if (decision.stopFirst.length > 0) await replaceRuns(decision.stopFirst, decision.stopReason ?? 'ecs-autopilot: replaced', job, rt);
      run = await launch(run, job, rt);
      break;
  }
  return publishOutcome(run, rt);
}

async function claim(firing: Firing, job: JobSpec, existing: RunRecord | undefined, rt: JobRuntime): Promise<RunRecord> {
  const now = rt.now();
  const record: RunRecord = {
    job: job.name,
    scheduledTime: firing.scheduledTime,
    attempt: firing.attempt,
    status: 'launching',
    cluster: job.cluster,
    taskDefinition: job.taskDefinition,
    taskArns: existing?.taskArns ?? [],
    receivedAt: existing?.receivedAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    leaseUntil: new Date(now.getTime() + rt.leaseSeconds * 1000).toISOString(),
    eventPublished: false,
    version: (existing?.version ?? 0) + 1,
  };
  if (!(await rt.runs.claimLaunch(record, now))) {
    throw new LaunchInProgressError(`another invocation claimed the firing ${job.name} ${firing.scheduledTime} #${firing.attempt} first`);
  }
  return record;
}

type Settlement = Pick<RunRecord, 'status'> & Partial<Pick<RunRecord, 'reason' | 'taskArns' | 'capacityProvider'>>;

async function settle(run: RunRecord, outcome: Settlement, job: JobSpec, rt: JobRuntime): Promise<RunRecord> {
  const now = rt.now();
  const launched = outcome.status === 'launched';
  return rt.runs.save({
    ...run,
    ...outcome,
    updatedAt: now.toISOString(),
    leaseUntil: undefined,
    ...(launched && { launchedAt: now.toISOString() }),
    ...(!launched && { endedAt: now.toISOString() }),
    ...(launched &&
      job.maxRuntimeSeconds !== undefined && { maxRuntimeDeadline: new Date(now.getTime() + job.maxRuntimeSeconds * 1000).toISOString() }),
  });
}

/** concurrency: replace — stop the running runs with a reason that says why, and record them replaced. */
async function replaceRuns(tasks: ActiveTask[], reason: string, job: JobSpec, rt: JobRuntime): Promise<void> {
  for (const task of tasks) {
    await rt.ecs.send(new StopTaskCommand({ cluster: job.cluster, task: task.taskArn, reason }));
    rt.log.info('stopped a running run to replace it', { job: job.name, taskArns: [task.taskArn] });
  }
  const runs = new Map(tasks.filter((t) => t.scheduledTime && t.attempt).map((t) => [`${t.scheduledTime}#${t.attempt}`, t]));
  for (const task of runs.values()) {
    const old = await rt.runs.get(job.name, task.scheduledTime ?? '', task.attempt ?? 1);
    if (!old || old.status !== 'launched') continue;
    const now = rt.now().toISOString();
    const replaced = await rt.runs.save({ ...old, status: 'replaced', reason, endedAt: now, updatedAt: now, eventPublished: false });
    await publishOutcome(replaced, rt);
  }
}

/** RunTask with capacity fallback and back-off; every call's outcome is decided by nextLaunchStep. */
async function launch(claimed: RunRecord, job: JobSpec, rt: JobRuntime): Promise<RunRecord> {
  let run = claimed;
  const progress: LaunchProgress = { tries: 0, providerIndex: 0, rounds: 0, taskArns: [], remaining: job.count };
  let capacityProvider: string | undefined;
  for (;;) {
    const request = runTaskRequest(job, {
      scheduledTime: run.scheduledTime,
      attempt: run.attempt,
      providerIndex: progress.providerIndex,
      count: progress.remaining,
      clientToken: launchClientToken(job.name, run.scheduledTime, run.attempt, progress.tries),
    });
    let outcome: ReturnType<typeof outcomeOfRunTask>;
    try {
      outcome = outcomeOfRunTask(await rt.ecs.send(new RunTaskCommand(request)), progress.remaining);
    } catch (error) {
      outcome = outcomeOfRunTaskError(error);
    }
    progress.tries += 1;
    if (outcome.kind === 'started') {
      progress.taskArns.push(...outcome.taskArns);
      progress.remaining = outcome.shortBy;
      capacityProvider = capacityOfTry(job, progress.providerIndex);
      rt.log.info('tasks started', { job: job.name, taskArns: outcome.taskArns, capacityProvider });
    } else {
      rt.log.warn('launch try failed', {
        job: job.name,
        capacity: capacityOfTry(job, progress.providerIndex),
        outcome: outcome.kind,
        reason: outcome.reason,
      });
    }

    const step = nextLaunchStep(job, progress, outcome);
    switch (step.kind) {
      case 'launched':
        return settle(run, { status: 'launched', taskArns: progress.taskArns, capacityProvider }, job, rt);
      case 'failed':
        if (progress.taskArns.length > 0) {
          return settle(
            run,
            {
              status: 'launched',
              taskArns: progress.taskArns,
              capacityProvider,
              reason: `only ${progress.taskArns.length} of ${job.count} tasks started: ${step.reason}`,
            },
            job,
            rt,
          );
        }
        return settle(run, { status: 'failed', reason: step.reason }, job, rt);
      case 'throw-retryable': {
        // Keep what started and release the claim so the retried delivery can take over at once.
        const now = rt.now().toISOString();
        await rt.runs.save({ ...run, taskArns: progress.taskArns, reason: step.reason, leaseUntil: now, updatedAt: now });
        throw new RetryableAwsError(`launching ${job.name} failed for now, the delivery will be retried: ${step.reason}`);
      }
      case 'try':
        if (step.waitSeconds > 0) {
          const renewed = new Date(rt.now().getTime() + (step.waitSeconds + rt.leaseSeconds) * 1000).toISOString();
          run = await rt.runs.save({ ...run, taskArns: progress.taskArns, leaseUntil: renewed, updatedAt: rt.now().toISOString() });
          rt.log.info('no capacity anywhere; waiting before the next round', { job: job.name, waitSeconds: step.waitSeconds });
          await rt.sleep(step.waitSeconds);
        }
        progress.providerIndex = step.providerIndex;
        progress.rounds = step.rounds;
        break;
    }
  }
}
