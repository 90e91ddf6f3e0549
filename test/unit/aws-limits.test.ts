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
import { stackResources } from '../../shared/stack/resources.ts';

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

describe('the AWS limits a generated stack would exceed', () => {
  it('finds none in the example automation.yml, nor in 90 jobs', () => {
    expect(limitProblems(stackResources(loadAutomationFile('automation.yml', 'prod'), NAMES), NAMES)).toEqual([]);
    expect(problemsOf(config({ jobs: 90 }))).toEqual([]);
  });

  it("says when run-batch-job's role outgrows IAM's 10,240 characters, naming jobs", () => {
    const problems = problemsOf(config({ jobs: 130 }));

    expect(problems).toEqual([
      {
        path: 'jobs',
        text: expect.stringMatching(
          /^the role RunBatchJobRole's policy would be about \d+ characters, over IAM's 10240 for a role's inline policies: deploy the excess as a second stack/,
        ),
      },
    ]);
    expect(problemsOf(config({ jobs: 80, taskRoles: true })).map((p) => p.text)).toEqual([expect.stringContaining('RunBatchJobRole')]);
  });

  it("says when on-task-stopped's role outgrows it with watched tasks", () => {
    expect(problemsOf(config({ watchedTasks: 70 }))).toEqual([
      { path: 'watchedTasks', text: expect.stringContaining('OnTaskStoppedRole') },
    ]);
  });

  it("says when the task-events rule's pattern outgrows EventBridge's 2,048 characters", () => {
    const problems = problemsOf(config({ jobs: 30, clusters: 30 }));

    expect(problems).toContainEqual({
      path: 'defaults',
      text: expect.stringMatching(
        /^the event rule ecs-autopilot-prod-task-events's pattern would be about \d+ characters, over EventBridge's default 2048/,
      ),
    });
  });

  it("says when the job-chains rule's pattern outgrows it, naming jobs: it lists every job others run after", () => {
    const upstream = (i: number) => `nightly-export-of-the-warehouse-table-${i}`;
    const jobs = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [
        [upstream(i), { schedule: 'rate(1 hour)', cluster: 'etl', taskDefinition: 'export' }],
        [`digest-${i}`, { after: [upstream(i)], cluster: 'etl', taskDefinition: 'digest' }],
      ]).flat(),
    );

    expect(problemsOf({ jobs })).toContainEqual({
      path: 'jobs',
      text: expect.stringMatching(
        /^the event rule ecs-autopilot-prod-job-chains's pattern would be about \d+ characters, over EventBridge's default 2048/,
      ),
    });
  });

  it("says when the stack outgrows CloudFormation's 500 resources", () => {
    const problems = problemsOf(config({ jobs: 470 }));

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
      writeFileSync(file, stringify(config({ jobs: 130 })));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('validate fails with the limit, the figure and what to change, located at jobs', () => {
      const err: string[] = [];
      const code = validateCommand(file, { out: () => {}, err: (line) => err.push(line) }, false);

      expect(code).toBe(1);
      expect(err).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1 jobs: the role RunBatchJobRole's policy would be about \\d+ characters, over IAM's ${AWS_LIMITS.roleInlinePolicyCharacters}`,
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
      expect(problems).toEqual([expect.stringMatching(/^automation\.yml:3:1 jobs: the role RunBatchJobRole's policy/)]);
    });
  });
});
