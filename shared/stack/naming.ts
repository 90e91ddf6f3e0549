/** Names shared by serverless.yml and the generated CloudFormation, so references between them resolve. */

/** The two Lambda functions, as serverless.yml names them. */
export const FUNCTION_NAMES = { runBatchJob: 'run-batch-job', enforceMaxRuntime: 'enforce-max-runtime' } as const;

/** The watchdog's schedule sits in the same group as the jobs' schedules, so no job may take its name. */
export const WATCHDOG_SCHEDULE_NAME = FUNCTION_NAMES.enforceMaxRuntime;

/** Logical ids of the generated resources that serverless.yml refers to (roles, queue, table, bus). */
export const LOGICAL_IDS = {
  stateTable: 'StateTable',
  eventBus: 'EventBus',
  scheduleGroup: 'ScheduleGroup',
  schedulerRole: 'SchedulerRole',
  scheduleDeadLetterQueue: 'ScheduleDeadLetterQueue',
  runBatchJobDeadLetterQueue: 'RunBatchJobDeadLetterQueue',
  runBatchJobRole: 'RunBatchJobRole',
  enforceMaxRuntimeRole: 'EnforceMaxRuntimeRole',
  watchdogSchedule: 'EnforceMaxRuntimeSchedule',
} as const;

/** osls's normalisation (lib/plugins/aws/lib/naming.js): "-" → "Dash", "_" → "Underscore", first letter upper-cased. */
export function normalizedName(name: string): string {
  const spelled = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return spelled.charAt(0).toUpperCase() + spelled.slice(1);
}

/** run-batch-job → RunDashbatchDashjobLambdaFunction, the logical id osls gives the function. */
export const lambdaLogicalId = (functionName: string): string => `${normalizedName(functionName)}LambdaFunction`;

/** run-batch-job → RunDashbatchDashjobLogGroup, the log group osls creates for the function. */
export const logGroupLogicalId = (functionName: string): string => `${normalizedName(functionName)}LogGroup`;

/** nightly-report → JobNightlyDashreportSchedule. */
export const jobScheduleLogicalId = (jobName: string): string => `Job${normalizedName(jobName)}Schedule`;
