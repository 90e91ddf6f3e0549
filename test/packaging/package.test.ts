/**
 * Runs `serverless package` offline (no AWS credentials, an empty HOME) and reads what it produced:
 * the CloudFormation template and the function zips. One run with a valid fixture serves most
 * assertions; a run with blue/green apps serves those of shift-traffic (the first fixture has no apps,
 * so it also shows that no app means no blue/green resource); a run with an invalid fixture must fail
 * with the problem lines. All in one file: the runs share the service directory's build folder, so they
 * must not overlap.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadAutomationFile } from '../../shared/config/load.ts';
import { matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { METRICS, METRICS_NAMESPACE_VARIABLE } from '../../shared/metrics/catalogue.ts';
import {
  AWS_LIMITS,
  limitProblems,
  SERVERLESS_BYTES_PER_FUNCTION,
  SERVERLESS_RESOURCES_ONCE,
  SERVERLESS_RESOURCES_PER_FUNCTION,
} from '../../shared/stack/aws-limits.ts';
import { type StackResources, stackResources } from '../../shared/stack/resources.ts';
import { scaleConfig } from '../helpers/scale-config.ts';
import { danglingReferences, referenceCycles } from './template-graph.ts';
import { zipEntries } from './zip.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VALID_FIXTURE = 'test/packaging/fixtures/automation.yml';
const INVALID_FIXTURE = 'test/packaging/fixtures/invalid-automation.yml';
const BLUE_GREEN_FIXTURE = 'test/packaging/fixtures/blue-green-automation.yml';
const TIMEOUT = 120_000;
/** The scale targets' file: validated and generated in a few seconds on a quiet machine, but CI's may not be. */
const SCALE_TIMEOUT = 300_000;
const SUB = (resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:${resource}` });
const SYNC_CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/sync';
const WEB_CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/web-prod';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecs-task-execution';
const FUNCTIONS = {
  'run-batch-job': { logicalId: 'RunDashbatchDashjobLambdaFunction', role: 'RunBatchJobRole' },
  'enforce-max-runtime': { logicalId: 'EnforceDashmaxDashruntimeLambdaFunction', role: 'EnforceMaxRuntimeRole' },
  'on-task-stopped': { logicalId: 'OnDashtaskDashstoppedLambdaFunction', role: 'OnTaskStoppedRole' },
  notify: { logicalId: 'NotifyLambdaFunction', role: 'NotifyRole' },
  'scale-service': { logicalId: 'ScaleDashserviceLambdaFunction', role: 'ScaleServiceRole' },
  'shift-traffic': { logicalId: 'ShiftDashtrafficLambdaFunction', role: 'ShiftTrafficRole' },
} as const;
/** The ARN a function gets from its osls name (ecs-autopilot-test-<name>), as the environment and the scheduler role build it. */
const FUNCTION_ARN = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:ecs-autopilot-test-${name}`,
});
const GET_ATT = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
/** The deploy-time function (shared/stack/reconciled-schedules.ts), as osls names it. */
const RECONCILER = 'ecs-autopilot-test-reconcile-schedules';
/** The fixture's scaled services: web's business hours (New York), reports-api's weeknights (defaults.timezone). */
const FIXTURE_SCALING_SCHEDULES = [
  {
    name: 'scale-web-0',
    expression: 'cron(0 8,18 ? * MON-FRI *)',
    zone: 'America/New_York',
    input: { service: 'web', scheduledTime: '<aws.scheduler.scheduled-time>' },
  },
  {
    name: 'scale-reports-api-0',
    expression: 'cron(0 6,22 ? * MON-SAT *)',
    zone: 'Europe/Berlin',
    input: { service: 'reports-api', scheduledTime: '<aws.scheduler.scheduled-time>' },
  },
];

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  DependsOn?: string[];
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, unknown>;
}
interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface Run {
  code: number | null;
  output: string;
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** `serverless package` with nothing from this machine's AWS setup: no AWS_* variables, an empty HOME. */
function serverlessPackage(automationFile: string, timeout = TIMEOUT - 5_000): Promise<Run & { outDir: string }> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-package-'));
  const home = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-home-'));
  tempDirs.push(outDir, home);
  const args = ['node_modules/osls/bin/serverless.js', 'package', '--stage', 'test', '--region', 'eu-west-1', '--package', outDir];
  const env = { PATH: process.env.PATH ?? '', HOME: home, AUTOMATION_FILE: automationFile };
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}\n${stderr}`, outDir });
    });
  });
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** A valid fixture packaged, and its template. */
async function packaged(automationFile: string, timeout?: number): Promise<{ run: Run & { outDir: string }; template: Template }> {
  const run = await serverlessPackage(automationFile, timeout);
  if (run.code !== 0) throw new Error(`serverless package failed (exit ${run.code}):\n${run.output}`);
  return { run, template: JSON.parse(readFileSync(path.join(run.outDir, 'cloudformation-template-update-stack.json'), 'utf8')) };
}

interface LintFinding {
  Level: string;
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] };
}

/**
 * cfn-lint's findings on a packaged template, by level. cfn-lint is on machines of this kind (CI
 * included): missing, the test fails and says so rather than passing without a lint. Its exit code is a
 * bit set (2 errors, 4 warnings, 8 informational); anything else means it did not lint at all.
 */
function cfnLint(templateFile: string): Promise<{ errors: LintFinding[]; warnings: LintFinding[] }> {
  return new Promise((resolve, reject) => {
    execFile('cfn-lint', ['--format', 'json', templateFile], { timeout: TIMEOUT - 5_000 }, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      if (code === 'ENOENT') {
        reject(new Error('cfn-lint is not installed on this machine (pip install cfn-lint): the packaged template cannot be checked'));
        return;
      }
      if (typeof code !== 'number' || (code & ~(2 | 4 | 8)) !== 0) {
        reject(new Error(`cfn-lint did not run (exit ${String(code)}):\n${stderr}${stdout}`));
        return;
      }
      const findings = JSON.parse(stdout || '[]') as LintFinding[];
      resolve({ errors: findings.filter((f) => f.Level === 'Error'), warnings: findings.filter((f) => f.Level === 'Warning') });
    });
  });
}

/**
 * The warnings cfn-lint gives a packaged template today, none from our generator: W3005, a DependsOn
 * that a GetAtt already implies, which osls writes on every function (DependsOn its log group and its
 * role, while Role is a GetAtt of that role).
 */
const KNOWN_LINT_WARNINGS = ['W3005'];

/** Lookups in the template `current()` returns (set by a beforeAll). */
function templateLookups(current: () => Template) {
  const resource = (logicalId: string): Resource => {
    const found = current().Resources[logicalId];
    if (!found) throw new Error(`the template has no ${logicalId}`);
    return found;
  };
  const roleStatements = (logicalId: string): Statement[] =>
    (resource(logicalId).Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
  const statementsAllowing = (roleLogicalId: string, action: string) =>
    roleStatements(roleLogicalId).filter((s) => asArray(s.Action).includes(action));
  const ofType = (type: string) => Object.entries(current().Resources).filter(([, r]) => r.Type === type);
  return { resource, roleStatements, statementsAllowing, ofType };
}

/** The metrics the functions emit (shared/metrics/catalogue.ts): a dashboard naming anything else would show nothing. */
const EMITTED = Object.values(METRICS).map((m) => ({ name: m.name, dimensions: [...m.dimensions] }));
const equal = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The namespace Powertools Metrics writes to: the functions' POWERTOOLS_METRICS_NAMESPACE, one for all. */
function metricsNamespaceOf(template: Template): string | undefined {
  const namespaces = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables[METRICS_NAMESPACE_VARIABLE]);
  return new Set(namespaces).size === 1 ? String(namespaces[0]) : undefined;
}

/** Each SEARCH in the dashboard's widgets: the namespace and dimensions of its schema, the metric it names. */
function ownMetricSearches(template: Template): { namespace: string | undefined; dimensions: string[]; name: string | undefined }[] {
  const dashboard = Object.values(template.Resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  if (!dashboard) throw new Error('the template has no dashboard');
  const body = JSON.parse((dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as {
    widgets: { properties: { metrics: unknown[][] } }[];
  };
  return body.widgets
    .flatMap((w) => w.properties.metrics.flatMap((m) => (typeof m[0] === 'object' ? [(m[0] as { expression: string }).expression] : [])))
    .flatMap((expression) => [...expression.matchAll(/SEARCH\('\{([^}]*)\} MetricName="([^"]+)"/g)])
    .map(([, schema = '', name]) => {
      const [namespace, ...dimensions] = schema.split(',').map((part) => part.replaceAll('"', ''));
      return { namespace, dimensions, name };
    });
}

describe('serverless package', { timeout: TIMEOUT }, () => {
  let run: Run & { outDir: string };
  let template: Template;
  const { resource, roleStatements, statementsAllowing, ofType } = templateLookups(() => template);

  beforeAll(async () => {
    ({ run, template } = await packaged(VALID_FIXTURE));
  }, TIMEOUT);

  it('creates one enabled-or-disabled schedule per job, with its expression, time zone, retries and dead-letter queue', () => {
    const schedules = new Map(ofType('AWS::Scheduler::Schedule').map(([, r]) => [r.Properties.Name, r.Properties]));
    const runBatchJob = { 'Fn::GetAtt': [FUNCTIONS['run-batch-job'].logicalId, 'Arn'] };
    const dlq = { Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } };

    expect([...schedules.keys()].filter((name) => !String(name).startsWith('scale-')).sort()).toEqual([
      'enforce-max-runtime',
      'hourly-sync',
      'nightly-report',
      'paused-export',
    ]);
    expect(schedules.get('nightly-report')).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      GroupName: { Ref: 'ScheduleGroup' },
      Target: { Arn: runBatchJob, DeadLetterConfig: dlq, RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7_200 } },
    });
    expect(schedules.get('hourly-sync')).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: { Arn: runBatchJob, DeadLetterConfig: dlq, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3_600 } },
    });
    expect(schedules.get('paused-export')).toMatchObject({ ScheduleExpression: 'cron(0 4 ? * SUN *)', State: 'DISABLED' });
    const target = schedules.get('hourly-sync')?.Target as { Input: string } | undefined;
    expect(JSON.parse(target?.Input ?? 'null')).toEqual({
      job: 'hourly-sync',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
    });
    expect(resource('ScheduleGroup').Properties).toEqual({ Name: 'ecs-autopilot-test' });
  });

  it('runs the maxRuntime watchdog every minute', () => {
    const [watchdog] = ofType('AWS::Scheduler::Schedule').filter(([, r]) => r.Properties.Name === 'enforce-max-runtime');

    expect(watchdog?.[1].Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [FUNCTIONS['enforce-max-runtime'].logicalId, 'Arn'] } },
    });
  });

  it.each(Object.entries(FUNCTIONS))('deploys %s on nodejs24.x, arm64, with its own role and the stack settings', (name, fn) => {
    const { Properties, DependsOn } = resource(fn.logicalId);

    expect(Properties).toMatchObject({
      FunctionName: `ecs-autopilot-test-${name}`,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: `functions/${name}.handler`,
      Role: { 'Fn::GetAtt': [fn.role, 'Arn'] },
      Environment: {
        Variables: {
          STATE_TABLE_NAME: { Ref: 'StateTable' },
          EVENT_BUS_NAME: { 'Fn::GetAtt': ['EventBus', 'Name'] },
          AUTOMATION_FILE: 'automation.json',
          TIMER_GROUP_NAME: { Ref: 'ScheduleGroup' },
          TIMER_ROLE_ARN: GET_ATT('SchedulerRole'),
          TIMER_DEAD_LETTER_ARN: GET_ATT('ScheduleDeadLetterQueue'),
          RUN_BATCH_JOB_ARN: FUNCTION_ARN('run-batch-job'),
          ON_TASK_STOPPED_ARN: FUNCTION_ARN('on-task-stopped'),
          NOTIFY_ARN: FUNCTION_ARN('notify'),
          SCALE_SERVICE_ARN: FUNCTION_ARN('scale-service'),
          ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
          STACK_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
        },
      },
    });
    expect(DependsOn).toContain(fn.role);
    expect(template.Resources).not.toHaveProperty('IamRoleLambdaExecution');
  });

  it('gives run-batch-job 15 minutes, retries its failures twice within an hour, then dead-letters them', () => {
    expect(resource(FUNCTIONS['run-batch-job'].logicalId).Properties).toMatchObject({ Timeout: 900, MemorySize: 256 });
    expect(resource(FUNCTIONS['enforce-max-runtime'].logicalId).Properties).toMatchObject({ Timeout: 120 });
    expect(resource('RunDashbatchDashjobLambdaEvConf').Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['RunBatchJobDeadLetterQueue', 'Arn'] } } },
    });
    expect(statementsAllowing('RunBatchJobRole', 'sqs:SendMessage')).toEqual([
      expect.objectContaining({ Resource: [{ 'Fn::GetAtt': ['RunBatchJobDeadLetterQueue', 'Arn'] }] }),
    ]);
    expect(resource('RunBatchJobDeadLetterQueue').Properties).toMatchObject({ QueueName: 'ecs-autopilot-test-run-batch-job-dlq' });
    expect(resource('ScheduleDeadLetterQueue').Properties).toMatchObject({
      QueueName: 'ecs-autopilot-test-schedule-dlq',
      MessageRetentionPeriod: 1_209_600,
    });
  });

  it('allows ecs:RunTask only on the configured task definitions, in the configured clusters', () => {
    const [runTask, ...more] = statementsAllowing('RunBatchJobRole', 'ecs:RunTask');

    expect(more).toEqual([]);
    expect(runTask?.Resource).toEqual([
      SUB('task-definition/nightly-report:12'),
      SUB('task-definition/order-sync:*'),
      SUB('task-definition/legacy-export:41'),
      SUB('task-definition/nightly-summary:3'),
    ]);
    expect(runTask?.Condition).toEqual({ ArnEquals: { 'ecs:cluster': [SUB('cluster/batch'), SYNC_CLUSTER_ARN] } });
  });

  it('lets on-task-stopped restart only the watched task definitions, in their clusters, and launch nothing else', () => {
    const [restart, ...more] = statementsAllowing('OnTaskStoppedRole', 'ecs:RunTask');

    expect(more).toEqual([]);
    expect(restart).toMatchObject({
      Action: ['ecs:RunTask'],
      Resource: [SUB('task-definition/queue-worker:*'), SUB('task-definition/ledger-tail:3')],
      Condition: { ArnEquals: { 'ecs:cluster': [SUB('cluster/workers'), SUB('cluster/batch')] } },
    });
    expect(statementsAllowing('OnTaskStoppedRole', 'ecs:TagResource')).toEqual([
      expect.objectContaining({
        Resource: [SUB('task/workers/*'), SUB('task/batch/*')],
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
    ]);
    expect(statementsAllowing('OnTaskStoppedRole', 'ecs:StopTask')).toEqual([
      expect.objectContaining({
        Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
        Resource: [
          SUB('task/batch/*'),
          'arn:aws:ecs:eu-west-1:123456789012:task/sync/*',
          SUB('task/workers/*'),
          'arn:aws:ecs:eu-west-1:123456789012:task/web-prod/*',
        ],
      }),
    ]);
    expect(
      ofType('AWS::IAM::Role')
        .filter(([id]) => statementsAllowing(id, 'ecs:RunTask').length > 0)
        .map(([id]) => id),
    ).toEqual(['RunBatchJobRole', 'OnTaskStoppedRole']);
  });

  it('passes the task roles only to ECS tasks and the scheduler role only to Scheduler, each from the roles that need it', () => {
    const passRoles = ofType('AWS::IAM::Role').flatMap(([id]) =>
      statementsAllowing(id, 'iam:PassRole').map((s) => ({ role: id, Resource: s.Resource, Condition: s.Condition })),
    );
    const toEcs = { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } };
    const toScheduler = { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } };

    expect(passRoles).toEqual([
      { role: 'RunBatchJobRole', Resource: [EXECUTION_ROLE, 'arn:aws:iam::123456789012:role/nightly-report-task'], Condition: toEcs },
      { role: 'RunBatchJobRole', Resource: [GET_ATT('SchedulerRole')], Condition: toScheduler },
      { role: 'EnforceMaxRuntimeRole', Resource: [GET_ATT('SchedulerRole')], Condition: toScheduler },
      { role: 'OnTaskStoppedRole', Resource: [EXECUTION_ROLE, 'arn:aws:iam::123456789012:role/queue-worker-task'], Condition: toEcs },
      { role: 'OnTaskStoppedRole', Resource: [GET_ATT('SchedulerRole')], Condition: toScheduler },
      { role: 'NotifyRole', Resource: [GET_ATT('SchedulerRole')], Condition: toScheduler },
      { role: 'ScaleServiceRole', Resource: [GET_ATT('SchedulerRole')], Condition: toScheduler },
      { role: 'ReconcileSchedulesRole', Resource: [GET_ATT('SchedulerRole')], Condition: toScheduler },
    ]);
  });

  it('lets run-batch-job, enforce-max-runtime, on-task-stopped, notify and scale-service set timers only in the stack’s schedule group', () => {
    for (const role of ['RunBatchJobRole', 'EnforceMaxRuntimeRole', 'OnTaskStoppedRole', 'NotifyRole', 'ScaleServiceRole']) {
      expect(statementsAllowing(role, 'scheduler:CreateSchedule'), role).toEqual([
        expect.objectContaining({
          Action: ['scheduler:CreateSchedule'],
          Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/ecs-autopilot-test/*` }],
        }),
      ]);
    }
    expect(resource('ScheduleGroup').Properties.Name).toBe('ecs-autopilot-test');
  });

  it('lets the scheduler role invoke exactly the five functions with schedules or timers, by the ARNs their environment names', () => {
    const [invoke, ...more] = statementsAllowing('SchedulerRole', 'lambda:InvokeFunction');

    expect(more).toEqual([]);
    // shift-traffic has a schedule (its watchdog) only when automation.yml has apps.
    expect(invoke?.Resource).toEqual(
      Object.keys(FUNCTIONS)
        .filter((name) => name !== 'shift-traffic')
        .map(FUNCTION_ARN),
    );
  });

  it('allows sns:Publish only to notify, and only on the alert topic', () => {
    const publishers = ofType('AWS::IAM::Role').flatMap(([id]) => statementsAllowing(id, 'sns:Publish').map((s) => [id, s.Resource]));

    expect(publishers).toEqual([['NotifyRole', [{ Ref: 'AlertTopic' }]]]);
  });

  it("lets notify query the state table itself only in the silences' partition", () => {
    const querying = ofType('AWS::IAM::Role').flatMap(([id]) =>
      statementsAllowing(id, 'dynamodb:Query')
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]))
        .map((s) => [id, s.Action, s.Condition]),
    );

    expect(querying).toContainEqual([
      'NotifyRole',
      ['dynamodb:Query'],
      { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SILENCES'] } },
    ]);
    expect(querying.filter(([id]) => id === 'NotifyRole')).toHaveLength(1);
  });

  it('lets only notify query the alert groups index, and nothing else', () => {
    const querying = ofType('AWS::IAM::Role').flatMap(([id]) =>
      statementsAllowing(id, 'dynamodb:Query')
        .filter((s) => JSON.stringify(s.Resource).includes('/index/alert-groups'))
        .map((s) => [id, s.Action, s.Resource]),
    );

    expect(querying).toEqual([['NotifyRole', ['dynamodb:Query'], [{ 'Fn::Sub': `\${StateTable.Arn}/index/alert-groups` }]]]);
  });

  it('has no wildcard action in any role, names a resource in every statement, and uses "*" only where IAM cannot scope', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual([
      'EnforceMaxRuntimeRole',
      'NotifyRole',
      'OnTaskStoppedRole',
      'ReconcileSchedulesRole',
      'RunBatchJobRole',
      'ScaleServiceRole',
      'SchedulerRole',
      'ShiftTrafficRole',
    ]);
    const unscopable: Record<string, string[]> = {
      ReconcileSchedulesRole: ['scheduler:ListSchedules'],
      RunBatchJobRole: ['ecs:DescribeTaskDefinition'],
      OnTaskStoppedRole: ['ecs:DescribeTaskDefinition'],
      ScaleServiceRole: ['application-autoscaling:DescribeScalableTargets'],
    };
    const listTasksClusters: Record<string, unknown[]> = {
      RunBatchJobRole: [SUB('cluster/batch'), SYNC_CLUSTER_ARN],
      OnTaskStoppedRole: [SUB('cluster/batch'), SYNC_CLUSTER_ARN, SUB('cluster/workers'), WEB_CLUSTER_ARN],
    };

    for (const [id, role] of roles) {
      const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
      for (const statement of policies.flatMap((p) => p.PolicyDocument.Statement)) {
        const label = `${id} ${statement.Sid ?? JSON.stringify(statement.Action)}`;
        expect(
          asArray(statement.Action).filter((action) => action.includes('*')),
          label,
        ).toEqual([]);
        expect(asArray(statement.Resource).length, label).toBeGreaterThan(0);
        if (!asArray(statement.Resource).includes('*')) continue;
        expect(statement.Resource, label).toEqual(['*']);
        if (statement.Action.includes('ecs:ListTasks')) {
          expect(statement.Action, label).toEqual(['ecs:ListTasks']);
          expect(statement.Condition, label).toEqual({ ArnEquals: { 'ecs:cluster': listTasksClusters[id] } });
        } else {
          // No resource-level permissions for these (Service Authorization Reference), each in one role.
          expect(statement.Action, label).toEqual(unscopable[id]);
        }
      }
    }
  });

  it('gives on-task-stopped and notify a minute and half a minute, two retries within an hour, and their own dead-letter queues', () => {
    expect(resource(FUNCTIONS['on-task-stopped'].logicalId).Properties).toMatchObject({ Timeout: 60, MemorySize: 256 });
    expect(resource(FUNCTIONS.notify.logicalId).Properties).toMatchObject({ Timeout: 30 });
    for (const [evConf, queue, role, queueName] of [
      ['OnDashtaskDashstoppedLambdaEvConf', 'OnTaskStoppedDeadLetterQueue', 'OnTaskStoppedRole', 'ecs-autopilot-test-on-task-stopped-dlq'],
      ['NotifyLambdaEvConf', 'NotifyDeadLetterQueue', 'NotifyRole', 'ecs-autopilot-test-notify-dlq'],
    ] as const) {
      expect(resource(evConf).Properties, evConf).toMatchObject({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3_600,
        DestinationConfig: { OnFailure: { Destination: GET_ATT(queue) } },
      });
      expect(statementsAllowing(role, 'sqs:SendMessage'), role).toEqual([expect.objectContaining({ Resource: [GET_ATT(queue)] })]);
      expect(resource(queue).Properties, queue).toMatchObject({ QueueName: queueName, MessageRetentionPeriod: 1_209_600 });
    }
  });

  it('gives shift-traffic a minute, two retries within an hour, its own dead-letter queue, and no reserved concurrency', () => {
    expect(resource(FUNCTIONS['shift-traffic'].logicalId).Properties).toMatchObject({ Timeout: 60, MemorySize: 256 });
    // Deployments of one app are serialised by conditional writes, not by limiting the function.
    expect(resource(FUNCTIONS['shift-traffic'].logicalId).Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    expect(resource('ShiftDashtrafficLambdaEvConf').Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3_600,
      DestinationConfig: { OnFailure: { Destination: GET_ATT('ShiftTrafficDeadLetterQueue') } },
    });
    expect(resource('ShiftTrafficDeadLetterQueue').Properties).toMatchObject({
      QueueName: 'ecs-autopilot-test-shift-traffic-dlq',
      MessageRetentionPeriod: 1_209_600,
    });
    expect(template.Outputs).toHaveProperty('ShiftTrafficDeadLetterQueueUrl');
  });

  it('creates no blue/green rule, schedule or bus policy, and grants shift-traffic nothing beyond its state, when automation.yml has no apps', () => {
    const blueGreen = Object.keys(template.Resources).filter((id) => /^Deploy|^ShiftTrafficWatchdog/.test(id));
    const schedules = ofType('AWS::Scheduler::Schedule').map(([, r]) => r.Properties.Name);

    expect(blueGreen).toEqual([]);
    expect(schedules).not.toContain('shift-traffic-watchdog');
    expect(ofType('AWS::Events::EventBusPolicy')).toEqual([]);
    expect(roleStatements('ShiftTrafficRole').map((s) => s.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      ['events:PutEvents'],
      ['sqs:SendMessage'],
    ]);
    expect(Object.keys(template.Outputs).filter((key) => key.startsWith('Deployment'))).toEqual([]);
  });

  it('sends stopped tasks and Spot notices of the configured clusters to on-task-stopped, with retries and a dead-letter queue', () => {
    const rule = resource('TaskEventsRule');

    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties).not.toHaveProperty('EventBusName');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: [SUB('cluster/batch'), SYNC_CLUSTER_ARN, SUB('cluster/workers'), WEB_CLUSTER_ARN],
        $or: [
          { lastStatus: ['STOPPED'] },
          { lastStatus: ['RUNNING'], desiredStatus: ['STOPPED'], stopCode: ['SpotInterruption', 'TerminationNotice'] },
        ],
      },
    });
    expect(rule.Properties.Targets).toEqual([
      {
        Id: 'on-task-stopped',
        Arn: GET_ATT(FUNCTIONS['on-task-stopped'].logicalId),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: GET_ATT('TaskEventsDeadLetterQueue') },
      },
    ]);
    expect(resource('TaskEventsDeadLetterQueue').Properties).toMatchObject({ QueueName: 'ecs-autopilot-test-task-events-dlq' });
    expect(resource('TaskEventsDeadLetterQueuePolicy').Properties).toMatchObject({
      Queues: [{ Ref: 'TaskEventsDeadLetterQueue' }],
      PolicyDocument: {
        Statement: [
          {
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': GET_ATT('TaskEventsRule') } },
          },
        ],
      },
    });
    expect(resource('TaskEventsInvokePermission').Properties).toEqual({
      FunctionName: GET_ATT(FUNCTIONS['on-task-stopped'].logicalId),
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: GET_ATT('TaskEventsRule'),
    });
  });

  it('sends the problems and recoveries ECS reports about the watched services to on-task-stopped, with retries and a dead-letter queue', () => {
    const rule = resource('ServiceEventsRule');

    expect(rule.Properties).not.toHaveProperty('EventBusName');
    expect(rule.Properties.EventPattern).toMatchObject({
      source: ['aws.ecs'],
      'detail-type': ['ECS Service Action', 'ECS Deployment State Change'],
      resources: ['arn:aws:ecs:eu-west-1:123456789012:service/web-prod/web', SUB('service/batch/reports'), SUB('service/batch/ledger-ui')],
      detail: {
        eventName: expect.arrayContaining([
          'SERVICE_TASK_PLACEMENT_FAILURE',
          'SERVICE_DEPLOYMENT_FAILED',
          'SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED',
          'ECS_OPERATION_THROTTLED',
          'SERVICE_DISCOVERY_INSTANCE_UNHEALTHY',
          'VPC_LATTICE_TARGET_UNHEALTHY',
          'SERVICE_STEADY_STATE',
        ]),
      },
    });
    expect(rule.Properties.Targets).toEqual([
      {
        Id: 'on-task-stopped',
        Arn: GET_ATT(FUNCTIONS['on-task-stopped'].logicalId),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: GET_ATT('ServiceEventsDeadLetterQueue') },
      },
    ]);
    expect(resource('ServiceEventsDeadLetterQueue').Properties).toMatchObject({ QueueName: 'ecs-autopilot-test-service-events-dlq' });
    expect(resource('ServiceEventsInvokePermission').Properties).toMatchObject({ SourceArn: GET_ATT('ServiceEventsRule') });
  });

  it('sends alert events of our bus to notify, which publishes to a topic with one email subscription per address', () => {
    expect(resource('AlertsRule').Properties).toMatchObject({
      EventBusName: GET_ATT('EventBus', 'Name'),
      EventPattern: { source: ['ecs-autopilot'], detail: { alert: { cluster: [{ exists: true }] } } },
      Targets: [
        {
          Id: 'notify',
          Arn: GET_ATT(FUNCTIONS.notify.logicalId),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: GET_ATT('AlertsDeadLetterQueue') },
        },
      ],
    });
    expect(resource('AlertsInvokePermission').Properties).toMatchObject({ SourceArn: GET_ATT('AlertsRule') });
    expect(resource('AlertsDeadLetterQueuePolicy').Properties).toMatchObject({
      PolicyDocument: { Statement: [{ Condition: { ArnEquals: { 'aws:SourceArn': GET_ATT('AlertsRule') } } }] },
    });
    expect(resource('AlertTopic').Properties).toMatchObject({ TopicName: 'ecs-autopilot-test-alerts' });
    expect(ofType('AWS::SNS::Subscription').map(([, r]) => r.Properties)).toEqual([
      { TopicArn: { Ref: 'AlertTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' },
      { TopicArn: { Ref: 'AlertTopic' }, Protocol: 'email', Endpoint: 'oncall@example.com' },
    ]);
    expect(template.Outputs).toHaveProperty('AlertTopicArn');
  });

  it('takes the ends of the runs of the jobs others run after to run-batch-job (a chained job has no schedule), dead-lettered, invoked by that rule only', () => {
    expect(ofType('AWS::Scheduler::Schedule').map(([, r]) => r.Properties.Name)).not.toContain('nightly-summary');
    expect(resource('JobChainsRule').Properties).toMatchObject({
      EventBusName: GET_ATT('EventBus', 'Name'),
      EventPattern: {
        source: ['ecs-autopilot'],
        'detail-type': [
          'Job Run Succeeded',
          'Job Run Failed',
          'Job Run Timed Out',
          'Job Run Skipped',
          'Job Run Missed',
          'Job Run Replaced',
        ],
        detail: { job: ['nightly-report'] },
      },
      Targets: [
        {
          Id: 'run-batch-job',
          Arn: GET_ATT(FUNCTIONS['run-batch-job'].logicalId),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: GET_ATT('JobChainsDeadLetterQueue') },
        },
      ],
    });
    expect(resource('JobChainsDeadLetterQueue').Properties).toMatchObject({ QueueName: 'ecs-autopilot-test-job-chains-dlq' });
    expect(template.Outputs).toHaveProperty('JobChainsDeadLetterQueueUrl');
    expect(resource('JobChainsInvokePermission').Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: GET_ATT('JobChainsRule'),
    });
    expect(resource('JobChainsDeadLetterQueuePolicy').Properties).toMatchObject({
      PolicyDocument: { Statement: [{ Condition: { ArnEquals: { 'aws:SourceArn': GET_ATT('JobChainsRule') } } }] },
    });
    // Reading the upstreams' runs for a period is a Query of the run history it already had.
    expect(statementsAllowing('RunBatchJobRole', 'dynamodb:Query')).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] }),
    ]);
  });

  it('creates the state table (kept on delete), the event bus and the outputs', () => {
    expect(resource('StateTable')).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        TableName: 'ecs-autopilot-test-state',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
    // The alert groups' index (`alerts`, inhibition), keys only, beside the maxRuntime watchdog's.
    expect(resource('StateTable').Properties.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({ IndexName: 'by-deadline' }),
      {
        IndexName: 'alert-groups',
        KeySchema: [
          { AttributeName: 'alertList', KeyType: 'HASH' },
          { AttributeName: 'alertStatus', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    expect(resource('EventBus').Properties).toEqual({ Name: 'ecs-autopilot-test' });
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['StateTableName', 'EventBusName', 'EventBusArn', 'ScheduleDeadLetterQueueUrl']),
    );
  });

  it('gives scale-service a minute, two retries within an hour, and its own dead-letter queue', () => {
    expect(resource(FUNCTIONS['scale-service'].logicalId).Properties).toMatchObject({ Timeout: 60, MemorySize: 256 });
    expect(resource('ScaleDashserviceLambdaEvConf').Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3_600,
      DestinationConfig: { OnFailure: { Destination: GET_ATT('ScaleServiceDeadLetterQueue') } },
    });
    expect(statementsAllowing('ScaleServiceRole', 'sqs:SendMessage')).toEqual([
      expect.objectContaining({ Resource: [GET_ATT('ScaleServiceDeadLetterQueue')] }),
    ]);
    expect(resource('ScaleServiceDeadLetterQueue').Properties).toMatchObject({
      QueueName: 'ecs-autopilot-test-scale-service-dlq',
      MessageRetentionPeriod: 1_209_600,
    });
    expect(template.Outputs).toHaveProperty('ScaleServiceDeadLetterQueueUrl');
  });

  it('fires scale-service at the boundaries of each scaled service’s periods, in its zone, with its key', () => {
    const schedules = ofType('AWS::Scheduler::Schedule')
      .map(([, r]) => r.Properties)
      .filter((p) => String(p.Name).startsWith('scale-'));
    const target = {
      Arn: GET_ATT(FUNCTIONS['scale-service'].logicalId),
      RoleArn: GET_ATT('SchedulerRole'),
      DeadLetterConfig: { Arn: GET_ATT('ScheduleDeadLetterQueue') },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
    };

    expect(
      schedules.map((p) => ({
        name: p.Name,
        expression: p.ScheduleExpression,
        zone: p.ScheduleExpressionTimezone,
        input: JSON.parse((p.Target as { Input: string }).Input),
      })),
    ).toEqual(FIXTURE_SCALING_SCHEDULES);
    for (const p of schedules) {
      expect(p, String(p.Name)).toMatchObject({
        GroupName: { Ref: 'ScheduleGroup' },
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target,
      });
    }
  });

  it('lets scale-service update only the scaled services and register only ECS desired-count bounds', () => {
    expect(statementsAllowing('ScaleServiceRole', 'ecs:UpdateService')).toEqual([
      expect.objectContaining({
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: ['arn:aws:ecs:eu-west-1:123456789012:service/web-prod/web', SUB('service/batch/reports')],
      }),
    ]);
    expect(statementsAllowing('ScaleServiceRole', 'application-autoscaling:RegisterScalableTarget')).toEqual([
      expect.objectContaining({
        Action: ['application-autoscaling:RegisterScalableTarget'],
        Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:application-autoscaling:\${AWS::Region}:\${AWS::AccountId}:scalable-target/*` }],
        Condition: {
          StringEquals: {
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      }),
    ]);
    expect(statementsAllowing('ScaleServiceRole', 'dynamodb:UpdateItem')).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        Resource: [GET_ATT('StateTable')],
      }),
    ]);
    expect(statementsAllowing('ScaleServiceRole', 'events:PutEvents')).toEqual([
      expect.objectContaining({ Resource: [GET_ATT('EventBus')] }),
    ]);
    expect(
      ofType('AWS::IAM::Role')
        .filter(([id]) =>
          roleStatements(id).some((s) =>
            asArray(s.Action).some((a) => a === 'ecs:UpdateService' || a.startsWith('application-autoscaling:')),
          ),
        )
        .map(([id]) => id),
    ).toEqual(['ScaleServiceRole']);
  });

  it('alarms to the alert topic on any message in each of its dead-letter queues, and on each function’s errors and throttles', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const watched = (namespace: string, metric: string) =>
      alarms
        .filter((a) => a.Namespace === namespace && a.MetricName === metric)
        .map((a) => (a.Dimensions as { Value: unknown }[])[0]?.Value)
        .sort();
    const queueNames = ofType('AWS::SQS::Queue').map(([, r]) => r.Properties.QueueName);
    // The names osls deployed the functions under, as the alarms must spell them; reconcile-schedules runs at
    // deploy time only, where its failure fails the deploy, so no alarm watches it.
    const functionNames = ofType('AWS::Lambda::Function')
      .map(([, r]) => r.Properties.FunctionName)
      .filter((name) => name !== RECONCILER);

    expect(queueNames).toHaveLength(10);
    expect(watched('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toEqual([...queueNames].sort());
    expect(functionNames).toHaveLength(6);
    expect(watched('AWS/Lambda', 'Errors')).toEqual([...functionNames].sort());
    expect(watched('AWS/Lambda', 'Throttles')).toEqual([...functionNames].sort());
    expect(alarms).toHaveLength(10 + 2 * 6);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: 'AlertTopic' }],
        OKActions: [{ Ref: 'AlertTopic' }],
      });
      expect(alarm.AlarmName).toMatch(/^ecs-autopilot-test-/);
    }
    expect(resource('AlertTopicPolicy').Properties).toMatchObject({
      Topics: [{ Ref: 'AlertTopic' }],
      PolicyDocument: {
        Statement: [
          {
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:ecs-autopilot-test-*`,
                },
              },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          },
        ],
      },
    });
  });

  it('has a dashboard of the dead-letter queues and the functions, its URL an output', () => {
    const body = JSON.parse((resource('Dashboard').Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as {
      widgets: { properties: { metrics: string[][] } }[];
    };
    const shown = body.widgets.flatMap((w) => w.properties.metrics.map(([, metric, , name]) => `${metric} ${name}`));
    const functionNames = ofType('AWS::Lambda::Function')
      .map(([, r]) => String(r.Properties.FunctionName))
      .filter((name) => name !== RECONCILER);

    expect(resource('Dashboard').Properties.DashboardName).toBe('ecs-autopilot-test');
    for (const [, queue] of ofType('AWS::SQS::Queue'))
      expect(shown).toContain(`ApproximateNumberOfMessagesVisible ${queue.Properties.QueueName}`);
    for (const name of functionNames)
      for (const metric of ['Errors', 'Throttles', 'Duration']) expect(shown).toContain(`${metric} ${name}`);
    expect(template.Outputs.DashboardUrl).toMatchObject({
      Value: { 'Fn::Sub': expect.stringContaining(`#dashboards:name=\${Dashboard}`) },
    });
  });

  it("searches the functions' metrics namespace for the job, restart, alert and scaling metrics the code emits", () => {
    const shown = ownMetricSearches(template);

    expect(new Set(shown.map((s) => s.namespace))).toEqual(new Set([metricsNamespaceOf(template)]));
    expect(metricsNamespaceOf(template)).toBe('ecs-autopilot-test');
    expect(shown.map(({ name, dimensions }) => ({ name, dimensions })).filter((s) => !EMITTED.some((e) => equal(e, s)))).toEqual([]);
    expect(new Set(shown.map((s) => s.name))).toEqual(new Set(EMITTED.map((e) => e.name).filter((name) => !name.startsWith('Deployment'))));
  });

  it('grants no cloudwatch:PutMetricData: the functions write their metrics to their own logs (EMF)', () => {
    const putters = ofType('AWS::IAM::Role').flatMap(([id]) => statementsAllowing(id, 'cloudwatch:PutMetricData').map(() => id));

    expect(putters).toEqual([]);
  });

  it('passes cfn-lint without errors, its only warnings the known ones', async () => {
    const { errors, warnings } = await cfnLint(path.join(run.outDir, 'cloudformation-template-update-stack.json'));

    expect(errors.map((e) => `${e.Rule.Id} ${e.Location.Path.join('/')}: ${e.Message}`)).toEqual([]);
    expect([...new Set(warnings.map((w) => w.Rule.Id))].filter((id) => !KNOWN_LINT_WARNINGS.includes(id))).toEqual([]);
  });

  it('refers only to resources that exist in the template', () => {
    expect(danglingReferences(template.Resources, template.Outputs)).toEqual([]);
  });

  it('has no circular dependency between its resources', () => {
    expect(referenceCycles(template.Resources)).toEqual([]);
  });

  it("holds ours and osls's resources as the limit check counts them, the bytes within its estimate", () => {
    const names = { service: 'ecs-autopilot', stage: 'test' };
    const ours = stackResources(loadAutomationFile(path.join(ROOT, VALID_FIXTURE), 'test'), names);
    // And reconcile-schedules, the deploy-time function (shared/stack/reconciled-schedules.ts).
    const functions = Object.keys(FUNCTIONS).length + 1;

    expect(Object.keys(template.Resources).length).toBe(
      Object.keys(ours.Resources).length + functions * SERVERLESS_RESOURCES_PER_FUNCTION + SERVERLESS_RESOURCES_ONCE,
    );
    const oslsBytes = JSON.stringify(template).length - JSON.stringify(ours).length;
    expect(oslsBytes).toBeLessThan(functions * SERVERLESS_BYTES_PER_FUNCTION);
    expect(limitProblems(ours, names)).toEqual([]);
  });

  it('lays the stage overlay (automation.test.yml for --stage test) over the automation file', () => {
    const schedule = ofType('AWS::Scheduler::Schedule').find(([, resource]) => resource.Properties.Name === 'hourly-sync');

    expect(schedule?.[1].Properties.Description).toBe("Pulls orders from the shop's test API.");
  });

  it.each(Object.keys(FUNCTIONS))('ships %s as an .mjs bundle with the automation.yml it was generated from, as JSON', (name) => {
    const entries = zipEntries(path.join(run.outDir, `${name}.zip`));

    expect([...entries.keys()].sort()).toEqual(['automation.json', `functions/${name}.mjs`]);
    // Validated and resolved at package time, so a cold start runs no YAML parser and no schema; with the stage's overlay.
    const shipped = JSON.parse(entries.get('automation.json')?.toString('utf8') ?? '');
    expect(shipped).toEqual({
      format: 'ecs-autopilot/resolved-automation@1',
      source: 'automation.yml + automation.test.yml',
      automation: JSON.parse(JSON.stringify(loadAutomationFile(path.join(ROOT, VALID_FIXTURE), 'test'))),
    });
    expect(shipped.automation.jobs['hourly-sync'].description).toBe("Pulls orders from the shop's test API.");
    expect(entries.get(`functions/${name}.mjs`)?.toString('utf8')).toMatch(/^import \{ createRequire as __createRequire \}/);
  });
});

/** The blue/green fixture's load balancer, its apps' services, alarms and deployers. */
const ELB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const LISTENER = `${ELB}:listener/app/shop/0123456789abcdef/1111111111111111`;
const LISTENER_RULE = `${ELB}:listener-rule/app/shop/0123456789abcdef/1111111111111111/2222222222222222`;
/** search's HTTPS listener of the shop ALB, its NLB listener and the rule of the internal ALB. */
const SEARCH_LISTENERS = [
  `${ELB}:listener/app/shop/0123456789abcdef/3333333333333333`,
  `${ELB}:listener/net/search-tcp/0a0a0a0a0a0a0a0a/6666666666666666`,
];
const SEARCH_RULE = `${ELB}:listener-rule/app/shop-internal/fedcba9876543210/4444444444444444/5555555555555555`;
const APP_SERVICES = [
  'arn:aws:ecs:eu-west-1:123456789012:service/web-prod/storefront-blue',
  'arn:aws:ecs:eu-west-1:123456789012:service/web-prod/storefront-green',
  SUB('service/shop/checkout-blue'),
  SUB('service/shop/checkout-green'),
  SUB('service/shop/search-blue'),
  SUB('service/shop/search-green'),
];
const GATE_ALARMS = ['shop-5xx', 'checkout-p99-latency'];
const DEPLOYERS = ['arn:aws:iam::123456789012:role/ci-deployer', 'arn:aws:iam::210987654321:root'];
const REQUEST_TYPES = [
  'Deployment Requested',
  'Deployment Promotion Requested',
  'Deployment Abort Requested',
  'Deployment Retry Requested',
  'Deployment Undo Requested',
];
const RULE_TARGET_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

/** An Allow statement as the stack writes them. */
const allow = (Sid: string, Action: string[], Resource: unknown[], Condition?: Statement['Condition']) => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition && { Condition }),
});

/** A template value with the stack's pseudo-parameters filled in as the fixture's account and region would. */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (value === null || typeof value !== 'object') return value;
  const sub = (value as Record<string, unknown>)['Fn::Sub'];
  if (typeof sub === 'string') {
    return sub
      .replaceAll(`\${AWS::Partition}`, 'aws')
      .replaceAll(`\${AWS::Region}`, 'eu-west-1')
      .replaceAll(`\${AWS::AccountId}`, '123456789012');
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolved(inner)]));
}

/** Every policy statement anywhere in the template: roles, queue policies, the bus policy, osls's bucket policy. */
function allStatements(template: Template): { at: string; statement: Statement & { Effect?: string } }[] {
  const found: { at: string; statement: Statement & { Effect?: string } }[] = [];
  const visit = (node: unknown, at: string): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        visit(item, `${at}[${index}]`);
      });
      return;
    }
    const record = node as Record<string, unknown>;
    if ('Effect' in record && 'Action' in record) found.push({ at, statement: record as unknown as Statement & { Effect?: string } });
    for (const [key, inner] of Object.entries(record)) visit(inner, `${at}.${key}`);
  };
  for (const [id, r] of Object.entries(template.Resources)) visit(r.Properties, id);
  return found;
}

describe('serverless package with blue/green apps', { timeout: TIMEOUT }, () => {
  let template: Template;
  let outDir: string;
  const { resource, roleStatements, statementsAllowing, ofType } = templateLookups(() => template);
  const pattern = (ruleId: string) => resolved(resource(ruleId).Properties.EventPattern) as Record<string, unknown>;

  beforeAll(async () => {
    const packagedRun = await packaged(BLUE_GREEN_FIXTURE);
    ({ template } = packagedRun);
    outDir = packagedRun.run.outDir;
  }, TIMEOUT);

  it('alarms on each of its ten dead-letter queues (no task-events rule: it watches no tasks), and passes cfn-lint without errors', async () => {
    const queueNames = ofType('AWS::SQS::Queue').map(([, r]) => r.Properties.QueueName);
    const watchedQueues = ofType('AWS::CloudWatch::Alarm')
      .filter(([, r]) => r.Properties.Namespace === 'AWS/SQS')
      .map(([, r]) => (r.Properties.Dimensions as { Value: unknown }[])[0]?.Value);

    expect(queueNames).toHaveLength(10);
    expect(watchedQueues.sort()).toEqual([...queueNames].sort());
    const { errors } = await cfnLint(path.join(outDir, 'cloudformation-template-update-stack.json'));
    expect(errors.map((e) => `${e.Rule.Id} ${e.Location.Path.join('/')}: ${e.Message}`)).toEqual([]);
  });

  it.each([
    [
      'DeploymentRequestsRule',
      'DeploymentRequestsDeadLetterQueue',
      'DeploymentRequestsDeadLetterQueuePolicy',
      'DeploymentRequestsInvokePermission',
      'ecs-autopilot-test-deployment-requests-dlq',
    ],
    [
      'DeploymentServiceEventsRule',
      'DeploymentServiceEventsDeadLetterQueue',
      'DeploymentServiceEventsDeadLetterQueuePolicy',
      'DeploymentServiceEventsInvokePermission',
      'ecs-autopilot-test-deployment-ecs-events-dlq',
    ],
    [
      'DeploymentAlarmsRule',
      'DeploymentAlarmsDeadLetterQueue',
      'DeploymentAlarmsDeadLetterQueuePolicy',
      'DeploymentAlarmsInvokePermission',
      'ecs-autopilot-test-deployment-alarms-dlq',
    ],
  ])(
    '%s invokes shift-traffic, retries for a day, dead-letters into its own queue, and alone may invoke it',
    (ruleId, queueId, queuePolicyId, permissionId, queueName) => {
      expect(resource(ruleId).Properties).toMatchObject({
        State: 'ENABLED',
        Targets: [
          {
            Id: 'shift-traffic',
            Arn: GET_ATT(FUNCTIONS['shift-traffic'].logicalId),
            RetryPolicy: RULE_TARGET_RETRY,
            DeadLetterConfig: { Arn: GET_ATT(queueId) },
          },
        ],
      });
      expect(resource(queueId).Properties).toMatchObject({ QueueName: queueName, MessageRetentionPeriod: 1_209_600 });
      expect(resource(queuePolicyId).Properties).toEqual({
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DeadLettersOfTheRule',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: GET_ATT(queueId),
              Condition: { ArnEquals: { 'aws:SourceArn': GET_ATT(ruleId) } },
            },
          ],
        },
      });
      expect(resource(permissionId).Properties).toEqual({
        FunctionName: GET_ATT(FUNCTIONS['shift-traffic'].logicalId),
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: GET_ATT(ruleId),
      });
    },
  );

  it('takes the deployment requests from our bus, and none of shift-traffic’s own events', () => {
    const requests = resource('DeploymentRequestsRule').Properties;
    const request = (detailType: string) => ({ source: 'ecs-autopilot', 'detail-type': detailType, detail: { app: 'checkout' } });

    expect(requests.EventBusName).toEqual(GET_ATT('EventBus', 'Name'));
    expect(requests.EventPattern).toEqual({ source: ['ecs-autopilot'], 'detail-type': REQUEST_TYPES });
    for (const detailType of REQUEST_TYPES)
      expect(matchesEventPattern(pattern('DeploymentRequestsRule'), request(detailType)), detailType).toBe(true);
    for (const detailType of ['Deployment Started', 'Deployment Rejected', 'Deployment Rolled Back', 'Job Run Failed']) {
      expect(matchesEventPattern(pattern('DeploymentRequestsRule'), request(detailType)), detailType).toBe(false);
    }
  });

  it('takes the rollout and service events of the apps’ six services from the default bus, by service ARN', () => {
    const ecsEvent = (detailType: string, service: string) => ({
      source: 'aws.ecs',
      'detail-type': detailType,
      resources: [`arn:aws:ecs:eu-west-1:123456789012:service/${service}`],
      detail: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
    });

    expect(resource('DeploymentServiceEventsRule').Properties).not.toHaveProperty('EventBusName');
    expect(resource('DeploymentServiceEventsRule').Properties.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Deployment State Change', 'ECS Service Action'],
      resources: APP_SERVICES,
    });
    expect(
      matchesEventPattern(pattern('DeploymentServiceEventsRule'), ecsEvent('ECS Deployment State Change', 'shop/checkout-green')),
    ).toBe(true);
    expect(matchesEventPattern(pattern('DeploymentServiceEventsRule'), ecsEvent('ECS Service Action', 'web-prod/storefront-blue'))).toBe(
      true,
    );
    expect(matchesEventPattern(pattern('DeploymentServiceEventsRule'), ecsEvent('ECS Deployment State Change', 'shop/reports'))).toBe(
      false,
    );
    expect(matchesEventPattern(pattern('DeploymentServiceEventsRule'), ecsEvent('ECS Task State Change', 'shop/checkout-green'))).toBe(
      false,
    );
  });

  it('takes the state changes of the gate alarms, each named once, from the default bus', () => {
    const alarmEvent = (alarmName: string) => ({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName, state: { value: 'ALARM' } },
    });

    expect(resource('DeploymentAlarmsRule').Properties).not.toHaveProperty('EventBusName');
    expect(resource('DeploymentAlarmsRule').Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: GATE_ALARMS },
    });
    expect(matchesEventPattern(pattern('DeploymentAlarmsRule'), alarmEvent('checkout-p99-latency'))).toBe(true);
    expect(matchesEventPattern(pattern('DeploymentAlarmsRule'), alarmEvent('billing-estimate'))).toBe(false);
  });

  it('ticks shift-traffic every minute from the stack’s schedule group, through the scheduler role', () => {
    const [watchdog, ...more] = ofType('AWS::Scheduler::Schedule').filter(([, r]) => r.Properties.Name === 'shift-traffic-watchdog');

    expect(more).toEqual([]);
    expect(watchdog?.[0]).toBe('ShiftTrafficWatchdogSchedule');
    expect(watchdog?.[1].Properties).toEqual({
      Name: 'shift-traffic-watchdog',
      GroupName: { Ref: 'ScheduleGroup' },
      Description: expect.any(String),
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: GET_ATT(FUNCTIONS['shift-traffic'].logicalId),
        RoleArn: GET_ATT('SchedulerRole'),
        DeadLetterConfig: { Arn: GET_ATT('ScheduleDeadLetterQueue') },
        Input: '{"tick":true}',
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
    expect(statementsAllowing('SchedulerRole', 'lambda:InvokeFunction')).toEqual([
      expect.objectContaining({ Resource: Object.keys(FUNCTIONS).map(FUNCTION_ARN) }),
    ]);
  });

  it('lets the deployers put only the three requests on our bus', () => {
    const [[id, policy] = [], ...more] = ofType('AWS::Events::EventBusPolicy');

    expect(more).toEqual([]);
    expect(id).toBe('DeployersEventBusPolicy');
    expect(policy?.Properties).toEqual({
      EventBusName: GET_ATT('EventBus', 'Name'),
      StatementId: 'DeployersPutDeploymentRequests',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: DEPLOYERS },
        Action: 'events:PutEvents',
        Resource: GET_ATT('EventBus'),
        Condition: { StringEquals: { 'events:source': 'ecs-autopilot', 'events:detail-type': REQUEST_TYPES } },
      },
    });
  });

  it('grants shift-traffic exactly the configured listener, rule, services, families, roles and alarms, and "*" only where IAM cannot scope', () => {
    // storefront's and search's family is their name; checkout names two.
    const allowedRevisions = ['storefront', 'checkout', 'checkout-arm', 'search'].map((family) => SUB(`task-definition/${family}:*`));

    expect(roleStatements('ShiftTrafficRole')).toEqual([
      allow(
        'WriteOwnLogs',
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        [{ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:\${ShiftDashtrafficLogGroup}:*` }],
      ),
      allow(
        'ReadAndWriteDeployments',
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        [GET_ATT('StateTable')],
      ),
      allow('PublishDecisions', ['events:PutEvents'], [GET_ATT('EventBus')]),
      // storefront shifts the listener's default action; checkout shifts a rule of the same listener;
      // search two more listeners (one of an NLB) and a rule of another load balancer.
      allow('ShiftListenerWeights', ['elasticloadbalancing:ModifyListener'], [LISTENER, ...SEARCH_LISTENERS]),
      allow('ShiftListenerRuleWeights', ['elasticloadbalancing:ModifyRule'], [LISTENER_RULE, SEARCH_RULE]),
      allow(
        'ReadListenersRulesAndTargetHealth',
        ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetHealth'],
        ['*'],
      ),
      allow('DeployConfiguredServices', ['ecs:DescribeServices', 'ecs:UpdateService'], APP_SERVICES),
      allow('DescribeTaskDefinitions', ['ecs:DescribeTaskDefinition'], ['*']),
      allow('RegisterRevisionsFromImages', ['ecs:RegisterTaskDefinition'], allowedRevisions),
      allow('TagRevisionsAtRegistration', ['ecs:TagResource'], allowedRevisions, {
        StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
      }),
      // The roles the apps name, each once, and nothing else of the account.
      allow(
        'PassTaskRolesOfRegisteredRevisions',
        ['iam:PassRole'],
        ['arn:aws:iam::123456789012:role/shop-execution', 'arn:aws:iam::123456789012:role/storefront-task'],
        { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      ),
      allow(
        'ReadGateAlarms',
        ['cloudwatch:DescribeAlarms'],
        GATE_ALARMS.map((name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${name}` })),
      ),
      allow('ReadGateMetrics', ['cloudwatch:GetMetricData'], ['*']),
      // Test before traffic: storefront's test listener, checkout's test rule; storefront's smoke-test task
      // in its cluster only, with the two roles it names; checkout's hook function.
      allow('PointTestListeners', ['elasticloadbalancing:ModifyListener'], [`${ELB}:listener/app/shop/0123456789abcdef/3333333333333333`]),
      allow(
        'PointTestListenerRules',
        ['elasticloadbalancing:ModifyRule'],
        [`${ELB}:listener-rule/app/shop/0123456789abcdef/1111111111111111/4444444444444444`],
      ),
      allow('RunHookTasks', ['ecs:RunTask'], [SUB('task-definition/storefront-smoke:*')], {
        ArnEquals: { 'ecs:cluster': ['arn:aws:ecs:eu-west-1:123456789012:cluster/web-prod'] },
      }),
      allow('ReadHookTasks', ['ecs:DescribeTasks'], ['arn:aws:ecs:eu-west-1:123456789012:task/web-prod/*']),
      allow(
        'PassHookTaskRoles',
        ['iam:PassRole'],
        ['arn:aws:iam::123456789012:role/shop-execution', 'arn:aws:iam::123456789012:role/smoke-task'],
        { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      ),
      allow('InvokeHookFunctions', ['lambda:InvokeFunction'], ['arn:aws:lambda:eu-west-1:123456789012:function:checkout-check']),
      // The colours' scalable targets: bounds copied, the live colour's scale-in suspended and put back.
      // A target's ARN ends in an id AWS assigns, so the conditions narrow it to ECS services' desired counts.
      allow(
        'SetEcsServiceScalingBounds',
        ['application-autoscaling:RegisterScalableTarget'],
        [{ 'Fn::Sub': `arn:\${AWS::Partition}:application-autoscaling:\${AWS::Region}:\${AWS::AccountId}:scalable-target/*` }],
        {
          StringEquals: {
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      ),
      allow('DescribeScalableTargets', ['application-autoscaling:DescribeScalableTargets'], ['*']),
      allow('DeadLetterFailedDeploymentEvents', ['sqs:SendMessage'], [GET_ATT('ShiftTrafficDeadLetterQueue')]),
    ]);
    const touchingApps = ofType('AWS::IAM::Role')
      .filter(([id]) =>
        roleStatements(id).some((s) =>
          asArray(s.Action).some((a) => a.startsWith('elasticloadbalancing:') || a.startsWith('cloudwatch:') || a === 'ecs:UpdateService'),
        ),
      )
      .map(([id]) => id);
    expect(touchingApps).toEqual(['ShiftTrafficRole']);
  });

  it('has no wildcard action in any statement that allows, anywhere in the template', () => {
    const statements = allStatements(template);
    const allowing = statements.filter(({ statement }) => statement.Effect === 'Allow');

    expect(allowing.length).toBeGreaterThan(20);
    for (const { at, statement } of allowing)
      expect(
        asArray(statement.Action).filter((a) => a.includes('*')),
        at,
      ).toEqual([]);
    // The only other: osls's deployment bucket policy, which denies s3:* without TLS.
    expect(statements.filter(({ statement }) => statement.Effect !== 'Allow').map(({ at }) => at)).toEqual([
      'ServerlessDeploymentBucketPolicy.PolicyDocument.Statement[0]',
    ]);
  });

  it("searches the functions' metrics namespace for the deployment metrics the code emits", () => {
    const shown = ownMetricSearches(template);

    expect(new Set(shown.map((s) => s.namespace))).toEqual(new Set([metricsNamespaceOf(template)]));
    expect(shown.map(({ name, dimensions }) => ({ name, dimensions })).filter((s) => !EMITTED.some((e) => equal(e, s)))).toEqual([]);
    expect(shown.map((s) => s.name)).toEqual(
      expect.arrayContaining(['DeploymentOutcomes', 'DeploymentDuration', 'DeploymentStepDuration']),
    );
  });

  it('creates a topic per notifications.topics entry with its subscriptions, and lets notify publish to exactly the topics its routes name', () => {
    const oncall = ofType('AWS::SNS::Topic').filter(([, r]) => r.Properties.TopicName === 'ecs-autopilot-test-alerts-oncall');
    expect(oncall).toHaveLength(1);
    const [oncallId] = oncall[0] as [string, Resource];
    expect(
      ofType('AWS::SNS::Subscription')
        .map(([, r]) => r.Properties)
        .filter((p) => JSON.stringify(p.TopicArn) === JSON.stringify({ Ref: oncallId })),
    ).toEqual([
      { TopicArn: { Ref: oncallId }, Protocol: 'email', Endpoint: 'pager@example.com' },
      { TopicArn: { Ref: oncallId }, Protocol: 'email', Endpoint: 'oncall@example.com' },
    ]);
    expect(ofType('AWS::SNS::Subscription').map(([, r]) => r.Properties)).toContainEqual({
      TopicArn: { Ref: 'AlertTopic' },
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(ofType('AWS::SNS::Topic').map(([, r]) => r.Properties.TopicName)).toEqual([
      'ecs-autopilot-test-alerts',
      'ecs-autopilot-test-alerts-oncall',
    ]);

    const publishers = ofType('AWS::IAM::Role').flatMap(([id]) => statementsAllowing(id, 'sns:Publish').map((s) => [id, s.Resource]));
    expect(publishers).toEqual([
      ['NotifyRole', [{ Ref: 'AlertTopic' }, { Ref: oncallId }, 'arn:aws:sns:eu-west-1:210987654321:platform-alerts']],
    ]);
    // The stack's alarms publish to the alert topic through its policy; the routes' topics have none.
    expect(ofType('AWS::SNS::TopicPolicy').map(([, r]) => r.Properties.Topics)).toEqual([[{ Ref: 'AlertTopic' }]]);
    expect(template.Outputs).toHaveProperty(`${oncallId}Arn`, expect.objectContaining({ Value: { Ref: oncallId } }));
    // notify finds the route's topic next to the alert topic, whose ARN its environment has.
    expect(resource(FUNCTIONS.notify.logicalId).Properties).toMatchObject({
      Environment: { Variables: { ALERT_TOPIC_ARN: { Ref: 'AlertTopic' } } },
    });
  });

  it('outputs the rules’ dead-letter queues, and refers only to resources that exist, without cycles', () => {
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining([
        'ShiftTrafficDeadLetterQueueUrl',
        'DeploymentRequestsDeadLetterQueueUrl',
        'DeploymentServiceEventsDeadLetterQueueUrl',
        'DeploymentAlarmsDeadLetterQueueUrl',
      ]),
    );
    expect(danglingReferences(template.Resources, template.Outputs)).toEqual([]);
    expect(referenceCycles(template.Resources)).toEqual([]);
  });
});

describe('serverless package with an invalid automation.yml', { timeout: TIMEOUT }, () => {
  it('fails and prints every problem on its own line with where it is written and its path, without a stack trace', async () => {
    const run = await serverlessPackage(INVALID_FIXTURE);

    expect(run.code).not.toBe(0);
    const lines = run.output.split('\n').map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        `${INVALID_FIXTURE}:7:15 jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`,
        `${INVALID_FIXTURE}:12:5 jobs.hourly-sync.concurency: unknown key (did you mean "concurrency"?)`,
        expect.stringMatching(
          /^test\/packaging\/fixtures\/invalid-automation\.yml:10:15 jobs\.hourly-sync\.schedule: "rate\(\$\{opt:stage\} minutes\)" contains "\$\{", which serverless would/,
        ),
      ]),
    );
    expect(run.output).toContain(`${INVALID_FIXTURE} is not valid:`);
    expect(run.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});

/**
 * Issue 16's scale targets, packaged once (test/helpers/scale-config.ts): 1,000 jobs, 200 watched tasks,
 * 300 scaled services, 100 apps over 100 clusters, with `permissions: tagged`. Every limit the check
 * knows holds on the packaged template itself (osls's resources and bytes included), which cfn-lint
 * accepts too: its schedules reconciled at deploy time, its roles' permissions in managed policies, its
 * rules split.
 */
describe('serverless package at the scale targets', { timeout: SCALE_TIMEOUT }, () => {
  let template: Template;
  let templateBytes: number;
  let templateFile: string;
  const names = { service: 'ecs-autopilot', stage: 'test' };
  const { ofType } = templateLookups(() => template);

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-scale-'));
    tempDirs.push(dir);
    const file = path.join(dir, 'automation.yml');
    writeFileSync(file, stringify({ ...scaleConfig(), permissions: 'tagged' }));
    const { run, template: packagedTemplate } = await packaged(file, SCALE_TIMEOUT - 5_000);
    template = packagedTemplate;
    templateFile = path.join(run.outDir, 'cloudformation-template-update-stack.json');
    templateBytes = statSync(templateFile).size;
  }, SCALE_TIMEOUT);

  it('is within every AWS limit the check knows, measured on the packaged template', () => {
    const counted = { Resources: template.Resources as StackResources['Resources'], Outputs: {} };

    expect(limitProblems(counted, names)).toEqual([]);
    expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(AWS_LIMITS.templateResources);
    expect(templateBytes).toBeLessThanOrEqual(AWS_LIMITS.templateBytes);
  });

  it("leaves its 1,300 schedules to the reconciler, splits its rules and moves its roles' largest statements into managed policies", () => {
    const schedules = ofType('AWS::Scheduler::Schedule').map(([, r]) => r.Properties.Name);
    const managedPerRole = ofType('AWS::IAM::Role').map(([id, r]) => [id, asArray(r.Properties.ManagedPolicyArns as unknown[]).length]);
    const taskEventRules = ofType('AWS::Events::Rule').filter(([id]) => id.startsWith('TaskEventsRule'));

    expect(schedules.sort()).toEqual(['enforce-max-runtime', 'shift-traffic-watchdog']);
    expect(ofType('Custom::ReconciledSchedules')).toHaveLength(1);
    expect(taskEventRules.length).toBeGreaterThan(1);
    expect(ofType('AWS::Events::Rule').length).toBeLessThanOrEqual(AWS_LIMITS.rulesPerBus);
    for (const [, count] of managedPerRole) expect(count).toBeLessThanOrEqual(AWS_LIMITS.managedPoliciesPerRole);
    expect(Object.fromEntries(managedPerRole.filter(([, count]) => Number(count) > 0))).toMatchObject({
      RunBatchJobRole: expect.any(Number),
      OnTaskStoppedRole: expect.any(Number),
      ScaleServiceRole: expect.any(Number),
      ShiftTrafficRole: expect.any(Number),
    });
  });

  it('passes cfn-lint without errors', async () => {
    const { errors } = await cfnLint(templateFile);

    expect(errors.map((e) => `${e.Rule.Id} ${e.Location.Path.join('/')}: ${e.Message}`)).toEqual([]);
  });
});
