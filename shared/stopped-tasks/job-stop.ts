/** A job's task stopped: record its outcome on the run, settle the run when all its tasks have, retry per the job's policy. */
import type { JobSpec } from '../config/schema.ts';
import { RetryableAwsError } from '../errors.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { publishOutcome } from '../jobs/run-events.ts';
import type { RunRecord } from '../jobs/run-record.ts';
import { STALE_WRITE_ROUNDS, StaleWriteError } from '../state/versioned.ts';
import { timerName } from '../timers/timers.ts';
import { decideJobStop } from './decide-job-stop.ts';
import { essentialContainersOf } from './links.ts';
import type { StopRuntime } from './runtime.ts';

export async function onJobTaskStopped(job: JobSpec, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  if (stop.isSpotNotice) return 'nothing: a job task is settled when it stops, not at its Spot notice';
  for (let round = 1; ; round++) {
    const run = (await rt.runs.list(job.name, 50)).find((candidate) => candidate.taskArns.includes(stop.taskArn));
    if (!run) {
      rt.log.warn('no recent run of the job has this task', { job: job.name, taskArn: stop.taskArn });
      return `nothing: none of the last 50 runs of ${job.name} launched ${stop.taskId}`;
    }
    const definitions = await rt.containerDefinitions(stop.taskDefinitionArn);
    const decision = decideJobStop({
      run,
      job,
      stop,
      essentialContainers: definitions ? essentialContainersOf(definitions) : undefined,
      now: rt.now(),
    });
    try {
      switch (decision.kind) {
        case 'ignore':
          // A crash between recording and announcing left the outcome unannounced: announce it now.
          if (run.status !== 'launched' && run.status !== 'launching' && !run.eventPublished) await publishOutcome(run, rt);
          return `nothing: ${decision.reason}`;
        case 'wait':
          // Thrown so the event is delivered again (Lambda's asynchronous retries) once the launch settled.
          throw new RetryableAwsError(`${decision.reason}; the stop of ${stop.taskId} is handled when it is launched`);
        case 'record':
          await rt.runs.save(decision.run);
          return `recorded the stop; run ${run.scheduledTime} #${run.attempt} is ${decision.run.status}`;
        case 'settle': {
          // The retry's timer first: if the invocation dies after it, the redelivery sets the same timer again.
          if (decision.retry) {
            await rt.timers.set({
              name: timerName('retry', job.name, run.scheduledTime, decision.retry.attempt),
              at: decision.retry.at,
              target: 'run-batch-job',
              input: { job: job.name, scheduledTime: run.scheduledTime, attempt: decision.retry.attempt },
            });
          }
          const saved = await rt.runs.save(decision.run);
          await publishOutcome(saved, rt);
          return describeSettlement(saved);
        }
      }
    } catch (error) {
      if (error instanceof StaleWriteError && round < STALE_WRITE_ROUNDS) continue;
      throw error;
    }
  }
}

function describeSettlement(run: RunRecord): string {
  if (run.status === 'succeeded') return `run ${run.scheduledTime} #${run.attempt} succeeded`;
  const retry = run.retry?.willRetry ? `attempt ${run.retry.nextAttempt} at ${run.retry.retryAt}` : 'no retry';
  return `run ${run.scheduledTime} #${run.attempt} failed (${run.category}); ${retry}`;
}
