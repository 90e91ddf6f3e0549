/**
 * The stack's schedules, in its group: the watchdogs' ticks, one per job (the unchained ones) and the
 * scaled services' boundary schedules.
 */
import type { JobSpec } from '../config/schema.ts';
import { isChained } from '../jobs/chains.ts';
import { jobSchedule, type ScaledService, type ScheduleTargets, scalingSchedule } from '../schedules/desired.ts';
import { type CfnString, getAtt, type Resource } from './cfn.ts';
import {
  FUNCTION_NAMES,
  type FunctionName,
  jobScheduleLogicalId,
  LOGICAL_IDS,
  lambdaLogicalId,
  scalingScheduleLogicalId,
  WATCHDOG_SCHEDULE_NAME,
} from './naming.ts';

/** The schedules' targets in the stack. GetAtt is safe here, since nothing the functions depend on refers to a schedule. */
const STACK_TARGETS: ScheduleTargets<CfnString> = {
  groupName: { Ref: LOGICAL_IDS.scheduleGroup },
  runBatchJobArn: getAtt(lambdaLogicalId(FUNCTION_NAMES.runBatchJob), 'Arn'),
  scaleServiceArn: getAtt(lambdaLogicalId(FUNCTION_NAMES.scaleService), 'Arn'),
  roleArn: getAtt(LOGICAL_IDS.schedulerRole, 'Arn'),
  deadLetterArn: getAtt(LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn'),
};

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
      GroupName: STACK_TARGETS.groupName,
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
    schedules[jobScheduleLogicalId(job.name)] = { Type: 'AWS::Scheduler::Schedule', Properties: jobSchedule(job, STACK_TARGETS) };
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
  for (const scaled of services) {
    scaled.expressions.forEach((expression, index) => {
      schedules[scalingScheduleLogicalId(scaled.service.key, index)] = {
        Type: 'AWS::Scheduler::Schedule',
        Properties: scalingSchedule(scaled, expression, index, STACK_TARGETS),
      };
    });
  }
  return schedules;
}

/** A schedule's target: GetAtt is safe here, since nothing the functions depend on refers to a schedule. */
export function scheduleTarget(functionLogicalId: string) {
  return {
    Arn: getAtt(functionLogicalId, 'Arn'),
    RoleArn: STACK_TARGETS.roleArn,
    DeadLetterConfig: { Arn: STACK_TARGETS.deadLetterArn },
  };
}
