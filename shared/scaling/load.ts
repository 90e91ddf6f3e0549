/**
 * What a firing reads, and nothing else: the service in automation.yml, its memory in the state table
 * (with any outbox an earlier invocation left), the service in ECS, its scalable target, and the
 * blue/green lock. Nothing is written before the decision.
 *
 * AWS errors: throttling, 5xx and unanswered requests throw RetryableAwsError (the trigger retries);
 * anything else is a permanent failure, handed to the decision to record, publish and alert.
 */
import { DescribeScalableTargetsCommand, type ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, type Service } from '@aws-sdk/client-ecs';
import { type AwsErrorLike, isTransientAwsError } from '../aws/transient-errors.ts';
import { clusterNameOf } from '../config/cluster.ts';
import type { Automation, ServiceWatch } from '../config/schema.ts';
import { BadEventError, excerptOf, RetryableAwsError } from '../errors.ts';
import type { ScalingMemory } from '../state/scaling-memory.ts';
import { type LiveService, type PermanentAwsFailure, rolloutInProgress, type ScalingNames } from './decide.ts';
import type { ScalingRuntime } from './runtime.ts';
import type { ServiceScaling } from './targets.ts';

/** The service a firing is about: its names, and how automation.yml gives it. */
export interface ScalingSubject extends ScalingNames {
  /** The cluster as automation.yml gives it (name or ARN): what ECS calls get, so an ARN keeps naming its account. */
  clusterRef: string;
  scaling: ServiceScaling;
}

export interface Loaded {
  memory: ScalingMemory;
  service: LiveService | { unreadable: PermanentAwsFailure };
}

/** The scalable dimension of an ECS service's task count. */
export const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

export const resourceIdOf = (subject: ScalingNames) => `service/${subject.cluster}/${subject.service}`;

/** The service `key` names in automation.yml; a key it does not name, or one without scaling, is a bad event. */
export function subjectOf(key: string, automation: Automation): ScalingSubject {
  const watch: ServiceWatch | undefined = automation.services[key];
  const known = Object.entries(automation.services)
    .filter(([, w]) => w.scaling)
    .map(([name]) => name);
  const knownText = known.length > 0 ? known.join(', ') : 'none';
  if (!watch) throw new BadEventError(`no service ${excerptOf(key, 100)} in automation.yml services; services with scaling: ${knownText}`);
  if (!watch.scaling) throw new BadEventError(`services.${key} in automation.yml has no scaling; services with scaling: ${knownText}`);
  return { key, cluster: clusterNameOf(watch.cluster), clusterRef: watch.cluster, service: watch.service, scaling: watch.scaling };
}

export async function loadScaling(subject: ScalingSubject, rt: ScalingRuntime): Promise<Loaded> {
  const memory = await inStateTable(subject, () => rt.memories.get(subject.cluster, subject.service));
  try {
    return { memory, service: await readService(subject, rt) };
  } catch (error) {
    return { memory, service: { unreadable: permanentFailureOf(error, subject) } };
  }
}

/**
 * The permanent failure an AWS error is; a transient one (throttling, 5xx, no answer) is thrown as
 * RetryableAwsError instead, so the trigger retries.
 */
export function permanentFailureOf(error: unknown, subject: ScalingNames): PermanentAwsFailure {
  const e = (error ?? {}) as AwsErrorLike;
  const failure = { name: e.name ?? 'Error', message: e.message ?? String(error) };
  if (!(error instanceof ServiceMissingError) && isTransientAwsError(error)) {
    throw new RetryableAwsError(`scaling ${subject.cluster}/${subject.service} failed: ${failure.name}: ${failure.message}`, {
      cause: error,
    });
  }
  return failure;
}

/** A read or write of the state table: a transient failure is retried by the trigger; anything else fails the invocation as it is (there is nowhere to record it). */
export async function inStateTable<T>(subject: ScalingNames, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (typeof error === 'object' && error !== null && '$metadata' in error && isTransientAwsError(error)) {
      throw new RetryableAwsError(`the scaling memory of ${subject.cluster}/${subject.service} could not be read or written`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function readService(subject: ScalingSubject, rt: ScalingRuntime): Promise<LiveService> {
  const [described, scalable, blueGreen] = await Promise.all([
    rt.ecs.send(new DescribeServicesCommand({ cluster: subject.clusterRef, services: [subject.service] })),
    rt.autoScaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: [resourceIdOf(subject)],
        ScalableDimension: ECS_DESIRED_COUNT,
      }),
    ),
    rt.blueGreenLocks.inProgress(subject.cluster, subject.service, rt.now()),
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
    blueGreen,
    arn: found.serviceArn,
  };
}

/** DescribeServices answers a missing service with failures[] rather than an exception. */
class ServiceMissingError extends Error {
  override name = 'ServiceMissingError';
}
