/**
 * The CloudFormation that follows from automation.yml: one Scheduler schedule per job, the state table,
 * the event bus, the dead-letter queues, and the least-privilege roles of the two functions, whose ECS
 * and iam:PassRole permissions name exactly the clusters, task definitions and roles the jobs use.
 * Pure: serverless.yml gets it through deploy/stack.mjs, the unit tests call it with plain objects.
 */
import { type Automation, CLUSTER_ARN, CLUSTER_NAME, type JobSpec } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { schedulerInputTemplate } from '../jobs/firing-event.ts';
import { DEADLINE_INDEX } from '../state/run-history.ts';
import { STATE_TABLE_DEFINITION, STATE_TABLE_TTL_ATTRIBUTE } from '../state/table-definition.ts';
import { FUNCTION_NAMES, jobScheduleLogicalId, LOGICAL_IDS, lambdaLogicalId, logGroupLogicalId, WATCHDOG_SCHEDULE_NAME } from './naming.ts';

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

const sub = (template: string): CfnString => ({ 'Fn::Sub': template });
const getAtt = (logicalId: string, attribute: string): CfnString => ({ 'Fn::GetAtt': [logicalId, attribute] });
/** An ARN in the stack's own partition, region and account. */
const ownArn = (service: string, resource: string): CfnString =>
  sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

export function stackResources(automation: Automation, names: StackNames): StackResources {
  const jobs = Object.values(automation.jobs);
  const problems = namingProblems(jobs);
  if (problems.length > 0) throw new ConfigError(problems);
  const clusters = distinct(jobs.map((job) => clusterOf(job.cluster)));

  const prefix = `${names.service}-${names.stage}`;
  const runBatchJobArn = getAtt(lambdaLogicalId(FUNCTION_NAMES.runBatchJob), 'Arn');
  const enforceMaxRuntimeArn = getAtt(lambdaLogicalId(FUNCTION_NAMES.enforceMaxRuntime), 'Arn');
  const scheduleTarget = (arn: CfnString) => ({
    Arn: arn,
    RoleArn: getAtt(LOGICAL_IDS.schedulerRole, 'Arn'),
    DeadLetterConfig: { Arn: getAtt(LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn') },
  });

  const Resources: Record<string, CfnResource> = {
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
    [LOGICAL_IDS.scheduleGroup]: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: prefix } },
    // Firings Scheduler could not deliver to the function (throttled, function missing, role broken).
    [LOGICAL_IDS.scheduleDeadLetterQueue]: deadLetterQueue(`${prefix}-schedule-dlq`),
    // Firings run-batch-job itself failed on, once Lambda's asynchronous retries are spent.
    [LOGICAL_IDS.runBatchJobDeadLetterQueue]: deadLetterQueue(`${prefix}-run-batch-job-dlq`),
    [LOGICAL_IDS.schedulerRole]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `EventBridge Scheduler invokes the ${prefix} functions`,
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
            statement('InvokeScheduledFunctions', ['lambda:InvokeFunction'], [runBatchJobArn, enforceMaxRuntimeArn]),
            statement('DeadLetterUndeliveredFirings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn')]),
          ]),
        ],
      },
    },
    [LOGICAL_IDS.runBatchJobRole]: lambdaRole(FUNCTION_NAMES.runBatchJob, [
      ...launchStatements(jobs, clusters),
      ...runHistoryStatements(),
      statement('PublishDecisions', ['events:PutEvents'], [getAtt(LOGICAL_IDS.eventBus, 'Arn')]),
      statement('DeadLetterFailedFirings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.runBatchJobDeadLetterQueue, 'Arn')]),
    ]),
    [LOGICAL_IDS.enforceMaxRuntimeRole]: lambdaRole(FUNCTION_NAMES.enforceMaxRuntime, [
      ...(clusters.length > 0
        ? [
            statement(
              'InspectAndStopJobTasks',
              ['ecs:DescribeTasks', 'ecs:StopTask'],
              clusters.map((c) => c.tasks),
            ),
          ]
        : []),
      ...runHistoryStatements(),
      statement('PublishDecisions', ['events:PutEvents'], [getAtt(LOGICAL_IDS.eventBus, 'Arn')]),
    ]),
    [LOGICAL_IDS.watchdogSchedule]: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: WATCHDOG_SCHEDULE_NAME,
        GroupName: { Ref: LOGICAL_IDS.scheduleGroup },
        Description: 'Stops job runs that are past their maxRuntime',
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        // A late tick is worthless: the next one comes within a minute.
        Target: { ...scheduleTarget(enforceMaxRuntimeArn), RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } },
      },
    },
  };

  for (const job of jobs) {
    Resources[jobScheduleLogicalId(job.name)] = {
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
          ...scheduleTarget(runBatchJobArn),
          Input: schedulerInputTemplate(job.name),
          RetryPolicy: {
            MaximumRetryAttempts: job.schedulerRetry.attempts,
            MaximumEventAgeInSeconds: job.schedulerRetry.maxEventAge,
          },
        },
      },
    };
  }

  return {
    Resources,
    Outputs: {
      StateTableName: { Description: 'DynamoDB table holding run history and locks', Value: { Ref: LOGICAL_IDS.stateTable } },
      EventBusName: { Description: 'Bus every ecs-autopilot decision is published on', Value: getAtt(LOGICAL_IDS.eventBus, 'Name') },
      EventBusArn: { Description: 'ARN of that bus, for rules in other stacks', Value: getAtt(LOGICAL_IDS.eventBus, 'Arn') },
      ScheduleDeadLetterQueueUrl: {
        Description: 'Firings EventBridge Scheduler could not deliver',
        Value: { Ref: LOGICAL_IDS.scheduleDeadLetterQueue },
      },
      RunBatchJobDeadLetterQueueUrl: {
        Description: 'Firings run-batch-job failed on after its retries',
        Value: { Ref: LOGICAL_IDS.runBatchJobDeadLetterQueue },
      },
    },
  };
}

interface ClusterScope {
  /** For the ecs:cluster condition key. */
  arn: CfnString;
  /** The cluster's tasks: arn:…:task/<cluster name>/*. */
  tasks: CfnString;
}

/** A cluster as the schema admits it (CLUSTER_NAME or CLUSTER_ARN), as IAM resources. */
function clusterOf(cluster: string): ClusterScope {
  if (CLUSTER_NAME.test(cluster)) return { arn: ownArn('ecs', `cluster/${cluster}`), tasks: ownArn('ecs', `task/${cluster}/*`) };
  const match = CLUSTER_ARN.exec(cluster);
  if (!match) throw new RangeError(`cluster ${JSON.stringify(cluster)} did not pass the automation schema`);
  const [, partition, region, account, name] = match;
  return { arn: cluster, tasks: `arn:${partition}:ecs:${region}:${account}:task/${name}/*` };
}

/** RunTask, tagging at launch, reading and stopping the jobs' tasks, and passing the jobs' roles. */
function launchStatements(jobs: JobSpec[], clusters: ClusterScope[]): PolicyStatement[] {
  if (clusters.length === 0) return [];
  const inConfiguredClusters = { ArnEquals: { 'ecs:cluster': clusters.map((c) => c.arn) } };
  // family:revision pins one revision; a bare family launches its latest ACTIVE revision, any number.
  const taskDefinitions = distinct(
    jobs.map((job) =>
      ownArn('ecs', `task-definition/${job.taskDefinition.includes(':') ? job.taskDefinition : `${job.taskDefinition}:*`}`),
    ),
  );
  const roles = [...new Set(jobs.flatMap((job) => [job.taskRole, job.executionRole].filter((role) => role !== undefined)))].sort();
  return [
    { ...statement('LaunchConfiguredTaskDefinitions', ['ecs:RunTask'], taskDefinitions), Condition: inConfiguredClusters },
    // RunTask passes tags (job, scheduled time, attempt), which needs TagResource on the new tasks.
    {
      ...statement(
        'TagTasksAtLaunch',
        ['ecs:TagResource'],
        clusters.map((c) => c.tasks),
      ),
      Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    },
    statement(
      'InspectAndStopJobTasks',
      ['ecs:DescribeTasks', 'ecs:StopTask'],
      clusters.map((c) => c.tasks),
    ),
    // The Service Authorization Reference ("Actions, resources, and condition keys for Amazon Elastic
    // Container Service") gives ListTasks one resource type, container-instance, and the ecs:cluster
    // condition key. Listing a cluster's tasks by startedBy names no container instance (Fargate tasks
    // have none), so IAM checks that call against "*" and a container-instance ARN would deny it. Hence
    // "*", narrowed to the configured clusters by ecs:cluster (the shape aws-cdk uses, aws/aws-cdk#3199).
    { ...statement('ListJobTasks', ['ecs:ListTasks'], ['*']), Condition: inConfiguredClusters },
    ...(roles.length > 0
      ? [
          {
            ...statement('PassJobTaskRoles', ['iam:PassRole'], roles),
            Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          },
        ]
      : []),
  ];
}

function runHistoryStatements(): PolicyStatement[] {
  return [
    statement(
      'ReadAndWriteRunHistory',
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      [getAtt(LOGICAL_IDS.stateTable, 'Arn'), sub(`\${${LOGICAL_IDS.stateTable}.Arn}/index/${DEADLINE_INDEX.name}`)],
    ),
  ];
}

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

/** Names that would clash in the schedule group or in the template's logical ids. */
function namingProblems(jobs: JobSpec[]): string[] {
  const problems: string[] = [];
  const byLogicalId = new Map<string, string>();
  for (const job of jobs) {
    if (job.name === WATCHDOG_SCHEDULE_NAME) {
      problems.push(`jobs.${job.name}: the name is taken by the maxRuntime watchdog's schedule; rename the job`);
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

/** Values in first-seen order, without repeats (compared as JSON, so intrinsics dedupe too). */
function distinct<T>(values: T[]): T[] {
  const seen = new Map<string, T>();
  for (const value of values) {
    const key = JSON.stringify(value);
    if (!seen.has(key)) seen.set(key, value);
  }
  return [...seen.values()];
}
