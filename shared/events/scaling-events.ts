/**
 * The bus events of scheduled scaling (scale-service), with the shape of their detail. Every change,
 * deferral and failure is one event; a firing that finds the service as it should be publishes none.
 * Only a failure carries an alert block (notify groups it under the service and "scaling-failed").
 */
import type { ScaleTarget } from '../scaling/targets.ts';
import type { AlertBlock } from './alert.ts';

export const SCALING_DETAIL_TYPES = {
  scaled: 'Service Scaled',
  deferred: 'Service Scaling Deferred',
  failed: 'Service Scaling Failed',
} as const;

/** A scalable target's bounds (Application Auto Scaling minCapacity / maxCapacity). */
export interface Bounds {
  min: number;
  max: number;
}

/** What scale-service reads and sets on a service: its desiredCount, and its bounds when it has a scalable target. */
export interface ServiceShape {
  desiredCount: number;
  /** Absent: the service has no scalable target. */
  bounds?: Bounds | undefined;
}

/** Why the service should be as it is now: the target, and the period, override or "outside" that gave it. */
export interface ScalingWhy {
  target: ScaleTarget;
  because: { kind: 'override' | 'period' | 'outside'; name?: string | undefined };
}

/** Every scaling event names the service by its automation.yml key and as ECS knows it. */
interface ScalingSubject {
  /** The key in automation.yml `services`. */
  serviceKey: string;
  /** The ECS service name. */
  service: string;
  /** The cluster name. */
  cluster: string;
}

export interface ServiceScaledDetail extends ScalingSubject {
  from: ServiceShape;
  to: ServiceShape;
  why: ScalingWhy;
  /** What the baseline (the shape restored later) did: remembered now, forgotten after a restore, or kept. */
  baseline: 'remembered' | 'forgotten' | 'kept' | 'none';
}

export interface ServiceScalingDeferredDetail extends ScalingSubject {
  /** What was due and is not applied yet. */
  from: ServiceShape;
  to: ServiceShape;
  why: ScalingWhy;
  /** What holds the change back, in words. */
  reason: string;
  blockedBy: ('ecs-rollout' | 'blue-green')[];
  /** This deferral's number in its chain (1 for the first), the retry's time, and when the chain began. */
  attempt: number;
  retryAt: string;
  deferredSince: string;
}

export interface ServiceScalingFailedDetail extends ScalingSubject {
  /** What went wrong, with the next step (notify shows it as the alert's "why"). */
  reason: string;
  nextStep: string;
  /** What the change would have been, when it was known. */
  why?: ScalingWhy | undefined;
  to?: ServiceShape | undefined;
  alert: AlertBlock;
}
