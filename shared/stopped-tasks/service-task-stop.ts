/** A service's task stopped: ECS replaces it; count it for the service's crash-loop pattern and say so. */
import type { ServiceWatch } from '../config/schema.ts';
import type { AutopilotEvent } from '../events/bus.ts';
import { STOPPED_TASK_DETAIL_TYPES, type StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { decideServiceStop, isCounted } from './decide-service-stop.ts';
import type { StopRuntime } from './runtime.ts';

export async function onServiceTaskStopped(watch: ServiceWatch, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  if (stop.isSpotNotice) return 'nothing: ECS replaces a service task when it stops';
  const { category } = stop.classification;
  const window = isCounted(watch, category)
    ? await rt.serviceStops.count(stop.clusterName, watch.service, category, rt.now(), watch.crashLoop.windowSeconds)
    : undefined;
  const decision = decideServiceStop(watch, stop, window);
  const events: AutopilotEvent[] = [
    {
      detailType: STOPPED_TASK_DETAIL_TYPES.serviceTaskStopped,
      detail: { ...decision.stopped },
      resources: [stop.taskArn],
      time: rt.now(),
    },
  ];
  if (decision.crashLoop) {
    events.push({
      detailType: STOPPED_TASK_DETAIL_TYPES.crashLoopDetected,
      detail: { ...decision.crashLoop },
      resources: [stop.taskArn],
      time: rt.now(),
    });
  }
  await rt.bus.publish(events);
  if (!window) return `not counted: ${category} is in the service's ignore list`;
  return decision.crashLoop
    ? `crash loop: ${window.total} stops within the window (dominant ${decision.crashLoop.dominantCategory})`
    : `counted: ${window.total} of ${watch.crashLoop.stops} stops within the window`;
}
