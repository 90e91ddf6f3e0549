/**
 * What EventBridge Scheduler delivers on the simulated clock: the firings of the jobs' schedules (a
 * late-delivery injection announced when the firing was due, a duplicate-delivery one shown with what it
 * did), the firings of the services' scaling schedules, and the maxRuntime watchdog's ticks.
 */
import { enforceMaxRuntimeTick } from '../functions/enforce-max-runtime.ts';
import { runBatchJob } from '../functions/run-batch-job.ts';
import { scaleService } from '../functions/scale-service.ts';
import { formatDuration } from '../shared/config/duration.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import { scheduledFiringInput } from '../shared/scaling/trigger.ts';
import type { PlannedFiring, PlannedScaling } from './plan.ts';
import { DELIVERY_DELAY_SECONDS, schedulerTime } from './scheduler-delivery.ts';
import type { PublishedEvent } from './seed.ts';
import type { Simulation } from './simulation.ts';
import { RANK } from './steps.ts';
import { describeTasks as describeTaskIds, localClockTime } from './timeline.ts';

/**
 * The window starts somewhere in the service's week: scale-service runs once at its start, so the day
 * starts as the schedules before it left the service (staging-api stopped at midnight); its lines say so.
 */
const BEFORE_THE_WINDOW = 'as its schedules left it before the window';

export class Firings {
  private readonly sim: Simulation;
  /** The watchdog ticks on the agenda: one per minute, however many deadlines fall in it. */
  private readonly watchdogTicks = new Set<number>();

  constructor(sim: Simulation) {
    this.sim = sim;
  }

  /** Scheduler delivers a job's firing (the first time, or again: a duplicate) to run-batch-job. */
  async deliver(firing: PlannedFiring, copy: 'first' | 'duplicate'): Promise<void> {
    const { job } = firing;
    const scheduledTime = firing.scheduledTime.toISOString();
    const payload = { job: job.name, scheduledTime: schedulerTime(firing.scheduledTime), executionId: firing.executionId };
    const before = copy === 'duplicate' ? await this.sim.runtime.runs.get(job.name, scheduledTime, 1) : undefined;
    const during = `on the ${localClockTime(scheduledTime, job.timezone)} firing`;
    const delivered = await this.sim.invoke({ subject: job.name, job: job.name, handler: 'run-batch-job', during }, () =>
      runBatchJob(payload, this.sim.runtime),
    );
    if (copy === 'first' || !delivered) return;
    // A duplicate must show whether it published anything: what it did is settled here rather than after the step.
    const published = await this.sim.settle();
    this.reportDuplicate(firing, before, await this.sim.runtime.runs.get(job.name, scheduledTime, 1), published);
  }

  private reportDuplicate(firing: PlannedFiring, before: RunRecord | undefined, after: RunRecord | undefined, published: PublishedEvent[]) {
    const { job } = firing;
    const unchanged = before !== undefined && after !== undefined && before.version === after.version && published.length === 0;
    const firingName = `the ${localClockTime(firing.scheduledTime.toISOString(), job.timezone)} firing`;
    this.sim.add({
      timeZone: job.timezone,
      subject: job.name,
      job: job.name,
      what: 'duplicate-delivery',
      label: unchanged ? 'duplicate delivery → nothing new' : 'duplicate delivery',
      detail: unchanged
        ? `${firingName} arrived again: its run stays ${[after.status, describeTaskIds(after.taskArns)].filter(Boolean).join(' ')}; nothing launched, no event published`
        : `${firingName} arrived again (scenario); what it did follows`,
      scheduledTime: firing.scheduledTime.toISOString(),
      taskArns: after?.taskArns,
      source: unchanged ? 'run-history' : 'scenario',
    });
  }

  /** A late-delivery injection: the line that says so when the firing was due. */
  announceLateDelivery(firing: PlannedFiring): void {
    const { job } = firing;
    const deadline =
      job.startingDeadlineSeconds === undefined
        ? 'the job has no startingDeadline'
        : `startingDeadline ${formatDuration(job.startingDeadlineSeconds)}`;
    this.sim.add({
      timeZone: job.timezone,
      subject: job.name,
      job: job.name,
      what: 'late-delivery',
      label: 'late delivery injected',
      detail: `Scheduler delivers the ${localClockTime(firing.scheduledTime.toISOString(), job.timezone)} firing ${formatDuration(firing.lateBySeconds ?? 0)} late (${deadline})`,
      scheduledTime: firing.scheduledTime.toISOString(),
      source: 'scenario',
    });
  }

  /** Scheduler delivers a firing of the service's scaling schedules (or the sandbox reconciles it at the window's start). */
  async scale(planned: PlannedScaling): Promise<void> {
    const { service, scheduledTime } = planned;
    const timeZone = this.sim.scalingZoneOf(service);
    const during = scheduledTime ? `on the ${localClockTime(scheduledTime.toISOString(), timeZone)} firing` : "at the window's start";
    await this.sim.invoke({ subject: service, handler: 'scale-service', during, timeZone }, () =>
      scaleService(scheduledFiringInput(service, scheduledTime), this.sim.scalingRuntime),
    );
    // Settled here rather than after the step, so that the lines of the reconcile at the start say why it ran then.
    if (!scheduledTime) await this.sim.settle(BEFORE_THE_WINDOW);
  }

  /**
   * Scheduler fires the watchdog every minute, a few seconds past it; a tick finds the runs whose deadline
   * has passed. Only the first tick after each deadline can act, so only those are simulated.
   */
  scheduleWatchdog(deadline: Date): void {
    const minute = Math.floor(deadline.getTime() / 60_000) * 60_000 + DELIVERY_DELAY_SECONDS * 1000;
    const tick = minute >= deadline.getTime() ? minute : minute + 60_000;
    if (this.watchdogTicks.has(tick)) return;
    this.watchdogTicks.add(tick);
    this.sim.agenda.add(new Date(tick), RANK.watchdog, {
      pastWindow: false,
      run: async () => {
        await this.sim.invoke({ subject: 'enforce-max-runtime', handler: 'watchdog' }, () => enforceMaxRuntimeTick(this.sim.runtime));
      },
    });
  }
}
