/**
 * Scheduled scaling in the operator's words: what a service should look like during a period, outside
 * every period, or during a one-off override. Resolved from automation.yml (schema.ts); evaluated at an
 * instant by periods.ts; reconciled by the scale-service function.
 */

/** What a service should be scaled to. */
export type ScaleTarget =
  /** Application Auto Scaling bounds (the autoscaler moves desiredCount between them). */
  | { kind: 'bounds'; min: number; max: number }
  /** A fixed task count. */
  | { kind: 'desired'; count: number }
  /** Zero tasks; only ever from an explicit `stop: true`. */
  | { kind: 'stop' }
  /** As the service was before ecs-autopilot changed it (the remembered count and bounds). */
  | { kind: 'restore' };

export const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A recurring window of the week, in the service's time zone. */
export interface ScalingPeriod {
  name: string;
  /** The days the window starts on. */
  days: Weekday[];
  /** "HH:MM", wall-clock time in the service's zone. */
  from: string;
  /** "HH:MM"; a `to` at or before `from` ends the next day (an overnight period). */
  to: string;
  target: Exclude<ScaleTarget, { kind: 'restore' }>;
}

/** A one-off or cron-style window that wins over every period while it lasts. */
export interface ScalingOverride {
  name: string;
  /** cron(...) or at(...), as a job's schedule, in the service's time zone. */
  schedule: string;
  forSeconds: number;
  target: Exclude<ScaleTarget, { kind: 'restore' }>;
}

export interface ServiceScaling {
  timezone: string;
  periods: ScalingPeriod[];
  overrides: ScalingOverride[];
  /** What applies outside every period and override (default: restore). */
  outside: ScaleTarget;
  /** No bound or count may exceed this. */
  ceiling: number;
}
