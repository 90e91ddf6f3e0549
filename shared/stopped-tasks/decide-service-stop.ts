/**
 * A service's task stopped. ECS replaces it by itself; ecs-autopilot looks for patterns instead: a
 * task that failed to start is alerted at once (a missing image does not heal), and
 * crashLoop.stops or more counted stops within the window is a crash loop, alerted with its dominant category.
 * Stops of crashLoop.infrastructure.categories (lost hosts, Spot) say the capacity went away, not that the
 * application failed: they count apart, and crashLoop.infrastructure.stops of them within the window alert
 * "the cluster is losing hosts" (category infrastructure-loss) instead of a crash loop an on-call person would
 * look for in the code. Each alert groups under the service and its category, so a burst makes one stream
 * of messages. Pure.
 */

import { formatDuration } from '../config/duration.ts';
import type { ServiceWatch } from '../config/schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import {
  type CrashLoopDetail,
  type InfrastructureLossDetail,
  type ServiceTaskStoppedDetail,
  STOPPED_TASK_DETAIL_TYPES,
  type StoppedTaskSummary,
} from '../events/stopped-task-events.ts';
import { eventId } from './actions.ts';
import { infrastructureLossAdvice } from './advice.ts';
import type { StopCategory } from './categories.ts';

/** The alert category of "the cluster is losing hosts". */
export const INFRASTRUCTURE_LOSS = 'infrastructure-loss';

/** Counted stops of the service within its window, this one included. */
export interface StopWindow {
  total: number;
  byCategory: Partial<Record<StopCategory, number>>;
}

export function isCounted(watch: ServiceWatch, category: StopCategory): boolean {
  return !watch.ignore.includes(category);
}

/** A stop that counts toward "the cluster is losing hosts" rather than the crash loop. */
export function isInfrastructureStop(watch: ServiceWatch, category: StopCategory): boolean {
  return watch.crashLoop.infrastructure.categories.includes(category);
}

export interface ServiceStopDecision {
  stopped: ServiceTaskStoppedDetail;
  crashLoop: CrashLoopDetail | undefined;
  infrastructureLoss: InfrastructureLossDetail | undefined;
}

export function decideServiceStop(watch: ServiceWatch, stop: StoppedTaskSummary, window: StopWindow | undefined): ServiceStopDecision {
  const { category } = stop.classification;
  const counted = window !== undefined && isCounted(watch, category);
  const alertFor = (alertCategory: string): AlertBlock => ({
    cluster: stop.clusterName,
    subject: { kind: 'service', name: watch.service },
    category: alertCategory,
    severity: 'critical',
  });
  const infrastructure = isInfrastructureStop(watch, category);
  // The window split in two: the stops of this one's kind decide its alert, the others are not its business.
  const ofItsKind = counted ? sameKind(watch, window.byCategory, infrastructure) : {};
  const stops = counted ? (infrastructure ? sum(ofItsKind) : window.total - sum(sameKind(watch, window.byCategory, true))) : 0;
  const stopped: ServiceTaskStoppedDetail = {
    service: watch.service,
    cluster: stop.clusterName,
    stop,
    counted,
    stopsInWindow: stops,
    ...(counted && category === 'failed-to-start' && { alert: alertFor('failed-to-start') }),
  };
  const subject = { kind: 'service', name: watch.service } as const;
  const { windowSeconds } = watch.crashLoop;
  if (counted && infrastructure && stops >= watch.crashLoop.infrastructure.stops) {
    const mix = Object.entries(ofItsKind)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    return {
      stopped,
      crashLoop: undefined,
      infrastructureLoss: {
        subject,
        cluster: stop.clusterName,
        stops,
        windowSeconds,
        categories: ofItsKind,
        lastStop: stop,
        reason: `the cluster is losing hosts: ${stops} tasks of service ${watch.service} stopped within ${formatDuration(windowSeconds)} because their hosts or Spot capacity went away (${mix})`,
        advice: infrastructureLossAdvice(ofItsKind, stop),
        alert: alertFor(INFRASTRUCTURE_LOSS),
      },
    };
  }
  if (!counted || infrastructure || stops < watch.crashLoop.stops) return { stopped, crashLoop: undefined, infrastructureLoss: undefined };
  const dominantCategory = dominant(ofItsKind) ?? category;
  return {
    stopped,
    crashLoop: {
      subject,
      cluster: stop.clusterName,
      stops,
      windowSeconds,
      dominantCategory,
      categories: ofItsKind,
      action: 'alert-only',
      lastStop: stop,
      alert: alertFor(dominantCategory),
    },
    infrastructureLoss: undefined,
  };
}

/** The window's counts of the infrastructure categories (infrastructure true), or of the others. */
function sameKind(
  watch: ServiceWatch,
  byCategory: Partial<Record<StopCategory, number>>,
  infrastructure: boolean,
): Partial<Record<StopCategory, number>> {
  return Object.fromEntries(
    Object.entries(byCategory).filter(([name]) => isInfrastructureStop(watch, name as StopCategory) === infrastructure),
  );
}

function sum(byCategory: Partial<Record<StopCategory, number>>): number {
  return Object.values(byCategory).reduce((total, count) => total + (count ?? 0), 0);
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
    ...(decision.infrastructureLoss ? [event(STOPPED_TASK_DETAIL_TYPES.infrastructureLossDetected, decision.infrastructureLoss)] : []),
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
