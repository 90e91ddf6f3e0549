/**
 * automation.yml `apps.<name>.allowedFamilies`, `allowedImages` and `taskRoles`: what a deployment of
 * the app may put on its services. Refused when they would widen to the account; resolved with the
 * app's name as its family when none is named.
 */
import { describe, expect, it } from 'vitest';
import { validateAutomation } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';
import { shopApp } from '../helpers/shop-app.ts';

const app = shopApp;
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

function problemsOf(extra: Record<string, unknown>): string[] {
  try {
    validateAutomation({ apps: { shop: app(extra) } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the automation was accepted');
}

describe('apps: what a deployment may use', () => {
  it('allows the family named like the app, any image and no role when nothing is said', () => {
    expect(validateAutomation({ apps: { shop: app() } }).apps.shop?.allowed).toEqual({ families: ['shop'], images: undefined, roles: [] });
  });

  it('takes the families, image patterns and roles as written', () => {
    const allowed = {
      allowedFamilies: ['shop-web', 'shop_web-arm64'],
      allowedImages: [`${ECR}/shop/*`, `${ECR}/shop`, 'docker.io/datadog/agent', 'localhost:5000/shop/web'],
      taskRoles: ['arn:aws:iam::123456789012:role/shop-task', 'arn:aws:iam::123456789012:role/service-role/ecs-execution'],
    };
    expect(validateAutomation({ apps: { shop: app(allowed) } }).apps.shop?.allowed).toEqual({
      families: allowed.allowedFamilies,
      images: allowed.allowedImages,
      roles: allowed.taskRoles,
    });
  });

  it.each([['*'], ['shop*'], ['shop:3'], ['arn:aws:ecs:eu-west-1:123456789012:task-definition/shop']])(
    'refuses the family %s: a family is named exactly',
    (family) => {
      expect(problemsOf({ allowedFamilies: [family] })).toEqual([
        'apps.shop.allowedFamilies.0: a task definition family holds letters, digits, "-" and "_" (no wildcards, no revision)',
      ]);
    },
  );

  it('refuses an empty list of families or images (leave allowedImages out to allow any)', () => {
    expect(problemsOf({ allowedFamilies: [], allowedImages: [] })).toEqual([
      'apps.shop.allowedFamilies: name at least one family',
      'apps.shop.allowedImages: name at least one repository pattern (leave allowedImages out to allow any image)',
    ]);
  });

  it.each([
    ['*'],
    [`${ECR}/*`],
    ['*.amazonaws.com/shop'],
    ['shop/*'],
    [`${ECR}/shop:v2`],
    [`${ECR}/shop@sha256:abc`],
    [`${ECR}/*/web`],
    [ECR],
  ])('refuses the image pattern %s: registry and first part of the path written out, no tag', (pattern) => {
    const [problem, ...more] = problemsOf({ allowedImages: [pattern] });
    expect(more).toEqual([]);
    expect(problem).toMatch(/^apps\.shop\.allowedImages\.0: an image pattern is a repository without tag or digest/);
  });

  it.each([['arn:aws:iam::123456789012:role/*'], ['arn:aws:iam::*:role/shop'], ['shop-task'], ['arn:aws:iam::123456789012:user/ci']])(
    'refuses the role %s: a role ARN without wildcards',
    (role) => {
      expect(problemsOf({ taskRoles: [role] })).toEqual([
        'apps.shop.taskRoles.0: must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), no wildcards',
      ]);
    },
  );
});
