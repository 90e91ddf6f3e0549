/**
 * A service's task stopped. ECS replaces it by itself; ecs-autopilot looks for patterns instead: a
 * task that failed to start is alerted at once (a missing image does not heal), and
 * crashLoop.stops or more counted stops within the window is a crash loop, alerted with its dominant category.
 * Both alerts group under the service and that category, so a burst makes one stream of messages. Pure.
 */
import type { ServiceWatch } from '../config/schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import {
  type CrashLoopDetail,
  type ServiceTaskStoppedDetail,
  STOPPED_TASK_DETAIL_TYPES,
  type StoppedTaskSummary,
} from '../events/stopped-task-events.ts';
import { eventId } from './actions.ts';
import type { StopCategory } from './categories.ts';

/** Counted stops of the service within its window, this one included. */
export interface StopWindow {
  total: number;
  byCategory: Partial<Record<StopCategory, number>>;
}

export function isCounted(watch: ServiceWatch, category: StopCategory): boolean {
  return !watch.ignore.includes(category);
}

export interface ServiceStopDecision {
  stopped: ServiceTaskStoppedDetail;
  crashLoop: CrashLoopDetail | undefined;
}

export function decideServiceStop(watch: ServiceWatch, stop: StoppedTaskSummary, window: StopWindow | undefined): ServiceStopDecision {
  const { category } = stop.classification;
  const counted = window !== undefined && isCounted(watch, category);
  const alertFor = (alertCategory: StopCategory): AlertBlock => ({
    cluster: stop.clusterName,
    subject: { kind: 'service', name: watch.service },
    category: alertCategory,
    severity: 'critical',
  });
  const stopped: ServiceTaskStoppedDetail = {
    service: watch.service,
    cluster: stop.clusterName,
    stop,
    counted,
    stopsInWindow: counted ? window.total : 0,
    ...(counted && category === 'failed-to-start' && { alert: alertFor('failed-to-start') }),
  };
  if (!counted || window.total < watch.crashLoop.stops) return { stopped, crashLoop: undefined };
  const dominantCategory = dominant(window.byCategory) ?? category;
  return {
    stopped,
    crashLoop: {
      subject: { kind: 'service', name: watch.service },
      cluster: stop.clusterName,
      stops: window.total,
      windowSeconds: watch.crashLoop.windowSeconds,
      dominantCategory,
      categories: window.byCategory,
      action: 'alert-only',
      lastStop: stop,
      alert: alertFor(dominantCategory),
    },
  };
}

/** The events a decision publishes, each with its id: the detail-type, the task ARN and its event's detail.version. */
export function serviceStopEvents(decision: ServiceStopDecision, stop: StoppedTaskSummary, now: Date): PendingEvent[] {
  const key = `${stop.taskArn}#${stop.version}`;
  const event = (detailType: string, detail: object): PendingEvent => ({
    id: eventId(detailType, key),
    detailType,
    detail: { ...detail },
    resources: [stop.taskArn],
    time: now.toISOString(),
  });
  return [
    event(STOPPED_TASK_DETAIL_TYPES.serviceTaskStopped, decision.stopped),
    ...(decision.crashLoop ? [event(STOPPED_TASK_DETAIL_TYPES.crashLoopDetected, decision.crashLoop)] : []),
  ];
}

/** The most frequent category (a tie goes to the one counted first). */
export function dominant(byCategory: Partial<Record<StopCategory, number>>): StopCategory | undefined {
  let best: [StopCategory, number] | undefined;
  for (const [category, count] of Object.entries(byCategory) as [StopCategory, number][]) {
    if (!best || count > best[1]) best = [category, count];
  }
  return best?.[0];
}
