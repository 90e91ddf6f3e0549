/**
 * A job's task stopped: load its run, decide (pure: decide-job-stop), persist the run with its outbox,
 * apply the outbox (the run's event, a retry's timer) as every job run does (shared/jobs/handle.ts).
 */
import type { JobSpec } from '../config/schema.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { applyOutbox } from '../jobs/handle.ts';
import { loadRunOfTask } from '../jobs/load.ts';
import type { RunRecord } from '../jobs/run-record.ts';
import { retryOnStaleWrite } from '../state/versioned.ts';
import { decideJobStop } from './decide-job-stop.ts';
import { essentialContainersOf } from './links.ts';
import type { StopRuntime } from './runtime.ts';

export async function onJobTaskStopped(job: JobSpec, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  if (stop.isSpotNotice) return 'nothing: a job task is settled when it stops, not at its Spot notice';
  return retryOnStaleWrite(async () => {
    const run = await loadRunOfTask(job, stop.taskArn, rt);
    if (!run) {
      rt.log.warn('no run of the job has this task', { job: job.name, taskArn: stop.taskArn });
      return `nothing: no recent run of ${job.name} launched ${stop.taskId}`;
    }
    const definitions = await rt.containerDefinitions(stop.taskDefinitionArn);
    const decision = decideJobStop({
      run,
      job,
      stop,
      essentialContainers: definitions ? essentialContainersOf(definitions) : undefined,
      now: rt.now(),
    });
    const stored = decision.kind === 'ignore' ? run : await rt.runs.save(decision.run);
    // The actions of a run still launching are its launcher's; any other run's are applied by whoever
    // comes (a redelivery of this stop finishes what a crash left: the run's event, a retry's timer).
    const finished = stored.status === 'launching' ? stored : await applyOutbox(stored, rt);
    switch (decision.kind) {
      case 'ignore':
        return `nothing: ${decision.reason}`;
      case 'record':
        return `recorded the stop; run ${run.scheduledTime} #${run.attempt} is ${finished.status}`;
      case 'settle':
        return describeSettlement(finished);
    }
  });
}

function describeSettlement(run: RunRecord): string {
  if (run.status === 'succeeded') return `run ${run.scheduledTime} #${run.attempt} succeeded`;
  const retry = run.retry?.willRetry ? `attempt ${run.retry.nextAttempt} at ${run.retry.retryAt}` : 'no retry';
  return `run ${run.scheduledTime} #${run.attempt} failed (${run.category ?? run.reason}); ${retry}`;
}
