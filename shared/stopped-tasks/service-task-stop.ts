/**
 * A watched service's task stopped: ECS replaces it; ecs-autopilot counts it in the service's window, toward
 * the crash loop or, for a lost host or Spot, toward "the cluster is losing hosts", and says so
 * (decide-service-stop.ts, pure).
 *
 * A counted stop adds its task to the window before the window is read (a redelivery adds nothing again),
 * so that of stops counted at the same moment the last to read sees them all. What the window shows is then
 * decided and saved, keyed by the task ARN, with the events it publishes (the outbox); they are published
 * and the outbox cleared. A failure or a crash anywhere leaves the rest to the next delivery, which finds
 * the decision and publishes the same events (same ids) once. A stop the service ignores is not counted:
 * its one event is published with its deterministic id and nothing is stored.
 */
import type { ServiceWatch } from '../config/schema.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { retryOnStaleWrite } from '../state/versioned.ts';
import { publishEvents } from './apply.ts';
import { decideServiceStop, isCounted, isInfrastructureStop, serviceStopEvents } from './decide-service-stop.ts';
import type { StopRuntime } from './runtime.ts';

/** A counted stop is kept this long after its window could last end. */
const KEEP_AFTER_WINDOW_SECONDS = 3_600;
/** A decision is kept longer than EventBridge and Lambda keep redelivering an event. */
const DECISION_KEEP_SECONDS = 86_400;

export async function onServiceTaskStopped(watch: ServiceWatch, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  if (stop.isSpotNotice) return 'nothing: ECS replaces a service task when it stops';
  const { category } = stop.classification;
  if (!isCounted(watch, category)) {
    await publishEvents(serviceStopEvents(decideServiceStop(watch, stop, undefined), stop, rt.now()), rt);
    return `not counted: ${category} is in the service's ignore list`;
  }
  const { windowSeconds } = watch.crashLoop;
  const key = { cluster: stop.clusterName, service: watch.service, taskArn: stop.taskArn };
  const stoppedAt = new Date(stop.stoppedAt ?? stop.stoppingAt ?? stop.eventTime);
  return retryOnStaleWrite(async () => {
    let decided = await rt.serviceStops.decision(key);
    let summary: string;
    if (decided) {
      summary = `counted before: stop ${decided.stopsInWindow} within the window`;
    } else {
      await rt.serviceStops.count({
        ...key,
        taskId: stop.taskId,
        category,
        at: stoppedAt,
        keepSeconds: windowSeconds + KEEP_AFTER_WINDOW_SECONDS,
      });
      const now = rt.now();
      // The window ends now; a stop delivered later than that still counts itself.
      const since = new Date(Math.min(now.getTime() - windowSeconds * 1000 + 1, stoppedAt.getTime()));
      const window = await rt.serviceStops.window(key.cluster, key.service, since);
      const decision = decideServiceStop(watch, stop, window);
      decided = await rt.serviceStops.save({
        ...key,
        stopsInWindow: decision.stopped.stopsInWindow,
        outbox: serviceStopEvents(decision, stop, now),
        expiresAt: Math.floor(now.getTime() / 1000) + DECISION_KEEP_SECONDS,
        version: 0,
      });
      const threshold = isInfrastructureStop(watch, category)
        ? `${watch.crashLoop.infrastructure.stops} infrastructure stops`
        : `${watch.crashLoop.stops} stops`;
      summary = decision.crashLoop
        ? `crash loop: ${decision.crashLoop.stops} stops within the window (dominant ${decision.crashLoop.dominantCategory})`
        : decision.infrastructureLoss
          ? `the cluster is losing hosts: ${decision.infrastructureLoss.stops} infrastructure stops within the window`
          : `counted: ${decision.stopped.stopsInWindow} of ${threshold} within the window`;
    }
    if (decided.outbox.length > 0) {
      await publishEvents(decided.outbox, rt);
      await rt.serviceStops.save({ ...decided, outbox: [] });
    }
    return summary;
  });
}
