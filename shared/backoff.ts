/**
 * The one back-off of ecs-autopilot, for every wait that grows with repeated failure (a watched task's
 * restarts and the relaunch of a restart that found no capacity, a job's retries and its launch rounds,
 * a deferred scaling change): exponential with a cap. Pure.
 */
export interface Backoff {
  /** The first wait. */
  initialSeconds: number;
  /** No wait is longer. */
  maxSeconds: number;
}

/** The wait before step `step`: step 1 waits `initialSeconds`, each later step twice the one before, capped at `maxSeconds`; step 0 does not wait. */
export function backoffSeconds(backoff: Backoff, step: number): number {
  if (step < 1) return 0;
  return Math.min(backoff.maxSeconds, backoff.initialSeconds * 2 ** (step - 1));
}
