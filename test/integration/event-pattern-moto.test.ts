/**
 * The sandbox's EventBridge pattern matcher (shared/events/event-pattern.ts) agrees with moto's on the
 * project's real rules (shared/stack/event-rules.ts), for events that match and events that do not.
 * moto does not implement TestEventPattern (its EventsBackend raises NotImplementedError), but it matches
 * every PutEvents against the rules of the bus and delivers to their SQS targets: each rule goes on a bus
 * of its own with a queue as its target, every event is put on every bus, and what reached each queue is
 * compared with what the matcher says. The events are in the shapes AWS delivers (the task events are the
 * fixtures written after the real ones).
 */
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorResourceNames } from '../../sandbox/deployed-rules.ts';
import { type Emulator, emulatorClientConfig, startEmulator } from '../../sandbox/emulator.ts';
import { validateAutomation } from '../../shared/config/validate.ts';
import { matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { type EventRule, eventRules } from '../../shared/stack/event-rules.ts';
import { ACCOUNT, REGION, stoppedTaskEvent, type TaskEvent, taskEvent, taskEventNames } from '../fixtures/task-events.ts';

const HEAD = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}`;
/** Jobs in "batch", a service in "web": the task fixtures of "legacy" and "workers" are of clusters not watched. */
const automation = validateAutomation({
  jobs: { 'nightly-report': { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'nightly-report:7', cluster: 'batch' } },
  services: { api: { cluster: 'web' } },
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
const names = emulatorResourceNames(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`);
const rules = eventRules(automation, names);

const envelope = (source: string, detailType: string, detail: Record<string, unknown>, resources: string[] = []) => ({
  version: '0',
  id: '0d2a8c5e-7b1f-4e3a-9c6d-2f8e1a4b7c90',
  'detail-type': detailType,
  source,
  account: ACCOUNT,
  time: '2026-12-07T10:03:00Z',
  region: REGION,
  resources,
  detail,
});
const alert = { cluster: 'batch', subject: { kind: 'job', name: 'nightly-report' }, category: 'app-error', severity: 'critical' };
const serviceArn = (service: string) => names.service('web', service);
const alarmEvent = (alarmName: string, value: string) =>
  envelope(
    'aws.cloudwatch',
    'CloudWatch Alarm State Change',
    {
      alarmName,
      state: {
        value,
        reason: 'Threshold Crossed: 1 datapoint [7.0] was greater than the threshold (5.0).',
        timestamp: '2026-12-07T10:03:00.000+0000',
      },
      previousState: { value: 'OK' },
      configuration: { metrics: [] },
    },
    [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`],
  );

const EVENTS: Array<{ name: string; event: TaskEvent }> = [
  ...taskEventNames().map((name) => ({ name: `task event ${name}`, event: taskEvent(name) })),
  { name: 'a running task', event: stoppedTaskEvent({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', stopCode: undefined }) },
  { name: 'a stopped task in another account', event: stoppedTaskEvent({ account: '999988887777' }) },
  { name: 'Job Run Failed with an alert', event: envelope('ecs-autopilot', 'Job Run Failed', { job: 'nightly-report', alert }) },
  { name: 'Job Run Launched, no alert', event: envelope('ecs-autopilot', 'Job Run Launched', { job: 'nightly-report', taskArns: [] }) },
  { name: 'an alert from another source', event: envelope('my.pipeline', 'Job Run Failed', { job: 'nightly-report', alert }) },
  { name: 'an alert without a cluster', event: envelope('ecs-autopilot', 'Job Run Failed', { alert: { ...alert, cluster: undefined } }) },
  { name: 'Deployment Requested', event: envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', id: 'shop-1' }) },
  { name: 'Deployment Abort Requested', event: envelope('ecs-autopilot', 'Deployment Abort Requested', { app: 'shop', id: 'shop-1' }) },
  {
    name: 'a Deployment Requested carrying an alert (forged by a deployer)',
    event: envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', id: 'shop-2', alert }),
  },
  {
    name: 'a Deployment Promotion Requested carrying a resolving alert (forged)',
    event: envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', id: 'shop-2', alert: { ...alert, resolves: true } }),
  },
  { name: 'Deployment Started', event: envelope('ecs-autopilot', 'Deployment Started', { app: 'shop', id: 'shop-1' }) },
  {
    name: 'a rollout of shop-green',
    event: envelope(
      'aws.ecs',
      'ECS Deployment State Change',
      {
        eventType: 'INFO',
        eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
        deploymentId: 'ecs-svc/0123456789',
        updatedAt: '2026-12-07T10:03:00Z',
      },
      [serviceArn('shop-green')],
    ),
  },
  {
    name: 'a steady state of shop-blue',
    event: envelope('aws.ecs', 'ECS Service Action', { eventType: 'INFO', eventName: 'SERVICE_STEADY_STATE' }, [serviceArn('shop-blue')]),
  },
  {
    name: 'a rollout of another service',
    event: envelope('aws.ecs', 'ECS Deployment State Change', { eventName: 'SERVICE_DEPLOYMENT_COMPLETED' }, [serviceArn('api')]),
  },
  {
    name: 'a placement failure of api (the service events rule)',
    event: envelope(
      'aws.ecs',
      'ECS Service Action',
      { eventType: 'ERROR', eventName: 'SERVICE_TASK_PLACEMENT_FAILURE', clusterArn: names.cluster('web'), reason: 'RESOURCE:MEMORY' },
      [serviceArn('api')],
    ),
  },
  {
    name: 'a deployment of api in progress (neither a problem nor a recovery)',
    event: envelope('aws.ecs', 'ECS Deployment State Change', { eventType: 'INFO', eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS' }, [
      serviceArn('api'),
    ]),
  },
  { name: 'the gate alarm in ALARM', event: alarmEvent('shop-5xx', 'ALARM') },
  { name: 'the gate alarm back to OK', event: alarmEvent('shop-5xx', 'OK') },
  { name: 'another alarm', event: alarmEvent('billing-estimate', 'ALARM') },
];

let emulator: Emulator;
/** Per rule, the names of the events moto delivered to its queue. */
const delivered = new Map<string, Set<string>>();

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator.endpoint);
  const eventBridge = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  for (const rule of rules) {
    const busName = `agreement-${rule.name}`;
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: busName }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await eventBridge.send(new PutRuleCommand({ Name: rule.name, EventBusName: busName, EventPattern: JSON.stringify(rule.pattern) }));
    await eventBridge.send(
      new PutTargetsCommand({ Rule: rule.name, EventBusName: busName, Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }),
    );
    for (const [index, { event }] of EVENTS.entries()) {
      // The event's name rides along in a detail field no pattern reads.
      const { FailedEntryCount } = await eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: event.source,
              DetailType: event['detail-type'],
              Resources: event.resources,
              Time: new Date(event.time),
              Detail: JSON.stringify({ ...event.detail, agreementCase: index }),
            },
          ],
        }),
      );
      expect(FailedEntryCount).toBe(0);
    }
    const reached = new Set<string>();
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      if (Messages.length === 0) break;
      for (const message of Messages) {
        const index = (JSON.parse(message.Body ?? '{}') as { detail: { agreementCase: number } }).detail.agreementCase;
        reached.add(EVENTS[index]?.name ?? `case ${index}`);
      }
    }
    delivered.set(rule.name, reached);
  }
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('the matcher and moto', () => {
  it('have every rule to compare', () => {
    expect(rules.map((rule) => rule.name)).toEqual([
      'task-events',
      'service-events',
      'alerts',
      'deployment-requests',
      'deployment-ecs-events',
      'deployment-alarms',
    ]);
  });

  describe.each(rules.map((rule): [string, EventRule] => [rule.name, rule]))('%s', (name, rule) => {
    it.each(EVENTS.map(({ name: event }) => [event]))('agree on %s', (event) => {
      const { event: sent } = EVENTS.find((candidate) => candidate.name === event) ?? { event: undefined };

      expect(delivered.get(name)?.has(event)).toBe(matchesEventPattern(rule.pattern, sent));
    });

    it('are each matched by some event and missed by another', () => {
      const matched = EVENTS.filter(({ event }) => matchesEventPattern(rule.pattern, event));

      expect(matched.length).toBeGreaterThan(0);
      expect(matched.length).toBeLessThan(EVENTS.length);
    });
  });
});
