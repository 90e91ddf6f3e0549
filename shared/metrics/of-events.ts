/**
 * The metrics of the events a function published. Every decision is published as an event, so reading
 * them here, in one place, measures every function without a metric call in any handler, and leaves the
 * decide functions pure. An event missing a field a metric needs gives no data point for that metric
 * (its EventsPublished still counts it): a metric never fails an invocation.
 */
import { DEPLOYMENT_DETAIL_TYPES } from '../blue-green/model.ts';
import { type AutopilotEvent, JOB_RUN_DETAIL_TYPES } from '../events/bus.ts';
import { SCALING_DETAIL_TYPES } from '../events/scaling-events.ts';
import { STOPPED_TASK_DETAIL_TYPES } from '../events/stopped-task-events.ts';
import { datum, type MetricDatum } from './catalogue.ts';

export type PublishedEvent = Pick<AutopilotEvent, 'detailType' | 'detail' | 'time'>;

const JOB_RUN_STATUS_OF = new Map(Object.entries(JOB_RUN_DETAIL_TYPES).map(([status, detailType]) => [detailType, status]));

const DEPLOYMENT_OUTCOME_OF = new Map<string, string>([
  [DEPLOYMENT_DETAIL_TYPES.succeeded, 'succeeded'],
  [DEPLOYMENT_DETAIL_TYPES.rolledBack, 'rolled-back'],
  [DEPLOYMENT_DETAIL_TYPES.failed, 'failed'],
  [DEPLOYMENT_DETAIL_TYPES.rejected, 'rejected'],
]);

export function metricsOfEvents(events: readonly PublishedEvent[]): MetricDatum[] {
  return events.flatMap(metricsOfEvent);
}

export function metricsOfEvent(event: PublishedEvent): MetricDatum[] {
  return [datum('eventsPublished', { detailType: event.detailType }), ...specificMetrics(event)];
}

function specificMetrics({ detailType, detail, time }: PublishedEvent): MetricDatum[] {
  const status = JOB_RUN_STATUS_OF.get(detailType);
  if (status !== undefined) return jobRunMetrics(status, detail);
  const outcome = DEPLOYMENT_OUTCOME_OF.get(detailType);
  if (outcome !== undefined) return deploymentEndMetrics(outcome, detail, time);
  switch (detailType) {
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted:
      return perName(detail.watchedTask, (watchedTask) => [datum('watchedTaskRestarts', { watchedTask })]);
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskRestartFailed:
      return perName(detail.watchedTask, (watchedTask) => [datum('watchedTaskRestartsPaused', { watchedTask, because: 'restart-failed' })]);
    case STOPPED_TASK_DETAIL_TYPES.crashLoopDetected:
      return crashLoopMetrics(detail);
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskResumed:
      return perName(detail.watchedTask, (watchedTask) =>
        perName(detail.by, (by) => [datum('watchedTaskRestartsResumed', { watchedTask, by })]),
      );
    case SCALING_DETAIL_TYPES.scaled:
      return perName(detail.serviceKey, (service) => [datum('scalingChanges', { service })]);
    case SCALING_DETAIL_TYPES.deferred:
      return perName(detail.serviceKey, (service) => [datum('scalingDeferrals', { service })]);
    case SCALING_DETAIL_TYPES.failed:
      return perName(detail.serviceKey, (service) => [datum('scalingFailures', { service })]);
    case DEPLOYMENT_DETAIL_TYPES.stepCompleted:
      return stepMetrics(detail);
    default:
      return [];
  }
}

function jobRunMetrics(status: string, detail: Record<string, unknown>): MetricDatum[] {
  return perName(detail.job, (job) => {
    const runs = datum('jobRuns', { job, status });
    // A launch ends launched, or failed before any task ran; a failure of a launched run reports its tasks, not its launch.
    const launchEnded = status === 'launched' || (status === 'failed' && detail.launchedAt === undefined);
    const rounds = (detail.launch as { rounds?: unknown } | undefined)?.rounds;
    if (!launchEnded || !isCount(rounds)) return [runs];
    // `rounds` counts the passes that found no room and were followed by another; the last pass is one more.
    return [runs, datum('jobLaunchRounds', { job }, rounds + 1)];
  });
}

function crashLoopMetrics(detail: Record<string, unknown>): MetricDatum[] {
  const subject = detail.subject as { kind?: unknown; name?: unknown } | undefined;
  if (detail.action !== 'restarts-paused' || subject?.kind !== 'watched-task') return [];
  return perName(subject.name, (watchedTask) => [datum('watchedTaskRestartsPaused', { watchedTask, because: 'crash-loop' })]);
}

function deploymentEndMetrics(outcome: string, detail: Record<string, unknown>, time: Date): MetricDatum[] {
  return perName(detail.app, (app) => {
    const ended = datum('deploymentOutcomes', { app, outcome });
    const seconds = secondsBetween(detail.requestedAt, time.toISOString());
    return outcome === 'rejected' || seconds === undefined ? [ended] : [ended, datum('deploymentDuration', { app, outcome }, seconds)];
  });
}

/** The step's weight is the last in `weights`; it took from the weight before it, or from the request for the first step. */
function stepMetrics(detail: Record<string, unknown>): MetricDatum[] {
  const weights = Array.isArray(detail.weights) ? (detail.weights as { at?: unknown }[]) : [];
  const reached = weights.at(-1)?.at;
  const since = weights.length > 1 ? weights.at(-2)?.at : detail.requestedAt;
  const seconds = secondsBetween(since, reached);
  return seconds === undefined ? [] : perName(detail.app, (app) => [datum('deploymentStepDuration', { app }, seconds)]);
}

/** Dimension values are names: a missing or empty one gives no data point rather than a metric without it. */
function perName(value: unknown, metrics: (name: string) => MetricDatum[]): MetricDatum[] {
  return typeof value === 'string' && value.length > 0 ? metrics(value) : [];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function secondsBetween(from: unknown, to: unknown): number | undefined {
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
