/**
 * What a deployment of an app may use (shared/blue-green/scope.ts): the request as it arrives, and the
 * revision it comes to once read. Table-driven over the shapes images and task definitions are written in.
 */
import { describe, expect, it } from 'vitest';
import type { AppSpec, RevisionFacts } from '../../shared/blue-green/model.ts';
import { familyOf, imageAllowed, repositoryOf, requestRefusal, revisionRefusal } from '../../shared/blue-green/scope.ts';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const TASK_ROLE = 'arn:aws:iam::123456789012:role/shop-task';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/service-role/ecs-execution';

const app = (allowed: Partial<AppSpec['allowed']> = {}) =>
  ({
    name: 'shop',
    listener: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2',
    allowed: { families: ['shop'], images: [`${ECR}/shop/*`, 'docker.io/datadog/agent'], roles: [TASK_ROLE, EXECUTION_ROLE], ...allowed },
  }) as AppSpec;

const revision = (facts: Partial<RevisionFacts> = {}): RevisionFacts => ({
  name: 'task definition shop:7',
  family: 'shop',
  taskRole: TASK_ROLE,
  executionRole: EXECUTION_ROLE,
  images: { web: `${ECR}/shop/web:7`, agent: 'docker.io/datadog/agent:latest' },
  ...facts,
});

describe('repositoryOf and familyOf', () => {
  it.each([
    [`${ECR}/shop/web:v2`, `${ECR}/shop/web`],
    [`${ECR}/shop/web@sha256:0123abcd`, `${ECR}/shop/web`],
    [`${ECR}/shop/web:v2@sha256:0123abcd`, `${ECR}/shop/web`],
    [`${ECR}/shop/web`, `${ECR}/shop/web`],
    ['localhost:5000/shop/web', 'localhost:5000/shop/web'],
    ['localhost:5000/shop/web:3', 'localhost:5000/shop/web'],
  ])('the repository of %s is %s', (image, repository) => {
    expect(repositoryOf(image)).toBe(repository);
  });

  it.each([
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/shop:7', 'shop'],
    ['shop:7', 'shop'],
    ['shop', 'shop'],
  ])('the family of %s is %s', (taskDefinition, family) => {
    expect(familyOf(taskDefinition)).toBe(family);
  });
});

describe('imageAllowed', () => {
  it.each([
    [`${ECR}/shop/web:v2`, true],
    [`${ECR}/shop/api@sha256:0123abcd`, true],
    ['docker.io/datadog/agent:7', true],
    // "*" stands for one part of the path, never more.
    [`${ECR}/shop/web/debug:1`, false],
    [`${ECR}/shop:v2`, false],
    [`${ECR}/shopping/web:v2`, false],
    [`${ECR}/report/batch:1`, false],
    ['docker.io/datadog/agent-evil:7', false],
    [`evil.example.com/${ECR}/shop/web:1`, false],
    ['nginx:1', false],
  ])('%s → %s', (image, allowed) => {
    expect(imageAllowed(app(), image)).toBe(allowed);
  });

  it('allows any image when allowedImages is not set', () => {
    expect(imageAllowed(app({ images: undefined }), 'nginx:1')).toBe(true);
  });

  it('reads a "." in a pattern as a dot, not as any character', () => {
    expect(imageAllowed(app({ images: ['docker.io/datadog/agent'] }), 'dockerXio/datadog/agent:7')).toBe(false);
  });
});

describe('requestRefusal', () => {
  it.each([['shop:7'], ['shop'], ['arn:aws:ecs:eu-west-1:123456789012:task-definition/shop:7']])(
    'takes the task definition %s of an allowed family',
    (taskDefinition) => {
      expect(requestRefusal(app(), taskDefinition, undefined)).toBeUndefined();
    },
  );

  it.each([
    ['report:1', "task definition report:1 is not one of the app's: apps.shop allows the families shop, shop-arm (allowedFamilies)"],
    ['shop-evil:1', "task definition shop-evil:1 is not one of the app's: apps.shop allows the families shop, shop-arm (allowedFamilies)"],
    [
      'arn:aws:ecs:eu-west-1:210987654321:task-definition/shop:7',
      "task definition arn:aws:ecs:eu-west-1:210987654321:task-definition/shop:7 is not in the app's account 123456789012 and region eu-west-1",
    ],
    [
      'arn:aws:ecs:us-east-1:123456789012:task-definition/shop:7',
      "task definition arn:aws:ecs:us-east-1:123456789012:task-definition/shop:7 is not in the app's account 123456789012 and region eu-west-1",
    ],
  ])('refuses %s', (taskDefinition, reason) => {
    expect(requestRefusal(app({ families: ['shop', 'shop-arm'] }), taskDefinition, undefined)).toBe(reason);
  });

  it('refuses images from other repositories, naming each and the patterns allowed', () => {
    expect(requestRefusal(app(), undefined, { web: `${ECR}/shop/web:8`, tool: 'ghcr.io/x/y:1', agent: 'nginx' })).toBe(
      `image tool=ghcr.io/x/y:1, agent=nginx is not from the app's repositories: apps.shop allows images of ${ECR}/shop/*, docker.io/datadog/agent (allowedImages)`,
    );
    expect(requestRefusal(app(), undefined, { web: `${ECR}/shop/web:8` })).toBeUndefined();
  });
});

describe('revisionRefusal', () => {
  it('takes a revision of an allowed family with allowed roles and images', () => {
    expect(revisionRefusal(app(), revision())).toBeUndefined();
    expect(revisionRefusal(app(), revision({ taskRole: undefined, executionRole: undefined }))).toBeUndefined();
  });

  it('takes a role given by its name alone, as ECS also stores it', () => {
    expect(revisionRefusal(app(), revision({ taskRole: 'shop-task' }))).toBeUndefined();
    expect(revisionRefusal(app(), revision({ taskRole: 'report-task' }))).toMatch(/has the task role report-task:/);
  });

  it.each([
    [
      { family: 'report', name: 'task definition report:1' },
      "task definition report:1 is not one of the app's: apps.shop allows the families shop (allowedFamilies)",
    ],
    [
      { taskRole: 'arn:aws:iam::123456789012:role/report-task', executionRole: 'arn:aws:iam::123456789012:role/admin' },
      'task definition shop:7 has the task role arn:aws:iam::123456789012:role/report-task and the execution role arn:aws:iam::123456789012:role/admin: ' +
        `apps.shop allows the roles ${TASK_ROLE}, ${EXECUTION_ROLE} (taskRoles)`,
    ],
    [
      { images: { web: `${ECR}/shop/web:7`, miner: 'docker.io/evil/miner:1' } },
      `task definition shop:7 runs miner=docker.io/evil/miner:1, not from the app's repositories: apps.shop allows images of ${ECR}/shop/*, docker.io/datadog/agent (allowedImages)`,
    ],
  ])('refuses %o', (facts, reason) => {
    expect(revisionRefusal(app(), revision(facts))).toBe(reason);
  });

  it('refuses every role when the app names none', () => {
    expect(revisionRefusal(app({ roles: [] }), revision({ executionRole: undefined }))).toBe(
      `task definition shop:7 has the task role ${TASK_ROLE}: apps.shop allows the roles none (taskRoles)`,
    );
  });
});
