/**
 * Scheduled scaling, declaratively: given what the service should be now (the target of the period,
 * override or "outside" in force) and what it is, decide the service's new memory and the effects that
 * make it so — the AWS calls and the events to publish. A missed or repeated firing heals itself, and
 * applying twice is a no-op, because nothing here depends on what fired before — only on the target
 * now, the live service and the remembered baseline. Pure: no I/O, `now` passed in.
 *
 * What a target means for a service:
 *
 *   target            with a scalable target (Application Auto Scaling)     without one (a plain service)
 *   bounds {min,max}  register min/max; desiredCount moved into them       desiredCount = clamp(current, min, max)
 *   desired {count}   register min = max = count; desiredCount = count     desiredCount = count
 *   stop              register min = max = 0; desiredCount = 0             desiredCount = 0
 *   restore           the remembered bounds; desiredCount moved into them  the remembered desiredCount
 *                     only when outside (nothing when nothing remembered)  (nothing when nothing is remembered)
 *
 * With a scalable target the count belongs to the autoscaler and the bounds to the schedule: every
 * change moves desiredCount only as far as the new bounds demand (RegisterScalableTarget moves the
 * current capacity into its range the same way; doing it here makes the result not depend on its
 * timing, and shows in the event's from/to). So a restore never cuts a service that target tracking
 * scaled out under load back to the count it had before the period: 8 tasks under restored bounds 2-8
 * stay 8, 12 become 8. Bounds are registered first: stopping, the autoscaler can no longer scale out
 * once max is 0.
 *
 * `desired` on a scalable service pins both bounds to the count: a count set with UpdateService alone
 * would be undone by the autoscaler. Target tracking cannot move the service until the pin ends; the
 * restore then puts the remembered bounds back and the count inside them, and target tracking takes it
 * from there.
 *
 * The baseline (the shape `restore` returns to) is remembered when ecs-autopilot first moves the
 * service away from it — in the same write as the decision, before any change is made, so a crash
 * midway never loses it — and kept across further periods, so the restore returns to how the service
 * was before the first of them. It is forgotten once restored.
 *
 * Never during a deployment: a change while an ECS rollout (a deployment IN_PROGRESS, or more than
 * one deployment) or an ecs-autopilot blue/green deployment is in progress is deferred: recorded,
 * announced, and retried by a timer after 2 minutes, doubling to at most 15, for up to 2 hours; then
 * it fails with an alert. A firing that finds the service as it should be does nothing, deployment or not.
 *
 * Every event is an effect with an id made of what it reports and the version of the memory the
 * decision is saved as (`service-scaled:<cluster>/<service>:<version>:<n>`): applied again after a
 * crash, the same decision publishes the same id, and consumers take it once.
 */
import { backoffSeconds } from '../backoff.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import {
  type Bounds,
  SCALING_DETAIL_TYPES,
  type ScalingWhy,
  type ServiceScaledDetail,
  type ServiceScalingDeferredDetail,
  type ServiceScalingFailedDetail,
  type ServiceShape,
} from '../events/scaling-events.ts';
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

/**
 * The last thing scale-service did to the service, for `status` and for a person reading the table, and
 * the firing that did it (see ScalingFacts.firing) when its payload named it.
 */
export type LastScaling = { firing?: string | undefined } & (
  | { kind: 'scaled'; at: string; from: ServiceShape; to: ServiceShape; why: ScalingWhy }
  | { kind: 'deferred'; at: string; reason: string; attempt: number; retryAt: string }
  | { kind: 'failed'; at: string; reason: string }
);

/** What scale-service remembers of a service between firings. */
export interface ScalingState {
  baseline?: Baseline | undefined;
  deferral?: Deferral | undefined;
  last?: LastScaling | undefined;
}

/**
 * What a decision does outside the state table. Saved with the decision (the outbox) before any is
 * applied, and applied in order; each is harmless to apply again, because a crash leaves them all to
 * the next delivery.
 */
export type ScalingEffect =
  /** Application Auto Scaling RegisterScalableTarget; already so when the scalable target has these bounds. */
  | { kind: 'register-bounds'; min: number; max: number }
  /** ECS UpdateService, only while desiredCount is still `from`: a count someone moved since stands. */
  | { kind: 'update-desired-count'; from: number; count: number }
  /** Scheduler: a one-time schedule invoking scale-service again, named by its chain (`since`) and attempt. */
  | { kind: 'set-retry-timer'; attempt: number; at: string; since: string }
  /** EventBridge PutEvents, under the event's id. */
  | { kind: 'publish'; event: PendingEvent };

/** The service as ECS and Application Auto Scaling have it now. */
export interface LiveService {
  shape: ServiceShape;
  /** The ECS rollout in progress, in words (see rolloutInProgress); undefined when none. */
  rollout: string | undefined;
  /** The ecs-autopilot blue/green deployment in progress, in words; undefined when none. */
  blueGreen: string | undefined;
  arn: string | undefined;
}

/** An AWS error that retrying will not heal (access denied, not found, refused). */
export interface PermanentAwsFailure {
  name: string;
  message: string;
}

/** The service a firing is about, as events and the state table name it. */
export interface ScalingNames {
  /** The key in automation.yml `services`. */
  key: string;
  /** The cluster's name (not its ARN). */
  cluster: string;
  service: string;
}

/** Everything a firing knows, read by load. */
export interface ScalingFacts {
  names: ScalingNames;
  why: ScalingWhy;
  state: ScalingState;
  /** The version of the memory read; the decision is saved as the next one. */
  version: number;
  /** The live service, or the permanent AWS error that kept it from being read. */
  service: LiveService | { unreadable: PermanentAwsFailure };
  /** The deferral this firing is the retry of (its timer's attempt); undefined for a scheduled firing. */
  retryOf: number | undefined;
  /** Which firing this is (its scheduled time, or the retry's chain and attempt), when its payload says; every delivery of it says the same. */
  firing: string | undefined;
  now: Date;
}

export type BlockedBy = 'ecs-rollout' | 'blue-green';

/**
 * A decision: the new memory (`state`, the very object read when nothing changes) and its effects, in
 * the order they are applied.
 */
export type ScalingDecision = { state: ScalingState; effects: ScalingEffect[] } & (
  | { kind: 'nothing'; reason: string }
  | { kind: 'change'; from: ServiceShape; to: ServiceShape; baseline: ServiceScaledDetail['baseline'] }
  | { kind: 'defer'; from: ServiceShape; to: ServiceShape; reason: string; blockedBy: BlockedBy[]; deferral: Deferral }
  | { kind: 'give-up'; from: ServiceShape; to: ServiceShape; reason: string; nextStep: string }
  /** A permanent AWS error: reading the service, or applying an earlier decision's effects. */
  | { kind: 'fail'; reason: string; nextStep: string }
);

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
  return backoffSeconds({ initialSeconds: RETRY_FIRST_SECONDS, maxSeconds: RETRY_MAX_SECONDS }, Math.max(1, attempt));
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
      return baseline && restoredShape(baseline, live);
  }
}

/**
 * The baseline, as far as it is ours: a plain service gets its remembered count back; a scalable one its
 * remembered bounds, with the count it has now moved into them. Two edges: a service whose scalable
 * target was registered after the baseline was remembered keeps those bounds (someone else's); one whose
 * scalable target is gone gets the remembered count alone.
 */
function restoredShape(baseline: Baseline, live: ServiceShape): ServiceShape {
  if (!live.bounds) return { desiredCount: baseline.desiredCount };
  const bounds = baseline.bounds ?? live.bounds;
  return { desiredCount: clamp(live.desiredCount, bounds), bounds: { min: bounds.min, max: bounds.max } };
}

/** The AWS calls that turn `live` into `to`: bounds first, then the count. */
export function changesBetween(live: ServiceShape, to: ServiceShape): ScalingEffect[] {
  const effects: ScalingEffect[] = [];
  if (to.bounds && !(live.bounds && live.bounds.min === to.bounds.min && live.bounds.max === to.bounds.max)) {
    effects.push({ kind: 'register-bounds', min: to.bounds.min, max: to.bounds.max });
  }
  if (to.desiredCount !== live.desiredCount) {
    effects.push({ kind: 'update-desired-count', from: live.desiredCount, count: to.desiredCount });
  }
  return effects;
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
  const { why, state, now } = facts;
  // A firing delivered again (Lambda's retry, Scheduler's) once it was answered with a failure: that answer stands.
  if (facts.firing !== undefined && state.last?.kind === 'failed' && state.last.firing === facts.firing) {
    return { kind: 'nothing', reason: `this firing failed already: ${state.last.reason}`, state, effects: [] };
  }
  if ('unreadable' in facts.service) return decideFailure(facts, facts.service.unreadable, { why });
  const service = facts.service;
  const live = service.shape;
  const tidy: ScalingState = state.deferral ? { ...state, deferral: undefined } : state;
  const to = shapeFor(why.target, live, state.baseline);
  if (!to) {
    return { kind: 'nothing', reason: 'nothing to restore: ecs-autopilot has not changed the service', state: tidy, effects: [] };
  }
  const changes = changesBetween(live, to);
  const restoring = why.target.kind === 'restore';
  if (changes.length === 0) {
    // Already there (a repeated firing, or a person restored it by hand): only the bookkeeping follows.
    return {
      kind: 'nothing',
      reason: `already as it should be (${describeShape(live)})`,
      state: restoring && state.baseline ? { ...tidy, baseline: undefined } : tidy,
      effects: [],
    };
  }

  const blockers = [
    ...(service.rollout ? [{ by: 'ecs-rollout' as const, reason: service.rollout }] : []),
    ...(service.blueGreen ? [{ by: 'blue-green' as const, reason: service.blueGreen }] : []),
  ];
  if (blockers.length > 0) {
    const reason = blockers.map((b) => b.reason).join('; ');
    return deferOrGiveUp(
      facts,
      service,
      to,
      reason,
      blockers.map((b) => b.by),
    );
  }

  const remember = !state.baseline && !restoring;
  const at = now.toISOString();
  const baseline = remember ? 'remembered' : restoring ? 'forgotten' : state.baseline ? 'kept' : 'none';
  const scaled: ServiceScaledDetail = { ...namesOf(facts.names), from: live, to, why, baseline };
  return {
    kind: 'change',
    from: live,
    to,
    baseline,
    state: {
      baseline: remember ? baselineOf(live, at) : restoring ? undefined : state.baseline,
      deferral: undefined,
      last: { kind: 'scaled', at, from: live, to, why, firing: facts.firing },
    },
    effects: [...changes, publish(facts, SCALING_DETAIL_TYPES.scaled, scaled, service.arn)],
  };
}

function deferOrGiveUp(
  facts: ScalingFacts,
  service: LiveService,
  to: ServiceShape,
  reason: string,
  blockedBy: BlockedBy[],
): ScalingDecision {
  const { state, now, why } = facts;
  const { deferral } = state;
  const live = service.shape;
  const nowMs = now.getTime();
  // A scheduled firing while a retry is already set leaves the chain to that retry (one timer, one event).
  if (deferral && Date.parse(deferral.retryAt) > nowMs && facts.retryOf !== deferral.attempt) {
    return {
      kind: 'nothing',
      reason: `deferred already: retry ${deferral.attempt} at ${deferral.retryAt} (${reason})`,
      state,
      effects: [],
    };
  }
  const continuing = deferral !== undefined && nowMs - Date.parse(deferral.retryAt) <= DEFERRAL_CHAIN_GAP_SECONDS * 1000;
  const attempt = continuing ? deferral.attempt + 1 : 1;
  const since = continuing ? deferral.since : now.toISOString();
  const retryAt = new Date(nowMs + retryDelaySeconds(attempt) * 1000).toISOString();
  if (Date.parse(retryAt) - Date.parse(since) > DEFERRAL_LIMIT_SECONDS * 1000) {
    const waited = Math.round((nowMs - Date.parse(since)) / 60_000);
    const failure = `the change to ${describeShape(to)} was deferred for ${waited} minutes and is given up: ${reason}`;
    const nextStep = blockedBy.includes('blue-green')
      ? 'check the blue/green deployment of the service: finish or roll it back (its lock in the state table ends with it); the next scheduled firing applies the change'
      : 'check the service deployment in the ECS console (a rollout that does not finish, a circuit breaker waiting); the next scheduled firing applies the change';
    return {
      kind: 'give-up',
      from: live,
      to,
      reason: failure,
      nextStep,
      state: { ...state, deferral: undefined, last: { kind: 'failed', at: now.toISOString(), reason: failure, firing: facts.firing } },
      effects: [publish(facts, SCALING_DETAIL_TYPES.failed, failedDetail(facts.names, failure, nextStep, { why, to }), service.arn)],
    };
  }
  const next: Deferral = { since, attempt, retryAt, reason };
  const deferred: ServiceScalingDeferredDetail = {
    ...namesOf(facts.names),
    from: live,
    to,
    why,
    reason,
    blockedBy,
    attempt,
    retryAt,
    deferredSince: since,
  };
  return {
    kind: 'defer',
    from: live,
    to,
    reason,
    blockedBy,
    deferral: next,
    state: { ...state, deferral: next, last: { kind: 'deferred', at: now.toISOString(), reason, attempt, retryAt, firing: facts.firing } },
    effects: [
      { kind: 'set-retry-timer', attempt, at: retryAt, since },
      publish(facts, SCALING_DETAIL_TYPES.deferred, deferred, service.arn),
    ],
  };
}

/** The next step an operator should take for a permanent failure, by what the error says. */
const NEXT_STEPS: Array<[RegExp, (names: ScalingNames) => string]> = [
  [
    /ServiceMissing|ServiceNotFound|ServiceNotActive|ECS service doesn't exist/i,
    (s) => `check services.${s.key} in automation.yml: ECS has no active service ${s.service} in cluster ${s.cluster}`,
  ],
  [/ClusterNotFound/i, (s) => `check the cluster of services.${s.key} in automation.yml: ECS has no cluster ${s.cluster}`],
  [
    /AccessDenied|not authorized|UnauthorizedOperation/i,
    (s) =>
      `the scale-service role may not scale ${s.cluster}/${s.service} (ecs:DescribeServices, ecs:UpdateService, application-autoscaling:DescribeScalableTargets, application-autoscaling:RegisterScalableTarget): redeploy the stack after checking services.${s.key} in automation.yml`,
  ],
  [
    /Validation|InvalidParameter/i,
    (s) => `ECS or Application Auto Scaling rejected the change: check services.${s.key}.scaling in automation.yml against the service`,
  ],
];

/**
 * A permanent AWS error, recorded and published with an alert and the next step: while reading the
 * service, or applying a decision's effects (what that decision was for, `why` and `to`, is known then
 * from its record). Nothing else of the decision is applied; the next firing decides afresh.
 */
export function decideFailure(
  facts: Pick<ScalingFacts, 'names' | 'state' | 'version' | 'firing' | 'now'>,
  failure: PermanentAwsFailure,
  about: { why?: ScalingWhy | undefined; to?: ServiceShape | undefined } = {},
): ScalingDecision {
  const reason = `${failure.name}: ${failure.message}`;
  const nextStep =
    NEXT_STEPS.find(([pattern]) => pattern.test(reason))?.[1](facts.names) ??
    `read the error and check services.${facts.names.key} in automation.yml; the next firing tries again`;
  return {
    kind: 'fail',
    reason,
    nextStep,
    state: { ...facts.state, last: { kind: 'failed', at: facts.now.toISOString(), reason, firing: facts.firing } },
    effects: [
      publish(facts, SCALING_DETAIL_TYPES.failed, failedDetail(facts.names, `${reason} — ${nextStep}`, nextStep, about), undefined),
    ],
  };
}

function failedDetail(
  names: ScalingNames,
  reason: string,
  nextStep: string,
  about: { why?: ScalingWhy | undefined; to?: ServiceShape | undefined },
): ServiceScalingFailedDetail {
  return {
    ...namesOf(names),
    reason,
    nextStep,
    ...(about.why && { why: about.why }),
    ...(about.to && { to: about.to }),
    alert: {
      cluster: names.cluster,
      subject: { kind: 'service', name: names.service },
      category: 'scaling-failed',
      severity: 'critical',
    },
  };
}

function namesOf(names: ScalingNames) {
  return { serviceKey: names.key, service: names.service, cluster: names.cluster };
}

/** `Service Scaled` → `service-scaled`: the kind an event id starts with. */
const idKind = (detailType: string) => detailType.toLowerCase().replaceAll(' ', '-');

/** The decision's one event (scaling decisions publish one each, hence `:1`), under the version the decision is saved as. */
function publish(
  facts: Pick<ScalingFacts, 'names' | 'version' | 'now'>,
  detailType: string,
  detail: object,
  serviceArn: string | undefined,
): ScalingEffect {
  const { cluster, service } = facts.names;
  return {
    kind: 'publish',
    event: {
      id: `${idKind(detailType)}:${cluster}/${service}:${facts.version + 1}:1`,
      detailType,
      detail: { ...detail },
      resources: serviceArn ? [serviceArn] : [],
      time: facts.now.toISOString(),
    },
  };
}

function baselineOf(live: ServiceShape, at: string): Baseline {
  return {
    desiredCount: live.desiredCount,
    ...(live.bounds && { bounds: { min: live.bounds.min, max: live.bounds.max } }),
    rememberedAt: at,
  };
}

/** "3 tasks, bounds 2-10" */
export function describeShape(shape: ServiceShape): string {
  const count = `${shape.desiredCount} task${shape.desiredCount === 1 ? '' : 's'}`;
  return shape.bounds ? `${count}, bounds ${shape.bounds.min}-${shape.bounds.max}` : count;
}
