/**
 * The metrics ecs-autopilot's functions emit (CloudWatch embedded metric format, through Powertools
 * Metrics), one definition each: its name, unit and dimensions. The derivation (of-events.ts,
 * of-notify-result.ts), the dashboard (shared/stack/dashboard.ts) and the README take them from here, so
 * a renamed metric is renamed everywhere or fails the packaging test.
 *
 * Every dimension value is a name from automation.yml (a job, a watched task, a service, an app) or one of
 * a few fixed words (a run status, an outcome): never an id, an ARN or a time, so the number of distinct
 * metrics stays that of the configuration (CloudWatch bills each combination of dimension values).
 */

/** The namespace is the stack's prefix (`ecs-autopilot-<stage>`, serverless.yml's POWERTOOLS_METRICS_NAMESPACE), one per stage. */
export const METRICS_NAMESPACE_VARIABLE = 'POWERTOOLS_METRICS_NAMESPACE';

export interface MetricDefinition {
  name: string;
  unit: 'Count' | 'Seconds';
  dimensions: readonly string[];
  /** What one data point is, for the README. */
  description: string;
}

export const METRICS = {
  eventsPublished: {
    name: 'EventsPublished',
    unit: 'Count',
    dimensions: ['detailType'],
    description: 'events put on the bus, by detail-type (every decision is one)',
  },
  jobRuns: {
    name: 'JobRuns',
    unit: 'Count',
    dimensions: ['job', 'status'],
    description: 'a run reached a status: launched, skipped, missed, failed, timed-out, replaced, succeeded',
  },
  jobLaunchRounds: {
    name: 'JobLaunchRounds',
    unit: 'Count',
    dimensions: ['job'],
    description: 'passes over the capacity providers a launch made, at its end (1: room at the first pass)',
  },
  watchedTaskRestarts: {
    name: 'WatchedTaskRestarts',
    unit: 'Count',
    dimensions: ['watchedTask'],
    description: 'a restart launched',
  },
  watchedTaskRestartsPaused: {
    name: 'WatchedTaskRestartsPaused',
    unit: 'Count',
    dimensions: ['watchedTask', 'because'],
    description: 'restarts paused, because of a crash loop or a restart that could not launch (restart-failed)',
  },
  watchedTaskRestartsResumed: {
    name: 'WatchedTaskRestartsResumed',
    unit: 'Count',
    dimensions: ['watchedTask', 'by'],
    description: 'restarts resumed, by the resume command or a new task definition revision',
  },
  scalingChanges: {
    name: 'ScalingChanges',
    unit: 'Count',
    dimensions: ['service'],
    description: 'scale-service changed a service (its count or its bounds)',
  },
  scalingDeferrals: {
    name: 'ScalingDeferrals',
    unit: 'Count',
    dimensions: ['service'],
    description: 'a scaling change waits for a deployment',
  },
  scalingFailures: {
    name: 'ScalingFailures',
    unit: 'Count',
    dimensions: ['service'],
    description: 'a scaling change could not be made',
  },
  deploymentOutcomes: {
    name: 'DeploymentOutcomes',
    unit: 'Count',
    dimensions: ['app', 'outcome'],
    description: 'a deployment ended: succeeded, rolled-back, failed; or a request was rejected',
  },
  deploymentDuration: {
    name: 'DeploymentDuration',
    unit: 'Seconds',
    dimensions: ['app', 'outcome'],
    description: 'from the request to the end, per ended deployment',
  },
  deploymentStepDuration: {
    name: 'DeploymentStepDuration',
    unit: 'Seconds',
    dimensions: ['app'],
    description: "from the previous step's weight (the request, for the first) to this step's weight on the listener",
  },
  alertsSent: {
    name: 'AlertsSent',
    unit: 'Count',
    dimensions: ['status'],
    description: 'alert messages published to the topic: firing or resolved',
  },
  alertsHeld: {
    name: 'AlertsHeld',
    unit: 'Count',
    dimensions: ['hold'],
    description: 'alert messages held back, not sent: silenced, muted, inhibited',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** One data point: the metric, its dimensions (exactly the metric's), its value in the metric's unit. */
export interface MetricDatum {
  metric: MetricDefinition;
  dimensions: Record<string, string>;
  value: number;
}

/** A data point of `key`, its dimensions checked by the compiler against the metric's. */
export function datum<K extends MetricKey>(
  key: K,
  dimensions: Record<(typeof METRICS)[K]['dimensions'][number], string>,
  value = 1,
): MetricDatum {
  return { metric: METRICS[key], dimensions, value };
}
