/**
 * Values validate used to accept that the runtime cannot hold (issue 12): every duration and count has a
 * sane maximum, said in the error, and no check loops on the value it checks.
 */
import { describe, expect, it } from 'vitest';
import { checkAutomation } from '../../shared/config/validate.ts';
import { SHOP_ELB_ARN_HEAD, shopApp } from '../helpers/shop-app.ts';

const job = { schedule: 'rate(1 hour)', taskDefinition: 'sync', cluster: 'batch' };
const problemsOf = (config: unknown) => {
  const check = checkAutomation(config);
  return check.ok ? [] : check.problems.map((problem) => problem.text);
};

describe('validate refuses what the runtime cannot hold', () => {
  it.each([
    [
      'a maxRuntime of 9999999999d',
      { jobs: { sync: { ...job, maxRuntime: '9999999999d' } } },
      /^jobs\.sync\.maxRuntime: .*too long: at most/,
    ],
    [
      'a startingDeadline of 9999999999d',
      { jobs: { sync: { ...job, startingDeadline: '9999999999d' } } },
      /^jobs\.sync\.startingDeadline: .*too long/,
    ],
    [
      'a run history kept 106751991167d',
      { runHistory: { retention: '106751991167d' }, jobs: { sync: job } },
      /^runHistory\.retention: .*too long: at most/,
    ],
  ])('%s', (_, config, problem) => {
    expect(problemsOf(config)).toEqual([expect.stringMatching(problem)]);
  });

  it('refuses 1e12 launch attempts at once, without adding up their waits one by one', () => {
    const problems = problemsOf({ jobs: { sync: { ...job, launchRetry: { attempts: 1e12 } } } });

    expect(problems).toContainEqual(expect.stringMatching(/^jobs\.sync\.launchRetry\.attempts: .*10/));
  });

  it('still accepts the longest values it allows', () => {
    expect(
      problemsOf({ runHistory: { retention: '3650d' }, jobs: { sync: { ...job, maxRuntime: '365d', startingDeadline: '1d' } } }),
    ).toEqual([]);
  });
});

const HEAD = SHOP_ELB_ARN_HEAD;
const app = shopApp;
const errorRate = (bounds: Record<string, number>) => ({
  expression: '100 * errors / requests',
  metrics: { errors: { metric: 'HTTPCode_Target_5XX_Count' }, requests: { metric: 'RequestCount' } },
  ...bounds,
});

describe('validate refuses a gate that can never pass', () => {
  it('a metric check whose min is above its max, saying both and what is allowed', () => {
    const problems = problemsOf({ apps: { shop: app({ gates: { metrics: { errors: errorRate({ min: 5, max: 1 }) } } }) } });

    expect(problems).toEqual([
      'apps.shop.gates.metrics.errors: min (5) is above max (1): no value can pass the check; min must be at most max',
    ]);
  });

  it('still takes min equal to max, and either alone', () => {
    for (const bounds of [{ min: 1, max: 1 }, { min: 0 }, { max: 1 }] as Record<string, number>[]) {
      expect(problemsOf({ apps: { shop: app({ gates: { metrics: { errors: errorRate(bounds) } } }) } })).toEqual([]);
    }
  });

  it('minHealthyTargets above the 1,000 targets a target group can hold', () => {
    expect(problemsOf({ apps: { shop: app({ gates: { minHealthyTargets: 1001 } }) } })).toEqual([
      expect.stringMatching(/^apps\.shop\.gates\.minHealthyTargets: .*1000/),
    ]);
  });
});

/**
 * Names that end up in an IAM ARN (shared/stack/resources.ts): a "*" or "?" in one is a wildcard there,
 * and widens the grant to whatever it matches (a gate alarm "*" let shift-traffic read every alarm).
 */
describe('validate refuses wildcards in names that become ARNs', () => {
  const role = 'arn:aws:iam::123456789012:role/batch';
  it.each([
    ['a gate alarm', { apps: { shop: app({ gates: { alarms: ['*'] } }) } }, /^apps\.shop\.gates\.alarms\.0: .*"\*" or "\?"/],
    ['a gate alarm holding "?"', { apps: { shop: app({ gates: { alarms: ['shop-5xx-?'] } }) } }, /^apps\.shop\.gates\.alarms\.0: /],
    ['an app cluster', { apps: { shop: app({ cluster: '*' }) } }, /^apps\.shop\.cluster: must be a cluster name/],
    ['a deployer', { deployers: ['arn:aws:iam::123456789012:role/*'] }, /^deployers\.0: /],
    ['a job cluster', { jobs: { sync: { ...job, cluster: 'batch*' } } }, /^jobs\.sync\.cluster: must be a cluster name/],
    ['a default cluster', { defaults: { cluster: '*' } }, /^defaults\.cluster: /],
    ['a job task definition', { jobs: { sync: { ...job, taskDefinition: 'sync*' } } }, /^jobs\.sync\.taskDefinition: /],
    ['a job task role', { jobs: { sync: { ...job, taskRole: `${role}*` } } }, /^jobs\.sync\.taskRole: /],
    [
      'a watched task family',
      { watchedTasks: { worker: { taskDefinition: 'work?r', cluster: 'batch' } } },
      /^watchedTasks\.worker\.taskDefinition: /,
    ],
    ['a watched service', { services: { web: { cluster: 'web', service: 'web-*' } } }, /^services\.web\.service: /],
    ['a colour service', { apps: { shop: app({ blue: { ...app().blue, service: '*' } }) } }, /^apps\.shop\.blue\.service: /],
    [
      'a target group',
      { apps: { shop: app({ green: { ...app().green, targetGroup: `${HEAD}:targetgroup/*` } }) } },
      /^apps\.shop\.green\.targetGroup: /,
    ],
    ['a listener', { apps: { shop: app({ listener: `${HEAD}:listener/app/shop/*` }) } }, /^apps\.shop\.listener: /],
    ['an allowed family', { apps: { shop: app({ allowedFamilies: ['shop-*'] }) } }, /^apps\.shop\.allowedFamilies\.0: /],
    ['an app task role', { apps: { shop: app({ taskRoles: ['arn:aws:iam::123456789012:role/?'] }) } }, /^apps\.shop\.taskRoles\.0: /],
  ])('%s', (_, config, problem) => {
    expect(problemsOf(config)).toEqual([expect.stringMatching(problem)]);
  });
});
