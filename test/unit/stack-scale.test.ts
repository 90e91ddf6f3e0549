/**
 * How the stack grows past AWS's limits (issue 16 §1), with plain objects: statements cut into parts
 * that grant exactly what they did, rules split the same way for the template and the sandbox,
 * `permissions: tagged`, and schedules past SCHEDULES_IN_TEMPLATE_MAX left to the deploy-time reconciler,
 * which is given the same schedules the template would have held.
 */
import { describe, expect, it } from 'vitest';
import { DeployedRules, emulatorResourceNames } from '../../sandbox/deployed-rules.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { AutomationInput } from '../../shared/config/schema.ts';
import { desiredSchedules } from '../../shared/schedules/desired.ts';
import { cutToFit } from '../../shared/stack/policy-split.ts';
import { RECONCILED_LOGICAL_IDS, SCHEDULES_IN_TEMPLATE_MAX } from '../../shared/stack/reconciled-schedules.ts';
import { type CfnResource, type PolicyStatement, type StackResources, stackResources } from '../../shared/stack/resources.ts';

const NAMES = { service: 'ecs-autopilot', stage: 'qa' };
const NOW = new Date('2026-12-07T12:00:00Z');
const stackOf = (config: AutomationInput) => stackResources(validateAutomation(config), NAMES, NOW);
const statementsOf = (stack: StackResources, roleId: string): PolicyStatement[] =>
  Object.entries(stack.Resources)
    .filter(([id]) => id === roleId || id.startsWith(`${roleId}ManagedPolicy`))
    .flatMap(([, resource]) =>
      resource.Type === 'AWS::IAM::Role'
        ? (resource.Properties.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap(
            (p) => p.PolicyDocument.Statement,
          )
        : (resource.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement,
    );
const jobs = (count: number, extra: (i: number) => object = () => ({})) =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `job-${i}`,
      { schedule: 'cron(0 2 * * ? *)', cluster: `cluster-${i % 40}`, taskDefinition: `family-${i}`, ...extra(i) },
    ]),
  );

describe('a statement cut to fit a policy', () => {
  /** Every (resource, cluster) pair a statement allows. */
  const pairs = (statements: PolicyStatement[]) =>
    new Set(
      statements.flatMap((s) =>
        s.Resource.flatMap((r) =>
          ((s.Condition?.ArnEquals?.['ecs:cluster'] ?? []) as string[]).map(
            (c) => `${JSON.stringify(r)} in ${c} when ${JSON.stringify(s.Condition?.StringEquals)}`,
          ),
        ),
      ),
    );

  it('allows, in its parts together, exactly what it allowed, each part within the budget and with a numbered Sid', () => {
    const statement: PolicyStatement = {
      Sid: 'Launch',
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/family-${i}:*`),
      Condition: {
        ArnEquals: { 'ecs:cluster': Array.from({ length: 90 }, (_, i) => `arn:aws:ecs:eu-west-1:123456789012:cluster/c-${i}`) },
        StringEquals: { 'aws:ResourceTag/team': 'ops' },
      },
    };
    const measure = (value: unknown) => JSON.stringify(value).length;

    const parts = cutToFit(statement, 6_000, measure);

    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(measure(part)).toBeLessThanOrEqual(6_000);
      expect(part.Action).toEqual(['ecs:RunTask']);
    }
    expect(parts.map((part) => part.Sid)).toEqual(parts.map((_, i) => `Launch${i + 1}`));
    expect(pairs(parts)).toEqual(pairs([statement]));
  });

  it('is left whole when it fits', () => {
    const statement: PolicyStatement = {
      Sid: 'Small',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: ['arn:aws:sqs:eu-west-1:123456789012:q'],
    };

    expect(cutToFit(statement, 6_000, (value) => JSON.stringify(value).length)).toEqual([statement]);
  });
});

describe('rules split by size', () => {
  const config: AutomationInput = { jobs: jobs(120, (i) => ({ cluster: `a-rather-long-cluster-name-${i}` })) };

  it('split alike for the template and the sandbox, so an event reaches on-task-stopped through exactly one part', () => {
    const template = stackOf(config);
    const ruleIds = Object.keys(template.Resources).filter((id) => /^TaskEventsRule\d*$/.test(id));
    const sandbox = new DeployedRules(
      validateAutomation(config),
      emulatorResourceNames('arn:aws:events:us-east-1:123456789012:event-bus/ecs-autopilot-sandbox'),
    );
    const event = (cluster: string) => ({
      source: 'aws.ecs',
      'detail-type': 'ECS Task State Change',
      detail: { clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${cluster}`, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
    });

    expect(ruleIds.length).toBeGreaterThan(3);
    for (const cluster of ['a-rather-long-cluster-name-0', 'a-rather-long-cluster-name-119']) {
      expect(sandbox.matching(event(cluster), 'default').map((rule) => [rule.name, rule.target])).toEqual([
        ['task-events', 'on-task-stopped'],
      ]);
    }
    expect(sandbox.matching(event('another-cluster'), 'default')).toEqual([]);
    const parts = new Set(
      ['a-rather-long-cluster-name-0', 'a-rather-long-cluster-name-119'].map((c) => sandbox.matching(event(c), 'default')[0]?.part),
    );
    expect(parts).toEqual(new Set([1, ruleIds.length]));
  });
});

describe('permissions: tagged', () => {
  it('grants RunTask and PassRole on what carries the stack’s tag, still in the jobs’ clusters and to ECS tasks only', () => {
    const stack = stackOf({
      permissions: 'tagged',
      jobs: jobs(3, (i) => ({
        taskRole: `arn:aws:iam::123456789012:role/job-${i}-task`,
        executionRole: 'arn:aws:iam::210987654321:role/exec',
      })),
    });
    const statements = statementsOf(stack, 'RunBatchJobRole');
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    const ownTaskDefinitions = { 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task-definition/*` };
    const cluster = (i: number) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:cluster/cluster-${i}` });

    expect(bySid('LaunchConfiguredTaskDefinitions')).toEqual({
      Sid: 'LaunchConfiguredTaskDefinitions',
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: [ownTaskDefinitions],
      Condition: {
        ArnEquals: { 'ecs:cluster': [cluster(0), cluster(1), cluster(2)] },
        StringEquals: { 'aws:ResourceTag/ecs-autopilot:stack': 'ecs-autopilot-qa' },
      },
    });
    expect(bySid('PassJobTaskRoles')).toEqual({
      Sid: 'PassJobTaskRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: ['arn:aws:iam::123456789012:role/*', 'arn:aws:iam::210987654321:role/*'],
      Condition: {
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com', 'aws:ResourceTag/ecs-autopilot:stack': 'ecs-autopilot-qa' },
      },
    });
  });

  it('is not the default: each task definition and role is listed', () => {
    const statements = statementsOf(
      stackOf({ jobs: jobs(1, () => ({ taskRole: 'arn:aws:iam::123456789012:role/t' })) }),
      'RunBatchJobRole',
    );

    expect(statements.find((s) => s.Sid === 'PassJobTaskRoles')?.Resource).toEqual(['arn:aws:iam::123456789012:role/t']);
  });
});

describe('schedules past what the template holds', () => {
  const schedulesIn = (stack: StackResources) =>
    Object.values(stack.Resources).filter(
      (r) =>
        r.Type === 'AWS::Scheduler::Schedule' && !['enforce-max-runtime', 'shift-traffic-watchdog'].includes(String(r.Properties.Name)),
    );

  it(`stay in the template up to ${SCHEDULES_IN_TEMPLATE_MAX}, and there equal what the reconciler would make`, () => {
    const config: AutomationInput = {
      jobs: {
        ...jobs(SCHEDULES_IN_TEMPLATE_MAX - 1),
        report: { schedule: 'rate(1 hour)', description: 'hourly', suspended: true, cluster: 'c', taskDefinition: 'r' },
      },
    };
    const stack = stackOf(config);
    const asSdk = (resource: CfnResource) =>
      JSON.parse(JSON.stringify(resource.Properties).replaceAll(/\{"(Ref|Fn::GetAtt)":[^}]*\}/g, '"ref"'));
    const targets = { groupName: 'ref', runBatchJobArn: 'ref', scaleServiceArn: 'ref', roleArn: 'ref', deadLetterArn: 'ref' };

    expect(stack.Resources[RECONCILED_LOGICAL_IDS.schedules]).toBeUndefined();
    expect(schedulesIn(stack).map(asSdk)).toEqual(desiredSchedules(validateAutomation(config), NOW, targets));
  });

  it('past it, are one custom resource whose digest changes with them; the scheduler role trusts both groups', () => {
    const config: AutomationInput = { jobs: jobs(SCHEDULES_IN_TEMPLATE_MAX + 1) };
    const stack = stackOf(config);
    const custom = stack.Resources[RECONCILED_LOGICAL_IDS.schedules];
    const digestOf = (c: AutomationInput) => stackOf(c).Resources[RECONCILED_LOGICAL_IDS.schedules]?.Properties.Digest;

    expect(schedulesIn(stack)).toEqual([]);
    expect(custom?.Type).toBe('Custom::ReconciledSchedules');
    expect(stack.Resources[RECONCILED_LOGICAL_IDS.group]?.Properties).toEqual({ Name: 'ecs-autopilot-qa-schedules' });
    expect(digestOf(config)).toBe(custom?.Properties.Digest);
    expect(digestOf({ jobs: { ...config.jobs, 'job-7': { schedule: 'rate(2 hours)', cluster: 'c', taskDefinition: 'x' } } })).not.toBe(
      custom?.Properties.Digest,
    );
    const trust = (
      (stack.Resources.SchedulerRole as CfnResource).Properties.AssumeRolePolicyDocument as {
        Statement: { Condition: { StringEquals: Record<string, unknown> } }[];
      }
    ).Statement[0]?.Condition.StringEquals['aws:SourceArn'];
    expect(trust).toEqual([{ 'Fn::GetAtt': ['ScheduleGroup', 'Arn'] }, { 'Fn::GetAtt': [RECONCILED_LOGICAL_IDS.group, 'Arn'] }]);
  });

  it('gives the reconciler the schedules of its own group only, and PassRole of the scheduler role to Scheduler only', () => {
    const statements = statementsOf(stackOf({ jobs: jobs(1) }), RECONCILED_LOGICAL_IDS.role);

    expect(statements.find((s) => s.Sid === 'ReconcileGroupSchedules')?.Resource).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/ecs-autopilot-qa-schedules/*` },
    ]);
    expect(statements.find((s) => s.Sid === 'PassSchedulerRoleToSchedules')).toMatchObject({
      Resource: [{ 'Fn::GetAtt': ['SchedulerRole', 'Arn'] }],
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  });
});
