/**
 * The Scheduler schedules automation.yml asks for, jobs' and scaling boundaries', as CreateSchedule
 * inputs: what the deploy-time reconciler (reconcile.ts) makes the stack's reconciled schedule group hold,
 * when the schedules are too many to be CloudFormation resources (shared/stack/reconciled-schedules.ts).
 * The same schedules the template holds as AWS::Scheduler::Schedule resources for a smaller file
 * (shared/stack/schedules.ts builds those from the same functions, with intrinsic functions for targets). Pure.
 */
import type { Automation, JobSpec, ServiceWatch } from '../config/schema.ts';
import { isChained } from '../jobs/chains.ts';
import { schedulerInputTemplate } from '../jobs/trigger.ts';
import { scalingScheduleExpressions } from '../scaling/periods.ts';
import { scheduledFiringTemplate } from '../scaling/trigger.ts';
import { distinct } from '../stack/distinct.ts';
import { scalingScheduleName } from '../stack/naming.ts';

/**
 * Where the schedules point: the functions they invoke, the role Scheduler assumes, the queue for what it
 * cannot deliver. Names and ARNs for the reconciler (`V` = string); intrinsic functions for the template.
 */
export interface ScheduleTargets<V = string> {
  groupName: V;
  runBatchJobArn: V;
  scaleServiceArn: V;
  roleArn: V;
  deadLetterArn: V;
}

/** A schedule as CreateSchedule and UpdateSchedule take it (and as GetSchedule gives it back), or as the template's properties. */
export interface ScheduleDefinition<V = string> {
  Name: string;
  GroupName: V;
  Description?: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
  State: 'ENABLED' | 'DISABLED';
  FlexibleTimeWindow: { Mode: 'OFF' };
  Target: {
    Arn: V;
    RoleArn: V;
    Input: string;
    RetryPolicy: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
    DeadLetterConfig: { Arn: V };
  };
}

/**
 * Scheduler's retry of a scaling firing it could not deliver to scale-service: its maximum, 185 attempts
 * over 24 h. scale-service reconciles the service to what applies when it runs, not when the firing was
 * due, so a late delivery still does the right thing, while giving up would leave the service as it is
 * until its next boundary, which may be days away.
 */
const SCALING_FIRING_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** A service with scaling and the expressions of its boundary schedules. */
export interface ScaledService {
  service: ServiceWatch & { scaling: NonNullable<ServiceWatch['scaling']> };
  expressions: string[];
}

export function scaledServicesOf(services: ServiceWatch[], now: Date): ScaledService[] {
  // Working out a scaling's expressions follows its zone's daylight-saving changes for years (tens of
  // milliseconds); services that scale alike (business hours in one zone) share the result.
  const expressionsOf = new Map<string, string[]>();
  return services.flatMap(({ scaling, ...service }) => {
    if (!scaling) return [];
    const key = JSON.stringify(scaling);
    const expressions = expressionsOf.get(key) ?? distinct(scalingScheduleExpressions(scaling, now));
    expressionsOf.set(key, expressions);
    return [{ service: { ...service, scaling }, expressions }];
  });
}

/** Every job's schedule (a chained job has none: the job-chains rule starts it) and every scaling boundary's, in the file's order. */
export function desiredSchedules(automation: Automation, now: Date, targets: ScheduleTargets): ScheduleDefinition[] {
  return [
    ...Object.values(automation.jobs)
      .filter((job) => !isChained(job))
      .map((job) => jobSchedule(job, targets)),
    ...scaledServicesOf(Object.values(automation.services), now).flatMap((scaled) =>
      scaled.expressions.map((expression, index) => scalingSchedule(scaled, expression, index, targets)),
    ),
  ];
}

/** How many schedules automation.yml asks for, without working out the scaling expressions' daylight-saving years twice. */
export function scheduleCount(automation: Automation, now: Date): number {
  return desiredSchedules(automation, now, PLACEHOLDER_TARGETS).length;
}

const PLACEHOLDER_TARGETS: ScheduleTargets = { groupName: '', runBatchJobArn: '', scaleServiceArn: '', roleArn: '', deadLetterArn: '' };

/** A job's schedule: its expression in its zone, invoking run-batch-job with the job's name. */
export function jobSchedule<V>(job: JobSpec, targets: ScheduleTargets<V>): ScheduleDefinition<V> {
  return {
    Name: job.name,
    GroupName: targets.groupName,
    ...(job.description && { Description: job.description }),
    ScheduleExpression: job.schedule,
    ScheduleExpressionTimezone: job.timezone,
    State: job.suspended ? 'DISABLED' : 'ENABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: targets.runBatchJobArn,
      RoleArn: targets.roleArn,
      Input: schedulerInputTemplate(job.name),
      RetryPolicy: { MaximumRetryAttempts: job.schedulerRetry.attempts, MaximumEventAgeInSeconds: job.schedulerRetry.maxEventAge },
      DeadLetterConfig: { Arn: targets.deadLetterArn },
    },
  };
}

/** One boundary schedule of a service's scaling, invoking scale-service with the service's key. */
export function scalingSchedule<V>(
  scaled: ScaledService,
  expression: string,
  index: number,
  targets: ScheduleTargets<V>,
): ScheduleDefinition<V> {
  const { service } = scaled;
  return {
    Name: scalingScheduleName(service.key, index),
    GroupName: targets.groupName,
    Description: `Scales services.${service.key} at a boundary of its scaling periods and overrides`,
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: service.scaling.timezone,
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: targets.scaleServiceArn,
      RoleArn: targets.roleArn,
      Input: scheduledFiringTemplate(service.key),
      RetryPolicy: { ...SCALING_FIRING_RETRY },
      DeadLetterConfig: { Arn: targets.deadLetterArn },
    },
  };
}
