/**
 * Runs `serverless package` offline (no AWS credentials, an empty HOME) and reads what it produced:
 * the CloudFormation template and the function zips. One run with a valid fixture serves every
 * assertion; a second run with an invalid fixture must fail with the problem lines.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAutomationFile } from '../../shared/config/load.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VALID_FIXTURE = 'test/packaging/fixtures/automation.yml';
const INVALID_FIXTURE = 'test/packaging/fixtures/invalid-automation.yml';
const TIMEOUT = 120_000;
const SUB = (resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:${resource}` });
const SYNC_CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/sync';
const FUNCTIONS = {
  'run-batch-job': { logicalId: 'RunDashbatchDashjobLambdaFunction', role: 'RunBatchJobRole' },
  'enforce-max-runtime': { logicalId: 'EnforceDashmaxDashruntimeLambdaFunction', role: 'EnforceMaxRuntimeRole' },
} as const;

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
function serverlessPackage(automationFile: string): Promise<Run & { outDir: string }> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-package-'));
  const home = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-home-'));
  tempDirs.push(outDir, home);
  const args = ['node_modules/osls/bin/serverless.js', 'package', '--stage', 'test', '--region', 'eu-west-1', '--package', outDir];
  const env = { PATH: process.env.PATH ?? '', HOME: home, AUTOMATION_FILE: automationFile };
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: TIMEOUT - 5_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}\n${stderr}`, outDir });
    });
  });
}

/** The entries of a zip file (stored or deflated, as serverless-esbuild writes them). */
function zipEntries(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = new Map<string, Buffer>();
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe('serverless package', { timeout: TIMEOUT }, () => {
  let run: Run & { outDir: string };
  let template: Template;

  const resource = (logicalId: string): Resource => {
    const found = template.Resources[logicalId];
    if (!found) throw new Error(`the template has no ${logicalId}`);
    return found;
  };
  const roleStatements = (logicalId: string): Statement[] =>
    (resource(logicalId).Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
  const statementsAllowing = (roleLogicalId: string, action: string) =>
    roleStatements(roleLogicalId).filter((s) => asArray(s.Action).includes(action));
  const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

  beforeAll(async () => {
    run = await serverlessPackage(VALID_FIXTURE);
    if (run.code !== 0) throw new Error(`serverless package failed (exit ${run.code}):\n${run.output}`);
    template = JSON.parse(readFileSync(path.join(run.outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  }, TIMEOUT);

  it('creates one enabled-or-disabled schedule per job, with its expression, time zone, retries and dead-letter queue', () => {
    const schedules = new Map(ofType('AWS::Scheduler::Schedule').map(([, r]) => [r.Properties.Name, r.Properties]));
    const runBatchJob = { 'Fn::GetAtt': [FUNCTIONS['run-batch-job'].logicalId, 'Arn'] };
    const dlq = { Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } };

    expect([...schedules.keys()].sort()).toEqual(['enforce-max-runtime', 'hourly-sync', 'nightly-report', 'paused-export']);
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
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: `functions/${name}.handler`,
      Role: { 'Fn::GetAtt': [fn.role, 'Arn'] },
      Environment: {
        Variables: {
          STATE_TABLE_NAME: { Ref: 'StateTable' },
          EVENT_BUS_NAME: { 'Fn::GetAtt': ['EventBus', 'Name'] },
          AUTOMATION_FILE: 'automation.json',
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
    ]);
    expect(runTask?.Condition).toEqual({ ArnEquals: { 'ecs:cluster': [SUB('cluster/batch'), SYNC_CLUSTER_ARN] } });
  });

  it('allows iam:PassRole only on the jobs’ roles, and only to ECS tasks', () => {
    const [passRole, ...more] = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Role')
      .flatMap((r) =>
        (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement),
      )
      .filter((s) => asArray(s.Action).includes('iam:PassRole'));

    expect(more).toEqual([]);
    expect(passRole?.Resource).toEqual([
      'arn:aws:iam::123456789012:role/ecs-task-execution',
      'arn:aws:iam::123456789012:role/nightly-report-task',
    ]);
    expect(passRole?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });

  it('has no wildcard action in any role, names a resource in every statement, and conditions any "*" resource', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(['EnforceMaxRuntimeRole', 'RunBatchJobRole', 'SchedulerRole']);

    for (const [id, role] of roles) {
      const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
      for (const statement of policies.flatMap((p) => p.PolicyDocument.Statement)) {
        const label = `${id} ${statement.Sid ?? JSON.stringify(statement.Action)}`;
        expect(
          asArray(statement.Action).filter((action) => action.includes('*')),
          label,
        ).toEqual([]);
        expect(asArray(statement.Resource).length, label).toBeGreaterThan(0);
        if (asArray(statement.Resource).includes('*')) {
          expect(statement.Action, label).toEqual(['ecs:ListTasks']);
          expect(statement.Condition, label).toEqual({ ArnEquals: { 'ecs:cluster': [SUB('cluster/batch'), SYNC_CLUSTER_ARN] } });
        }
      }
    }
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
    expect(resource('EventBus').Properties).toEqual({ Name: 'ecs-autopilot-test' });
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['StateTableName', 'EventBusName', 'EventBusArn', 'ScheduleDeadLetterQueueUrl']),
    );
  });

  it('refers only to resources that exist in the template', () => {
    const known = new Set(Object.keys(template.Resources));
    const missing: string[] = [];
    const visit = (value: unknown): void => {
      if (value === null || typeof value !== 'object') return;
      if (Array.isArray(value)) {
        for (const item of value) visit(item);
        return;
      }
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) missing.push(inner);
        if (key === 'Fn::GetAtt' && Array.isArray(inner)) missing.push(String(inner[0]));
        if (key === 'Fn::Sub' && typeof inner === 'string') {
          const names = [...inner.matchAll(/\$\{([^}!]+)\}/g)].map(([, name = '']) => name.split('.')[0] ?? name);
          missing.push(...names.filter((name) => !name.startsWith('AWS::')));
        }
        visit(inner);
      }
    };
    visit(template);

    expect(missing.filter((id) => !known.has(id))).toEqual([]);
  });

  it.each(Object.keys(FUNCTIONS))('ships %s as an .mjs bundle with the automation.yml it was generated from, as JSON', (name) => {
    const entries = zipEntries(path.join(run.outDir, `${name}.zip`));

    expect([...entries.keys()].sort()).toEqual(['automation.json', `functions/${name}.mjs`]);
    // Validated and resolved at package time, so a cold start runs no YAML parser and no schema.
    expect(JSON.parse(entries.get('automation.json')?.toString('utf8') ?? '')).toEqual({
      format: 'ecs-autopilot/resolved-automation@1',
      source: 'automation.yml',
      automation: JSON.parse(JSON.stringify(loadAutomationFile(path.join(ROOT, VALID_FIXTURE)))),
    });
    expect(entries.get(`functions/${name}.mjs`)?.toString('utf8')).toMatch(/^import \{ createRequire as __createRequire \}/);
  });
});

describe('serverless package with an invalid automation.yml', { timeout: TIMEOUT }, () => {
  it('fails and prints every problem on its own line with its path, without a stack trace', async () => {
    const run = await serverlessPackage(INVALID_FIXTURE);

    expect(run.code).not.toBe(0);
    const lines = run.output.split('\n').map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        'jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"',
        'jobs.hourly-sync.concurency: unknown key (did you mean "concurrency"?)',
        expect.stringMatching(/^jobs\.hourly-sync\.schedule: "rate\(\$\{opt:stage\} minutes\)" contains "\$\{", which serverless would/),
      ]),
    );
    expect(run.output).toContain(`${INVALID_FIXTURE} is not valid:`);
    expect(run.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});
