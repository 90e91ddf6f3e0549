/**
 * IAM policy statements and the functions' roles: what several functions' roles share (the state table,
 * the bus, timers, launching and inspecting tasks).
 */
import type { LaunchSpec } from '../../config/schema.ts';
import { DEADLINE_INDEX } from '../../state/keys.ts';
import type { STATE_TABLE_DEFINITION } from '../../state/table-definition.ts';
import { type ClusterScope, inClusters } from '../arns.ts';
import { type CfnString, getAtt, ownArn, type Resource, sub } from '../cfn.ts';
import { distinct } from '../distinct.ts';
import { LOGICAL_IDS, logGroupLogicalId } from '../naming.ts';
import { roleAccountsOf, taggedFor } from '../tag-scope.ts';
import type { StackScope } from './scope.ts';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnString[];
  Condition?: Record<string, Record<string, CfnString | CfnString[]>>;
}

/** RunTask of exactly these task definitions (or, `permissions: tagged`, those tagged for the stack: tag-scope.ts), in these clusters. */
export function runTaskStatement(sid: string, specs: LaunchSpec[], clusters: ClusterScope[], scope: StackScope): PolicyStatement {
  if (scope.permissions === 'tagged') {
    return {
      ...statement(sid, ['ecs:RunTask'], [ownArn('ecs', 'task-definition/*')]),
      Condition: { ...inClusters(clusters), StringEquals: taggedFor(scope.prefix) },
    };
  }
  // family:revision pins one revision; a bare family launches its latest ACTIVE revision, any number.
  const taskDefinitions = distinct(
    specs.map((spec) =>
      ownArn('ecs', `task-definition/${spec.taskDefinition.includes(':') ? spec.taskDefinition : `${spec.taskDefinition}:*`}`),
    ),
  );
  return { ...statement(sid, ['ecs:RunTask'], taskDefinitions), Condition: inClusters(clusters) };
}

/** RunTask passes tags (job, scheduled time, attempt; watched task), which needs TagResource on the new tasks. */
export function tagTasksAtLaunchStatement(clusters: ClusterScope[]): PolicyStatement {
  return {
    ...statement(
      'TagTasksAtLaunch',
      ['ecs:TagResource'],
      clusters.map((c) => c.tasks),
    ),
    Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
  };
}

export function inspectAndStopStatement(sid: string, clusters: ClusterScope[]): PolicyStatement {
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
export function listTasksStatement(sid: string, clusters: ClusterScope[]): PolicyStatement {
  return { ...statement(sid, ['ecs:ListTasks'], ['*']), Condition: inClusters(clusters) };
}

/**
 * The Service Authorization Reference lists no resource type for DescribeTaskDefinition (it supports no
 * resource-level permissions) and no condition key that would narrow it, so "*" is the only grant that
 * works. It reads task definitions, which hold no secret values (those resolve at task start).
 */
export function describeTaskDefinitionsStatement(): PolicyStatement {
  return statement('DescribeTaskDefinitions', ['ecs:DescribeTaskDefinition'], ['*']);
}

/** Passing the tasks' own roles, only to ECS tasks; no statement when no spec names a role. */
export function passTaskRolesStatements(sid: string, specs: LaunchSpec[], scope: StackScope): PolicyStatement[] {
  const roles = [...new Set(specs.flatMap((spec) => [spec.taskRole, spec.executionRole].filter((role) => role !== undefined)))].sort();
  if (roles.length === 0) return [];
  if (scope.permissions === 'tagged') return [taggedPassRoleStatement(sid, roles, scope.prefix)];
  return [
    { ...statement(sid, ['iam:PassRole'], roles), Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
  ];
}

/** iam:PassRole to ECS tasks of the roles tagged for the stack, in the accounts of `roles` (tag-scope.ts). */
export function taggedPassRoleStatement(sid: string, roles: string[], prefix: string): PolicyStatement {
  return {
    ...statement(sid, ['iam:PassRole'], roleAccountsOf(roles)),
    Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com', ...taggedFor(prefix) } },
  };
}

/** Setting timers (shared/timers): one-time schedules in the stack's group, run by the SchedulerRole. */
export function timerStatements(prefix: string): PolicyStatement[] {
  return [
    // The group is named like the stack's prefix (stores()), so its schedules' ARNs are known here.
    statement('SetTimers', ['scheduler:CreateSchedule'], [ownArn('scheduler', `schedule/${prefix}/*`)]),
    {
      ...statement('PassSchedulerRoleToTimers', ['iam:PassRole'], [getAtt(LOGICAL_IDS.schedulerRole, 'Arn')]),
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    },
  ];
}

export function runHistoryStatements(): PolicyStatement[] {
  return [stateStatement('ReadAndWriteRunHistory', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], { withIndexes: true })];
}

/** `actions` on the state table, and on the deadline index when the function queries it (run history). */
export function stateStatement(sid: string, actions: string[], { withIndexes }: { withIndexes: boolean }): PolicyStatement {
  const indexes = withIndexes ? [stateIndexArn(DEADLINE_INDEX.name)] : [];
  return statement(sid, actions, [getAtt(LOGICAL_IDS.stateTable, 'Arn'), ...indexes]);
}

export function stateIndexArn(indexName: (typeof STATE_TABLE_DEFINITION.GlobalSecondaryIndexes)[number]['IndexName']) {
  return sub(`\${${LOGICAL_IDS.stateTable}.Arn}/index/${indexName}`);
}

export const publishStatement = () => statement('PublishDecisions', ['events:PutEvents'], [getAtt(LOGICAL_IDS.eventBus, 'Arn')]);

/** A function's own role: its log group (created by osls, hence no logs:CreateLogGroup) and `statements`. */
export function lambdaRole(functionName: string, statements: PolicyStatement[]): Resource<'AWS::IAM::Role'> {
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

export const policy = (name: string, statements: PolicyStatement[]) => ({
  PolicyName: name,
  PolicyDocument: { Version: '2012-10-17', Statement: statements },
});

export const statement = (sid: string, actions: string[], resources: CfnString[]): PolicyStatement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: actions,
  Resource: resources,
});
