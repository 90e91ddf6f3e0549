/** Names shared by serverless.yml and the generated CloudFormation, so references between them resolve. */
import type { AppSpec } from '../blue-green/model.ts';
import type { JobSpec } from '../config/schema.ts';
import type { ScaledService } from '../schedules/desired.ts';

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

/**
 * Names that would clash in the schedule group or in the template's logical ids, or be too long for
 * Scheduler. Jobs' schedules are named after the jobs, services' scaling schedules scale-<key>-<n>, the
 * watchdogs enforce-max-runtime and (with apps) shift-traffic-watchdog; watched tasks get no schedule
 * (timers are named after what they do, with a hash: shared/timers).
 */
export function namingProblems(jobs: JobSpec[], scaledServices: ScaledService[], apps: AppSpec[]): string[] {
  const problems: string[] = [];
  const scalingScheduleOwners = new Map<string, string>();
  const byNormalizedKey = new Map<string, string>();
  for (const { service, expressions } of scaledServices) {
    const longest = scalingScheduleName(service.key, Math.max(expressions.length - 1, 0));
    if (longest.length > SCHEDULE_NAME_MAX_LENGTH) {
      problems.push(
        `services.${service.key}: its scaling schedules would be named like ${longest}, longer than the ${SCHEDULE_NAME_MAX_LENGTH} characters Scheduler allows; use a shorter key (set the ECS service's name with service:)`,
      );
    }
    const normalized = normalizedName(service.key);
    const other = byNormalizedKey.get(normalized);
    if (other !== undefined) {
      problems.push(
        `services.${service.key}: its scaling schedules would get the same CloudFormation ids (${scalingScheduleLogicalId(service.key, 0)}, …) as services.${other}'s; rename one`,
      );
    }
    byNormalizedKey.set(normalized, service.key);
    for (const index of expressions.keys()) scalingScheduleOwners.set(scalingScheduleName(service.key, index), service.key);
  }
  const byLogicalId = new Map<string, string>();
  for (const job of jobs) {
    if (job.name === WATCHDOG_SCHEDULE_NAME) {
      problems.push(`jobs.${job.name}: the name is taken by the maxRuntime watchdog's schedule; rename the job`);
    }
    if (apps.length > 0 && job.name === SHIFT_TRAFFIC_WATCHDOG_SCHEDULE_NAME) {
      problems.push(`jobs.${job.name}: the name is taken by the blue/green watchdog's schedule; rename the job`);
    }
    const scaledService = scalingScheduleOwners.get(job.name);
    if (scaledService !== undefined) {
      problems.push(`jobs.${job.name}: the name is taken by a scaling schedule of services.${scaledService}; rename the job`);
    }
    const logicalId = jobScheduleLogicalId(job.name);
    const other = byLogicalId.get(logicalId);
    if (other !== undefined) {
      problems.push(`jobs.${job.name}: its schedule would get the same CloudFormation id (${logicalId}) as jobs.${other}; rename one`);
    }
    byLogicalId.set(logicalId, job.name);
  }
  return problems;
}
