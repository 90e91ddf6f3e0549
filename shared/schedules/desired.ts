/**
 * The Scheduler schedules automation.yml asks for, jobs' and scaling boundaries', as CreateSchedule
 * inputs: what the deploy-time reconciler (reconcile.ts) makes the stack's reconciled schedule group hold,
 * when the schedules are too many to be CloudFormation resources (shared/stack/reconciled-schedules.ts).
 * The same schedules the template holds as AWS::Scheduler::Schedule resources for a smaller file
 * (shared/stack/resources.ts: jobSchedules, scalingSchedules), property for property; a unit test keeps
 * the two equal. Pure.
 */
import type { Automation, JobSpec, ServiceWatch } from '../config/schema.ts';
import { isChained } from '../jobs/chains.ts';
import { schedulerInputTemplate } from '../jobs/trigger.ts';
import { scalingScheduleExpressions } from '../scaling/periods.ts';
import { scheduledFiringTemplate } from '../scaling/trigger.ts';
import { distinct } from '../stack/distinct.ts';
import { scalingScheduleName } from '../stack/naming.ts';

/** Where the schedules point: the functions they invoke, the role Scheduler assumes, the queue for what it cannot deliver. */
export interface ScheduleTargets {
  groupName: string;
  runBatchJobArn: string;
  scaleServiceArn: string;
  roleArn: string;
  deadLetterArn: string;
}

/** A schedule as CreateSchedule and UpdateSchedule take it (and as GetSchedule gives it back). */
export interface ScheduleDefinition {
  Name: string;
  GroupName: string;
  Description?: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
  State: 'ENABLED' | 'DISABLED';
  FlexibleTimeWindow: { Mode: 'OFF' };
  Target: {
    Arn: string;
    RoleArn: string;
    Input: string;
    RetryPolicy: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
    DeadLetterConfig: { Arn: string };
  };
}

/** As resources.ts: a late scaling firing still reconciles the service to what applies then. */
const SCALING_FIRING_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** Every job's schedule (a chained job has none: the job-chains rule starts it) and every scaling boundary's, in the file's order. */
export function desiredSchedules(automation: Automation, now: Date, targets: ScheduleTargets): ScheduleDefinition[] {
  return [
    ...Object.values(automation.jobs)
      .filter((job) => !isChained(job))
      .map((job) => jobSchedule(job, targets)),
    ...scalingSchedules(Object.values(automation.services), now, targets),
  ];
}

/** How many schedules automation.yml asks for, without working out the scaling expressions' daylight-saving years twice. */
export function scheduleCount(automation: Automation, now: Date): number {
  return desiredSchedules(automation, now, PLACEHOLDER_TARGETS).length;
}

const PLACEHOLDER_TARGETS: ScheduleTargets = { groupName: '', runBatchJobArn: '', scaleServiceArn: '', roleArn: '', deadLetterArn: '' };

function jobSchedule(job: JobSpec, targets: ScheduleTargets): ScheduleDefinition {
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

function scalingSchedules(services: ServiceWatch[], now: Date, targets: ScheduleTargets): ScheduleDefinition[] {
  // Services that scale alike share their expressions (working them out follows years of daylight saving).
  const expressionsOf = new Map<string, string[]>();
  return services.flatMap((service) => {
    const { scaling } = service;
    if (!scaling) return [];
    const key = JSON.stringify(scaling);
    const expressions = expressionsOf.get(key) ?? distinct(scalingScheduleExpressions(scaling, now));
    expressionsOf.set(key, expressions);
    return expressions.map(
      (expression, index): ScheduleDefinition => ({
        Name: scalingScheduleName(service.key, index),
        GroupName: targets.groupName,
        Description: `Scales services.${service.key} at a boundary of its scaling periods and overrides`,
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: scaling.timezone,
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: targets.scaleServiceArn,
          RoleArn: targets.roleArn,
          Input: scheduledFiringTemplate(service.key),
          RetryPolicy: { ...SCALING_FIRING_RETRY },
          DeadLetterConfig: { Arn: targets.deadLetterArn },
        },
      }),
    );
  });
}
