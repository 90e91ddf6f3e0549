/**
 * The one definition of the stack's EventBridge rules: which rules an automation file gets, on which bus,
 * to which function, with the resources named as the caller names them (the template's own naming is
 * checked in stack-resources.test.ts and the packaging test).
 */
import { describe, expect, it } from 'vitest';
import { validateAutomation } from '../../shared/config/validate.ts';
import { eventRules, type ResourceNames } from '../../shared/stack/event-rules.ts';

const HEAD = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const app = (name: string, cluster: string, alarms: string[]) => ({
  cluster,
  listener: `${HEAD}:listener/app/${name}/0000000000000001/0000000000000001`,
  blue: { service: `${name}-blue`, targetGroup: `${HEAD}:targetgroup/${name}-blue/0000000000000002` },
  green: { service: `${name}-green`, targetGroup: `${HEAD}:targetgroup/${name}-green/0000000000000003` },
  gates: { alarms },
});
const OTHER_ACCOUNT_CLUSTER = 'arn:aws:ecs:eu-west-1:444455556666:cluster/workers';

/** Names that show what they were asked for. */
const NAMES: ResourceNames<string> = {
  cluster: (cluster) => `cluster(${cluster})`,
  service: (cluster, service) => `service(${cluster}, ${service})`,
};

const full = validateAutomation({
  jobs: {
    report: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report', cluster: 'batch' },
    sync: { schedule: 'rate(1 hour)', taskDefinition: 'sync', cluster: 'batch' },
  },
  watchedTasks: { worker: { taskDefinition: 'worker', cluster: OTHER_ACCOUNT_CLUSTER } },
  services: { api: { cluster: 'web' } },
  apps: { shop: app('shop', 'web', ['shop-5xx', 'shop-latency']), search: app('search', 'web', ['shop-5xx']) },
});

describe('eventRules', () => {
  it('gives every rule, in the template’s order, with its bus and function', () => {
    expect(eventRules(full, NAMES).map(({ name, bus, target }) => ({ name, bus, target }))).toEqual([
      { name: 'task-events', bus: 'default', target: 'on-task-stopped' },
      { name: 'service-events', bus: 'default', target: 'on-task-stopped' },
      { name: 'alerts', bus: 'own', target: 'notify' },
      { name: 'deployment-requests', bus: 'own', target: 'shift-traffic' },
      { name: 'deployment-ecs-events', bus: 'default', target: 'shift-traffic' },
      { name: 'deployment-alarms', bus: 'default', target: 'shift-traffic' },
    ]);
  });

  it('selects every cluster of the jobs, watched tasks and services once, named as the caller names them', () => {
    const [taskEvents] = eventRules(full, NAMES);

    expect(taskEvents?.pattern.detail).toMatchObject({
      clusterArn: ['cluster(batch)', `cluster(${OTHER_ACCOUNT_CLUSTER})`, 'cluster(web)'],
    });
  });

  it('selects the watched services, and only the ECS service events that are a problem or a recovery', () => {
    const serviceEvents = eventRules(full, NAMES).find((rule) => rule.name === 'service-events');

    expect(serviceEvents?.pattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Service Action', 'ECS Deployment State Change'],
      resources: ['service(web, api)'],
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

  it('selects the blue and green services of every app, and each gate alarm once', () => {
    const rules = eventRules(full, NAMES);

    expect(rules.find((rule) => rule.name === 'deployment-ecs-events')?.pattern.resources).toEqual([
      'service(web, shop-blue)',
      'service(web, shop-green)',
      'service(web, search-blue)',
      'service(web, search-green)',
    ]);
    expect(rules.find((rule) => rule.name === 'deployment-alarms')?.pattern.detail).toEqual({ alarmName: ['shop-5xx', 'shop-latency'] });
  });

  it('has only the alerts rule when the file names no cluster and no app', () => {
    expect(eventRules(validateAutomation({}), NAMES).map((rule) => rule.name)).toEqual(['alerts']);
  });

  it('has no alarms rule when no app gates on an alarm (and no task events rule for an app’s cluster alone)', () => {
    const withoutAlarms = validateAutomation({ apps: { shop: app('shop', 'web', []) } });

    expect(eventRules(withoutAlarms, NAMES).map((rule) => rule.name)).toEqual(['alerts', 'deployment-requests', 'deployment-ecs-events']);
  });
});
