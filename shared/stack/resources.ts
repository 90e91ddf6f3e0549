/**
 * The CloudFormation that follows from automation.yml: one Scheduler schedule per job, the scaling
 * schedules of the services, the state table, the event bus, the rules that feed on-task-stopped,
 * notify and shift-traffic, the alert topic, the dead-letter queues, and the least-privilege roles of
 * the functions, whose ECS, Application Auto Scaling, Elastic Load Balancing, CloudWatch and
 * iam:PassRole permissions name exactly the clusters, services, task definitions, listeners, rules,
 * alarms and roles that the jobs, watched tasks, services and blue/green apps use; and what watches the
 * stack itself: alarms on its dead-letter queues and functions (watch-alarms.ts) and its dashboard (dashboard.ts).
 * Pure: serverless.yml gets it through deploy/stack.mjs, the unit tests call it with plain objects and
 * a fixed `now` (the scaling schedules follow the daylight-saving changes of the years after it).
 * This file puts the template together; each concern has its own file: stores.ts (table, bus, schedule
 * group, dead-letter queues, alert topic), schedules.ts, rules.ts, iam/<function>.ts (one role each, and
 * iam/scheduler-role.ts; iam/statements.ts holds what they share), arns.ts, outputs.ts, naming.ts, and
 * cfn.ts, the resources' property types (those of the CloudFormation resource schemas, types only).
 */
import type { AppSpec } from '../blue-green/model.ts';
import { SHIFT_TRAFFIC_TICK } from '../blue-green/trigger.ts';
import type { Automation } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { isChained } from '../jobs/chains.ts';
import { scaledServicesOf } from '../schedules/desired.ts';
import { alertRoutePublishTargets, alertRouteTopicOutputs, alertRouteTopicResources } from './alert-route-topics.ts';
import { clustersOf, TEMPLATE_NAMES } from './arns.ts';
import { resolvedForSize } from './aws-limits.ts';
import { type CfnResource, ownArn, type StackNames, type StackResource, type StackResources } from './cfn.ts';
import { dashboard, dashboardOutput } from './dashboard.ts';
import { type EventRule, eventRules, gateAlarmsOf } from './event-rules.ts';
import { enforceMaxRuntimeStatements } from './iam/enforce-max-runtime.ts';
import { notifyStatements } from './iam/notify.ts';
import { onTaskStoppedStatements } from './iam/on-task-stopped.ts';
import { runBatchJobStatements } from './iam/run-batch-job.ts';
import { scaleServiceStatements } from './iam/scale-service.ts';
import { schedulerRole } from './iam/scheduler-role.ts';
import type { StackScope } from './iam/scope.ts';
import { shiftTrafficStatements } from './iam/shift-traffic.ts';
import { lambdaRole } from './iam/statements.ts';
import { deployedFunctionName, FUNCTION_NAMES, LOGICAL_IDS, namingProblems, SHIFT_TRAFFIC_WATCHDOG_SCHEDULE_NAME } from './naming.ts';
import { outputs } from './outputs.ts';
import { fitRolesToIamLimits } from './policy-split.ts';
import { RECONCILED_LOGICAL_IDS, reconciledScheduleResources, reconcilerRole, SCHEDULES_IN_TEMPLATE_MAX } from './reconciled-schedules.ts';
import { ruleResources, taskEventResources } from './rules.ts';
import { everyMinute, jobSchedules, scalingSchedules, watchdogSchedule } from './schedules.ts';
import { alertTopic, deployersBusPolicy, stores } from './stores.ts';
import { deadLetterQueuesOf, watchAlarms } from './watch-alarms.ts';

export type { ClusterScope } from './arns.ts';
export type { CfnResource, CfnString, StackNames, StackResources } from './cfn.ts';
export type { PolicyStatement } from './iam/statements.ts';

/**
 * What the stack could not be built from although the file is valid: names that clash or are too long
 * once turned into schedules and logical ids. `validate` reports them too, before a deploy would.
 */
export function stackProblems(automation: Automation, now: Date = new Date()): string[] {
  return namingProblems(
    Object.values(automation.jobs),
    scaledServicesOf(Object.values(automation.services), now),
    Object.values(automation.apps),
  );
}

export function stackResources(automation: Automation, names: StackNames, now: Date = new Date()): StackResources {
  const jobs = Object.values(automation.jobs);
  const watchedTasks = Object.values(automation.watchedTasks);
  const scaledServices = scaledServicesOf(Object.values(automation.services), now);
  const apps = Object.values(automation.apps);
  const problems = namingProblems(jobs, scaledServices, apps);
  if (problems.length > 0) throw new ConfigError(problems);

  const prefix = `${names.service}-${names.stage}`;
  const rules = eventRules(automation, TEMPLATE_NAMES);
  // Too many schedules for the template: a deploy-time reconciler keeps them (reconciled-schedules.ts).
  const scheduleCount =
    jobs.filter((job) => !isChained(job)).length + scaledServices.reduce((sum, { expressions }) => sum + expressions.length, 0);
  const reconciled = scheduleCount > SCHEDULES_IN_TEMPLATE_MAX;
  const scope: StackScope = {
    prefix,
    permissions: automation.permissions,
    // Built from the name osls gives each function rather than GetAtt: every function's environment
    // names the SchedulerRole (TIMER_ROLE_ARN) and the functions' ARNs, so a GetAtt in the role's policy
    // or in an environment would make a function depend on itself.
    functionArn: (functionName) => ownArn('lambda', `function:${deployedFunctionName(names, functionName)}`),
    jobClusters: clustersOf(jobs),
    watchedTaskClusters: clustersOf(watchedTasks),
    allClusters: clustersOf([...jobs, ...watchedTasks, ...Object.values(automation.services)]),
  };

  // CfnResource: the reconciled schedules' custom resource has no CloudFormation schema of its own.
  const resources: Record<string, StackResource | CfnResource> = {
    ...stores(prefix),
    [LOGICAL_IDS.schedulerRole]: schedulerRole(scope, { withApps: apps.length > 0, reconciled }),
    [LOGICAL_IDS.runBatchJobRole]: lambdaRole(FUNCTION_NAMES.runBatchJob, runBatchJobStatements(jobs, scope)),
    [LOGICAL_IDS.enforceMaxRuntimeRole]: lambdaRole(FUNCTION_NAMES.enforceMaxRuntime, enforceMaxRuntimeStatements(scope)),
    [LOGICAL_IDS.onTaskStoppedRole]: lambdaRole(FUNCTION_NAMES.onTaskStopped, onTaskStoppedStatements(watchedTasks, scope)),
    [LOGICAL_IDS.notifyRole]: lambdaRole(
      FUNCTION_NAMES.notify,
      notifyStatements(scope, alertRoutePublishTargets(automation.notifications)),
    ),
    [LOGICAL_IDS.scaleServiceRole]: lambdaRole(FUNCTION_NAMES.scaleService, scaleServiceStatements(scaledServices, scope)),
    [LOGICAL_IDS.shiftTrafficRole]: lambdaRole(FUNCTION_NAMES.shiftTraffic, shiftTrafficStatements(apps, automation.permissions, prefix)),
    [LOGICAL_IDS.watchdogSchedule]: watchdogSchedule(),
    ...(reconciled ? reconciledScheduleResources(prefix, automation, now) : jobSchedules(jobs)),
    ...ruleResources(prefix, rules, 'job-chains'),
    ...(reconciled ? {} : scalingSchedules(scaledServices)),
    [RECONCILED_LOGICAL_IDS.role]: reconcilerRole(prefix),
    ...taskEventResources(prefix, rules),
    ...ruleResources(prefix, rules, 'alerts'),
    ...alertTopic(prefix, automation.notifications.email),
    ...alertRouteTopicResources(prefix, automation.notifications),
    ...blueGreenResources(prefix, rules, apps, automation.deployers),
  };
  const deadLetterQueues = deadLetterQueuesOf(resources);
  return {
    Resources: {
      ...fitRolesToIamLimits(resources, (value) => JSON.stringify(resolvedForSize(value, resources)).length),
      ...watchAlarms(prefix, deadLetterQueues),
      ...dashboard(prefix, deadLetterQueues, {
        jobs: jobs.length > 0,
        watchedTasks: watchedTasks.length > 0,
        scaling: scaledServices.length > 0,
        apps: apps.length > 0,
      }),
    },
    Outputs: {
      ...outputs({
        withTaskEvents: scope.allClusters.length > 0,
        withServiceEvents: Object.keys(automation.services).length > 0,
        withJobChains: rules.some((rule) => rule.name === 'job-chains'),
        withApps: apps.length > 0,
        withGateAlarms: gateAlarmsOf(apps).length > 0,
      }),
      ...dashboardOutput(),
      ...alertRouteTopicOutputs(automation.notifications),
    },
  };
}

/**
 * Blue/green (shift-traffic), only when automation.yml has apps: the deployment requests on our bus,
 * the ECS rollout and service events of the apps' services and the state changes of their gate alarms
 * on the default bus (each rule with its retries, dead-letter queue and permission), the watchdog tick,
 * and, when `deployers` names principals, the bus policy that lets them put the requests.
 */
function blueGreenResources(prefix: string, rules: EventRule[], apps: AppSpec[], deployers: string[]): Record<string, StackResource> {
  if (apps.length === 0) return {};
  return {
    ...ruleResources(prefix, rules, 'deployment-requests'),
    ...ruleResources(prefix, rules, 'deployment-ecs-events'),
    ...ruleResources(prefix, rules, 'deployment-alarms'),
    // Pauses that ended, stages that timed out, and actions a crashed invocation left unapplied.
    [LOGICAL_IDS.shiftTrafficWatchdogSchedule]: everyMinute({
      name: SHIFT_TRAFFIC_WATCHDOG_SCHEDULE_NAME,
      description: 'Resumes blue/green deployments and ends their pauses and timed-out stages',
      functionName: FUNCTION_NAMES.shiftTraffic,
      input: JSON.stringify(SHIFT_TRAFFIC_TICK),
    }),
    ...(deployers.length > 0 && { [LOGICAL_IDS.deployersBusPolicy]: deployersBusPolicy(deployers) }),
  };
}
