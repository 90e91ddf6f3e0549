/**
 * Scheduled scaling, declaratively: given what the service should be now (the target of the period,
 * override or "outside" in force) and what it is, decide what to do. A missed or repeated firing
 * heals itself, and applying twice is a no-op, because nothing here depends on what fired before —
 * only on the target now, the live service and the remembered baseline. Pure: no I/O, `now` passed in.
 *
 * What a target means for a service:
 *
 *   target            with a scalable target (Application Auto Scaling)     without one (a plain service)
 *   bounds {min,max}  register min/max; desiredCount moved into them       desiredCount = clamp(current, min, max)
 *   desired {count}   register min = max = count; desiredCount = count     desiredCount = count
 *   stop              register min = max = 0; desiredCount = 0             desiredCount = 0
 *   restore           the remembered bounds and exact desiredCount         the remembered desiredCount
 *                     (nothing when nothing is remembered)                 (nothing when nothing is remembered)
 *
 * `desired` on a scalable service pins both bounds to the count: a count set with UpdateService alone
 * would be undone by the autoscaler (its next scaling activity moves desiredCount by its policies, and
 * registering bounds moves it back inside them). Pinned bounds keep the count while the scalable target
 * and its policies stay registered, so the restore brings target tracking back unchanged.
 *
 * With a scalable target, desiredCount is also set when it lies outside the new bounds. Application
 * Auto Scaling does the same when bounds are registered; doing it here makes the result not depend on
 * its timing, and shows in the event's from/to. Bounds are registered first: stopping, the autoscaler
 * can no longer scale out once max is 0; restoring, the exact count set last is the one that stays.
 *
 * The baseline (the shape `restore` returns to) is remembered when ecs-autopilot first moves the
 * service away from it — before any change is made, so a crash midway never loses it — and kept
 * across further periods, so the restore returns to how the service was before the first of them.
 * It is forgotten once restored.
 *
 * Never during a deployment: a change while an ECS rollout (a deployment IN_PROGRESS, or more than
 * one deployment) or an ecs-autopilot blue/green deployment is in progress is deferred: recorded,
 * announced, and retried by a timer after 2 minutes, doubling to at most 15, for up to 2 hours; then
 * it fails with an alert. A firing that finds the service as it should be does nothing, deployment or not.
 */
import type { Bounds, ScalingWhy, ServiceShape } from '../events/scaling-events.ts';
import type { ScaleTarget } from './targets.ts';

/** How the service was before ecs-autopilot first changed it. */
export interface Baseline {
  desiredCount: number;
  /** Absent when the service had no scalable target then. */
  bounds?: Bounds | undefined;
  rememberedAt: string;
}

/** A change held back by a deployment, waiting for its retry timer. */
export interface Deferral {
  /** When the first deferral of this chain happened: the 2-hour limit counts from here. */
  since: string;
  attempt: number;
  retryAt: string;
  reason: string;
}

/** The last thing scale-service did to the service, for `status` and for a person reading the table. */
export type LastScaling =
  | { kind: 'scaled'; at: string; from: ServiceShape; to: ServiceShape; why: ScalingWhy }
  | { kind: 'deferred'; at: string; reason: string; attempt: number; retryAt: string }
  | { kind: 'failed'; at: string; reason: string };

/** Everything a firing knows, read in one step by the handler. */
export interface ScalingFacts {
  why: ScalingWhy;
  live: ServiceShape;
  /** The ECS rollout in progress, in words (see rolloutInProgress); undefined when none. */
  rollout: string | undefined;
  /** The ecs-autopilot blue/green deployment in progress, in words; undefined when none. */
  blueGreen: string | undefined;
  baseline: Baseline | undefined;
  deferral: Deferral | undefined;
  /** The deferral this firing is the retry of (its timer's attempt); undefined for a scheduled firing. */
  retryOf: number | undefined;
  now: Date;
}

/** Each action is one named step of the apply, in order. State writes are conditional (optimistic locking). */
export type ScalingAction =
  /** State: before any AWS call. */
  | { kind: 'remember-baseline'; baseline: Baseline }
  /** Application Auto Scaling RegisterScalableTarget. */
  | { kind: 'register-bounds'; min: number; max: number }
  /** ECS UpdateService. */
  | { kind: 'update-desired-count'; count: number }
  /** Scheduler: a one-time schedule invoking scale-service again; `since` names the deferral chain. */
  | { kind: 'set-retry-timer'; attempt: number; at: Date; since: string }
  /** State, after the AWS calls. */
  | { kind: 'forget-baseline' }
  | { kind: 'record-deferral'; deferral: Deferral }
  | { kind: 'clear-deferral' }
  | { kind: 'record-last'; last: LastScaling };

export type BlockedBy = 'ecs-rollout' | 'blue-green';

export type ScalingDecision =
  /** Nothing to change or publish; `actions` holds at most bookkeeping (a baseline restored by hand, a stale deferral). */
  | { kind: 'nothing'; reason: string; actions: ScalingAction[] }
  | {
      kind: 'change';
      from: ServiceShape;
      to: ServiceShape;
      baseline: 'remembered' | 'forgotten' | 'kept' | 'none';
      actions: ScalingAction[];
    }
  | {
      kind: 'defer';
      from: ServiceShape;
      to: ServiceShape;
      reason: string;
      blockedBy: BlockedBy[];
      deferral: Deferral;
      actions: ScalingAction[];
    }
  | { kind: 'give-up'; from: ServiceShape; to: ServiceShape; reason: string; nextStep: string; actions: ScalingAction[] };

/** The first retry waits this long; each next one twice as long, up to RETRY_MAX_SECONDS. */
export const RETRY_FIRST_SECONDS = 120;
export const RETRY_MAX_SECONDS = 900;
/** A deferred change is given up (and alerted) when its next retry would fall later than this after the first deferral. */
export const DEFERRAL_LIMIT_SECONDS = 2 * 3_600;
/**
 * A recorded deferral whose retry is this much overdue belongs to a chain that ended without the
 * record being cleared (the service reached its target by other means): a new deferral starts over.
 */
export const DEFERRAL_CHAIN_GAP_SECONDS = RETRY_MAX_SECONDS;

/** The wait before retry `attempt` (1, 2, …): 2m, 4m, 8m, then 15m. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(RETRY_FIRST_SECONDS * 2 ** Math.max(0, attempt - 1), RETRY_MAX_SECONDS);
}

export function clamp(value: number, bounds: Bounds): number {
  return Math.min(Math.max(value, bounds.min), bounds.max);
}

/**
 * What the service should look like for `target`, given how it is and what is remembered; undefined
 * for a restore with nothing remembered (ecs-autopilot never changed it, or already restored it).
 */
export function shapeFor(target: ScaleTarget, live: ServiceShape, baseline: Baseline | undefined): ServiceShape | undefined {
  const scalable = live.bounds !== undefined;
  switch (target.kind) {
    case 'bounds': {
      const bounds = { min: target.min, max: target.max };
      return scalable ? { desiredCount: clamp(live.desiredCount, bounds), bounds } : { desiredCount: clamp(live.desiredCount, bounds) };
    }
    case 'desired':
      return scalable ? { desiredCount: target.count, bounds: { min: target.count, max: target.count } } : { desiredCount: target.count };
    case 'stop':
      return scalable ? { desiredCount: 0, bounds: { min: 0, max: 0 } } : { desiredCount: 0 };
    case 'restore':
      return baseline && restoredShape(baseline, live.bounds);
  }
}

/**
 * The baseline, exactly. Two edges: a service whose scalable target was registered after the baseline
 * was remembered keeps its bounds and gets the remembered count moved into them (the autoscaler would
 * move it there anyway); one whose scalable target is gone gets the remembered count alone.
 */
function restoredShape(baseline: Baseline, liveBounds: Bounds | undefined): ServiceShape {
  if (!liveBounds) return { desiredCount: baseline.desiredCount };
  const bounds = baseline.bounds ?? liveBounds;
  return { desiredCount: clamp(baseline.desiredCount, bounds), bounds: { min: bounds.min, max: bounds.max } };
}

/** The AWS calls that turn `live` into `to`: bounds first, then the count. */
export function changesBetween(live: ServiceShape, to: ServiceShape): ScalingAction[] {
  const actions: ScalingAction[] = [];
  if (to.bounds && !(live.bounds && live.bounds.min === to.bounds.min && live.bounds.max === to.bounds.max)) {
    actions.push({ kind: 'register-bounds', min: to.bounds.min, max: to.bounds.max });
  }
  if (to.desiredCount !== live.desiredCount) actions.push({ kind: 'update-desired-count', count: to.desiredCount });
  return actions;
}

interface DeploymentLike {
  id?: string | undefined;
  status?: string | undefined;
  rolloutState?: string | undefined;
  rolloutStateReason?: string | undefined;
}

/** An ECS rollout is in progress when a deployment says IN_PROGRESS, or when more than one deployment is active (old and new tasks). */
export function rolloutInProgress(deployments: DeploymentLike[]): string | undefined {
  const inProgress = deployments.find((d) => d.rolloutState === 'IN_PROGRESS');
  if (inProgress) {
    const why = inProgress.rolloutStateReason ? `: ${inProgress.rolloutStateReason}` : '';
    return `ECS deployment ${inProgress.id ?? '(no id)'} is IN_PROGRESS${why}`;
  }
  if (deployments.length > 1) {
    return `ECS has ${deployments.length} deployments of the service (${deployments.map((d) => `${d.id ?? '?'} ${d.status ?? '?'}`).join(', ')})`;
  }
  return undefined;
}

export function decideScaling(facts: ScalingFacts): ScalingDecision {
  const { why, live, baseline, deferral, now } = facts;
  const tidy: ScalingAction[] = deferral ? [{ kind: 'clear-deferral' }] : [];
  const to = shapeFor(why.target, live, baseline);
  if (!to) {
    return { kind: 'nothing', reason: 'nothing to restore: ecs-autopilot has not changed the service', actions: tidy };
  }
  const changes = changesBetween(live, to);
  const restoring = why.target.kind === 'restore';
  if (changes.length === 0) {
    // Already there (a repeated firing, or a person restored it by hand): only the bookkeeping follows.
    return {
      kind: 'nothing',
      reason: `already as it should be (${describeShape(live)})`,
      actions: restoring && baseline ? [{ kind: 'forget-baseline' }, ...tidy] : tidy,
    };
  }

  const blockers = [
    ...(facts.rollout ? [{ by: 'ecs-rollout' as const, reason: facts.rollout }] : []),
    ...(facts.blueGreen ? [{ by: 'blue-green' as const, reason: facts.blueGreen }] : []),
  ];
  if (blockers.length > 0) {
    const reason = blockers.map((b) => b.reason).join('; ');
    return deferOrGiveUp(
      facts,
      to,
      reason,
      blockers.map((b) => b.by),
    );
  }

  const remember = !baseline && !restoring;
  const at = now.toISOString();
  return {
    kind: 'change',
    from: live,
    to,
    baseline: remember ? 'remembered' : restoring ? 'forgotten' : baseline ? 'kept' : 'none',
    actions: [
      ...(remember ? [{ kind: 'remember-baseline' as const, baseline: baselineOf(live, at) }] : []),
      ...changes,
      ...(restoring ? [{ kind: 'forget-baseline' as const }] : []),
      ...tidy,
      { kind: 'record-last', last: { kind: 'scaled', at, from: live, to, why } },
    ],
  };
}

function deferOrGiveUp(facts: ScalingFacts, to: ServiceShape, reason: string, blockedBy: BlockedBy[]): ScalingDecision {
  const { deferral, now, live } = facts;
  const nowMs = now.getTime();
  // A scheduled firing while a retry is already set leaves the chain to that retry (one timer, one event).
  if (deferral && Date.parse(deferral.retryAt) > nowMs && facts.retryOf !== deferral.attempt) {
    return { kind: 'nothing', reason: `deferred already: retry ${deferral.attempt} at ${deferral.retryAt} (${reason})`, actions: [] };
  }
  const continuing = deferral !== undefined && nowMs - Date.parse(deferral.retryAt) <= DEFERRAL_CHAIN_GAP_SECONDS * 1000;
  const attempt = continuing ? deferral.attempt + 1 : 1;
  const since = continuing ? deferral.since : now.toISOString();
  const retryAt = new Date(nowMs + retryDelaySeconds(attempt) * 1000);
  if (retryAt.getTime() - Date.parse(since) > DEFERRAL_LIMIT_SECONDS * 1000) {
    const waited = Math.round((nowMs - Date.parse(since)) / 60_000);
    const failure = `the change to ${describeShape(to)} was deferred for ${waited} minutes and is given up: ${reason}`;
    return {
      kind: 'give-up',
      from: live,
      to,
      reason: failure,
      nextStep: blockedBy.includes('blue-green')
        ? 'check the blue/green deployment of the service: finish or roll it back (its lock in the state table ends with it); the next scheduled firing applies the change'
        : 'check the service deployment in the ECS console (a rollout that does not finish, a circuit breaker waiting); the next scheduled firing applies the change',
      actions: [
        ...(deferral ? [{ kind: 'clear-deferral' as const }] : []),
        { kind: 'record-last', last: { kind: 'failed', at: now.toISOString(), reason: failure } },
      ],
    };
  }
  const next: Deferral = { since, attempt, retryAt: retryAt.toISOString(), reason };
  return {
    kind: 'defer',
    from: live,
    to,
    reason,
    blockedBy,
    deferral: next,
    actions: [
      // The timer first: if the invocation dies after it, the redelivery sets the same timer again.
      { kind: 'set-retry-timer', attempt, at: retryAt, since },
      { kind: 'record-deferral', deferral: next },
      { kind: 'record-last', last: { kind: 'deferred', at: now.toISOString(), reason, attempt, retryAt: next.retryAt } },
    ],
  };
}

function baselineOf(live: ServiceShape, at: string): Baseline {
  return {
    desiredCount: live.desiredCount,
    ...(live.bounds && { bounds: { min: live.bounds.min, max: live.bounds.max } }),
    rememberedAt: at,
  };
}

/** "3 tasks, bounds 2–10" */
export function describeShape(shape: ServiceShape): string {
  const count = `${shape.desiredCount} task${shape.desiredCount === 1 ? '' : 's'}`;
  return shape.bounds ? `${count}, bounds ${shape.bounds.min}-${shape.bounds.max}` : count;
}
