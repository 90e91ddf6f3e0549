/**
 * A watched service's task stopped: ECS replaces it; ecs-autopilot counts it in the service's window, toward
 * the crash loop or, for a lost host or Spot, toward "the cluster is losing hosts", and says so
 * (decide-service-stop.ts, pure).
 *
 * A counted stop adds its task to the window before the window is read (a redelivery adds nothing again),
 * so that of stops counted at the same moment the last to read sees them all. What the window shows is then
 * decided and saved, keyed by the task ARN, with the events it publishes (the outbox); they are published
 * and the outbox cleared. A failure or a crash anywhere leaves the rest to the next delivery, which finds
 * the decision and publishes the same events (same ids) once. The decision carries the stop's record, and
 * is kept as long as the stop history (STOP_HISTORY_SECONDS). A stop the service ignores is not counted:
 * its one event is published with its deterministic id, and only its record is stored, once.
 */
import type { ServiceWatch } from '../config/schema.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { retryOnStaleWrite } from '../state/versioned.ts';
import { publishEvents } from './apply.ts';
import { decideServiceStop, isCounted, isInfrastructureStop, serviceStopEvents } from './decide-service-stop.ts';
import type { StopRuntime } from './runtime.ts';
import { STOP_HISTORY_SECONDS, type StopRecordAction, stopRecordOf } from './stop-record.ts';

/** A counted stop is kept this long after its window could last end. */
const KEEP_AFTER_WINDOW_SECONDS = 3_600;

export async function onServiceTaskStopped(watch: ServiceWatch, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  if (stop.isSpotNotice) return 'nothing: ECS replaces a service task when it stops';
  const { category } = stop.classification;
  const key = { cluster: stop.clusterName, service: watch.service, taskArn: stop.taskArn };
  const expiresAt = () => Math.floor(rt.now().getTime() / 1000) + STOP_HISTORY_SECONDS;
  if (!isCounted(watch, category)) {
    const summary = `not counted: ${category} is in the service's ignore list`;
    await rt.serviceStops.recordUncounted({
      ...key,
      stopsInWindow: 0,
      outbox: [],
      stop: stopRecordOf(stop, 'not-counted', summary),
      expiresAt: expiresAt(),
    });
    await publishEvents(serviceStopEvents(decideServiceStop(watch, stop, undefined), stop, rt.now()), rt);
    return summary;
  }
  const { windowSeconds } = watch.crashLoop;
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
      const threshold = isInfrastructureStop(watch, category)
        ? `${watch.crashLoop.infrastructure.stops} infrastructure stops`
        : `${watch.crashLoop.stops} stops`;
      summary = decision.crashLoop
        ? `crash loop: ${decision.crashLoop.stops} stops within the window (dominant ${decision.crashLoop.dominantCategory})`
        : decision.infrastructureLoss
          ? `the cluster is losing hosts: ${decision.infrastructureLoss.stops} infrastructure stops within the window`
          : `counted: ${decision.stopped.stopsInWindow} of ${threshold} within the window`;
      const action: StopRecordAction = decision.crashLoop
        ? 'crash-loop-alert'
        : decision.infrastructureLoss
          ? 'infrastructure-loss-alert'
          : decision.stopped.alert
            ? 'alert'
            : 'counted';
      decided = await rt.serviceStops.save({
        ...key,
        stopsInWindow: decision.stopped.stopsInWindow,
        outbox: serviceStopEvents(decision, stop, now),
        stop: stopRecordOf(stop, action, summary),
        expiresAt: expiresAt(),
        version: 0,
      });
    }
    if (decided.outbox.length > 0) {
      await publishEvents(decided.outbox, rt);
      await rt.serviceStops.save({ ...decided, outbox: [] });
    }
    return summary;
  });
}
