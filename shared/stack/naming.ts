/** Names shared by serverless.yml and the generated CloudFormation, so references between them resolve. */

/** The Lambda functions, as serverless.yml names them. */
export const FUNCTION_NAMES = {
  runBatchJob: 'run-batch-job',
  enforceMaxRuntime: 'enforce-max-runtime',
  onTaskStopped: 'on-task-stopped',
  notify: 'notify',
  scaleService: 'scale-service',
  shiftTraffic: 'shift-traffic',
} as const;

export type FunctionName = (typeof FUNCTION_NAMES)[keyof typeof FUNCTION_NAMES];

/** The watchdog's schedule sits in the same group as the jobs' schedules, so no job may take its name. */
export const WATCHDOG_SCHEDULE_NAME = FUNCTION_NAMES.enforceMaxRuntime;

/** The blue/green watchdog's schedule, in the same group: it exists only when automation.yml has apps. */
export const SHIFT_TRAFFIC_WATCHDOG_SCHEDULE_NAME = `${FUNCTION_NAMES.shiftTraffic}-watchdog`;

/** Logical ids of the generated resources that serverless.yml refers to (roles, queues, table, bus, topic). */
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
  onTaskStoppedRole: 'OnTaskStoppedRole',
  onTaskStoppedDeadLetterQueue: 'OnTaskStoppedDeadLetterQueue',
  notifyRole: 'NotifyRole',
  notifyDeadLetterQueue: 'NotifyDeadLetterQueue',
  scaleServiceRole: 'ScaleServiceRole',
  scaleServiceDeadLetterQueue: 'ScaleServiceDeadLetterQueue',
  shiftTrafficRole: 'ShiftTrafficRole',
  shiftTrafficDeadLetterQueue: 'ShiftTrafficDeadLetterQueue',
  shiftTrafficWatchdogSchedule: 'ShiftTrafficWatchdogSchedule',
  deploymentRequestsRule: 'DeploymentRequestsRule',
  deploymentRequestsDeadLetterQueue: 'DeploymentRequestsDeadLetterQueue',
  deploymentRequestsDeadLetterQueuePolicy: 'DeploymentRequestsDeadLetterQueuePolicy',
  deploymentRequestsInvokePermission: 'DeploymentRequestsInvokePermission',
  deploymentServiceEventsRule: 'DeploymentServiceEventsRule',
  deploymentServiceEventsDeadLetterQueue: 'DeploymentServiceEventsDeadLetterQueue',
  deploymentServiceEventsDeadLetterQueuePolicy: 'DeploymentServiceEventsDeadLetterQueuePolicy',
  deploymentServiceEventsInvokePermission: 'DeploymentServiceEventsInvokePermission',
  deploymentAlarmsRule: 'DeploymentAlarmsRule',
  deploymentAlarmsDeadLetterQueue: 'DeploymentAlarmsDeadLetterQueue',
  deploymentAlarmsDeadLetterQueuePolicy: 'DeploymentAlarmsDeadLetterQueuePolicy',
  deploymentAlarmsInvokePermission: 'DeploymentAlarmsInvokePermission',
  deployersBusPolicy: 'DeployersEventBusPolicy',
  taskEventsRule: 'TaskEventsRule',
  taskEventsDeadLetterQueue: 'TaskEventsDeadLetterQueue',
  taskEventsDeadLetterQueuePolicy: 'TaskEventsDeadLetterQueuePolicy',
  taskEventsInvokePermission: 'TaskEventsInvokePermission',
  serviceEventsRule: 'ServiceEventsRule',
  serviceEventsDeadLetterQueue: 'ServiceEventsDeadLetterQueue',
  serviceEventsDeadLetterQueuePolicy: 'ServiceEventsDeadLetterQueuePolicy',
  serviceEventsInvokePermission: 'ServiceEventsInvokePermission',
  alertsRule: 'AlertsRule',
  alertsDeadLetterQueue: 'AlertsDeadLetterQueue',
  alertsDeadLetterQueuePolicy: 'AlertsDeadLetterQueuePolicy',
  alertsInvokePermission: 'AlertsInvokePermission',
  alertTopic: 'AlertTopic',
  jobChainsRule: 'JobChainsRule',
  jobChainsDeadLetterQueue: 'JobChainsDeadLetterQueue',
  jobChainsDeadLetterQueuePolicy: 'JobChainsDeadLetterQueuePolicy',
  jobChainsInvokePermission: 'JobChainsInvokePermission',
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

/**
 * ecs-autopilot + prod + notify → ecs-autopilot-prod-notify: osls's default function name (service-stage-key),
 * which serverless.yml does not override. ARNs are built from it where a GetAtt would close a cycle.
 */
export const deployedFunctionName = (names: { service: string; stage: string }, functionName: FunctionName): string =>
  `${names.service}-${names.stage}-${functionName}`;

/** nightly-report → JobNightlyDashreportSchedule. */
export const jobScheduleLogicalId = (jobName: string): string => `Job${normalizedName(jobName)}Schedule`;

/**
 * The name of a service's scaling schedule in the schedule group: staging-api, 0 → scale-staging-api-0.
 * Unique: the number is what follows the last "-", so the key before it is known too. Apart from the
 * timers (shared/timers), whose names end in a 16-digit hash.
 */
export const scalingScheduleName = (serviceKey: string, index: number): string => `scale-${serviceKey}-${index}`;

/**
 * staging-api, 0 → ScaleStagingDashapiSchedule0: the trailing number keeps ScaleWeb1Schedule0 apart from
 * ScaleWebSchedule10, and no other logical id ends in a digit.
 */
export const scalingScheduleLogicalId = (serviceKey: string, index: number): string => `Scale${normalizedName(serviceKey)}Schedule${index}`;

/** Schedule names are at most 64 characters (EventBridge Scheduler). */
export const SCHEDULE_NAME_MAX_LENGTH = 64;

/**
 * ops@example.com → AlertEmailOpsexamplecom1a2b3c4dSubscription: derived from the address, not its position,
 * so reordering the list neither replaces a subscription nor makes its owner confirm it again. The hash
 * keeps addresses apart that differ only in punctuation (a.b@x.io, ab@x.io).
 */
export function alertEmailSubscriptionLogicalId(email: string): string {
  const readable = email.replace(/[^A-Za-z0-9]/g, '').slice(0, 64);
  let hash = 0x811c9dc5;
  for (let i = 0; i < email.length; i++) hash = Math.imul(hash ^ email.charCodeAt(i), 0x01000193) >>> 0;
  return `AlertEmail${normalizedName(readable)}${hash.toString(16).padStart(8, '0')}Subscription`;
}
