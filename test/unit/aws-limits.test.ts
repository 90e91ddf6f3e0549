import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateCommand } from '../../cli/validate.ts';
import { loadAutomationFile, validateAutomation } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';
import { AWS_LIMITS, limitProblems, resolvedForSize } from '../../shared/stack/aws-limits.ts';
import { stackFromAutomationFile } from '../../shared/stack/from-file.ts';
import { type CfnResource, type StackResources, stackResources } from '../../shared/stack/resources.ts';

const NAMES = { service: 'ecs-autopilot', stage: 'prod' };

/** `jobs` jobs, each with its own task definition (and task role), spread over `clusters` clusters. */
function config({ jobs = 1, taskRoles = false, clusters = 1, watchedTasks = 0 }) {
  return {
    defaults: { executionRole: 'arn:aws:iam::123456789012:role/exec' },
    jobs: Object.fromEntries(
      Array.from({ length: jobs }, (_, i) => [
        `job-${i}`,
        {
          schedule: 'rate(1 hour)',
          cluster: `cluster-${i % clusters}`,
          taskDefinition: `family-${i}`,
          ...(taskRoles && { taskRole: `arn:aws:iam::123456789012:role/job-${i}-task` }),
        },
      ]),
    ),
    watchedTasks: Object.fromEntries(
      Array.from({ length: watchedTasks }, (_, i) => [
        `worker-${i}`,
        { cluster: 'workers', taskDefinition: `worker-${i}`, taskRole: `arn:aws:iam::123456789012:role/worker-${i}-task` },
      ]),
    ),
  };
}

const problemsOf = (value: object, names = NAMES) => limitProblems(stackResources(validateAutomation(value), names), names);
const sizeOf = (value: unknown, stack: StackResources) => JSON.stringify(resolvedForSize(value, stack.Resources)).length;
const managedPoliciesOf = (stack: StackResources, roleId: string) =>
  Object.entries(stack.Resources).filter(
    ([id, resource]) => resource.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith(`${roleId}ManagedPolicy`),
  );

describe('the AWS limits a generated stack would exceed', () => {
  it('finds none in the example automation.yml, nor in 90 jobs', () => {
    expect(limitProblems(stackResources(loadAutomationFile('automation.yml', 'prod'), NAMES), NAMES)).toEqual([]);
    expect(problemsOf(config({ jobs: 90 }))).toEqual([]);
  });

  it("keeps run-batch-job's role within IAM's 10,240 characters by moving its largest statements into managed policies", () => {
    const stack = stackResources(validateAutomation(config({ jobs: 200, taskRoles: true })), NAMES);
    const role = stack.Resources.RunBatchJobRole as CfnResource;
    const managed = managedPoliciesOf(stack, 'RunBatchJobRole');

    expect(limitProblems(stack, NAMES)).toEqual([]);
    expect(managed.length).toBeGreaterThan(1);
    expect(role.Properties.ManagedPolicyArns).toEqual(managed.map(([id]) => ({ Ref: id })));
    for (const [, policy] of managed) {
      expect(sizeOf(policy.Properties.PolicyDocument, stack)).toBeLessThanOrEqual(AWS_LIMITS.managedPolicyCharacters);
    }
    expect(sizeOf((role.Properties.Policies as { PolicyDocument: unknown }[])[0]?.PolicyDocument, stack)).toBeLessThanOrEqual(
      AWS_LIMITS.roleInlinePolicyCharacters,
    );
  });

  it('says when a role would need more managed policies than IAM allows, naming jobs', () => {
    const problems = problemsOf(config({ jobs: 1000, taskRoles: true, clusters: 10 }));

    expect(problems).toEqual([
      {
        path: 'jobs',
        text: expect.stringMatching(
          /^the role RunBatchJobRole would need \d\d managed policies for its permissions, over IAM's default 10 per role: set permissions: tagged and tag the task definitions and roles ecs-autopilot:stack=ecs-autopilot-prod/,
        ),
      },
    ]);
  });

  it("keeps on-task-stopped's role within the limits with 200 watched tasks", () => {
    const stack = stackResources(validateAutomation(config({ watchedTasks: 200 })), NAMES);

    expect(limitProblems(stack, NAMES)).toEqual([]);
    expect(managedPoliciesOf(stack, 'OnTaskStoppedRole').length).toBeGreaterThan(1);
  });

  it("splits the task-events rule into rules each within EventBridge's 2,048 characters, sharing one dead-letter queue", () => {
    const stack = stackResources(validateAutomation(config({ jobs: 100, clusters: 100 })), NAMES);
    const rules = Object.entries(stack.Resources).filter(([id]) => /^TaskEventsRule\d*$/.test(id));

    expect(limitProblems(stack, NAMES).filter((problem) => problem.text.includes('event rule'))).toEqual([]);
    expect(rules.map(([id]) => id)).toEqual(['TaskEventsRule', ...rules.slice(1).map((_, i) => `TaskEventsRule${i + 2}`)]);
    expect(rules.length).toBeGreaterThan(2);
    const selected = rules.flatMap(([, rule]) => (rule.Properties.EventPattern as { detail: { clusterArn: unknown[] } }).detail.clusterArn);
    expect(selected).toHaveLength(100);
    expect(new Set(selected.map((arn) => JSON.stringify(arn))).size).toBe(100);
    for (const [id, rule] of rules) {
      expect(sizeOf(rule.Properties.EventPattern, stack)).toBeLessThanOrEqual(AWS_LIMITS.eventPatternCharacters);
      expect(rule.Properties.Name).toBe(
        id === 'TaskEventsRule' ? 'ecs-autopilot-prod-task-events' : `ecs-autopilot-prod-task-events-${id.slice(-1)}`,
      );
      expect((rule.Properties.Targets as { DeadLetterConfig: unknown }[])[0]?.DeadLetterConfig).toEqual({
        Arn: { 'Fn::GetAtt': ['TaskEventsDeadLetterQueue', 'Arn'] },
      });
      expect(stack.Resources[id.replace('Rule', 'InvokePermission')]?.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
    }
    const queuePolicy = stack.Resources.TaskEventsDeadLetterQueuePolicy?.Properties.PolicyDocument as {
      Statement: { Condition: { ArnEquals: { 'aws:SourceArn': unknown } } }[];
    };
    expect(queuePolicy.Statement[0]?.Condition.ArnEquals['aws:SourceArn']).toEqual(rules.map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
  });

  it('splits the job-chains rule too: it lists every job others run after', () => {
    const upstream = (i: number) => `nightly-export-of-the-warehouse-table-${i}`;
    const jobs = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [
        [upstream(i), { schedule: 'rate(1 hour)', cluster: 'etl', taskDefinition: 'export' }],
        [`digest-${i}`, { after: [upstream(i)], cluster: 'etl', taskDefinition: 'digest' }],
      ]).flat(),
    );
    const stack = stackResources(validateAutomation({ jobs }), NAMES);

    expect(limitProblems(stack, NAMES)).toEqual([]);
    expect(stack.Resources.JobChainsRule2?.Properties.Name).toBe('ecs-autopilot-prod-job-chains-2');
  });

  it("says when the stack outgrows CloudFormation's 500 resources (counting osls's: four per function, two more)", () => {
    const stack = stackResources(validateAutomation(config({ jobs: 1 })), NAMES);
    const queues = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`Queue${i}`, { Type: 'AWS::SQS::Queue', Properties: { QueueName: `q-${i}` } }]),
    );
    const problems = limitProblems({ ...stack, Resources: { ...stack.Resources, ...queues } }, NAMES);

    expect(problems).toContainEqual({
      path: '(top level)',
      text: expect.stringMatching(/^the stack would hold 5\d\d resources, over CloudFormation's 500/),
    });
  });

  it('says when a stage makes a name too long', () => {
    const names = { service: 'ecs-autopilot', stage: 'a-very-long-stage-name-for-previews-1' };
    const texts = problemsOf(config({ jobs: 1 }), names).map((p) => p.text);

    expect(texts).toContainEqual(
      expect.stringMatching(
        /^the function name ecs-autopilot-a-very-long-stage-name-for-previews-1-enforce-max-runtime is \d+ characters, over Lambda's 64/,
      ),
    );
  });

  it('measures CloudFormation functions at the longest text they can stand for', () => {
    const resources = { Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'ecs-autopilot-prod' } } };

    // Written as CloudFormation writes it: \${AWS::Region} and the like, inside a plain string.
    const sub = ['arn:', '{AWS::Partition}:ecs:', '{AWS::Region}:', '{AWS::AccountId}:cluster/x'].join('$');
    expect(resolvedForSize({ 'Fn::Sub': sub }, resources)).toBe('arn:aws-us-gov:ecs:ap-southeast-2:123456789012:cluster/x');
    expect(resolvedForSize({ 'Fn::GetAtt': ['Bus', 'Arn'] }, resources)).toMatch(/ecs-autopilot-prod$/);
    expect(resolvedForSize({ Ref: 'Bus' }, resources)).toBe('ecs-autopilot-prod');
    expect(String(resolvedForSize({ 'Fn::GetAtt': ['Unknown', 'Arn'] }, resources)).length).toBeGreaterThan(100);
  });

  describe('before anything is deployed', () => {
    let dir: string;
    let file: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'limits-'));
      file = path.join(dir, 'automation.yml');
      writeFileSync(file, stringify(config({ jobs: 1000, taskRoles: true, clusters: 10 })));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('validate fails with the limit, the figure and what to change, located at jobs', () => {
      const err: string[] = [];
      const code = validateCommand(file, { out: () => {}, err: (line) => err.push(line) }, false);

      expect(code).toBe(1);
      expect(err).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1 jobs: the role RunBatchJobRole would need \\d+ managed policies for its permissions, over IAM's default ${AWS_LIMITS.managedPoliciesPerRole}`,
          ),
        ),
      ]);
    });

    it('serverless package fails with the same line', () => {
      let problems: string[] = [];
      try {
        stackFromAutomationFile(file, NAMES, 'automation.yml');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems;
      }
      expect(problems).toEqual([
        expect.stringMatching(/^automation\.yml:3:1 jobs: the role RunBatchJobRole would need \d+ managed policies/),
      ]);
    });
  });
});
