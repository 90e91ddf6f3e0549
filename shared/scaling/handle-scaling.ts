/**
 * A scale-service firing, end to end: parse, find the service in automation.yml, read (the target
 * now, the service, its scalable target, the blue/green lock, the remembered baseline), decide (pure:
 * decide-scaling), apply the actions in order, publish. The only place scaling calls AWS.
 *
 * Errors: throttling, 5xx and unanswered requests throw RetryableAwsError (Lambda's asynchronous
 * retries try again, then the dead-letter queue); a permanent failure (the service or cluster is
 * missing, access denied, a rejected request) is recorded and published as "Service Scaling Failed"
 * with an alert and the next step, and the invocation ends normally.
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, type Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import * as z from 'zod/mini';
import { type AwsErrorLike, isTransientAwsError } from '../aws/transient-errors.ts';
import { clusterNameOf } from '../config/cluster.ts';
import type { ServiceWatch } from '../config/schema.ts';
import { BadEventError, RetryableAwsError } from '../errors.ts';
import type { AutopilotEvent } from '../events/bus.ts';
import {
  SCALING_DETAIL_TYPES,
  type ScalingWhy,
  type ServiceScaledDetail,
  type ServiceScalingDeferredDetail,
  type ServiceScalingFailedDetail,
  type ServiceShape,
} from '../events/scaling-events.ts';
import type { ScalingMemory } from '../state/scaling-memory.ts';
import { retryOnStaleWrite, StaleWriteError } from '../state/versioned.ts';
import { timerName } from '../timers/timers.ts';
import { decideScaling, describeShape, rolloutInProgress, type ScalingDecision } from './decide-scaling.ts';
import { scaleTargetAt } from './periods.ts';
import type { ScalingRuntime } from './runtime.ts';
import type { ServiceScaling } from './targets.ts';

const service = z.string().check(z.minLength(1));

/** A schedule of the service fired (a period starts or ends, an override begins or ends). */
const scheduledFiring = z.object({ service });

/** The retry of a deferred change (a one-time schedule set by a deferral). */
const retryTimer = z.object({
  timer: z.literal('scaling-retry'),
  service,
  attempt: z.number().check(z.int(), z.minimum(1)),
});

export type ScalingInput = { service: string; attempt?: number | undefined };
export type ScalingRetryTimerInput = z.infer<typeof retryTimer>;

export function parseScalingInput(event: unknown): ScalingInput {
  const isTimer = typeof event === 'object' && event !== null && 'timer' in event;
  const result = isTimer ? retryTimer.safeParse(event) : scheduledFiring.safeParse(event);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    const what = isTimer ? 'a scale-service retry timer' : 'a scale-service firing ({"service": "<key in automation.yml services>"})';
    throw new BadEventError(`not ${what} (${problems}): ${String(JSON.stringify(event)).slice(0, 500)}`);
  }
  return result.data;
}

export interface ScalingOutcome {
  /** The key in automation.yml `services`. */
  service: string;
  outcome: 'scaled' | 'deferred' | 'failed' | 'nothing';
  /** What happened, in words. */
  action: string;
}

/** The scalable dimension of an ECS service's task count. */
const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

interface Subject {
  key: string;
  /** The cluster's name: how events, the state table and the scalable target's resource id name it. */
  cluster: string;
  /** The cluster as automation.yml gives it (name or ARN): what ECS calls get, so an ARN keeps naming its account. */
  clusterRef: string;
  service: string;
  scaling: ServiceScaling;
}

export async function handleScaling(input: ScalingInput, rt: ScalingRuntime): Promise<ScalingOutcome> {
  const subject = subjectOf(input.service, rt);
  return retryOnStaleWrite(() => reconcile(subject, input, rt));
}

function subjectOf(key: string, rt: ScalingRuntime): Subject {
  const watch: ServiceWatch | undefined = rt.automation.services[key];
  const known = Object.entries(rt.automation.services)
    .filter(([, w]) => w.scaling)
    .map(([name]) => name);
  const knownText = known.length > 0 ? known.join(', ') : 'none';
  if (!watch) throw new BadEventError(`no service "${key}" in automation.yml services; services with scaling: ${knownText}`);
  if (!watch.scaling) throw new BadEventError(`services.${key} in automation.yml has no scaling; services with scaling: ${knownText}`);
  return { key, cluster: clusterNameOf(watch.cluster), clusterRef: watch.cluster, service: watch.service, scaling: watch.scaling };
}

/** The live service as scale-service sees it. */
interface LiveFacts {
  shape: ServiceShape;
  rollout: string | undefined;
  serviceArn: string | undefined;
}

async function reconcile(subject: Subject, input: ScalingInput, rt: ScalingRuntime): Promise<ScalingOutcome> {
  const now = rt.now();
  const { target, because } = scaleTargetAt(subject.scaling, now);
  const why: ScalingWhy = { target, because };
  let memory = await rt.memories.get(subject.cluster, subject.service);
  let live: LiveFacts;
  let blueGreen: string | undefined;
  try {
    [live, blueGreen] = await Promise.all([readService(subject, rt), rt.blueGreen.inProgress(subject.cluster, subject.service, now)]);
  } catch (error) {
    return fail(subject, memory, why, undefined, error, rt);
  }
  const decision = decideScaling({
    why,
    live: live.shape,
    rollout: live.rollout,
    blueGreen,
    baseline: memory.baseline,
    deferral: memory.deferral,
    retryOf: input.attempt,
    now,
  });
  rt.log.info('scaling decided', { serviceKey: subject.key, decision: decision.kind, target, because, live: live.shape });

  let dirty = false;
  const flush = async () => {
    if (!dirty) return;
    memory = await rt.memories.save(memory);
    dirty = false;
  };
  try {
    for (const action of decision.actions) {
      switch (action.kind) {
        case 'remember-baseline':
          memory = { ...memory, baseline: action.baseline };
          dirty = true;
          break;
        case 'forget-baseline':
          memory = { ...memory, baseline: undefined };
          dirty = true;
          break;
        case 'record-deferral':
          memory = { ...memory, deferral: action.deferral };
          dirty = true;
          break;
        case 'clear-deferral':
          memory = { ...memory, deferral: undefined };
          dirty = true;
          break;
        case 'record-last':
          memory = { ...memory, last: action.last };
          dirty = true;
          break;
        // State written so far is saved before any AWS call: above all the baseline, before the change it guards.
        case 'register-bounds':
          await flush();
          await rt.autoScaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: 'ecs',
              ResourceId: resourceIdOf(subject),
              ScalableDimension: ECS_DESIRED_COUNT,
              MinCapacity: action.min,
              MaxCapacity: action.max,
            }),
          );
          break;
        case 'update-desired-count':
          await flush();
          await rt.ecs.send(
            new UpdateServiceCommand({ cluster: subject.clusterRef, service: subject.service, desiredCount: action.count }),
          );
          break;
        case 'set-retry-timer':
          await flush();
          await rt.timers.set({
            name: timerName('scaling-retry', subject.key, action.since, action.attempt),
            at: action.at,
            target: 'scale-service',
            input: { timer: 'scaling-retry', service: subject.key, attempt: action.attempt } satisfies ScalingRetryTimerInput,
          });
          break;
      }
    }
    await flush();
  } catch (error) {
    if (error instanceof StaleWriteError) throw error;
    return fail(subject, memory, why, 'to' in decision ? decision.to : undefined, error, rt);
  }
  await publish(subject, decision, why, live.serviceArn, rt);
  return outcomeOf(subject, decision);
}

async function readService(subject: Subject, rt: ScalingRuntime): Promise<LiveFacts> {
  const [described, scalable] = await Promise.all([
    rt.ecs.send(new DescribeServicesCommand({ cluster: subject.clusterRef, services: [subject.service] })),
    rt.autoScaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: [resourceIdOf(subject)],
        ScalableDimension: ECS_DESIRED_COUNT,
      }),
    ),
  ]);
  const found: Service | undefined = described.services?.find((s) => s.serviceName === subject.service && s.status === 'ACTIVE');
  if (!found) {
    const failure = described.failures?.[0]?.reason ?? described.services?.[0]?.status ?? 'MISSING';
    throw new ServiceMissingError(`ECS service ${subject.service} in cluster ${subject.cluster} is not active (${failure})`);
  }
  const target: ScalableTarget | undefined = scalable.ScalableTargets?.find((t) => t.ResourceId === resourceIdOf(subject));
  return {
    shape: {
      desiredCount: found.desiredCount ?? 0,
      ...(target && { bounds: { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 } }),
    },
    rollout: rolloutInProgress(found.deployments ?? []),
    serviceArn: found.serviceArn,
  };
}

/** DescribeServices answers a missing service with failures[] rather than an exception. */
class ServiceMissingError extends Error {
  override name = 'ServiceMissingError';
}

function resourceIdOf(subject: Subject): string {
  return `service/${subject.cluster}/${subject.service}`;
}

async function publish(
  subject: Subject,
  decision: ScalingDecision,
  why: ScalingWhy,
  serviceArn: string | undefined,
  rt: ScalingRuntime,
): Promise<void> {
  const names = { serviceKey: subject.key, service: subject.service, cluster: subject.cluster };
  const event = (detailType: string, detail: object): AutopilotEvent => ({
    detailType,
    detail: { ...detail },
    resources: serviceArn ? [serviceArn] : [],
    time: rt.now(),
  });
  switch (decision.kind) {
    case 'nothing':
      return;
    case 'change':
      await rt.bus.publish([
        event(SCALING_DETAIL_TYPES.scaled, {
          ...names,
          from: decision.from,
          to: decision.to,
          why,
          baseline: decision.baseline,
        } satisfies ServiceScaledDetail),
      ]);
      return;
    case 'defer':
      await rt.bus.publish([
        event(SCALING_DETAIL_TYPES.deferred, {
          ...names,
          from: decision.from,
          to: decision.to,
          why,
          reason: decision.reason,
          blockedBy: decision.blockedBy,
          attempt: decision.deferral.attempt,
          retryAt: decision.deferral.retryAt,
          deferredSince: decision.deferral.since,
        } satisfies ServiceScalingDeferredDetail),
      ]);
      return;
    case 'give-up':
      await rt.bus.publish([
        event(
          SCALING_DETAIL_TYPES.failed,
          failedDetail(subject, `${decision.reason} — ${decision.nextStep}`, decision.nextStep, why, decision.to),
        ),
      ]);
      return;
  }
}

function failedDetail(
  subject: Subject,
  reason: string,
  nextStep: string,
  why: ScalingWhy | undefined,
  to: ServiceShape | undefined,
): ServiceScalingFailedDetail {
  return {
    serviceKey: subject.key,
    service: subject.service,
    cluster: subject.cluster,
    reason,
    nextStep,
    ...(why && { why }),
    ...(to && { to }),
    alert: {
      cluster: subject.cluster,
      subject: { kind: 'service', name: subject.service },
      category: 'scaling-failed',
      severity: 'critical',
    },
  };
}

function outcomeOf(subject: Subject, decision: ScalingDecision): ScalingOutcome {
  const base = { service: subject.key };
  switch (decision.kind) {
    case 'nothing':
      return { ...base, outcome: 'nothing', action: `nothing: ${decision.reason}` };
    case 'change':
      return { ...base, outcome: 'scaled', action: `scaled from ${describeShape(decision.from)} to ${describeShape(decision.to)}` };
    case 'defer':
      return {
        ...base,
        outcome: 'deferred',
        action: `deferred (attempt ${decision.deferral.attempt}, retry at ${decision.deferral.retryAt}): ${decision.reason}`,
      };
    case 'give-up':
      return { ...base, outcome: 'failed', action: `failed: ${decision.reason}` };
  }
}

/** The next step an operator should take for a permanent failure, by what the error says. */
const NEXT_STEPS: Array<[RegExp, (subject: Subject) => string]> = [
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

/** Throttling, 5xx and unanswered requests are thrown to be retried; anything else is recorded, published and alerted. */
async function fail(
  subject: Subject,
  memory: ScalingMemory,
  why: ScalingWhy | undefined,
  to: ServiceShape | undefined,
  error: unknown,
  rt: ScalingRuntime,
): Promise<ScalingOutcome> {
  const e = (error ?? {}) as AwsErrorLike;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  const permanent = name === 'ServiceMissingError' || !isTransientAwsError(error);
  if (!permanent)
    throw new RetryableAwsError(`scaling ${subject.cluster}/${subject.service} failed: ${name}: ${message}`, { cause: error });
  const nextStep =
    NEXT_STEPS.find(([pattern]) => pattern.test(`${name} ${message}`))?.[1](subject) ??
    `read the error and check services.${subject.key} in automation.yml; the next firing tries again`;
  const reason = `${name}: ${message}`;
  rt.log.error('scaling failed', { serviceKey: subject.key, reason, nextStep });
  await rt.memories.save({ ...memory, last: { kind: 'failed', at: rt.now().toISOString(), reason } });
  await rt.bus.publish([
    {
      detailType: SCALING_DETAIL_TYPES.failed,
      detail: { ...failedDetail(subject, `${reason} — ${nextStep}`, nextStep, why, to) },
      resources: [],
      time: rt.now(),
    },
  ]);
  return { service: subject.key, outcome: 'failed', action: `failed: ${reason}` };
}
