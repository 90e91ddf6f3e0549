/** shift-traffic's role: its statements (lambdaRole adds its own logs). */
import type { AppSpec } from '../../blue-green/model.ts';
import type { PermissionScope } from '../../config/schema.ts';
import { clusterOf, inClusters, TEMPLATE_NAMES } from '../arns.ts';
import { type CfnString, getAtt, ownArn } from '../cfn.ts';
import { distinct } from '../distinct.ts';
import { appServices, gateAlarmsOf } from '../event-rules.ts';
import { LOGICAL_IDS } from '../naming.ts';
import { describeScalableTargetsStatement, registerEcsScalableTargetsStatement } from './scale-service.ts';
import {
  describeTaskDefinitionsStatement,
  type PolicyStatement,
  publishStatement,
  statement,
  stateStatement,
  taggedPassRoleStatement,
} from './statements.ts';

/**
 * shift-traffic keeps deployments (and the services' BLUE_GREEN locks, and rejections) in the state
 * table, publishes its decisions, and, for the apps only: moves the weights of their listeners' default
 * actions or their rules' actions, updates and scales their two services (registering a revision when a
 * request gives images), reads their gate alarms and metrics, and reads and sets their scalable targets
 * (the live colour's bounds copied to the new colour, its scale-in suspended, then put back). Deployments of one app are serialised
 * by conditional writes on its deployment item, so the function needs no reserved concurrency. The
 * watchdog tick, not timers, ends pauses and times stages out, hence no scheduler permission.
 */
export function shiftTrafficStatements(apps: AppSpec[], permissions: PermissionScope, prefix: string): PolicyStatement[] {
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

  const routes = apps.flatMap((app) => app.routes);
  const listeners = distinct(routes.flatMap((route) => (route.rule === undefined ? [route.listener] : [])));
  const rules = distinct(routes.flatMap((route) => (route.rule === undefined ? [] : [route.rule])));
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
    ...passRolesOfRegisteredTaskDefinitionsStatements(apps, permissions, prefix),
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
    ...testBeforeTrafficStatements(apps),
    // A colour's scalable target is read at the start; when the live colour has one, its bounds go to the
    // new colour and its scale-in is suspended, then put back. No ARN names one service's target.
    registerEcsScalableTargetsStatement(),
    describeScalableTargetsStatement(),
    deadLetter,
  ];
}

/**
 * Test before traffic (apps.<name>.test and .hooks): point exactly the configured test listeners (or
 * rules) at the new colour; start the hook tasks of exactly their families, only in the apps' clusters
 * (ecs:cluster), read tasks of those clusters only, and pass only the roles the hooks name, only to ECS
 * tasks; invoke exactly the hook functions. No app with a test listener or hooks: no statement.
 */
function testBeforeTrafficStatements(apps: AppSpec[]): PolicyStatement[] {
  const tests = apps.flatMap((app) => (app.test ? [app.test] : []));
  const testListeners = distinct(tests.filter((test) => test.rule === undefined).map((test) => test.listener));
  const testRules = distinct(tests.flatMap((test) => (test.rule === undefined ? [] : [test.rule])));
  const taskHooks = apps.flatMap((app) =>
    Object.values(app.hooks ?? {}).flatMap((hook) => (hook.kind === 'task' ? [{ cluster: app.cluster, hook }] : [])),
  );
  const functions = distinct(
    apps.flatMap((app) => Object.values(app.hooks ?? {}).flatMap((hook) => (hook.kind === 'lambda' ? [hook.function] : []))),
  );
  const clusters = distinct(taskHooks.map(({ cluster }) => clusterOf(cluster)));
  const taskDefinitions = distinct(
    taskHooks.map(({ hook }) =>
      ownArn('ecs', `task-definition/${hook.taskDefinition.includes(':') ? hook.taskDefinition : `${hook.taskDefinition}:*`}`),
    ),
  );
  const roles = distinct(taskHooks.flatMap(({ hook }) => [hook.taskRole, hook.executionRole].filter((role) => role !== undefined))).sort();
  return [
    ...(testListeners.length > 0 ? [statement('PointTestListeners', ['elasticloadbalancing:ModifyListener'], testListeners)] : []),
    ...(testRules.length > 0 ? [statement('PointTestListenerRules', ['elasticloadbalancing:ModifyRule'], testRules)] : []),
    ...(taskHooks.length > 0
      ? [
          { ...statement('RunHookTasks', ['ecs:RunTask'], taskDefinitions), Condition: inClusters(clusters) },
          statement(
            'ReadHookTasks',
            ['ecs:DescribeTasks'],
            clusters.map((c) => c.tasks),
          ),
        ]
      : []),
    ...(roles.length > 0
      ? [
          {
            ...statement('PassHookTaskRoles', ['iam:PassRole'], roles),
            Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          },
        ]
      : []),
    ...(functions.length > 0 ? [statement('InvokeHookFunctions', ['lambda:InvokeFunction'], functions)] : []),
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
function passRolesOfRegisteredTaskDefinitionsStatements(apps: AppSpec[], permissions: PermissionScope, prefix: string): PolicyStatement[] {
  const roles = distinct(apps.flatMap((app) => app.allowed.roles)).sort();
  if (roles.length === 0) return [];
  if (permissions === 'tagged') return [taggedPassRoleStatement('PassTaskRolesOfRegisteredRevisions', roles, prefix)];
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
