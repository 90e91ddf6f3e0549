import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, type ScalarTag } from 'yaml';
import { validateAutomation } from '../../shared/config/load.ts';
import type { AutomationInput } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { scalingScheduleExpressions } from '../../shared/scaling/periods.ts';
import { stackFromAutomationFile } from '../../shared/stack/from-file.ts';
import {
  alertEmailSubscriptionLogicalId,
  jobScheduleLogicalId,
  LOGICAL_IDS,
  lambdaLogicalId,
  logGroupLogicalId,
  normalizedName,
  scalingScheduleLogicalId,
} from '../../shared/stack/naming.ts';
import { RECONCILED_LOGICAL_IDS } from '../../shared/stack/reconciled-schedules.ts';
import { type CfnResource, type PolicyStatement, type StackResources, stackResources } from '../../shared/stack/resources.ts';
import { variableSyntaxProblems } from '../../shared/stack/variable-syntax.ts';
import { STATE_TABLE_DEFINITION } from '../../shared/state/table-definition.ts';
import { danglingReferences, referenceCycles, type TemplateResource } from '../packaging/template-graph.ts';

const NAMES = { service: 'ecs-autopilot', stage: 'qa' };
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecs-task-execution';
const TASK_ROLE = 'arn:aws:iam::123456789012:role/nightly-report-task';
const WORKER_ROLE = 'arn:aws:iam::123456789012:role/queue-worker-task';
const SYNC_CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/sync';
const WEB_CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/web-prod';
const ownArn = (resource: string, service = 'ecs') => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});
const functionArn = (name: string) => ownArn(`function:ecs-autopilot-qa-${name}`, 'lambda');
const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
const TABLE_AND_INDEX = [getAtt(LOGICAL_IDS.stateTable), { 'Fn::Sub': `\${StateTable.Arn}/index/by-deadline` }];

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
  watchedTasks: {
    'queue-worker': { taskDefinition: 'queue-worker', cluster: 'workers', launchType: 'FARGATE', taskRole: WORKER_ROLE },
    'ledger-tail': { taskDefinition: 'ledger-tail:3' },
  },
  services: {
    web: {
      cluster: WEB_CLUSTER_ARN,
      scaling: {
        timezone: 'America/New_York',
        periods: { 'business-hours': { days: 'MON-FRI', from: '08:00', to: '19:00', min: 4, max: 20 } },
        overrides: { 'black-friday': { schedule: 'at(2026-11-27T06:00:00)', for: '1d', min: 10, max: 20 } },
      },
    },
    api: { cluster: 'batch' },
    'staging-api': {
      cluster: 'batch',
      service: 'api-staging',
      scaling: { periods: { nights: { days: 'SUN-FRI', from: '20:00', to: '07:00', stop: true } } },
    },
  },
  notifications: { email: ['ops@example.com', 'on.call@example.com', 'ops@example.com'] },
};

/** The scaling schedules follow the daylight-saving changes of the years after `now`. */
const NOW = new Date('2026-11-22T12:00:00Z');
const generate = (config: AutomationInput = CONFIG): StackResources => stackResources(validateAutomation(config), NAMES, NOW);

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

    const schedules = Object.values(stack.Resources).filter(
      (r) => r.Type === 'AWS::Scheduler::Schedule' && JSON.stringify(r.Properties.Target).includes(lambdaLogicalId('run-batch-job')),
    );
    expect(schedules).toHaveLength(3);
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

  it('lets the scheduler role invoke the five functions, by built ARNs, and feed its dead-letter queue, and nothing else', () => {
    const stack = generate();

    expect(statements(stack, LOGICAL_IDS.schedulerRole)).toEqual([
      expect.objectContaining({
        Action: ['lambda:InvokeFunction'],
        // Not GetAtt: every function's environment names this role (TIMER_ROLE_ARN), which would be a cycle.
        Resource: [
          functionArn('run-batch-job'),
          functionArn('enforce-max-runtime'),
          functionArn('on-task-stopped'),
          functionArn('notify'),
          functionArn('scale-service'),
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

  it('allows passing only the jobs’ task and execution roles to ECS tasks, and the scheduler role to its retry timers', () => {
    const passRoles = statements(generate(), LOGICAL_IDS.runBatchJobRole).filter((s) => s.Action.includes('iam:PassRole'));

    expect(passRoles.map(({ Resource, Condition }) => ({ Resource, Condition }))).toEqual([
      { Resource: [EXECUTION_ROLE, TASK_ROLE], Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
      { Resource: [getAtt(LOGICAL_IDS.schedulerRole)], Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
    ]);
  });

  it('passes no role to ECS tasks when no job names a role', () => {
    const stack = generate({ jobs: { solo: { schedule: 'rate(1 day)', cluster: 'batch', taskDefinition: 'solo' } } });

    expect(statements(stack, LOGICAL_IDS.runBatchJobRole).filter((s) => s.Action.includes('iam:PassRole'))).toEqual(
      TIMER_STATEMENTS.slice(1),
    );
  });

  it('sets the timer of a retry only in the stack’s schedule group (a launch that ends after its tasks all stopped)', () => {
    expect(statements(generate(), LOGICAL_IDS.runBatchJobRole)).toEqual(expect.arrayContaining(TIMER_STATEMENTS));
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
  it('may describe and stop the clusters’ tasks, use the run history, publish and set a retry’s timer, and nothing else', () => {
    const stack = generate();

    expect(allowedActions(stack, LOGICAL_IDS.enforceMaxRuntimeRole).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      // Takes a stored run it cannot read out of the deadline index (found by the suite's permission check).
      'dynamodb:UpdateItem',
      'ecs:DescribeTasks',
      'ecs:StopTask',
      'events:PutEvents',
      'iam:PassRole',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'scheduler:CreateSchedule',
    ]);
    // A run past its deadline may carry what a crashed on-task-stopped left undone: its retry's timer.
    expect(statements(stack, LOGICAL_IDS.enforceMaxRuntimeRole)).toEqual(expect.arrayContaining(TIMER_STATEMENTS));
    expect(statementFor(stack, LOGICAL_IDS.enforceMaxRuntimeRole, 'ecs:StopTask').Resource).toEqual([
      ownArn('task/batch/*'),
      'arn:aws:ecs:eu-west-1:123456789012:task/sync/*',
    ]);
  });
});

/** A statement as the generator writes it. */
const allow = (Sid: string, Action: string[], Resource: unknown[], Condition?: Record<string, unknown>) => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition && { Condition }),
});

const ALL_CLUSTERS = [ownArn('cluster/batch'), SYNC_CLUSTER_ARN, ownArn('cluster/workers'), WEB_CLUSTER_ARN];
const ALL_CLUSTER_TASKS = [
  ownArn('task/batch/*'),
  'arn:aws:ecs:eu-west-1:123456789012:task/sync/*',
  ownArn('task/workers/*'),
  'arn:aws:ecs:eu-west-1:123456789012:task/web-prod/*',
];
const TIMER_STATEMENTS = [
  allow('SetTimers', ['scheduler:CreateSchedule'], [ownArn('schedule/ecs-autopilot-qa/*', 'scheduler')]),
  allow('PassSchedulerRoleToTimers', ['iam:PassRole'], [getAtt(LOGICAL_IDS.schedulerRole)], {
    StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
  }),
];
const ownLogs = (logGroup: string) =>
  allow('WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [ownArn(`log-group:\${${logGroup}}:*`, 'logs')]);

describe('stackResources: on-task-stopped permissions', () => {
  it('restarts only the watched task definitions in their clusters, inspects every configured cluster, sets timers', () => {
    expect(statements(generate(), LOGICAL_IDS.onTaskStoppedRole)).toEqual([
      ownLogs('OnDashtaskDashstoppedLogGroup'),
      allow(
        'ReadAndWriteState',
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        TABLE_AND_INDEX,
      ),
      allow('PublishDecisions', ['events:PutEvents'], [getAtt(LOGICAL_IDS.eventBus)]),
      allow(
        'RestartWatchedTaskDefinitions',
        ['ecs:RunTask'],
        [ownArn('task-definition/queue-worker:*'), ownArn('task-definition/ledger-tail:3')],
        { ArnEquals: { 'ecs:cluster': [ownArn('cluster/workers'), ownArn('cluster/batch')] } },
      ),
      allow('TagTasksAtLaunch', ['ecs:TagResource'], [ownArn('task/workers/*'), ownArn('task/batch/*')], {
        StringEquals: { 'ecs:CreateAction': 'RunTask' },
      }),
      allow('PassWatchedTaskRoles', ['iam:PassRole'], [EXECUTION_ROLE, WORKER_ROLE], {
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      }),
      allow('InspectAndStopConfiguredTasks', ['ecs:DescribeTasks', 'ecs:StopTask'], ALL_CLUSTER_TASKS),
      allow('ListConfiguredTasks', ['ecs:ListTasks'], ['*'], { ArnEquals: { 'ecs:cluster': ALL_CLUSTERS } }),
      allow('DescribeTaskDefinitions', ['ecs:DescribeTaskDefinition'], ['*']),
      ...TIMER_STATEMENTS,
      allow('DeadLetterFailedEvents', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.onTaskStoppedDeadLetterQueue)]),
    ]);
  });

  it('launches nothing and passes no task role when no task is watched', () => {
    const stack = generate({ services: { web: { cluster: 'web-prod' } } });

    const actions = allowedActions(stack, LOGICAL_IDS.onTaskStoppedRole);
    expect(actions).not.toContain('ecs:RunTask');
    expect(actions).not.toContain('ecs:TagResource');
    expect(statementFor(stack, LOGICAL_IDS.onTaskStoppedRole, 'iam:PassRole').Resource).toEqual([getAtt(LOGICAL_IDS.schedulerRole)]);
    expect(statementFor(stack, LOGICAL_IDS.onTaskStoppedRole, 'ecs:StopTask').Resource).toEqual([ownArn('task/web-prod/*')]);
  });

  it('has no iam:PassRole for ECS tasks when no watched task names a role', () => {
    const stack = generate({ watchedTasks: { solo: { cluster: 'workers', taskDefinition: 'solo' } } });

    expect(statementFor(stack, LOGICAL_IDS.onTaskStoppedRole, 'ecs:RunTask').Resource).toEqual([ownArn('task-definition/solo:*')]);
    expect(statementFor(stack, LOGICAL_IDS.onTaskStoppedRole, 'iam:PassRole').Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
  });
});

describe('stackResources: notify permissions', () => {
  it('keeps alert groups, lists the firing ones (inhibition), publishes to the alert topic only, sets timers, and nothing else', () => {
    expect(statements(generate(), LOGICAL_IDS.notifyRole)).toEqual([
      ownLogs('NotifyLogGroup'),
      allow(
        'ReadAndWriteAlertGroups',
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        [getAtt(LOGICAL_IDS.stateTable)],
      ),
      allow('ListFiringAlertGroups', ['dynamodb:Query'], [{ 'Fn::Sub': `\${StateTable.Arn}/index/alert-groups` }]),
      allow('ReadSilences', ['dynamodb:Query'], [getAtt(LOGICAL_IDS.stateTable)], {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SILENCES'] },
      }),
      allow('PublishAlerts', ['sns:Publish'], [{ Ref: LOGICAL_IDS.alertTopic }]),
      ...TIMER_STATEMENTS,
      allow('DeadLetterFailedAlerts', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.notifyDeadLetterQueue)]),
    ]);
  });
});

describe('stackResources: shift-traffic permissions', () => {
  const HEAD = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
  const app = (name: string, extra: Record<string, unknown> = {}) => ({
    cluster: 'web',
    listener: `${HEAD}:listener/app/${name}/50dc6c495c0c9188/f2f7dc8efc522ab2`,
    blue: { service: `${name}-blue`, targetGroup: `${HEAD}:targetgroup/${name}-blue/73e2d6bc24d8a067` },
    green: { service: `${name}-green`, targetGroup: `${HEAD}:targetgroup/${name}-green/09966e5bd7e8e8ef` },
    ...extra,
  });
  const SHOP_TASK_ROLE = 'arn:aws:iam::123456789012:role/shop-task';

  it("registers revisions of the apps' families only, and passes only the roles they name, to ECS tasks", () => {
    const stack = generate({
      apps: {
        shop: app('shop', { taskRoles: [SHOP_TASK_ROLE, EXECUTION_ROLE] }),
        search: app('search', { allowedFamilies: ['search-api', 'search-indexer'], taskRoles: [EXECUTION_ROLE] }),
      },
    });
    const revisions = ['shop', 'search-api', 'search-indexer'].map((family) => ownArn(`task-definition/${family}:*`));

    expect(statementFor(stack, LOGICAL_IDS.shiftTrafficRole, 'ecs:RegisterTaskDefinition').Resource).toEqual(revisions);
    expect(statementFor(stack, LOGICAL_IDS.shiftTrafficRole, 'ecs:TagResource')).toMatchObject({
      Resource: revisions,
      Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    });
    expect(statementFor(stack, LOGICAL_IDS.shiftTrafficRole, 'iam:PassRole')).toMatchObject({
      Resource: [EXECUTION_ROLE, SHOP_TASK_ROLE],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
  });

  it('passes no role when no app names one', () => {
    const stack = generate({ apps: { shop: app('shop') } });

    expect(statements(stack, LOGICAL_IDS.shiftTrafficRole).filter((s) => s.Action.includes('iam:PassRole'))).toEqual([]);
    expect(statementFor(stack, LOGICAL_IDS.shiftTrafficRole, 'ecs:RegisterTaskDefinition').Resource).toEqual([
      ownArn('task-definition/shop:*'),
    ]);
  });
});

describe('stackResources: every role', () => {
  const EXPECTED_ROLES = [
    LOGICAL_IDS.enforceMaxRuntimeRole,
    LOGICAL_IDS.notifyRole,
    LOGICAL_IDS.onTaskStoppedRole,
    RECONCILED_LOGICAL_IDS.role,
    LOGICAL_IDS.runBatchJobRole,
    LOGICAL_IDS.scaleServiceRole,
    LOGICAL_IDS.schedulerRole,
    LOGICAL_IDS.shiftTrafficRole,
  ];
  /** The only actions IAM cannot scope by resource: each documented where it is granted. */
  const UNSCOPABLE = [
    'ecs:ListTasks',
    'ecs:DescribeTaskDefinition',
    'application-autoscaling:DescribeScalableTargets',
    'scheduler:ListSchedules',
  ];

  it.each([
    ['with jobs, watched tasks and services', CONFIG],
    ['without any', {}],
  ])('names its resources and allows no wildcard action (%s)', (_, config) => {
    const stack = generate(config);
    const roles = Object.keys(stack.Resources).filter((id) => resource(stack, id).Type === 'AWS::IAM::Role');

    expect(roles.sort()).toEqual(EXPECTED_ROLES);
    for (const role of roles) {
      for (const s of statements(stack, role)) {
        expect(
          s.Action.filter((action) => action.includes('*')),
          `${role} ${s.Sid}`,
        ).toEqual([]);
        expect(s.Resource.length, `${role} ${s.Sid}`).toBeGreaterThan(0);
        if (s.Resource.includes('*')) {
          expect(s.Resource, `${role} ${s.Sid}`).toEqual(['*']);
          expect(s.Action.length, `${role} ${s.Sid}`).toBe(1);
          expect(UNSCOPABLE, `${role} ${s.Sid} has Resource "*"`).toContain(s.Action[0]);
        }
        if (s.Action.includes('ecs:ListTasks')) expect(s.Condition, `${role} ${s.Sid}`).toHaveProperty('ArnEquals.ecs:cluster');
      }
    }
  });

  it('grants no ECS or Application Auto Scaling permission, and passes no role to ECS, when the config names no cluster', () => {
    const stack = generate({ notifications: { email: ['ops@example.com'] } });

    const ecsActions = EXPECTED_ROLES.flatMap((role) =>
      allowedActions(stack, role).filter((action) => action.startsWith('ecs:') || action.startsWith('application-autoscaling:')),
    );
    const passedToEcs = EXPECTED_ROLES.flatMap((role) =>
      statements(stack, role).filter((s) => JSON.stringify(s.Condition ?? {}).includes('ecs-tasks.amazonaws.com')),
    );
    expect(ecsActions).toEqual([]);
    expect(passedToEcs).toEqual([]);
  });
});

describe('stackResources: ECS task events', () => {
  it('sends stopped tasks and reclaim notices of every configured cluster from the default bus to on-task-stopped', () => {
    const rule = resource(generate(), LOGICAL_IDS.taskEventsRule).Properties;

    expect(rule).not.toHaveProperty('EventBusName');
    expect(rule).toMatchObject({ Name: 'ecs-autopilot-qa-task-events', State: 'ENABLED' });
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: ALL_CLUSTERS,
        $or: [
          { lastStatus: ['STOPPED'] },
          { lastStatus: ['RUNNING'], desiredStatus: ['STOPPED'], stopCode: ['SpotInterruption', 'TerminationNotice'] },
        ],
      },
    });
  });

  it.each<[string, AutomationInput, unknown]>([
    ['a job', { jobs: { j: { schedule: 'rate(1 day)', cluster: 'batch', taskDefinition: 'j' } } }, ownArn('cluster/batch')],
    ['a watched task', { watchedTasks: { w: { cluster: SYNC_CLUSTER_ARN, taskDefinition: 'w' } } }, SYNC_CLUSTER_ARN],
    ['a service', { services: { web: { cluster: 'web-prod' } } }, ownArn('cluster/web-prod')],
  ])('watches the cluster of %s', (_, config, clusterArn) => {
    const rule = resource(generate(config), LOGICAL_IDS.taskEventsRule).Properties;

    expect(rule.EventPattern).toMatchObject({ detail: { clusterArn: [clusterArn] } });
  });

  it('matches, as EventBridge would, stopped tasks and reclaim notices of the configured clusters, and nothing else', () => {
    const pattern = resource(generate({ services: { web: { cluster: WEB_CLUSTER_ARN } } }), LOGICAL_IDS.taskEventsRule).Properties
      .EventPattern as Record<string, unknown>;
    const taskEvent = (detail: Record<string, unknown>, detailType = 'ECS Task State Change') => ({
      version: '0',
      source: 'aws.ecs',
      'detail-type': detailType,
      resources: ['arn:aws:ecs:eu-west-1:123456789012:task/web-prod/0123456789abcdef'],
      detail: { clusterArn: WEB_CLUSTER_ARN, group: 'service:web', ...detail },
    });
    const matches = (event: unknown) => matchesEventPattern(pattern, event);

    expect(matches(taskEvent({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' }))).toBe(true);
    expect(matches(taskEvent({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED' }))).toBe(true);
    expect(matches(taskEvent({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption' }))).toBe(true);
    expect(matches(taskEvent({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'TerminationNotice' }))).toBe(true);
    // On its way down: the STOPPED event that follows is the one acted on.
    expect(matches(taskEvent({ lastStatus: 'DEPROVISIONING', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' }))).toBe(
      false,
    );
    expect(matches(taskEvent({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' }))).toBe(false);
    expect(matches(taskEvent({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' }))).toBe(false);
    expect(matches(taskEvent({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', clusterArn: SYNC_CLUSTER_ARN }))).toBe(false);
    expect(matches(taskEvent({ lastStatus: 'STOPPED' }, 'ECS Container Instance State Change'))).toBe(false);
  });

  it('retries delivery for a day, then dead-letters into a queue only this rule may write to', () => {
    const stack = generate();

    expect(resource(stack, LOGICAL_IDS.taskEventsRule).Properties.Targets).toEqual([
      {
        Id: 'on-task-stopped',
        Arn: getAtt(lambdaLogicalId('on-task-stopped')),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: getAtt(LOGICAL_IDS.taskEventsDeadLetterQueue) },
      },
    ]);
    expect(resource(stack, LOGICAL_IDS.taskEventsDeadLetterQueue).Properties).toEqual({
      QueueName: 'ecs-autopilot-qa-task-events-dlq',
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    expect(resource(stack, LOGICAL_IDS.taskEventsDeadLetterQueuePolicy).Properties).toEqual({
      Queues: [{ Ref: LOGICAL_IDS.taskEventsDeadLetterQueue }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DeadLettersOfTheRule',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: getAtt(LOGICAL_IDS.taskEventsDeadLetterQueue),
            Condition: { ArnEquals: { 'aws:SourceArn': getAtt(LOGICAL_IDS.taskEventsRule) } },
          },
        ],
      },
    });
  });

  it('lets only this rule invoke on-task-stopped', () => {
    expect(resource(generate(), LOGICAL_IDS.taskEventsInvokePermission)).toEqual({
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: getAtt(lambdaLogicalId('on-task-stopped')),
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(LOGICAL_IDS.taskEventsRule),
      },
    });
  });

  it('has no rule, queue or permission when the config names no cluster', () => {
    const stack = generate({ notifications: { email: ['ops@example.com'] } });

    for (const id of [
      LOGICAL_IDS.taskEventsRule,
      LOGICAL_IDS.taskEventsDeadLetterQueue,
      LOGICAL_IDS.taskEventsDeadLetterQueuePolicy,
      LOGICAL_IDS.taskEventsInvokePermission,
    ]) {
      expect(stack.Resources, id).not.toHaveProperty(id);
    }
    expect(stack.Outputs).not.toHaveProperty('TaskEventsDeadLetterQueueUrl');
  });
});

describe('stackResources: ECS service events', () => {
  it('sends the problems and recoveries ECS reports about every watched service from the default bus to on-task-stopped', () => {
    const rule = resource(generate(), LOGICAL_IDS.serviceEventsRule).Properties;

    expect(rule).not.toHaveProperty('EventBusName');
    expect(rule).toMatchObject({ Name: 'ecs-autopilot-qa-service-events', State: 'ENABLED' });
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Service Action', 'ECS Deployment State Change'],
      resources: [
        WEB_CLUSTER_ARN.replace(':cluster/', ':service/').concat('/web'),
        ownArn('service/batch/api'),
        ownArn('service/batch/api-staging'),
      ],
      detail: {
        eventName: [
          'SERVICE_TASK_PLACEMENT_FAILURE',
          'SERVICE_TASK_CONFIGURATION_FAILURE',
          'SERVICE_TASK_START_IMPAIRED',
          'SERVICE_DEPLOYMENT_FAILED',
          'SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED',
          'ECS_OPERATION_THROTTLED',
          'SERVICE_DISCOVERY_OPERATION_THROTTLED',
          'SERVICE_DISCOVERY_INSTANCE_UNHEALTHY',
          'VPC_LATTICE_TARGET_UNHEALTHY',
          'SERVICE_STEADY_STATE',
          'SERVICE_DEPLOYMENT_COMPLETED',
        ],
      },
    });
  });

  it('retries delivery, then dead-letters into a queue of its own; only this rule invokes on-task-stopped with it', () => {
    const stack = generate();

    expect(resource(stack, LOGICAL_IDS.serviceEventsRule).Properties.Targets).toEqual([
      {
        Id: 'on-task-stopped',
        Arn: getAtt(lambdaLogicalId('on-task-stopped')),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: getAtt(LOGICAL_IDS.serviceEventsDeadLetterQueue) },
      },
    ]);
    expect(resource(stack, LOGICAL_IDS.serviceEventsDeadLetterQueue).Properties).toMatchObject({
      QueueName: 'ecs-autopilot-qa-service-events-dlq',
    });
    expect(resource(stack, LOGICAL_IDS.serviceEventsInvokePermission).Properties).toMatchObject({
      FunctionName: getAtt(lambdaLogicalId('on-task-stopped')),
      SourceArn: getAtt(LOGICAL_IDS.serviceEventsRule),
    });
    expect(stack.Outputs.ServiceEventsDeadLetterQueueUrl).toEqual({
      Description: 'ECS service events EventBridge could not deliver to on-task-stopped',
      Value: { Ref: LOGICAL_IDS.serviceEventsDeadLetterQueue },
    });
  });

  it('has no rule when automation.yml watches no service', () => {
    const stack = generate({ jobs: { j: { schedule: 'rate(1 day)', cluster: 'batch', taskDefinition: 'j' } } });

    expect(stack.Resources).not.toHaveProperty(LOGICAL_IDS.serviceEventsRule);
    expect(stack.Resources).not.toHaveProperty(LOGICAL_IDS.serviceEventsDeadLetterQueue);
    expect(stack.Outputs).not.toHaveProperty('ServiceEventsDeadLetterQueueUrl');
  });
});

describe('stackResources: alerts', () => {
  it('sends the events of our bus that carry an alert to notify, but for the requests others may put, with retries and its own dead-letter queue', () => {
    const stack = generate();

    expect(resource(stack, LOGICAL_IDS.alertsRule).Properties).toEqual({
      Name: 'ecs-autopilot-qa-alerts',
      Description: expect.any(String),
      EventBusName: getAtt(LOGICAL_IDS.eventBus, 'Name'),
      EventPattern: {
        source: ['ecs-autopilot'],
        'detail-type': [
          {
            'anything-but': [
              'Deployment Requested',
              'Deployment Promotion Requested',
              'Deployment Abort Requested',
              'Deployment Retry Requested',
              'Deployment Undo Requested',
            ],
          },
        ],
        detail: { alert: { cluster: [{ exists: true }] } },
      },
      State: 'ENABLED',
      Targets: [
        {
          Id: 'notify',
          Arn: getAtt(lambdaLogicalId('notify')),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: getAtt(LOGICAL_IDS.alertsDeadLetterQueue) },
        },
      ],
    });
    expect(resource(stack, LOGICAL_IDS.alertsDeadLetterQueue).Properties).toMatchObject({ QueueName: 'ecs-autopilot-qa-alerts-dlq' });
    expect(resource(stack, LOGICAL_IDS.alertsDeadLetterQueuePolicy).Properties).toMatchObject({
      Queues: [{ Ref: LOGICAL_IDS.alertsDeadLetterQueue }],
      PolicyDocument: { Statement: [{ Condition: { ArnEquals: { 'aws:SourceArn': getAtt(LOGICAL_IDS.alertsRule) } } }] },
    });
    expect(resource(stack, LOGICAL_IDS.alertsInvokePermission).Properties).toEqual({
      FunctionName: getAtt(lambdaLogicalId('notify')),
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt(LOGICAL_IDS.alertsRule),
    });
  });

  it('matches, as EventBridge would, the ecs-autopilot events that carry an alert, and nothing else', () => {
    const pattern = resource(generate(), LOGICAL_IDS.alertsRule).Properties.EventPattern as Record<string, unknown>;
    const alert = {
      cluster: 'workers',
      subject: { kind: 'watched-task', name: 'queue-worker' },
      category: 'crash-loop',
      severity: 'critical',
    };
    const busEvent = (detail: Record<string, unknown>, source = 'ecs-autopilot') => ({
      source,
      'detail-type': 'Crash Loop Detected',
      detail,
    });
    const matches = (event: unknown) => matchesEventPattern(pattern, event);

    expect(matches(busEvent({ watchedTask: 'queue-worker', alert }))).toBe(true);
    expect(matches(busEvent({ job: 'nightly-report', status: 'launched' }))).toBe(false);
    expect(matches(busEvent({ alert: { ...alert, cluster: undefined } }))).toBe(false);
    expect(matches(busEvent({ alert }, 'my.pipeline'))).toBe(false);
  });

  it('creates the alert topic, one email subscription per address, and outputs the topic for Chatbot', () => {
    const stack = generate();
    const subscriptions = Object.entries(stack.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Subscription');

    expect(resource(stack, LOGICAL_IDS.alertTopic).Properties).toEqual({
      TopicName: 'ecs-autopilot-qa-alerts',
      DisplayName: 'ecs-autopilot-qa',
    });
    expect(subscriptions).toEqual([
      [
        alertEmailSubscriptionLogicalId('ops@example.com'),
        { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'AlertTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' } },
      ],
      [
        alertEmailSubscriptionLogicalId('on.call@example.com'),
        {
          Type: 'AWS::SNS::Subscription',
          Properties: { TopicArn: { Ref: 'AlertTopic' }, Protocol: 'email', Endpoint: 'on.call@example.com' },
        },
      ],
    ]);
    expect(stack.Outputs.AlertTopicArn).toEqual({ Description: expect.stringContaining('Chatbot'), Value: { Ref: 'AlertTopic' } });
  });

  it('keeps the topic and the rule without any email address', () => {
    const stack = generate({});

    expect(Object.values(stack.Resources).filter((r) => r.Type === 'AWS::SNS::Subscription')).toEqual([]);
    expect(stack.Resources).toHaveProperty(LOGICAL_IDS.alertTopic);
    expect(stack.Resources).toHaveProperty(LOGICAL_IDS.alertsRule);
  });

  it('names a subscription after its address, so reordering keeps it, and apart from look-alikes', () => {
    expect(alertEmailSubscriptionLogicalId('ops@example.com')).toMatch(/^AlertEmailOpsexamplecom[0-9a-f]{8}Subscription$/);
    expect(alertEmailSubscriptionLogicalId('a.b@x.io')).not.toBe(alertEmailSubscriptionLogicalId('ab@x.io'));
  });
});

/** serverless.yml as YAML with CloudFormation's short forms; the osls variables stay text. */
const CFN_TAGS: ScalarTag[] = [
  { tag: '!Ref', resolve: (value) => ({ Ref: value }) },
  { tag: '!GetAtt', resolve: (value) => ({ 'Fn::GetAtt': value.split('.') }) },
  { tag: '!Sub', resolve: (value) => ({ 'Fn::Sub': value }) },
];

interface ServerlessYml {
  service: string;
  provider: { environment: Record<string, unknown> };
  functions: Record<string, { role: string; destinations?: { onFailure: { arn: unknown } } }>;
}

const serverlessYml = (): ServerlessYml =>
  parse(readFileSync(path.resolve(import.meta.dirname, '../../serverless.yml'), 'utf8'), { customTags: CFN_TAGS });

/** The resources osls adds for serverless.yml's functions: each function, its log group and async config. */
function functionResources(sls: ServerlessYml): Record<string, TemplateResource> {
  const resources: Record<string, TemplateResource> = {};
  for (const [name, fn] of Object.entries(sls.functions)) {
    resources[logGroupLogicalId(name)] = { Type: 'AWS::Logs::LogGroup' };
    resources[lambdaLogicalId(name)] = {
      Type: 'AWS::Lambda::Function',
      Properties: { Role: getAtt(fn.role), Environment: { Variables: sls.provider.environment } },
      DependsOn: [logGroupLogicalId(name), fn.role],
    };
    resources[`${normalizedName(name)}LambdaEvConf`] = {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: { FunctionName: { Ref: lambdaLogicalId(name) }, DestinationConfig: fn.destinations?.onFailure.arn },
    };
  }
  return resources;
}

describe('stackResources with the functions of serverless.yml', () => {
  const sls = serverlessYml();
  const template = (config: AutomationInput) => {
    const stack = generate(config);
    return { resources: { ...stack.Resources, ...functionResources(sls) } as Record<string, TemplateResource>, outputs: stack.Outputs };
  };

  it('has a role for every function of serverless.yml', () => {
    const stack = generate();

    for (const fn of Object.values(sls.functions)) expect(resource(stack, fn.role).Type).toBe('AWS::IAM::Role');
  });

  it.each([
    ['with jobs, watched tasks and services', CONFIG],
    ['without any', {}],
  ])('refers only to resources that exist and has no circular dependency (%s)', (_, config) => {
    const { resources, outputs } = template(config);

    expect(danglingReferences(resources, outputs)).toEqual([]);
    expect(referenceCycles(resources)).toEqual([]);
  });

  it('would report the cycle a GetAtt of a function in the scheduler role makes', () => {
    const { resources } = template(CONFIG);
    const schedulerRole = structuredClone(resources[LOGICAL_IDS.schedulerRole]) as TemplateResource;
    (schedulerRole.Properties as { Tags: unknown }).Tags = [{ Key: 'fn', Value: getAtt(lambdaLogicalId('notify')) }];

    expect(referenceCycles({ ...resources, [LOGICAL_IDS.schedulerRole]: schedulerRole })).toContainEqual([
      LOGICAL_IDS.schedulerRole,
      lambdaLogicalId('notify'),
      LOGICAL_IDS.schedulerRole,
    ]);
  });

  it('gives the functions the timer settings, and function ARNs equal to those the scheduler role may invoke', () => {
    const env = sls.provider.environment;
    const resolveOsls = (value: unknown) =>
      JSON.parse(JSON.stringify(value).replaceAll(`\${self:service}`, sls.service).replaceAll(`\${sls:stage}`, NAMES.stage));

    expect(env).toMatchObject({
      TIMER_GROUP_NAME: { Ref: LOGICAL_IDS.scheduleGroup },
      TIMER_ROLE_ARN: getAtt(LOGICAL_IDS.schedulerRole),
      TIMER_DEAD_LETTER_ARN: getAtt(LOGICAL_IDS.scheduleDeadLetterQueue),
      ALERT_TOPIC_ARN: { Ref: LOGICAL_IDS.alertTopic },
      STACK_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
    });
    const timerTargets = [env.RUN_BATCH_JOB_ARN, env.ON_TASK_STOPPED_ARN, env.NOTIFY_ARN, env.SCALE_SERVICE_ARN];
    expect(resolveOsls(timerTargets)).toEqual([
      functionArn('run-batch-job'),
      functionArn('on-task-stopped'),
      functionArn('notify'),
      functionArn('scale-service'),
    ]);
    expect(statementFor(generate(), LOGICAL_IDS.schedulerRole, 'lambda:InvokeFunction').Resource).toEqual(
      expect.arrayContaining(resolveOsls(timerTargets)),
    );
  });
});
describe('stackResources: scheduled scaling', () => {
  const resolved = validateAutomation(CONFIG);
  const scalingOf = (key: string) => {
    const scaling = resolved.services[key]?.scaling;
    if (!scaling) throw new Error(`services.${key} has no scaling`);
    return scaling;
  };
  const scalingSchedules = (stack: StackResources) =>
    Object.entries(stack.Resources).filter(
      ([, r]) => r.Type === 'AWS::Scheduler::Schedule' && JSON.stringify(r.Properties.Target).includes(lambdaLogicalId('scale-service')),
    );

  it('fires scale-service at every boundary of a service’s periods, in its zone, with the service’s key, retried for a day', () => {
    const stack = generate();
    const expressions = scalingScheduleExpressions(scalingOf('web'), NOW);

    // Business hours open and close (one cron), the Black Friday override starts and ends.
    expect(expressions).toEqual(['cron(0 8,19 ? * MON-FRI *)', 'at(2026-11-27T06:00:00)', 'at(2026-11-28T06:00:00)']);
    expressions.forEach((expression, index) => {
      expect(resource(stack, scalingScheduleLogicalId('web', index)).Properties).toEqual({
        Name: `scale-web-${index}`,
        GroupName: { Ref: LOGICAL_IDS.scheduleGroup },
        Description: 'Scales services.web at a boundary of its scaling periods and overrides',
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'America/New_York',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: getAtt(lambdaLogicalId('scale-service')),
          RoleArn: getAtt(LOGICAL_IDS.schedulerRole),
          DeadLetterConfig: { Arn: getAtt(LOGICAL_IDS.scheduleDeadLetterQueue) },
          Input: '{"service":"web","scheduledTime":"<aws.scheduler.scheduled-time>"}',
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        },
      });
    });
  });

  it('makes the schedules of every service with scaling, named apart, and none for a service without', () => {
    const stack = generate();
    // Closing at 07:00 Monday to Saturday, opening at 20:00 Sunday to Friday: one daily cron.
    expect(scalingScheduleExpressions(scalingOf('staging-api'), NOW)).toEqual(['cron(0 7,20 ? * * *)']);
    const expected = ['web', 'staging-api'].flatMap((key) =>
      scalingScheduleExpressions(scalingOf(key), NOW).map((expression, index) => ({
        id: scalingScheduleLogicalId(key, index),
        name: `scale-${key}-${index}`,
        expression,
        input: JSON.stringify({ service: key, scheduledTime: '<aws.scheduler.scheduled-time>' }),
      })),
    );

    expect(
      scalingSchedules(stack).map(([id, r]) => ({
        id,
        name: r.Properties.Name,
        expression: r.Properties.ScheduleExpression,
        input: (r.Properties.Target as { Input: string }).Input,
      })),
    ).toEqual(expected);
    // The zone of defaults.timezone when the scaling names none.
    expect(resource(stack, scalingScheduleLogicalId('staging-api', 0)).Properties.ScheduleExpressionTimezone).toBe('Europe/Berlin');
    expect(scalingSchedules(generate({ services: { web: { cluster: 'web-prod' } } }))).toEqual([]);
  });

  it('lets scale-service change only the scaled services, their ECS scaling bounds, its state, the bus, its timers and queue', () => {
    expect(statements(generate(), LOGICAL_IDS.scaleServiceRole)).toEqual([
      ownLogs('ScaleDashserviceLogGroup'),
      allow(
        'ReadAndWriteScalingState',
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        [getAtt(LOGICAL_IDS.stateTable)],
      ),
      allow('PublishDecisions', ['events:PutEvents'], [getAtt(LOGICAL_IDS.eventBus)]),
      allow(
        'ScaleConfiguredServices',
        ['ecs:DescribeServices', 'ecs:UpdateService'],
        ['arn:aws:ecs:eu-west-1:123456789012:service/web-prod/web', ownArn('service/batch/api-staging')],
      ),
      allow(
        'SetEcsServiceScalingBounds',
        ['application-autoscaling:RegisterScalableTarget'],
        [ownArn('scalable-target/*', 'application-autoscaling')],
        {
          StringEquals: {
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      ),
      allow('DescribeScalableTargets', ['application-autoscaling:DescribeScalableTargets'], ['*']),
      ...TIMER_STATEMENTS,
      allow('DeadLetterFailedScalings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.scaleServiceDeadLetterQueue)]),
    ]);
  });

  it('touches no service, and reads no scaling bounds, when no service has scaling', () => {
    expect(statements(generate({ services: { web: { cluster: WEB_CLUSTER_ARN } } }), LOGICAL_IDS.scaleServiceRole)).toEqual([
      ownLogs('ScaleDashserviceLogGroup'),
      allow(
        'ReadAndWriteScalingState',
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        [getAtt(LOGICAL_IDS.stateTable)],
      ),
      allow('PublishDecisions', ['events:PutEvents'], [getAtt(LOGICAL_IDS.eventBus)]),
      ...TIMER_STATEMENTS,
      allow('DeadLetterFailedScalings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.scaleServiceDeadLetterQueue)]),
    ]);
  });

  it('parks what scale-service failed on in its own queue, and outputs its URL', () => {
    const stack = generate({});

    expect(resource(stack, LOGICAL_IDS.scaleServiceDeadLetterQueue).Properties).toEqual({
      QueueName: 'ecs-autopilot-qa-scale-service-dlq',
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    expect(stack.Outputs.ScaleServiceDeadLetterQueueUrl).toEqual({
      Description: expect.any(String),
      Value: { Ref: LOGICAL_IDS.scaleServiceDeadLetterQueue },
    });
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

  it('rejects a job named like a scaling schedule, services whose schedules’ ids collide, and a key too long for a schedule name', () => {
    const nights = { periods: { nights: { days: 'MON-FRI', from: '22:00', to: '06:00', stop: true as const } } };
    const longKey = 'k'.repeat(57);

    expect(
      problemsOf({
        jobs: { 'scale-web-0': { schedule: 'rate(1 day)', cluster: 'batch', taskDefinition: 'x' } },
        services: {
          web: { cluster: 'web-prod', scaling: nights },
          'a-b': { cluster: 'c1', scaling: nights },
          aDashb: { cluster: 'c2', scaling: nights },
          [longKey]: { cluster: 'c3', service: 'short', scaling: nights },
          [`${longKey}x`]: { cluster: 'c4' },
        },
      }),
    ).toEqual([
      "services.aDashb: its scaling schedules would get the same CloudFormation ids (ScaleADashbSchedule0, …) as services.a-b's; rename one",
      `services.${longKey}: its scaling schedules would be named like scale-${longKey}-0, longer than the 64 characters Scheduler allows; use a shorter key (set the ECS service's name with service:)`,
      'jobs.scale-web-0: the name is taken by a scaling schedule of services.web; rename the job',
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

  it('reports variable syntax and schema problems together, each where it is written in the file the user named', () => {
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
          expect.stringMatching(/^bad\.yml:3:15 jobs\.nightly\.schedule: "rate\(\$\{opt:stage\} minutes\)" contains "\$\{"/),
          'bad.yml:4:15 jobs.nightly.timezone: unknown time zone "Asia/Tokio"',
          'bad.yml:2:3 jobs.nightly.cluster: missing: set it on the job or in defaults.cluster',
        ]),
      );
    }
  });

  it('reports the stack’s own problems under the file name too', () => {
    const file = write('star.yml', 'jobs:\n  any:\n    schedule: rate(1 day)\n    cluster: "*"\n    taskDefinition: any\n');

    expect(() => stackFromAutomationFile(file, NAMES, 'star.yml')).toThrow(
      /^star\.yml is not valid:\n {2}star\.yml:4:14 jobs\.any\.cluster: /,
    );
  });

  it('says which file it cannot read', () => {
    expect(() => stackFromAutomationFile(path.join(dir, 'missing.yml'), NAMES, 'missing.yml')).toThrow(/cannot read missing\.yml: ENOENT/);
  });

  it('generates the stack of a valid file', () => {
    const file = write('good.yml', 'jobs:\n  solo:\n    schedule: rate(1 day)\n    cluster: batch\n    taskDefinition: solo\n');

    expect(stackFromAutomationFile(file, NAMES).Resources[jobScheduleLogicalId('solo')]).toBeDefined();
  });
});
