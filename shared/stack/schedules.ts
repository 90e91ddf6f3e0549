/**
 * The stack's schedules, in its group: the watchdogs' ticks, one per job (the unchained ones) and the
 * scaled services' boundary schedules.
 */
import type { JobSpec, ServiceWatch } from '../config/schema.ts';
import { isChained } from '../jobs/chains.ts';
import { schedulerInputTemplate } from '../jobs/trigger.ts';
import { scalingScheduleExpressions } from '../scaling/periods.ts';
import { scheduledFiringTemplate } from '../scaling/trigger.ts';
import { getAtt, type Resource } from './cfn.ts';
import { distinct } from './distinct.ts';
import {
  FUNCTION_NAMES,
  type FunctionName,
  jobScheduleLogicalId,
  LOGICAL_IDS,
  lambdaLogicalId,
  scalingScheduleLogicalId,
  scalingScheduleName,
  WATCHDOG_SCHEDULE_NAME,
} from './naming.ts';

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

export function watchdogSchedule(): Resource<'AWS::Scheduler::Schedule'> {
  return everyMinute({
    name: WATCHDOG_SCHEDULE_NAME,
    description: 'Stops job runs that are past their maxRuntime',
    functionName: FUNCTION_NAMES.enforceMaxRuntime,
  });
}

/** A tick every minute, in the stack's group, to a function. */
export function everyMinute(spec: {
  name: string;
  description: string;
  functionName: FunctionName;
  input?: string;
}): Resource<'AWS::Scheduler::Schedule'> {
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      Name: spec.name,
      GroupName: { Ref: LOGICAL_IDS.scheduleGroup },
      Description: spec.description,
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      // A late tick is worthless: the next one comes within a minute.
      Target: {
        ...scheduleTarget(lambdaLogicalId(spec.functionName)),
        ...(spec.input !== undefined && { Input: spec.input }),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    },
  };
}

export function jobSchedules(jobs: JobSpec[]): Record<string, Resource<'AWS::Scheduler::Schedule'>> {
  const schedules: Record<string, Resource<'AWS::Scheduler::Schedule'>> = {};
  // A chained job has no schedule: the job-chains rule starts it when its upstreams end.
  for (const job of jobs.filter((candidate) => !isChained(candidate))) {
    schedules[jobScheduleLogicalId(job.name)] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: job.name,
        GroupName: { Ref: LOGICAL_IDS.scheduleGroup },
        ...(job.description && { Description: job.description }),
        ScheduleExpression: job.schedule,
        ScheduleExpressionTimezone: job.timezone,
        State: job.suspended ? 'DISABLED' : 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          ...scheduleTarget(lambdaLogicalId(FUNCTION_NAMES.runBatchJob)),
          Input: schedulerInputTemplate(job.name),
          RetryPolicy: {
            MaximumRetryAttempts: job.schedulerRetry.attempts,
            MaximumEventAgeInSeconds: job.schedulerRetry.maxEventAge,
          },
        },
      },
    };
  }
  return schedules;
}

/**
 * Scheduled scaling: for each service with scaling, one schedule per boundary expression of its periods
 * and overrides (shared/scaling/periods.ts), in its time zone, each invoking scale-service with the
 * service's key. A few boundary schedules per service rather than one tick for all of them, because:
 * - they fire at the minute a period or override starts or ends, in the service's zone (Scheduler
 *   follows daylight saving), where a tick would land up to one interval late;
 * - nothing runs while nothing can change: a minutely tick would invoke the function 1,440 times a day
 *   to act a few times;
 * - scale-service reconciles declaratively (it works out what applies now and makes the service so), so
 *   a firing that changes nothing is harmless, a late one still does the right thing, and one that was
 *   missed is made good by any later firing: no boundary's firing carries state of its own.
 */
export function scalingSchedules(services: ScaledService[]): Record<string, Resource<'AWS::Scheduler::Schedule'>> {
  const schedules: Record<string, Resource<'AWS::Scheduler::Schedule'>> = {};
  for (const { service, expressions } of services) {
    expressions.forEach((expression, index) => {
      schedules[scalingScheduleLogicalId(service.key, index)] = {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: scalingScheduleName(service.key, index),
          GroupName: { Ref: LOGICAL_IDS.scheduleGroup },
          Description: `Scales services.${service.key} at a boundary of its scaling periods and overrides`,
          ScheduleExpression: expression,
          ScheduleExpressionTimezone: service.scaling.timezone,
          State: 'ENABLED',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            ...scheduleTarget(lambdaLogicalId(FUNCTION_NAMES.scaleService)),
            Input: scheduledFiringTemplate(service.key),
            RetryPolicy: { ...SCALING_FIRING_RETRY },
          },
        },
      };
    });
  }
  return schedules;
}

/** A schedule's target: GetAtt is safe here, since nothing the functions depend on refers to a schedule. */
export function scheduleTarget(functionLogicalId: string) {
  return {
    Arn: getAtt(functionLogicalId, 'Arn'),
    RoleArn: getAtt(LOGICAL_IDS.schedulerRole, 'Arn'),
    DeadLetterConfig: { Arn: getAtt(LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn') },
  };
}
