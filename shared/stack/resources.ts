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
 */
import type { AppSpec } from '../blue-green/model.ts';
import { DEPLOYMENT_REQUEST_DETAIL_TYPES } from '../blue-green/model.ts';
import { SHIFT_TRAFFIC_TICK } from '../blue-green/trigger.ts';
import { type Automation, CLUSTER_ARN, CLUSTER_NAME, type JobSpec, type LaunchSpec, type ServiceWatch } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { EVENT_SOURCE } from '../events/bus.ts';
import { isChained } from '../jobs/chains.ts';
import { schedulerInputTemplate } from '../jobs/trigger.ts';
import { scalingScheduleExpressions } from '../scaling/periods.ts';
import { scheduledFiringTemplate } from '../scaling/trigger.ts';
import { ALERT_GROUP_INDEX, DEADLINE_INDEX, keys } from '../state/keys.ts';
import { STATE_TABLE_DEFINITION, STATE_TABLE_TTL_ATTRIBUTE } from '../state/table-definition.ts';
import { alertRoutePublishTargets, alertRouteTopicOutputs, alertRouteTopicResources } from './alert-route-topics.ts';
import { dashboard, dashboardOutput } from './dashboard.ts';
import { distinct } from './distinct.ts';
import { appServices, type EventRule, type EventRuleName, eventRules, gateAlarmsOf, type ResourceNames } from './event-rules.ts';
import {
  alertEmailSubscriptionLogicalId,
  deployedFunctionName,
  FUNCTION_NAMES,
  type FunctionName,
  jobScheduleLogicalId,
  LOGICAL_IDS,
  lambdaLogicalId,
  logGroupLogicalId,
  normalizedName,
  SCHEDULE_NAME_MAX_LENGTH,
  SHIFT_TRAFFIC_WATCHDOG_SCHEDULE_NAME,
  scalingScheduleLogicalId,
  scalingScheduleName,
  WATCHDOG_SCHEDULE_NAME,
} from './naming.ts';
import { deadLetterQueuesOf, watchAlarms } from './watch-alarms.ts';

export type CfnString = string | { Ref: string } | { 'Fn::GetAtt': [string, string] } | { 'Fn::Sub': string };

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnString[];
  Condition?: Record<string, Record<string, CfnString | CfnString[]>>;
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: 'Retain';
  UpdateReplacePolicy?: 'Retain';
}

export interface StackResources {
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, { Description: string; Value: CfnString }>;
}

export interface StackNames {
  service: string;
  stage: string;
}

const FOURTEEN_DAYS = 14 * 86_400;

/**
 * EventBridge's retry of a rule target it could not deliver to (Lambda throttling, the function missing
 * or being updated): its maximum, 185 attempts over 24 h. Both functions decide from the event's own
 * time, so a late stop still restarts a watched task and a late alert still reports what is (or was)
 * wrong; only what is still undeliverable after that is parked in the rule's dead-letter queue.
 * A function's own failures are retried by Lambda (serverless.yml), not by this policy.
 */
const RULE_TARGET_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/**
 * Scheduler's retry of a scaling firing it could not deliver to scale-service: its maximum, 185 attempts
 * over 24 h. scale-service reconciles the service to what applies when it runs, not when the firing was
 * due, so a late delivery still does the right thing, while giving up would leave the service as it is
 * until its next boundary, which may be days away.
 */
const SCALING_FIRING_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

const sub = (template: string): CfnString => ({ 'Fn::Sub': template });
const ref = (logicalId: string): CfnString => ({ Ref: logicalId });
const getAtt = (logicalId: string, attribute: string): CfnString => ({ 'Fn::GetAtt': [logicalId, attribute] });
/** An ARN in the stack's own partition, region and account. */
const ownArn = (service: string, resource: string): CfnString =>
  sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

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
  const scope: StackScope = {
    prefix,
    // Built from the name osls gives each function rather than GetAtt: every function's environment
    // names the SchedulerRole (TIMER_ROLE_ARN) and the functions' ARNs, so a GetAtt in the role's policy
    // or in an environment would make a function depend on itself.
    functionArn: (functionName) => ownArn('lambda', `function:${deployedFunctionName(names, functionName)}`),
    jobClusters: clustersOf(jobs),
    watchedTaskClusters: clustersOf(watchedTasks),
    allClusters: clustersOf([...jobs, ...watchedTasks, ...Object.values(automation.services)]),
  };

  const resources: Record<string, CfnResource> = {
    ...stores(prefix),
    [LOGICAL_IDS.schedulerRole]: schedulerRole(scope, { withApps: apps.length > 0 }),
    [LOGICAL_IDS.runBatchJobRole]: lambdaRole(FUNCTION_NAMES.runBatchJob, runBatchJobStatements(jobs, scope)),
    [LOGICAL_IDS.enforceMaxRuntimeRole]: lambdaRole(FUNCTION_NAMES.enforceMaxRuntime, enforceMaxRuntimeStatements(scope)),
    [LOGICAL_IDS.onTaskStoppedRole]: lambdaRole(FUNCTION_NAMES.onTaskStopped, onTaskStoppedStatements(watchedTasks, scope)),
    [LOGICAL_IDS.notifyRole]: lambdaRole(
      FUNCTION_NAMES.notify,
      notifyStatements(scope, alertRoutePublishTargets(automation.notifications)),
    ),
    [LOGICAL_IDS.scaleServiceRole]: lambdaRole(FUNCTION_NAMES.scaleService, scaleServiceStatements(scaledServices, scope)),
    [LOGICAL_IDS.shiftTrafficRole]: lambdaRole(FUNCTION_NAMES.shiftTraffic, shiftTrafficStatements(apps)),
    [LOGICAL_IDS.watchdogSchedule]: watchdogSchedule(),
    ...jobSchedules(jobs),
    ...ruleResources(prefix, rules, 'job-chains'),
    ...scalingSchedules(scaledServices),
    ...taskEventResources(prefix, rules),
    ...alertResources(prefix, rules, automation.notifications.email),
    ...alertRouteTopicResources(prefix, automation.notifications),
    ...blueGreenResources(prefix, rules, apps, automation.deployers),
  };
  const deadLetterQueues = deadLetterQueuesOf(resources);
  return {
    Resources: {
      ...resources,
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

interface StackScope {
  prefix: string;
  functionArn: (functionName: FunctionName) => CfnString;
  /** Where jobs run: run-batch-job launches there, enforce-max-runtime stops there. */
  jobClusters: ClusterScope[];
  /** Where watched tasks run: on-task-stopped restarts them there. */
  watchedTaskClusters: ClusterScope[];
  /** Every cluster the config names: their task events reach on-task-stopped. */
  allClusters: ClusterScope[];
}

/** The state table, the bus, the schedule group and the dead-letter queues of the functions and schedules. */
function stores(prefix: string): Record<string, CfnResource> {
  return {
    [LOGICAL_IDS.stateTable]: {
      Type: 'AWS::DynamoDB::Table',
      // Run history outlives the stack: removing or replacing the stack must not delete it.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: `${prefix}-state`,
        ...structuredClone(STATE_TABLE_DEFINITION),
        TimeToLiveSpecification: { AttributeName: STATE_TABLE_TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    },
    [LOGICAL_IDS.eventBus]: { Type: 'AWS::Events::EventBus', Properties: { Name: prefix } },
    // The jobs' schedules, the watchdog, and the one-time timers the functions set (TIMER_GROUP_NAME).
    [LOGICAL_IDS.scheduleGroup]: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: prefix } },
    // Firings and timers Scheduler could not deliver to a function (throttled, function missing, role broken).
    [LOGICAL_IDS.scheduleDeadLetterQueue]: deadLetterQueue(`${prefix}-schedule-dlq`),
    // Invocations a function itself failed on, once Lambda's asynchronous retries are spent.
    [LOGICAL_IDS.runBatchJobDeadLetterQueue]: deadLetterQueue(`${prefix}-run-batch-job-dlq`),
    [LOGICAL_IDS.onTaskStoppedDeadLetterQueue]: deadLetterQueue(`${prefix}-on-task-stopped-dlq`),
    [LOGICAL_IDS.notifyDeadLetterQueue]: deadLetterQueue(`${prefix}-notify-dlq`),
    [LOGICAL_IDS.scaleServiceDeadLetterQueue]: deadLetterQueue(`${prefix}-scale-service-dlq`),
    [LOGICAL_IDS.shiftTrafficDeadLetterQueue]: deadLetterQueue(`${prefix}-shift-traffic-dlq`),
  };
}

/**
 * The role Scheduler assumes for the schedules and timers: invoke the functions, dead-letter what fails.
 * shift-traffic only when there are apps, since only their watchdog schedule invokes it.
 */
function schedulerRole(scope: StackScope, { withApps }: { withApps: boolean }): CfnResource {
  const invocable = [
    FUNCTION_NAMES.runBatchJob,
    FUNCTION_NAMES.enforceMaxRuntime,
    FUNCTION_NAMES.onTaskStopped,
    FUNCTION_NAMES.notify,
    FUNCTION_NAMES.scaleService,
    ...(withApps ? [FUNCTION_NAMES.shiftTraffic] : []),
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `EventBridge Scheduler invokes the ${scope.prefix} functions`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            // Confused-deputy guard: only schedules of this stack's group may use the role.
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': getAtt(LOGICAL_IDS.scheduleGroup, 'Arn'),
              },
            },
          },
        ],
      },
      Policies: [
        policy('invoke-functions', [
          statement('InvokeScheduledFunctions', ['lambda:InvokeFunction'], invocable.map(scope.functionArn)),
          statement('DeadLetterUndeliveredFirings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn')]),
        ]),
      ],
    },
  };
}

function runBatchJobStatements(jobs: JobSpec[], scope: StackScope): PolicyStatement[] {
  const clusters = scope.jobClusters;
  return [
    ...(clusters.length > 0
      ? [
          runTaskStatement('LaunchConfiguredTaskDefinitions', jobs, clusters),
          tagTasksAtLaunchStatement(clusters),
          inspectAndStopStatement('InspectAndStopJobTasks', clusters),
          listTasksStatement('ListJobTasks', clusters),
          // The essential containers of a job's task definition get the run's environment.
          describeTaskDefinitionsStatement(),
          ...passTaskRolesStatements('PassJobTaskRoles', jobs),
        ]
      : []),
    ...runHistoryStatements(),
    publishStatement(),
    // A launch that ends after its tasks all stopped settles the run itself, and may set its retry's timer.
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedFirings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.runBatchJobDeadLetterQueue, 'Arn')]),
  ];
}

function enforceMaxRuntimeStatements(scope: StackScope): PolicyStatement[] {
  return [
    ...(scope.jobClusters.length > 0 ? [inspectAndStopStatement('InspectAndStopJobTasks', scope.jobClusters)] : []),
    ...runHistoryStatements(),
    publishStatement(),
    // A run past its deadline may carry what a crashed on-task-stopped left undone: its retry's timer.
    ...timerStatements(scope.prefix),
  ];
}

/**
 * on-task-stopped records job exits, restarts watched tasks (at once or by a timer), counts stops for
 * crash loops and publishes its decisions; reading a stopped task's definition gives the log links.
 */
function onTaskStoppedStatements(watchedTasks: LaunchSpec[], scope: StackScope): PolicyStatement[] {
  const restarts =
    scope.watchedTaskClusters.length > 0
      ? [
          runTaskStatement('RestartWatchedTaskDefinitions', watchedTasks, scope.watchedTaskClusters),
          tagTasksAtLaunchStatement(scope.watchedTaskClusters),
          ...passTaskRolesStatements('PassWatchedTaskRoles', watchedTasks),
        ]
      : [];
  const inspection =
    scope.allClusters.length > 0
      ? [
          inspectAndStopStatement('InspectAndStopConfiguredTasks', scope.allClusters),
          listTasksStatement('ListConfiguredTasks', scope.allClusters),
          describeTaskDefinitionsStatement(),
        ]
      : [];
  return [
    stateStatement(
      'ReadAndWriteState',
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      { withIndexes: true },
    ),
    publishStatement(),
    ...restarts,
    ...inspection,
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedEvents', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.onTaskStoppedDeadLetterQueue, 'Arn')]),
  ];
}

/**
 * notify keeps alert groups in the state table, publishes to the alert topic and the topics its routes
 * name (`routeTopics`: alert-route-topics.ts) only, and waits with timers.
 */
function notifyStatements(scope: StackScope, routeTopics: CfnString[]): PolicyStatement[] {
  return [
    // BatchGetItem: inhibition reads the labels of the groups firing in a cluster, listed by ALERT_GROUP_INDEX.
    stateStatement('ReadAndWriteAlertGroups', ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], {
      withIndexes: false,
    }),
    statement('ListFiringAlertGroups', ['dynamodb:Query'], [stateIndexArn(ALERT_GROUP_INDEX.name)]),
    readSilencesStatement(),
    statement('PublishAlerts', ['sns:Publish'], [ref(LOGICAL_IDS.alertTopic), ...routeTopics]),
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedAlerts', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.notifyDeadLetterQueue, 'Arn')]),
  ];
}

/** notify reads the operators' silences, kept in one partition (shared/state/silences.ts), with Query, and nothing else with it. */
function readSilencesStatement(): PolicyStatement {
  return {
    ...stateStatement('ReadSilences', ['dynamodb:Query'], { withIndexes: false }),
    Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.silences().pk] } },
  };
}

/**
 * scale-service reads and sets a scaled service's desired count and its Application Auto Scaling bounds,
 * remembers in the state table how the service was before it changed it, publishes its decisions and
 * retries with timers. Without a service that has scaling it touches no service at all.
 */
function scaleServiceStatements(services: ScaledService[], scope: StackScope): PolicyStatement[] {
  const scaling =
    services.length > 0
      ? [
          statement(
            'ScaleConfiguredServices',
            ['ecs:DescribeServices', 'ecs:UpdateService'],
            distinct(services.map((s) => serviceArn(s.service))),
          ),
          registerEcsScalableTargetsStatement(),
          describeScalableTargetsStatement(),
        ]
      : [];
  return [
    stateStatement('ReadAndWriteScalingState', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], {
      withIndexes: false,
    }),
    publishStatement(),
    ...scaling,
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedScalings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.scaleServiceDeadLetterQueue, 'Arn')]),
  ];
}

/**
 * shift-traffic keeps deployments (and the services' BLUE_GREEN locks, and rejections) in the state
 * table, publishes its decisions, and, for the apps only: moves the weights of their listeners' default
 * actions or their rules' actions, updates and scales their two services (registering a revision when a
 * request gives images), and reads their gate alarms and metrics. Deployments of one app are serialised
 * by conditional writes on its deployment item, so the function needs no reserved concurrency. The
 * watchdog tick, not timers, ends pauses and times stages out, hence no scheduler permission.
 */
function shiftTrafficStatements(apps: AppSpec[]): PolicyStatement[] {
  const state = [
    stateStatement('ReadAndWriteDeployments', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], {
      withIndexes: false,
    }),
    publishStatement(),
  ];
  const deadLetter = statement(
    'DeadLetterFailedDeploymentEvents',
    ['sqs:SendMessage'],
    [getAtt(LOGICAL_IDS.shiftTrafficDeadLetterQueue, 'Arn')],
  );
  if (apps.length === 0) return [...state, deadLetter];

  const listeners = distinct(apps.filter((app) => app.rule === undefined).map((app) => app.listener));
  const rules = distinct(apps.flatMap((app) => (app.rule === undefined ? [] : [app.rule])));
  const alarms = gateAlarmsOf(apps);
  return [
    ...state,
    ...(listeners.length > 0 ? [statement('ShiftListenerWeights', ['elasticloadbalancing:ModifyListener'], listeners)] : []),
    ...(rules.length > 0 ? [statement('ShiftListenerRuleWeights', ['elasticloadbalancing:ModifyRule'], rules)] : []),
    describeLoadBalancingStatement(),
    statement('DeployConfiguredServices', ['ecs:DescribeServices', 'ecs:UpdateService'], appServices(apps, TEMPLATE_NAMES)),
    describeTaskDefinitionsStatement(),
    registerTaskDefinitionsStatement(apps),
    tagRegisteredRevisionsStatement(apps),
    ...passRolesOfRegisteredTaskDefinitionsStatements(apps),
    ...(alarms.length > 0
      ? [
          statement(
            'ReadGateAlarms',
            ['cloudwatch:DescribeAlarms'],
            alarms.map((name) => ownArn('cloudwatch', `alarm:${name}`)),
          ),
        ]
      : []),
    ...(apps.some((app) => app.gates.metrics.length > 0) ? [readGateMetricsStatement()] : []),
    deadLetter,
  ];
}

/**
 * The Service Authorization Reference ("Actions, resources, and condition keys for AWS Elastic Load
 * Balancing V2") lists no resource type for DescribeListeners, DescribeRules and DescribeTargetHealth
 * (Describe* of ELB have no resource-level permissions), so "*" is the only grant that works. They read
 * the forward actions (before and after each change) and the targets' health, nothing else.
 */
function describeLoadBalancingStatement(): PolicyStatement {
  return statement(
    'ReadListenersRulesAndTargetHealth',
    ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetHealth'],
    ['*'],
  );
}

/** The task definitions a deployment may register: every revision of the apps' allowed families. */
const allowedRevisionsOf = (apps: AppSpec[]): CfnString[] =>
  distinct(apps.flatMap((app) => app.allowed.families)).map((family) => ownArn('ecs', `task-definition/${family}:*`));

/**
 * A request that gives images registers a revision of the new colour's task definition with those
 * images. The Service Authorization Reference gives RegisterTaskDefinition the task-definition resource
 * type (`task-definition/<family>:<revision>`): the revisions of the apps' allowedFamilies, which the
 * function also checks before it registers (shared/blue-green/scope.ts).
 */
function registerTaskDefinitionsStatement(apps: AppSpec[]): PolicyStatement {
  return statement('RegisterRevisionsFromImages', ['ecs:RegisterTaskDefinition'], allowedRevisionsOf(apps));
}

/**
 * The revision keeps the tags of the one it is made from, and ECS authorizes tags given at creation as
 * ecs:TagResource (the reference lists it as a dependent action of RegisterTaskDefinition): only while
 * registering (`ecs:CreateAction`), never on an existing task definition.
 */
function tagRegisteredRevisionsStatement(apps: AppSpec[]): PolicyStatement {
  return {
    ...statement('TagRevisionsAtRegistration', ['ecs:TagResource'], allowedRevisionsOf(apps)),
    Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
  };
}

/**
 * RegisterTaskDefinition needs iam:PassRole on the revision's task and execution roles (the reference
 * lists it as a dependent action). The revision copies the roles of the task definition it is made
 * from, which cannot be read when the stack is packaged: the apps' taskRoles name them, passed only to
 * ECS tasks. No app names a role: no statement (a revision with a role is then refused, scope.ts).
 */
function passRolesOfRegisteredTaskDefinitionsStatements(apps: AppSpec[]): PolicyStatement[] {
  const roles = distinct(apps.flatMap((app) => app.allowed.roles)).sort();
  if (roles.length === 0) return [];
  return [
    {
      ...statement('PassTaskRolesOfRegisteredRevisions', ['iam:PassRole'], roles),
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
  ];
}

/**
 * The Service Authorization Reference gives GetMetricData only the optional `dataset` resource type (for
 * OTLP data queried with PromQL); reading CloudWatch metrics names no resource, so IAM checks it against
 * "*". It reads the metric checks' values; no app with metric checks, no statement.
 */
function readGateMetricsStatement(): PolicyStatement {
  return statement('ReadGateMetrics', ['cloudwatch:GetMetricData'], ['*']);
}

/**
 * The Service Authorization Reference ("Actions, resources, and condition keys for AWS Application Auto
 * Scaling", docs.aws.amazon.com/service-authorization/latest/reference/list_awsapplicationautoscaling.html)
 * gives RegisterScalableTarget the scalable-target resource type and the condition keys
 * application-autoscaling:service-namespace and application-autoscaling:scalable-dimension. A scalable
 * target's ARN ends in an identifier Application Auto Scaling assigns ("How Application Auto Scaling
 * works with IAM": scalable-target/1234abcd56ab78cd901ef1234567890ab123), not the service's name, so no
 * ARN can name one service's target: the account's targets, narrowed to ECS services' desired counts.
 */
function registerEcsScalableTargetsStatement(): PolicyStatement {
  return {
    ...statement(
      'SetEcsServiceScalingBounds',
      ['application-autoscaling:RegisterScalableTarget'],
      [ownArn('application-autoscaling', 'scalable-target/*')],
    ),
    Condition: {
      StringEquals: {
        'application-autoscaling:service-namespace': 'ecs',
        'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
      },
    },
  };
}

/**
 * The same reference lists no resource type for DescribeScalableTargets (no resource-level permissions)
 * and no condition key for it, so "*" is the only grant that works. It reads scaling bounds only.
 */
function describeScalableTargetsStatement(): PolicyStatement {
  return statement('DescribeScalableTargets', ['application-autoscaling:DescribeScalableTargets'], ['*']);
}

function watchdogSchedule(): CfnResource {
  return everyMinute({
    name: WATCHDOG_SCHEDULE_NAME,
    description: 'Stops job runs that are past their maxRuntime',
    functionName: FUNCTION_NAMES.enforceMaxRuntime,
  });
}

/** A tick every minute, in the stack's group, to a function. */
function everyMinute(spec: { name: string; description: string; functionName: FunctionName; input?: string }): CfnResource {
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

function jobSchedules(jobs: JobSpec[]): Record<string, CfnResource> {
  const schedules: Record<string, CfnResource> = {};
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
function scalingSchedules(services: ScaledService[]): Record<string, CfnResource> {
  const schedules: Record<string, CfnResource> = {};
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
function scheduleTarget(functionLogicalId: string) {
  return {
    Arn: getAtt(functionLogicalId, 'Arn'),
    RoleArn: getAtt(LOGICAL_IDS.schedulerRole, 'Arn'),
    DeadLetterConfig: { Arn: getAtt(LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn') },
  };
}

/**
 * The ECS task events of the configured clusters, on the default bus (where AWS services publish), to
 * on-task-stopped. Filtered in the rule, so the function is invoked only for what it acts on: a task
 * that stopped, or a capacity reclaim notice (Fargate Spot's two-minute warning: still RUNNING, desired
 * STOPPED), which lets a watched task's replacement start before the old one is gone. No clusters, no rule.
 * And the watched services' own ECS events, only the problems alerted and the recoveries that resolve them
 * (shared/service-events/trigger.ts). No services, no rule.
 */
function taskEventResources(prefix: string, rules: EventRule[]): Record<string, CfnResource> {
  return { ...ruleResources(prefix, rules, 'task-events'), ...ruleResources(prefix, rules, 'service-events') };
}

/**
 * Alerts: the events on our bus that carry detail.alert (shared/events/alert.ts) go to notify, which
 * publishes to the alert topic: one email subscription per notifications.email entry, and the topic's
 * ARN as an output, for AWS Chatbot or any other subscriber.
 */
function alertResources(prefix: string, rules: EventRule[], emails: string[]): Record<string, CfnResource> {
  const resources: Record<string, CfnResource> = {
    ...ruleResources(prefix, rules, 'alerts'),
    [LOGICAL_IDS.alertTopic]: {
      Type: 'AWS::SNS::Topic',
      // Not encrypted at rest, deliberately: alerts carry task names, stop reasons and console links, no
      // secrets, and SNS encrypts in transit anyway. The only key without a key policy of our own is the
      // AWS-managed alias/aws/sns, whose policy cannot be extended: CloudWatch alarms or EventBridge
      // rules that operators point at this topic could then not publish, and notify would need
      // kms:GenerateDataKey and kms:Decrypt on it.
      Properties: { TopicName: `${prefix}-alerts`, DisplayName: prefix },
    },
  };
  for (const email of [...new Set(emails)]) {
    resources[alertEmailSubscriptionLogicalId(email)] = {
      Type: 'AWS::SNS::Subscription',
      // Each address receives a confirmation mail from SNS first; alerts flow once it is confirmed.
      Properties: { TopicArn: ref(LOGICAL_IDS.alertTopic), Protocol: 'email', Endpoint: email },
    };
  }
  return resources;
}

/**
 * Blue/green (shift-traffic), only when automation.yml has apps: the deployment requests on our bus,
 * the ECS rollout and service events of the apps' services and the state changes of their gate alarms
 * on the default bus (each rule with its retries, dead-letter queue and permission), the watchdog tick,
 * and, when `deployers` names principals, the bus policy that lets them put the requests.
 */
function blueGreenResources(prefix: string, rules: EventRule[], apps: AppSpec[], deployers: string[]): Record<string, CfnResource> {
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

/** The template's ids of each rule (shared/stack/event-rules.ts) and of its dead-letter queue, queue policy and permission. */
const RULE_LOGICAL_IDS: Record<EventRuleName, Pick<RuleToFunction, 'ruleId' | 'queueId' | 'queuePolicyId' | 'permissionId'>> = {
  'task-events': {
    ruleId: LOGICAL_IDS.taskEventsRule,
    queueId: LOGICAL_IDS.taskEventsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.taskEventsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.taskEventsInvokePermission,
  },
  'service-events': {
    ruleId: LOGICAL_IDS.serviceEventsRule,
    queueId: LOGICAL_IDS.serviceEventsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.serviceEventsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.serviceEventsInvokePermission,
  },
  alerts: {
    ruleId: LOGICAL_IDS.alertsRule,
    queueId: LOGICAL_IDS.alertsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.alertsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.alertsInvokePermission,
  },
  'job-chains': {
    ruleId: LOGICAL_IDS.jobChainsRule,
    queueId: LOGICAL_IDS.jobChainsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.jobChainsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.jobChainsInvokePermission,
  },
  'deployment-requests': {
    ruleId: LOGICAL_IDS.deploymentRequestsRule,
    queueId: LOGICAL_IDS.deploymentRequestsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.deploymentRequestsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.deploymentRequestsInvokePermission,
  },
  'deployment-ecs-events': {
    ruleId: LOGICAL_IDS.deploymentServiceEventsRule,
    queueId: LOGICAL_IDS.deploymentServiceEventsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.deploymentServiceEventsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.deploymentServiceEventsInvokePermission,
  },
  'deployment-alarms': {
    ruleId: LOGICAL_IDS.deploymentAlarmsRule,
    queueId: LOGICAL_IDS.deploymentAlarmsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.deploymentAlarmsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.deploymentAlarmsInvokePermission,
  },
};

/** The named rule, when automation.yml gives it one, as CloudFormation: nothing when it does not. */
function ruleResources(prefix: string, rules: EventRule[], name: EventRuleName): Record<string, CfnResource> {
  const rule = rules.find((candidate) => candidate.name === name);
  if (!rule) return {};
  return ruleInvokingFunction({
    ...RULE_LOGICAL_IDS[name],
    functionName: rule.target,
    rule: {
      Name: `${prefix}-${name}`,
      Description: rule.description,
      ...(rule.bus === 'own' && { EventBusName: getAtt(LOGICAL_IDS.eventBus, 'Name') }),
      EventPattern: rule.pattern,
    },
    queueName: `${prefix}-${name}-dlq`,
  });
}

/**
 * Lets the `deployers` principals put the three requests on our bus, and nothing else: PutEvents is
 * checked per entry, against its source and detail-type ("Using IAM policy conditions in Amazon
 * EventBridge": events:source, events:detail-type). Principals of this account need no bus policy.
 * AWS::Events::EventBusPolicy with `Statement` (its Action/Principal/Condition properties are deprecated).
 */
function deployersBusPolicy(deployers: string[]): CfnResource {
  return {
    Type: 'AWS::Events::EventBusPolicy',
    Properties: {
      EventBusName: getAtt(LOGICAL_IDS.eventBus, 'Name'),
      StatementId: 'DeployersPutDeploymentRequests',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: [...new Set(deployers)] },
        Action: 'events:PutEvents',
        Resource: getAtt(LOGICAL_IDS.eventBus, 'Arn'),
        Condition: {
          StringEquals: { 'events:source': EVENT_SOURCE, 'events:detail-type': [...DEPLOYMENT_REQUEST_DETAIL_TYPES] },
        },
      },
    },
  };
}

interface RuleToFunction {
  ruleId: string;
  queueId: string;
  queuePolicyId: string;
  permissionId: string;
  functionName: FunctionName;
  /** The rule's own properties: Name, Description, EventPattern, EventBusName (default bus if absent). */
  rule: Record<string, unknown>;
  queueName: string;
}

/**
 * An EventBridge rule with one target, a function: retried per RULE_TARGET_RETRY, then dead-lettered
 * into its own queue, which only this rule may write to; and the function's resource policy, which
 * lets only this rule invoke it.
 */
function ruleInvokingFunction(spec: RuleToFunction): Record<string, CfnResource> {
  const functionArn = getAtt(lambdaLogicalId(spec.functionName), 'Arn');
  const fromThisRule = { ArnEquals: { 'aws:SourceArn': getAtt(spec.ruleId, 'Arn') } };
  return {
    [spec.ruleId]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ...spec.rule,
        State: 'ENABLED',
        Targets: [
          {
            Id: spec.functionName,
            Arn: functionArn,
            RetryPolicy: { ...RULE_TARGET_RETRY },
            DeadLetterConfig: { Arn: getAtt(spec.queueId, 'Arn') },
          },
        ],
      },
    },
    [spec.queueId]: deadLetterQueue(spec.queueName),
    [spec.queuePolicyId]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(spec.queueId)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DeadLettersOfTheRule',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: getAtt(spec.queueId, 'Arn'),
              Condition: fromThisRule,
            },
          ],
        },
      },
    },
    [spec.permissionId]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: functionArn,
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(spec.ruleId, 'Arn'),
      },
    },
  };
}

function outputs({
  withTaskEvents,
  withServiceEvents,
  withJobChains,
  withApps,
  withGateAlarms,
}: {
  withTaskEvents: boolean;
  withServiceEvents: boolean;
  withJobChains: boolean;
  withApps: boolean;
  withGateAlarms: boolean;
}): StackResources['Outputs'] {
  const queueUrl = (description: string, logicalId: string) => ({ Description: description, Value: ref(logicalId) });
  return {
    StateTableName: { Description: 'DynamoDB table holding run history and locks', Value: ref(LOGICAL_IDS.stateTable) },
    EventBusName: { Description: 'Bus every ecs-autopilot decision is published on', Value: getAtt(LOGICAL_IDS.eventBus, 'Name') },
    EventBusArn: { Description: 'ARN of that bus, for rules in other stacks', Value: getAtt(LOGICAL_IDS.eventBus, 'Arn') },
    AlertTopicArn: {
      Description: 'SNS topic alerts are published to: subscribe AWS Chatbot (Slack, Teams) or anything else to it',
      Value: ref(LOGICAL_IDS.alertTopic),
    },
    ScheduleDeadLetterQueueUrl: queueUrl('Firings and timers EventBridge Scheduler could not deliver', LOGICAL_IDS.scheduleDeadLetterQueue),
    RunBatchJobDeadLetterQueueUrl: queueUrl('Firings run-batch-job failed on after its retries', LOGICAL_IDS.runBatchJobDeadLetterQueue),
    OnTaskStoppedDeadLetterQueueUrl: queueUrl(
      'Task events on-task-stopped failed on after its retries',
      LOGICAL_IDS.onTaskStoppedDeadLetterQueue,
    ),
    NotifyDeadLetterQueueUrl: queueUrl('Alerts notify failed on after its retries', LOGICAL_IDS.notifyDeadLetterQueue),
    ScaleServiceDeadLetterQueueUrl: queueUrl(
      'Scaling firings scale-service failed on after its retries',
      LOGICAL_IDS.scaleServiceDeadLetterQueue,
    ),
    AlertsDeadLetterQueueUrl: queueUrl('Alert events EventBridge could not deliver to notify', LOGICAL_IDS.alertsDeadLetterQueue),
    ShiftTrafficDeadLetterQueueUrl: queueUrl(
      'Deployment events shift-traffic failed on after its retries',
      LOGICAL_IDS.shiftTrafficDeadLetterQueue,
    ),
    ...(withTaskEvents && {
      TaskEventsDeadLetterQueueUrl: queueUrl(
        'Task events EventBridge could not deliver to on-task-stopped',
        LOGICAL_IDS.taskEventsDeadLetterQueue,
      ),
    }),
    ...(withServiceEvents && {
      ServiceEventsDeadLetterQueueUrl: queueUrl(
        'ECS service events EventBridge could not deliver to on-task-stopped',
        LOGICAL_IDS.serviceEventsDeadLetterQueue,
      ),
    }),
    ...(withJobChains && {
      JobChainsDeadLetterQueueUrl: queueUrl(
        'Ends of upstream runs EventBridge could not deliver to run-batch-job (their chained jobs did not start)',
        LOGICAL_IDS.jobChainsDeadLetterQueue,
      ),
    }),
    ...(withApps && {
      DeploymentRequestsDeadLetterQueueUrl: queueUrl(
        'Deployment requests EventBridge could not deliver to shift-traffic',
        LOGICAL_IDS.deploymentRequestsDeadLetterQueue,
      ),
      DeploymentServiceEventsDeadLetterQueueUrl: queueUrl(
        'ECS events of the apps’ services EventBridge could not deliver to shift-traffic',
        LOGICAL_IDS.deploymentServiceEventsDeadLetterQueue,
      ),
    }),
    ...(withGateAlarms && {
      DeploymentAlarmsDeadLetterQueueUrl: queueUrl(
        'Gate alarm state changes EventBridge could not deliver to shift-traffic',
        LOGICAL_IDS.deploymentAlarmsDeadLetterQueue,
      ),
    }),
  };
}

export interface ClusterScope {
  /** For the ecs:cluster condition key and the rule's detail.clusterArn. */
  arn: CfnString;
  /** The cluster's tasks: arn:…:task/<cluster name>/*. */
  tasks: CfnString;
}

/**
 * An ECS resource of a cluster as the schema admits it (CLUSTER_NAME or CLUSTER_ARN): in the stack's
 * partition, region and account for a name, in the ARN's for an ARN. `resource` gets the cluster's name.
 */
function ecsArnIn(cluster: string, resource: (clusterName: string) => string): CfnString {
  if (CLUSTER_NAME.test(cluster)) return ownArn('ecs', resource(cluster));
  const match = CLUSTER_ARN.exec(cluster);
  if (!match) throw new RangeError(`cluster ${JSON.stringify(cluster)} did not pass the automation schema`);
  const [, partition, region, account, name = ''] = match;
  return `arn:${partition}:ecs:${region}:${account}:${resource(name)}`;
}

/** A cluster as IAM resources: for a cluster ARN, `arn` is that ARN itself. */
function clusterOf(cluster: string): ClusterScope {
  return { arn: ecsArnIn(cluster, (name) => `cluster/${name}`), tasks: ecsArnIn(cluster, (name) => `task/${name}/*`) };
}

/**
 * A service's ARN in ECS's long format (…:service/<cluster>/<service>), that of every service created
 * since it became the default; a service old enough to have kept the short format (…:service/<service>)
 * is not covered and would be denied.
 */
const serviceArnIn = (cluster: string, service: string): CfnString =>
  ecsArnIn(cluster, (clusterName) => `service/${clusterName}/${service}`);
const serviceArn = (spec: ServiceWatch): CfnString => serviceArnIn(spec.cluster, spec.service);

/** How the template names what the rules select: in the stack's account and region, unless automation.yml gives an ARN. */
const TEMPLATE_NAMES: ResourceNames<CfnString> = {
  cluster: (cluster) => clusterOf(cluster).arn,
  service: (cluster, service) => serviceArnIn(cluster, service),
};

/** A service with scaling and the expressions of its boundary schedules. */
interface ScaledService {
  service: ServiceWatch & { scaling: NonNullable<ServiceWatch['scaling']> };
  expressions: string[];
}

function scaledServicesOf(services: ServiceWatch[], now: Date): ScaledService[] {
  return services.flatMap(({ scaling, ...service }) =>
    scaling ? [{ service: { ...service, scaling }, expressions: distinct(scalingScheduleExpressions(scaling, now)) }] : [],
  );
}

const clustersOf = (specs: { cluster: string }[]): ClusterScope[] => distinct(specs.map((spec) => clusterOf(spec.cluster)));

const inClusters = (clusters: ClusterScope[]) => ({ ArnEquals: { 'ecs:cluster': clusters.map((c) => c.arn) } });

/** RunTask of exactly these task definitions, in these clusters. */
function runTaskStatement(sid: string, specs: LaunchSpec[], clusters: ClusterScope[]): PolicyStatement {
  // family:revision pins one revision; a bare family launches its latest ACTIVE revision, any number.
  const taskDefinitions = distinct(
    specs.map((spec) =>
      ownArn('ecs', `task-definition/${spec.taskDefinition.includes(':') ? spec.taskDefinition : `${spec.taskDefinition}:*`}`),
    ),
  );
  return { ...statement(sid, ['ecs:RunTask'], taskDefinitions), Condition: inClusters(clusters) };
}

/** RunTask passes tags (job, scheduled time, attempt; watched task), which needs TagResource on the new tasks. */
function tagTasksAtLaunchStatement(clusters: ClusterScope[]): PolicyStatement {
  return {
    ...statement(
      'TagTasksAtLaunch',
      ['ecs:TagResource'],
      clusters.map((c) => c.tasks),
    ),
    Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
  };
}

function inspectAndStopStatement(sid: string, clusters: ClusterScope[]): PolicyStatement {
  return statement(
    sid,
    ['ecs:DescribeTasks', 'ecs:StopTask'],
    clusters.map((c) => c.tasks),
  );
}

/**
 * The Service Authorization Reference ("Actions, resources, and condition keys for Amazon Elastic
 * Container Service") gives ListTasks one resource type, container-instance, and the ecs:cluster
 * condition key. Listing a cluster's tasks by startedBy or family names no container instance (Fargate
 * tasks have none), so IAM checks that call against "*" and a container-instance ARN would deny it.
 * Hence "*", narrowed to the clusters by ecs:cluster (the shape aws-cdk uses, aws/aws-cdk#3199).
 */
function listTasksStatement(sid: string, clusters: ClusterScope[]): PolicyStatement {
  return { ...statement(sid, ['ecs:ListTasks'], ['*']), Condition: inClusters(clusters) };
}

/**
 * The Service Authorization Reference lists no resource type for DescribeTaskDefinition (it supports no
 * resource-level permissions) and no condition key that would narrow it, so "*" is the only grant that
 * works. It reads task definitions, which hold no secret values (those resolve at task start).
 */
function describeTaskDefinitionsStatement(): PolicyStatement {
  return statement('DescribeTaskDefinitions', ['ecs:DescribeTaskDefinition'], ['*']);
}

/** Passing the tasks' own roles, only to ECS tasks; no statement when no spec names a role. */
function passTaskRolesStatements(sid: string, specs: LaunchSpec[]): PolicyStatement[] {
  const roles = [...new Set(specs.flatMap((spec) => [spec.taskRole, spec.executionRole].filter((role) => role !== undefined)))].sort();
  if (roles.length === 0) return [];
  return [
    { ...statement(sid, ['iam:PassRole'], roles), Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
  ];
}

/** Setting timers (shared/timers): one-time schedules in the stack's group, run by the SchedulerRole. */
function timerStatements(prefix: string): PolicyStatement[] {
  return [
    // The group is named like the stack's prefix (stores()), so its schedules' ARNs are known here.
    statement('SetTimers', ['scheduler:CreateSchedule'], [ownArn('scheduler', `schedule/${prefix}/*`)]),
    {
      ...statement('PassSchedulerRoleToTimers', ['iam:PassRole'], [getAtt(LOGICAL_IDS.schedulerRole, 'Arn')]),
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    },
  ];
}

function runHistoryStatements(): PolicyStatement[] {
  return [stateStatement('ReadAndWriteRunHistory', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], { withIndexes: true })];
}

/** `actions` on the state table, and on the deadline index when the function queries it (run history). */
function stateStatement(sid: string, actions: string[], { withIndexes }: { withIndexes: boolean }): PolicyStatement {
  const indexes = withIndexes ? [stateIndexArn(DEADLINE_INDEX.name)] : [];
  return statement(sid, actions, [getAtt(LOGICAL_IDS.stateTable, 'Arn'), ...indexes]);
}

function stateIndexArn(indexName: (typeof STATE_TABLE_DEFINITION.GlobalSecondaryIndexes)[number]['IndexName']) {
  return sub(`\${${LOGICAL_IDS.stateTable}.Arn}/index/${indexName}`);
}

const publishStatement = () => statement('PublishDecisions', ['events:PutEvents'], [getAtt(LOGICAL_IDS.eventBus, 'Arn')]);

/** A function's own role: its log group (created by osls, hence no logs:CreateLogGroup) and `statements`. */
function lambdaRole(functionName: string, statements: PolicyStatement[]): CfnResource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `Execution role of ${functionName}`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [
        policy(functionName, [
          statement(
            'WriteOwnLogs',
            ['logs:CreateLogStream', 'logs:PutLogEvents'],
            // Ref of the log group is its name; ":*" covers its log streams.
            [ownArn('logs', `log-group:\${${logGroupLogicalId(functionName)}}:*`)],
          ),
          ...statements,
        ]),
      ],
    },
  };
}

function deadLetterQueue(name: string): CfnResource {
  return {
    Type: 'AWS::SQS::Queue',
    // SQS-managed encryption: EventBridge, Scheduler and Lambda can write to it without a KMS key policy.
    Properties: { QueueName: name, MessageRetentionPeriod: FOURTEEN_DAYS, SqsManagedSseEnabled: true },
  };
}

const policy = (name: string, statements: PolicyStatement[]) => ({
  PolicyName: name,
  PolicyDocument: { Version: '2012-10-17', Statement: statements },
});

const statement = (sid: string, actions: string[], resources: CfnString[]): PolicyStatement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: actions,
  Resource: resources,
});

/**
 * Names that would clash in the schedule group or in the template's logical ids, or be too long for
 * Scheduler. Jobs' schedules are named after the jobs, services' scaling schedules scale-<key>-<n>, the
 * watchdogs enforce-max-runtime and (with apps) shift-traffic-watchdog; watched tasks get no schedule
 * (timers are named after what they do, with a hash: shared/timers).
 */
function namingProblems(jobs: JobSpec[], scaledServices: ScaledService[], apps: AppSpec[]): string[] {
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
