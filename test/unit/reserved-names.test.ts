/**
 * Names that are JavaScript (issue 12): a job, app, watched task or service named after a member every
 * object has (`constructor`, `toString`…) is refused by validate with a clear message, and a name that
 * comes from outside (a firing, an event, a timer) is looked up among the config's own names only, so
 * `toString` is an unknown name, never a function found on the way.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { deployedAutomation, loadDeployedAutomation } from '../../shared/config/deployed.ts';
import { checkAutomation, validateAutomation } from '../../shared/config/validate.ts';

const job = { schedule: 'rate(1 hour)', taskDefinition: 'sync', cluster: 'batch' };
const HEAD = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const app = {
  cluster: 'web',
  listener: `${HEAD}:listener/app/shop/0000000000000001/0000000000000001`,
  blue: { service: 'shop-blue', targetGroup: `${HEAD}:targetgroup/shop-blue/0000000000000002` },
  green: { service: 'shop-green', targetGroup: `${HEAD}:targetgroup/shop-green/0000000000000003` },
};

const problemsOf = (config: unknown) => {
  const check = checkAutomation(config);
  return check.ok ? [] : check.problems.map((problem) => problem.text);
};

describe('validate refuses the names every JavaScript object already has', () => {
  it.each([
    ['jobs', 'constructor', { jobs: { constructor: job } }],
    ['jobs', 'toString', { jobs: { toString: job } }],
    ['watchedTasks', 'valueOf', { watchedTasks: { valueOf: { taskDefinition: 'worker', cluster: 'batch' } } }],
    ['services', 'hasOwnProperty', { services: { hasOwnProperty: { cluster: 'web' } } }],
    ['apps', 'isPrototypeOf', { apps: { isPrototypeOf: app } }],
  ])('%s.%s', (section, reserved, config) => {
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(new RegExp(`^${section}\\.${reserved}: .*"${reserved}" is a name every JavaScript object has`)),
    ]);
  });
});

describe('a name from outside is looked up among the config’s own names', () => {
  const automation = validateAutomation({ jobs: { sync: job }, apps: { shop: app }, services: { api: { cluster: 'web' } } });

  it('in the validated automation', () => {
    for (const section of [automation.jobs, automation.apps, automation.watchedTasks, automation.services]) {
      expect((section as Record<string, unknown>).toString).toBeUndefined();
      expect((section as Record<string, unknown>).constructor).toBeUndefined();
    }
    expect(automation.jobs.sync?.name).toBe('sync');
  });

  it('in the automation a function is deployed with', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reserved-')), 'automation.json');
    writeFileSync(file, JSON.stringify(deployedAutomation(automation, 'automation.yml')));
    const deployed = loadDeployedAutomation(file);

    for (const section of [deployed.jobs, deployed.apps, deployed.watchedTasks, deployed.services]) {
      expect((section as Record<string, unknown>).toString).toBeUndefined();
      expect((section as Record<string, unknown>).hasOwnProperty).toBeUndefined();
    }
    expect(deployed.jobs.sync?.name).toBe('sync');
  });

  it('in notify’s schemas of the alerting events: an alert in an event of a kind named toString is refused like any unknown kind', () => {
    const event = {
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      source: 'ecs-autopilot',
      'detail-type': 'toString',
      time: '2026-12-07T10:00:00Z',
      detail: { alert: { cluster: 'batch', subject: { kind: 'job', name: 'sync' }, category: 'app-error', severity: 'warning' } },
    };

    expect(() => parseNotifyInput(event)).toThrow(/^the "toString" event .* carries an alert, but notify renders none of its kind/);
  });
});
