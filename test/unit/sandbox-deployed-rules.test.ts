/**
 * How the sandbox routes: by the rules the stack deploys (shared/stack/event-rules.ts), with the
 * emulator's ARNs. One event of each route, built as the sandbox builds them (task events from the task
 * as DescribeTasks shows it, alarm changes, bus events as the capture queue holds them), events no rule
 * matches, and a request carrying a forged alert, which only shift-traffic gets.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { alarmStateChangeEvent } from '../../sandbox/alarm-events.ts';
import { DeployedRules, emulatorResourceNames } from '../../sandbox/deployed-rules.ts';
import type { PublishedEvent } from '../../sandbox/seed.ts';
import { eventOfTask } from '../../sandbox/task-events.ts';
import { validateAutomation } from '../../shared/config/validate.ts';
import type { RuleBus } from '../../shared/stack/event-rules.ts';

const ARN = 'arn:aws:ecs:us-east-1:123456789012';
const HEAD = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const automation = validateAutomation({
  jobs: { 'nightly-report': { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report', cluster: 'batch-prod' } },
  apps: {
    shop: {
      cluster: 'web',
      listener: `${HEAD}:listener/app/shop/0000000000000001/0000000000000001`,
      blue: { service: 'shop-blue', targetGroup: `${HEAD}:targetgroup/shop-blue/0000000000000002` },
      green: { service: 'shop-green', targetGroup: `${HEAD}:targetgroup/shop-green/0000000000000003` },
      gates: { alarms: ['shop-5xx'] },
    },
  },
});
const rules = new DeployedRules(automation, emulatorResourceNames('arn:aws:events:us-east-1:123456789012:event-bus/ecs-autopilot-sandbox'));
const targets = (event: unknown, bus: RuleBus) => rules.matching(event, bus).map((rule) => rule.target);

const AT = new Date('2026-12-07T21:00:30Z');
function taskOf(cluster: string, state: Pick<Task, 'lastStatus' | 'desiredStatus' | 'stopCode'>): Task {
  return {
    taskArn: `${ARN}:task/${cluster}/1a2b3c4d5e6f47118000000000000001`,
    clusterArn: `${ARN}:cluster/${cluster}`,
    taskDefinitionArn: `${ARN}:task-definition/report:1`,
    group: 'family:report',
    containers: [{ name: 'app', lastStatus: state.lastStatus, exitCode: 1 }],
    ...state,
  };
}
const stopped = { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' } as const;
const busEvent = (detailType: string, detail: Record<string, unknown>, source = 'ecs-autopilot'): PublishedEvent => ({
  'detail-type': detailType,
  source,
  time: '2026-12-07T21:00:31Z',
  resources: [],
  detail,
});
const alert = { cluster: 'batch-prod', subject: { kind: 'job', name: 'nightly-report' }, category: 'app-error', severity: 'critical' };
const alarm = (alarmName: string) =>
  alarmStateChangeEvent({
    alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`,
    alarmName,
    state: 'ALARM',
    reason: 'x',
    at: AT,
  });

describe('the deployed rules, as the sandbox routes by them', () => {
  it('take a stopped task of a watched cluster to on-task-stopped', () => {
    expect(targets(eventOfTask(taskOf('batch-prod', stopped), { at: AT, version: 3 }), 'default')).toEqual(['on-task-stopped']);
  });

  it('take a Spot notice (still running, desired stopped) to on-task-stopped', () => {
    const notice = { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption' } as const;

    expect(targets(eventOfTask(taskOf('batch-prod', notice), { at: AT, version: 2 }), 'default')).toEqual(['on-task-stopped']);
  });

  it('take an event with an alert on our bus to notify', () => {
    expect(targets(busEvent('Job Run Failed', { job: 'nightly-report', alert }), 'own')).toEqual(['notify']);
  });

  it('take a deployment request on our bus to shift-traffic', () => {
    expect(targets(busEvent('Deployment Requested', { app: 'shop', id: 'shop-1' }), 'own')).toEqual(['shift-traffic']);
  });

  it('take a rollout of an app’s service to shift-traffic', () => {
    const rollout = {
      source: 'aws.ecs',
      'detail-type': 'ECS Deployment State Change',
      resources: [`${ARN}:service/web/shop-green`],
      detail: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
    };

    expect(targets(rollout, 'default')).toEqual(['shift-traffic']);
  });

  it('take a gate alarm’s state change to shift-traffic', () => {
    expect(targets(alarm('shop-5xx'), 'default')).toEqual(['shift-traffic']);
  });

  it('give a deployment request that carries an alert to shift-traffic only: an alert in a request is forged', () => {
    const requestWithAlert = busEvent('Deployment Requested', { app: 'shop', id: 'shop-1', alert });

    expect(targets(requestWithAlert, 'own')).toEqual(['shift-traffic']);
  });

  describe('deliver to nobody', () => {
    it.each([
      ['a stopped task of a cluster not watched', eventOfTask(taskOf('elsewhere', stopped), { at: AT, version: 3 }), 'default'],
      [
        'a task that only started',
        eventOfTask(taskOf('batch-prod', { lastStatus: 'RUNNING', desiredStatus: 'RUNNING' }), { at: AT, version: 1 }),
        'default',
      ],
      ['a stopped task’s event on our bus', eventOfTask(taskOf('batch-prod', stopped), { at: AT, version: 3 }), 'own'],
      ['an alert-looking event from another source', busEvent('Job Run Failed', { alert }, 'my.pipeline'), 'own'],
      ['an event with an alert on the default bus', busEvent('Job Run Failed', { alert }), 'default'],
      ['a bus event without an alert', busEvent('Job Run Succeeded', { job: 'nightly-report' }), 'own'],
      ['shift-traffic’s own decision', busEvent('Deployment Started', { app: 'shop', id: 'shop-1' }), 'own'],
      ['an alarm no app gates on', alarm('billing-estimate'), 'default'],
    ] as const)('%s', (_, event, bus) => {
      expect(targets(event, bus)).toEqual([]);
    });
  });
});
