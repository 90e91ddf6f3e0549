import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateAutomation } from '../../shared/config/load.ts';
import type { AutomationInput } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { stackFromAutomationFile } from '../../shared/stack/from-file.ts';
import { jobScheduleLogicalId, LOGICAL_IDS, lambdaLogicalId } from '../../shared/stack/naming.ts';
import { type CfnResource, type PolicyStatement, type StackResources, stackResources } from '../../shared/stack/resources.ts';
import { variableSyntaxProblems } from '../../shared/stack/variable-syntax.ts';
import { STATE_TABLE_DEFINITION } from '../../shared/state/table-definition.ts';

const NAMES = { service: 'ecs-autopilot', stage: 'qa' };
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecs-task-execution';
const TASK_ROLE = 'arn:aws:iam::123456789012:role/nightly-report-task';
const SYNC_CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/sync';
const ownArn = (resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:${resource}` });

const CONFIG: AutomationInput = {
  defaults: { cluster: 'batch', timezone: 'Europe/Berlin', executionRole: EXECUTION_ROLE },
  jobs: {
    'nightly-report': {
      description: 'Sales report',
      schedule: 'cron(0 2 * * ? *)',
      taskDefinition: 'nightly-report:12',
      taskRole: TASK_ROLE,
      schedulerRetry: { attempts: 5, maxEventAge: '2h' },
    },
    'nightly-report-rerun': { schedule: 'cron(0 6 * * ? *)', taskDefinition: 'nightly-report:12', suspended: true },
    'hourly-sync': { schedule: 'rate(1 hour)', timezone: 'UTC', cluster: SYNC_CLUSTER_ARN, taskDefinition: 'order-sync' },
  },
};

const generate = (config: AutomationInput = CONFIG): StackResources => stackResources(validateAutomation(config), NAMES);

function resource(stack: StackResources, logicalId: string): CfnResource {
  const found = stack.Resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId}`);
  return found;
}

function statements(stack: StackResources, roleLogicalId: string): PolicyStatement[] {
  const policies = resource(stack, roleLogicalId).Properties.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

function statementFor(stack: StackResources, roleLogicalId: string, action: string): PolicyStatement {
  const found = statements(stack, roleLogicalId).filter((s) => s.Action.includes(action));
  expect(found, `${roleLogicalId} statements allowing ${action}`).toHaveLength(1);
  return found[0] as PolicyStatement;
}

const allowedActions = (stack: StackResources, roleLogicalId: string) => statements(stack, roleLogicalId).flatMap((s) => s.Action);

describe('stackResources: schedules', () => {
  it('creates one schedule per job, named after it, in the stage group, sending the firing template', () => {
    const stack = generate();

    const schedules = Object.values(stack.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(4);
    expect(resource(stack, jobScheduleLogicalId('nightly-report')).Properties).toEqual({
      Name: 'nightly-report',
      GroupName: { Ref: LOGICAL_IDS.scheduleGroup },
      Description: 'Sales report',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [lambdaLogicalId('run-batch-job'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [LOGICAL_IDS.schedulerRole, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn'] } },
        Input: JSON.stringify({
          job: 'nightly-report',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
        }),
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7_200 },
      },
    });
    expect(resource(stack, LOGICAL_IDS.scheduleGroup).Properties).toEqual({ Name: 'ecs-autopilot-qa' });
  });

  it('disables the schedule of a suspended job and gives jobs without schedulerRetry the default retry', () => {
    const stack = generate();

    const rerun = resource(stack, jobScheduleLogicalId('nightly-report-rerun')).Properties;
    expect(rerun.State).toBe('DISABLED');
    expect(rerun).not.toHaveProperty('Description');
    expect(rerun.Target).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3_600 } });
  });

  it('adds the maxRuntime watchdog: every minute, enforce-max-runtime, no retries of a late tick', () => {
    const watchdog = resource(generate(), LOGICAL_IDS.watchdogSchedule).Properties;

    expect(watchdog).toMatchObject({
      Name: 'enforce-max-runtime',
      GroupName: { Ref: LOGICAL_IDS.scheduleGroup },
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [lambdaLogicalId('enforce-max-runtime'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('lets the scheduler role invoke the two functions and feed its dead-letter queue, and nothing else', () => {
    const stack = generate();

    expect(statements(stack, LOGICAL_IDS.schedulerRole)).toEqual([
      expect.objectContaining({
        Action: ['lambda:InvokeFunction'],
        Resource: [
          { 'Fn::GetAtt': [lambdaLogicalId('run-batch-job'), 'Arn'] },
          { 'Fn::GetAtt': [lambdaLogicalId('enforce-max-runtime'), 'Arn'] },
        ],
      }),
      expect.objectContaining({
        Action: ['sqs:SendMessage'],
        Resource: [{ 'Fn::GetAtt': [LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn'] }],
      }),
    ]);
    const trust = resource(stack, LOGICAL_IDS.schedulerRole).Properties.AssumeRolePolicyDocument;
    expect(trust).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [LOGICAL_IDS.scheduleGroup, 'Arn'] } } },
        },
      ],
    });
  });
});

describe('stackResources: run-batch-job permissions', () => {
  it('allows RunTask only on the configured task definitions, in the configured clusters', () => {
    const runTask = statementFor(generate(), LOGICAL_IDS.runBatchJobRole, 'ecs:RunTask');

    expect(runTask.Action).toEqual(['ecs:RunTask']);
    expect(runTask.Resource).toEqual([ownArn('task-definition/nightly-report:12'), ownArn('task-definition/order-sync:*')]);
    expect(runTask.Condition).toEqual({ ArnEquals: { 'ecs:cluster': [ownArn('cluster/batch'), SYNC_CLUSTER_ARN] } });
  });

  it('allows tagging, describing and stopping only the tasks of the configured clusters', () => {
    const stack = generate();
    const clusterTasks = [ownArn('task/batch/*'), 'arn:aws:ecs:eu-west-1:123456789012:task/sync/*'];

    const tag = statementFor(stack, LOGICAL_IDS.runBatchJobRole, 'ecs:TagResource');
    expect(tag.Resource).toEqual(clusterTasks);
    expect(tag.Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RunTask' } });
    expect(statementFor(stack, LOGICAL_IDS.runBatchJobRole, 'ecs:StopTask')).toMatchObject({
      Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
      Resource: clusterTasks,
    });
  });

  it('narrows ListTasks, which IAM checks against "*", to the configured clusters', () => {
    const listTasks = statementFor(generate(), LOGICAL_IDS.runBatchJobRole, 'ecs:ListTasks');

    expect(listTasks.Resource).toEqual(['*']);
    expect(listTasks.Condition).toEqual({ ArnEquals: { 'ecs:cluster': [ownArn('cluster/batch'), SYNC_CLUSTER_ARN] } });
  });

  it('allows passing only the jobs’ task and execution roles, and only to ECS tasks', () => {
    const passRole = statementFor(generate(), LOGICAL_IDS.runBatchJobRole, 'iam:PassRole');

    expect(passRole.Resource).toEqual([EXECUTION_ROLE, TASK_ROLE]);
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });

  it('has no iam:PassRole statement when no job names a role', () => {
    const stack = generate({ jobs: { solo: { schedule: 'rate(1 day)', cluster: 'batch', taskDefinition: 'solo' } } });

    expect(allowedActions(stack, LOGICAL_IDS.runBatchJobRole)).not.toContain('iam:PassRole');
  });

  it('reaches its log group, the state table and its index, the bus and its dead-letter queue', () => {
    const stack = generate();

    expect(statementFor(stack, LOGICAL_IDS.runBatchJobRole, 'logs:PutLogEvents').Resource).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:\${RunDashbatchDashjobLogGroup}:*` },
    ]);
    expect(statementFor(stack, LOGICAL_IDS.runBatchJobRole, 'dynamodb:Query')).toMatchObject({
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: [{ 'Fn::GetAtt': [LOGICAL_IDS.stateTable, 'Arn'] }, { 'Fn::Sub': `\${StateTable.Arn}/index/by-deadline` }],
    });
    expect(statementFor(stack, LOGICAL_IDS.runBatchJobRole, 'events:PutEvents').Resource).toEqual([
      { 'Fn::GetAtt': [LOGICAL_IDS.eventBus, 'Arn'] },
    ]);
    expect(statementFor(stack, LOGICAL_IDS.runBatchJobRole, 'sqs:SendMessage').Resource).toEqual([
      { 'Fn::GetAtt': [LOGICAL_IDS.runBatchJobDeadLetterQueue, 'Arn'] },
    ]);
  });
});

describe('stackResources: enforce-max-runtime permissions', () => {
  it('may describe and stop the clusters’ tasks, use the run history and publish, and nothing else', () => {
    const stack = generate();

    expect(allowedActions(stack, LOGICAL_IDS.enforceMaxRuntimeRole).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'ecs:DescribeTasks',
      'ecs:StopTask',
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(statementFor(stack, LOGICAL_IDS.enforceMaxRuntimeRole, 'ecs:StopTask').Resource).toEqual([
      ownArn('task/batch/*'),
      'arn:aws:ecs:eu-west-1:123456789012:task/sync/*',
    ]);
  });
});

describe('stackResources: every role', () => {
  it.each([
    ['with jobs', CONFIG],
    ['without jobs', {}],
  ])('names its resources and allows no wildcard action (%s)', (_, config) => {
    const stack = generate(config);
    const roles = Object.keys(stack.Resources).filter((id) => resource(stack, id).Type === 'AWS::IAM::Role');

    expect(roles.sort()).toEqual([LOGICAL_IDS.enforceMaxRuntimeRole, LOGICAL_IDS.runBatchJobRole, LOGICAL_IDS.schedulerRole].sort());
    for (const role of roles) {
      for (const s of statements(stack, role)) {
        expect(
          s.Action.filter((action) => action.includes('*')),
          `${role} ${s.Sid}`,
        ).toEqual([]);
        expect(s.Resource.length, `${role} ${s.Sid}`).toBeGreaterThan(0);
        if (s.Resource.includes('*')) expect(s.Condition, `${role} ${s.Sid} has Resource "*"`).toBeDefined();
      }
    }
  });

  it('grants no ECS permission at all when there are no jobs', () => {
    const stack = generate({});

    const ecsActions = [LOGICAL_IDS.runBatchJobRole, LOGICAL_IDS.enforceMaxRuntimeRole].flatMap((role) =>
      allowedActions(stack, role).filter((action) => action.startsWith('ecs:') || action.startsWith('iam:')),
    );
    expect(ecsActions).toEqual([]);
  });
});

describe('stackResources: stores', () => {
  it('keeps the state table on delete, with the shared definition, TTL and point-in-time recovery', () => {
    expect(resource(generate(), LOGICAL_IDS.stateTable)).toEqual({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: 'ecs-autopilot-qa-state',
        ...STATE_TABLE_DEFINITION,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('names the bus and the dead-letter queues after the stage and outputs what operators need', () => {
    const stack = generate();

    expect(resource(stack, LOGICAL_IDS.eventBus).Properties).toEqual({ Name: 'ecs-autopilot-qa' });
    expect(resource(stack, LOGICAL_IDS.scheduleDeadLetterQueue).Properties).toMatchObject({
      QueueName: 'ecs-autopilot-qa-schedule-dlq',
      MessageRetentionPeriod: 1_209_600,
    });
    expect(resource(stack, LOGICAL_IDS.runBatchJobDeadLetterQueue).Properties).toMatchObject({
      QueueName: 'ecs-autopilot-qa-run-batch-job-dlq',
      MessageRetentionPeriod: 1_209_600,
    });
    expect(Object.keys(stack.Outputs)).toEqual(
      expect.arrayContaining(['StateTableName', 'EventBusName', 'EventBusArn', 'ScheduleDeadLetterQueueUrl']),
    );
  });
});

describe('stackResources: configs the stack cannot take', () => {
  const problemsOf = (config: AutomationInput): string[] => {
    try {
      generate(config);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('rejects a cluster that is neither a name nor a cluster ARN, which would widen the policies', () => {
    expect(problemsOf({ jobs: { any: { schedule: 'rate(1 day)', cluster: '*', taskDefinition: 'any' } } })).toEqual([
      'jobs.any.cluster: must be a cluster name (letters, digits, "-", "_") or a cluster ARN',
    ]);
  });

  it('rejects a job named like the watchdog schedule and jobs whose logical ids collide', () => {
    const job = { schedule: 'rate(1 day)', cluster: 'batch', taskDefinition: 'x' };

    expect(problemsOf({ jobs: { 'enforce-max-runtime': job, 'a-b': job, aDashb: job } })).toEqual([
      "jobs.enforce-max-runtime: the name is taken by the maxRuntime watchdog's schedule; rename the job",
      'jobs.aDashb: its schedule would get the same CloudFormation id (JobADashbSchedule) as jobs.a-b; rename one',
    ]);
  });
});

describe('variableSyntaxProblems', () => {
  it('finds "${" in values and keys, at any depth, with their paths', () => {
    const variableAsKey = `\${self:service}`;
    const problems = variableSyntaxProblems({
      jobs: {
        a: { schedule: `rate(\${opt:stage} minutes)`, overrides: { containers: { app: { command: ['echo', `\${HOME}`] } } } },
        b: { tags: { [variableAsKey]: 'x' }, schedule: 'rate(1 day)' },
      },
    });

    expect(problems).toEqual([
      expect.stringMatching(/^jobs\.a\.schedule: "rate\(\$\{opt:stage\} minutes\)" contains "\$\{"/),
      expect.stringMatching(/^jobs\.a\.overrides\.containers\.app\.command\.1: "\$\{HOME\}" contains/),
      expect.stringMatching(/^jobs\.b\.tags: the key "\$\{self:service\}" contains/),
    ]);
  });

  it('accepts a config without any', () => {
    expect(variableSyntaxProblems({ jobs: { a: { schedule: 'cron(0 2 * * ? *)', tags: { cost: '$5' } } } })).toEqual([]);
  });
});

describe('stackFromAutomationFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stack-resources-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reports variable syntax and schema problems together, under the name the user gave', () => {
    const file = write(
      'bad.yml',
      ['jobs:', '  nightly:', `    schedule: rate(\${opt:stage} minutes)`, '    timezone: Asia/Tokio', '    taskDefinition: n'].join('\n'),
    );

    expect(() => stackFromAutomationFile(file, NAMES, 'bad.yml')).toThrow(ConfigError);
    try {
      stackFromAutomationFile(file, NAMES, 'bad.yml');
    } catch (error) {
      const { message, problems } = error as ConfigError;
      expect(message.split('\n')[0]).toBe('bad.yml is not valid:');
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^jobs\.nightly\.schedule: "rate\(\$\{opt:stage\} minutes\)" contains "\$\{"/),
          'jobs.nightly.timezone: unknown time zone "Asia/Tokio"',
          'jobs.nightly.cluster: missing: set it on the job or in defaults.cluster',
        ]),
      );
    }
  });

  it('reports the stack’s own problems under the file name too', () => {
    const file = write('star.yml', 'jobs:\n  any:\n    schedule: rate(1 day)\n    cluster: "*"\n    taskDefinition: any\n');

    expect(() => stackFromAutomationFile(file, NAMES, 'star.yml')).toThrow(/^star\.yml is not valid:\n {2}jobs\.any\.cluster: /);
  });

  it('says which file it cannot read', () => {
    expect(() => stackFromAutomationFile(path.join(dir, 'missing.yml'), NAMES, 'missing.yml')).toThrow(/cannot read missing\.yml: ENOENT/);
  });

  it('generates the stack of a valid file', () => {
    const file = write('good.yml', 'jobs:\n  solo:\n    schedule: rate(1 day)\n    cluster: batch\n    taskDefinition: solo\n');

    expect(stackFromAutomationFile(file, NAMES).Resources[jobScheduleLogicalId('solo')]).toBeDefined();
  });
});
