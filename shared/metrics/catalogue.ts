/**
 * The metrics ecs-autopilot's functions emit (CloudWatch embedded metric format, through Powertools
 * Metrics), one definition each: its name, unit and dimensions. The derivation (of-events.ts,
 * of-notify-result.ts) and the dashboard (shared/stack/dashboard.ts) take them from here, and tests hold
 * the README's table to them, so a renamed metric is renamed everywhere or fails a test.
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
}

export const METRICS = {
  eventsPublished: { name: 'EventsPublished', unit: 'Count', dimensions: ['detailType'] },
  jobRuns: { name: 'JobRuns', unit: 'Count', dimensions: ['job', 'status'] },
  jobLaunchRounds: { name: 'JobLaunchRounds', unit: 'Count', dimensions: ['job'] },
  watchedTaskRestarts: { name: 'WatchedTaskRestarts', unit: 'Count', dimensions: ['watchedTask'] },
  watchedTaskRestartsPaused: { name: 'WatchedTaskRestartsPaused', unit: 'Count', dimensions: ['watchedTask', 'because'] },
  watchedTaskRestartsResumed: { name: 'WatchedTaskRestartsResumed', unit: 'Count', dimensions: ['watchedTask', 'by'] },
  scalingChanges: { name: 'ScalingChanges', unit: 'Count', dimensions: ['service'] },
  scalingDeferrals: { name: 'ScalingDeferrals', unit: 'Count', dimensions: ['service'] },
  scalingFailures: { name: 'ScalingFailures', unit: 'Count', dimensions: ['service'] },
  deploymentOutcomes: { name: 'DeploymentOutcomes', unit: 'Count', dimensions: ['app', 'outcome'] },
  deploymentDuration: { name: 'DeploymentDuration', unit: 'Seconds', dimensions: ['app', 'outcome'] },
  deploymentStepDuration: { name: 'DeploymentStepDuration', unit: 'Seconds', dimensions: ['app'] },
  alertsSent: { name: 'AlertsSent', unit: 'Count', dimensions: ['status'] },
  alertsHeld: { name: 'AlertsHeld', unit: 'Count', dimensions: ['hold'] },
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
