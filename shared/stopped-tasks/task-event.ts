/**
 * Reads an "ECS Task State Change" event into TaskStopFacts (zod/mini: a small cold start).
 *
 * Only what identifies the task is required; every other field is optional and tolerated when odd (a field
 * of the wrong type reads as absent), because AWS adds and varies fields and a stop must not be lost over
 * one of them. Unknown fields are ignored.
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { BadEventError, excerptOf } from '../errors.ts';
import type { ContainerExit, TaskStopFacts } from './stop-facts.ts';
import { isReclaimNotice } from './trigger.ts';

/** Optional, and absent when it has the wrong type. */
function tolerant<T extends z.ZodMiniType>(schema: T) {
  return z.catch(z.optional(schema), undefined);
}

const ARN_PATTERNS = {
  task: /^arn:[^:]+:ecs:[^:]+:[^:]+:task\/.+$/,
  cluster: /^arn:[^:]+:ecs:[^:]+:[^:]+:cluster\/.+$/,
  taskDefinition: /^arn:[^:]+:ecs:[^:]+:[^:]+:task-definition\/[^:/]+:\d+$/,
};

/** Built on first use (a cold start that handles another input does not pay for it). */
const taskStateChangeSchema = builtOnFirstUse(() => {
  const text = tolerant(z.string());

  /** A time ECS writes (ISO 8601); one that does not parse reads as absent, like any odd field, never as an Invalid Date downstream. */
  const instant = tolerant(z.string().check(z.refine((value) => Number.isFinite(Date.parse(value)))));

  const containerSchema = z.object({
    name: z.string(),
    exitCode: tolerant(z.number()),
    reason: text,
    lastStatus: text,
    image: text,
  });

  return z.object({
    id: text,
    account: text,
    region: text,
    time: instant,
    source: z.literal('aws.ecs', 'expected "aws.ecs"'),
    'detail-type': z.literal('ECS Task State Change', 'expected "ECS Task State Change"'),
    detail: z.object({
      taskArn: z.string().check(z.regex(ARN_PATTERNS.task, 'expected a task ARN (arn:aws:ecs:<region>:<account>:task/…)')),
      clusterArn: z.string().check(z.regex(ARN_PATTERNS.cluster, 'expected a cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)')),
      taskDefinitionArn: z
        .string()
        .check(z.regex(ARN_PATTERNS.taskDefinition, 'expected a task definition ARN (…:task-definition/<family>:<revision>)')),
      lastStatus: z.string().check(z.minLength(1)),
      desiredStatus: z.string().check(z.minLength(1)),
      version: z.number(),
      group: text,
      startedBy: text,
      stopCode: text,
      stoppedReason: text,
      // A container that is not even an object with a name is dropped rather than failing the whole event.
      containers: z.catch(z.array(z.catch(z.optional(containerSchema), undefined)), []),
      launchType: text,
      capacityProviderName: text,
      availabilityZone: text,
      createdAt: instant,
      startedAt: instant,
      stoppingAt: instant,
      stoppedAt: instant,
      updatedAt: instant,
    }),
  });
});

export function parseTaskStateChange(event: unknown): TaskStopFacts {
  const result = taskStateChangeSchema().safeParse(event);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ');
    throw new BadEventError(`not an ECS Task State Change (${problems}): ${excerptOf(event)}`);
  }
  const { id, account, region, time, detail } = result.data;
  const eventTime = time ?? detail.updatedAt ?? detail.stoppedAt ?? detail.stoppingAt ?? detail.createdAt;
  // Stops are counted in windows and backed off by their time: an event without one cannot be placed.
  if (eventTime === undefined) {
    throw new BadEventError(
      `not an ECS Task State Change (time: expected an ISO time in time, detail.updatedAt, detail.stoppedAt, detail.stoppingAt or detail.createdAt): ${excerptOf(event)}`,
    );
  }
  const [, , , arnRegion = '', arnAccount = ''] = detail.taskArn.split(':');
  const taskDefinition = lastSegment(detail.taskDefinitionArn);
  const revisionAt = taskDefinition.lastIndexOf(':');
  const containers: ContainerExit[] = detail.containers.flatMap((c) =>
    c ? [{ name: c.name, exitCode: c.exitCode, reason: c.reason, lastStatus: c.lastStatus, image: c.image }] : [],
  );
  return {
    // Hand-made events may lack the envelope; the task ARN and version identify the state just as well.
    eventId: id ?? `${detail.taskArn}#${detail.version}`,
    account: account ?? arnAccount,
    region: region ?? arnRegion,
    eventTime,
    taskArn: detail.taskArn,
    taskId: lastSegment(detail.taskArn),
    clusterArn: detail.clusterArn,
    clusterName: lastSegment(detail.clusterArn),
    taskDefinitionArn: detail.taskDefinitionArn,
    family: taskDefinition.slice(0, revisionAt),
    revision: Number(taskDefinition.slice(revisionAt + 1)),
    group: detail.group,
    service: detail.group?.startsWith('service:') ? detail.group.slice('service:'.length) : undefined,
    startedBy: detail.startedBy,
    lastStatus: detail.lastStatus,
    desiredStatus: detail.desiredStatus,
    stopCode: detail.stopCode,
    stoppedReason: detail.stoppedReason,
    containers,
    launchType: detail.launchType,
    capacityProviderName: detail.capacityProviderName,
    availabilityZone: detail.availabilityZone,
    createdAt: detail.createdAt,
    startedAt: detail.startedAt,
    stoppingAt: detail.stoppingAt,
    stoppedAt: detail.stoppedAt,
    version: detail.version,
    isSpotNotice: isReclaimNotice(detail),
  };
}

function lastSegment(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
