/**
 * A scenario's operator commands, carried out as the CLI does them: `run <job>` invokes run-batch-job
 * with a manual-run request, `suspend` writes the job's suspension to the state table and `unsuspend`
 * ends it, then asks run-batch-job for the catch-up when the job has catchUp: latest.
 */
import { runBatchJob } from '../functions/run-batch-job.ts';
import { manualRunTime } from '../shared/state/manual-runs.ts';
import type { InjectionOfKind } from './scenario.ts';
import { SCENARIO_OPERATOR } from './silences.ts';
import type { Simulation } from './simulation.ts';

export async function manualRunOnCue(sim: Simulation, injection: InjectionOfKind<'manual-run'>, index: number): Promise<void> {
  const id = injection.id ?? `scenario-${index}`;
  const { job } = injection;
  const timeZone = sim.zoneOf(job);
  sim.add({
    timeZone,
    subject: job,
    job,
    what: 'manual-run',
    label: 'manual run',
    detail: `an operator runs ${job} now (manual run ${id})`,
    source: 'scenario',
  });
  if (injection.after !== undefined) {
    // Its tasks end as the scenario says: bound to this run's time (the request's, off the whole second:
    // manualRunTime) before its launch is announced.
    const { id: _id, at: _at, kind: _kind, job: _job, after, ...ending } = injection;
    sim.plan.exits.push({
      index,
      injection: { kind: 'task-exits', job, after, ...ending },
      scheduledTime: manualRunTime(sim.clock.now()).toISOString(),
      applied: 0,
    });
  }
  const request = { manualRun: { job, id, requestedBy: SCENARIO_OPERATOR } };
  await sim.invoke({ subject: job, job, handler: 'run-batch-job', during: `for the manual run ${id}` }, () =>
    runBatchJob(request, sim.runtime),
  );
}

export async function suspensionOnCue(
  sim: Simulation,
  injection: InjectionOfKind<'suspension'>,
  stage: 'suspend' | 'unsuspend',
): Promise<void> {
  const { job } = injection;
  const timeZone = sim.zoneOf(job);
  const at = sim.clock.now();
  if (stage === 'suspend') {
    await sim.runtime.suspensions.suspend(job, { at, by: SCENARIO_OPERATOR, comment: injection.comment });
    const why = injection.comment ? `: ${injection.comment}` : '';
    sim.add({
      timeZone,
      subject: job,
      job,
      what: 'suspension',
      label: 'suspended',
      detail: `an operator suspends ${job}${why}`,
      source: 'scenario',
    });
    return;
  }
  await sim.runtime.suspensions.unsuspend(job, { at, by: SCENARIO_OPERATOR });
  const catchUp = sim.automation.jobs[job]?.catchUp === 'latest';
  sim.add({
    timeZone,
    subject: job,
    job,
    what: 'suspension',
    label: 'unsuspended',
    detail: `an operator unsuspends ${job}${catchUp ? ' (catchUp: latest)' : ''}`,
    source: 'scenario',
  });
  if (!catchUp) return;
  const answer = await sim.invoke({ subject: job, job, handler: 'run-batch-job', during: 'for the catch-up' }, () =>
    runBatchJob({ unsuspended: { job } }, sim.runtime),
  );
  const decision = answer?.result?.catchUp;
  if (decision?.kind === 'none') {
    sim.add({
      timeZone,
      subject: job,
      job,
      what: 'suspension',
      label: 'nothing to catch up',
      detail: decision.reason,
      source: 'run-history',
    });
  }
}
