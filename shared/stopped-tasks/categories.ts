/**
 * Why a task stopped, in one word an operator can act on. Every "ECS Task State Change" event gets
 * exactly one (classifyStop in classify.ts); the config's retry rules, restart policies and service
 * alert filters are written in these words.
 */
export const STOP_CATEGORIES = [
  'completed',
  'app-error',
  'out-of-memory',
  'health-check-failed',
  'failed-to-start',
  'spot-interruption',
  'scaled-in',
  'user-stopped',
  'host-lost',
  'timeout',
  'replaced',
  'unknown',
] as const;

export type StopCategory = (typeof STOP_CATEGORIES)[number];

/** failed-to-start, told apart by what could not be done. */
export const FAILED_TO_START_KINDS = [
  'image-pull',
  'resource-initialization',
  'container-start',
  'volume-creation',
  'capacity',
  'other',
] as const;

export type FailedToStartKind = (typeof FAILED_TO_START_KINDS)[number];

/** health-check-failed: the load balancer's checks or the container's own HEALTHCHECK. */
export const HEALTH_CHECK_KINDS = ['elb', 'container'] as const;
export type HealthCheckKind = (typeof HEALTH_CHECK_KINDS)[number];

/**
 * The stops that say the capacity under the tasks went away, not that the application failed: a service's
 * crash loop leaves them out by default and counts them toward "the cluster is losing hosts" instead
 * (services.<name>.crashLoop.infrastructure).
 */
export const INFRASTRUCTURE_CATEGORIES = ['host-lost', 'spot-interruption'] as const satisfies readonly StopCategory[];

/** A stop that says nothing is wrong with the application. */
export function isSuccess(category: StopCategory): boolean {
  return category === 'completed';
}

/**
 * Why an attempt of a job failed, in the words its retry rules use: how its task stopped, or `capacity`
 * when its launch found no room within launchRetry (no task stopped: none started).
 */
export const ATTEMPT_FAILURE_CATEGORIES = [...STOP_CATEGORIES, 'capacity'] as const;

export type AttemptFailureCategory = (typeof ATTEMPT_FAILURE_CATEGORIES)[number];
