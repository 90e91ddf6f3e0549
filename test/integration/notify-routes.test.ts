/**
 * notify's routes and groupBy against moto (issue 13 §2): the alert topic and a route's topic, each with
 * an SQS subscriber standing for Chatbot or the pager; a route to a topic that does not exist; alerts
 * grouped by cluster and category. Timers are recorded and fired when the virtual clock passes them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import { alertRoutes, routeTopicName } from '../../shared/alerts/routes.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import { busEvent, oomStop, serviceAlert, serviceTaskStopped, watchedTaskStopped } from '../helpers/alert-events.ts';
import { RecordedTimers } from '../helpers/recorded-timers.ts';
import { runRecord } from '../unit/fixtures.ts';
import { oneRequestAtATime, quietLog, useEmulatorWorld } from './world.ts';

const START = new Date('2026-11-22T02:00:00.000Z');
const MISSING_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:nobody-made-this-topic';
const config = {
  notifications: {
    groupWait: '30s',
    repeatInterval: '5m',
    resolveAfter: '30m',
    groupBy: ['cluster', 'category'],
    topics: { oncall: {} },
    routes: [
      { match: { severity: 'critical', cluster: 'prod' }, topic: 'oncall', continue: true },
      { match: { category: 'deployment-failed' }, topicArn: MISSING_TOPIC_ARN, continue: true },
    ],
  },
};

describe('notify routes and groupBy against moto', () => {
  const t = useEmulatorWorld(config, START);
  let rt: NotifyRuntime;
  let settings: Parameters<typeof createNotifyRuntime>[0];
  let timers: RecordedTimers;
  let sqs: SQSClient;
  /** What the alert topic's and the oncall topic's subscribers received since the last look. */
  let alertTopicReceived: () => Promise<Received[]>;
  let oncallReceived: () => Promise<Received[]>;

  interface Received {
    subject: string;
    attributes: Record<string, string>;
  }

  const clientConfig = () => ({
    endpoint: t.emulator.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

  /** An SQS queue subscribed to `topicArn`, read (and emptied) by the function returned. */
  async function subscriber(topicArn: string, queueName: string): Promise<() => Promise<Received[]>> {
    const sns = new SNSClient(clientConfig());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));
    return async () => {
      const received: Received[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 3_600 }),
        );
        if (Messages.length === 0) return received;
        for (const message of Messages) {
          const envelope = JSON.parse(message.Body ?? '{}') as { Subject: string; MessageAttributes?: Record<string, { Value: string }> };
          const attributes = Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([name, { Value }]) => [name, Value]));
          received.push({ subject: envelope.Subject, attributes });
        }
      }
    };
  }

  beforeEach(async () => {
    timers = new RecordedTimers();
    sqs = new SQSClient(clientConfig());
    const sns = new SNSClient(clientConfig());
    const alertTopicArn = t.world.alertTopicArn;
    // The stack creates the oncall topic next to the alert topic (alert-route-topics.ts); here the test does.
    const { TopicArn: oncallArn = '' } = await sns.send(
      new CreateTopicCommand({ Name: routeTopicName(alertTopicArn.split(':').pop() ?? '', 'oncall') }),
    );
    expect(oncallArn).toBe(`${alertTopicArn}-oncall`);
    alertTopicReceived = await subscriber(alertTopicArn, 'alert-topic-subscriber');
    oncallReceived = await subscriber(oncallArn, 'oncall-subscriber');
    const { notifications } = t.automation;
    settings = {
      timing: notifications,
      dynamo: DynamoDBDocumentClient.from(oneRequestAtATime(new DynamoDBClient(clientConfig())), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: t.world.tableName,
      topic: new AlertTopic(sns, alertTopicArn),
      routes: alertRoutes(sns, alertTopicArn, notifications.routes),
      groupBy: notifications.groupBy,
      timers,
      log: quietLog,
      now: t.clock.now,
    };
    rt = createNotifyRuntime(settings);
  });

  /** Moves the clock to `seconds` after START, firing in time order every timer it passes. */
  async function runUntil(seconds: number) {
    const until = new Date(START.getTime() + seconds * 1000);
    for (let timer = timers.takeDue(until); timer; timer = timers.takeDue(until)) {
      t.clock.advanceTo(timer.at);
      await notify(timer.input, rt);
    }
    t.clock.advanceTo(until);
  }

  let sequence = 0;
  const eventOf = (detailType: string, detail: object) => {
    sequence += 1;
    return busEvent(detailType, detail, { id: `route-event-${sequence}`, time: t.clock.now().toISOString() });
  };
  const taskId = () => (sequence + 1).toString(16).padStart(32, '0');

  it('sends a critical prod alert to the oncall topic and (continue) to the alert topic, a warning to the alert topic only', async () => {
    await notify(eventOf('Service Task Stopped', serviceTaskStopped({ stop: oomStop({ taskId: taskId() }) })), rt);
    // Another category: grouped by cluster and category, an out-of-memory warning would join web's group.
    const warning = watchedTaskStopped();
    await notify(eventOf('Watched Task Stopped', { ...warning, alert: { ...warning.alert, category: 'app-error' } }), rt);
    await runUntil(30);

    const onAlertTopic = await alertTopicReceived();
    expect(onAlertTopic.map((m) => [m.attributes.severity, m.subject]).sort()).toEqual([
      ['critical', '[CRITICAL] A task of service web stopped on prod: out-of-memory'],
      ['warning', expect.stringMatching(/^\[WARNING\] .*watched task ingest/i)],
    ]);
    expect((await oncallReceived()).map((m) => [m.attributes.severity, m.subject])).toEqual([
      ['critical', '[CRITICAL] A task of service web stopped on prod: out-of-memory'],
    ]);
  });

  it('sends to every topic that takes the message when one of them refuses it for good, and reports the refusal', async () => {
    const failedDeployment = serviceTaskStopped({
      stop: oomStop({ taskId: taskId() }),
      alert: serviceAlert({ category: 'deployment-failed' }),
    });
    await notify(eventOf('Service Task Stopped', failedDeployment), rt);
    const timer = timers.takeDue(new Date(START.getTime() + 30_000));
    t.clock.advanceTo(new Date(START.getTime() + 30_000));
    const result = await notify(timer?.input, rt);

    expect(result.published).toHaveLength(1);
    expect(result.refused).toEqual([
      { what: `the firing message to ${MISSING_TOPIC_ARN}`, reason: expect.stringContaining(MISSING_TOPIC_ARN) },
    ]);
    expect(await oncallReceived()).toHaveLength(1);
    expect(await alertTopicReceived()).toHaveLength(1);
  });

  it('makes one message of three services that cannot be placed in one cluster, grouped by cluster and category', async () => {
    for (const service of ['web', 'api', 'worker']) {
      const stop = oomStop({
        taskId: taskId(),
        service,
        group: `service:${service}`,
        classification: { category: 'failed-to-start', because: 'no container instance had room for the task' },
      });
      const detail = serviceTaskStopped({
        service,
        stop,
        alert: serviceAlert({ subject: { kind: 'service', name: service }, category: 'failed-to-start' }),
      });
      await notify(eventOf('Service Task Stopped', detail), rt);
    }
    await runUntil(30);

    const [message, ...others] = await alertTopicReceived();
    expect(others).toEqual([]);
    expect(message?.subject).toMatch(/^\[CRITICAL\] .*worker.* on prod: failed-to-start \(3x\)$/);
    // The group keeps its newest event, not every subject it saw: the email says so.
    const models = (await (await fetch(`${t.emulator.endpoint}/moto-api/data.json`)).json()) as {
      sns: { Topic: { arn: string; sent_notifications: [string, string, string][] }[] };
    };
    const sent = models.sns.Topic.find((topic) => topic.arn === t.world.alertTopicArn)?.sent_notifications ?? [];
    expect(sent.map(([, body]) => (JSON.parse(body) as { email: string }).email)).toEqual([
      expect.stringContaining('service worker (the latest of its alerts grouped by cluster, category)'),
    ]);
    expect(await oncallReceived()).toHaveLength(1);
  });

  it("makes one message of three jobs' launch failures for lack of capacity, resolved when the last of them succeeds", async () => {
    const lastTry = { willRetry: false as const, because: 'attempt 1 was the last of 1' };
    const outcome = (job: string, status: 'failed' | 'succeeded') => {
      const event = runOutcomeEvent(
        runRecord({
          job,
          cluster: 'prod',
          status,
          endedAt: t.clock.now().toISOString(),
          ...(status === 'failed' && { category: 'failed-to-start' as const, reason: 'no capacity to place the task', retry: lastTry }),
        }),
        t.clock.now(),
      );
      return eventOf(event.detailType, { ...event.detail, eventId: event.id });
    };
    for (const job of ['nightly-report', 'ledger-cleanup', 'hourly-sync']) await notify(outcome(job, 'failed'), rt);
    await runUntil(30);
    const [firing, ...others] = await alertTopicReceived();
    expect(others).toEqual([]);
    expect(firing?.subject).toMatch(/^\[CRITICAL\] .* on prod: failed-to-start \(3x\)$/);
    const emails = async () => {
      const models = (await (await fetch(`${t.emulator.endpoint}/moto-api/data.json`)).json()) as {
        sns: { Topic: { arn: string; sent_notifications: [string, string, string][] }[] };
      };
      const sent = models.sns.Topic.find((topic) => topic.arn === t.world.alertTopicArn)?.sent_notifications ?? [];
      return sent.map(([, body]) => (JSON.parse(body) as { email: string }).email);
    };
    expect(await emails()).toEqual([expect.stringContaining('3 jobs open: hourly-sync, ledger-cleanup, nightly-report')]);

    // One job's success closes that job only: the group stays open while the others fail.
    await runUntil(600);
    const requests: string[] = [];
    const client = oneRequestAtATime(new DynamoDBClient(clientConfig()));
    client.middlewareStack.add(
      (next, context) => (args) => {
        requests.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const counting = createNotifyRuntime({
      ...settings,
      dynamo: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    });
    const success = outcome('ledger-cleanup', 'succeeded');
    const first = await notify(success, counting);
    expect(first.ignored).toBe('job:ledger-cleanup is closed; the group stays open, still open: job:hourly-sync, job:nightly-report');
    expect(requests.splice(0)).toEqual(['GetItemCommand', 'UpdateItemCommand']);
    // Delivered twice, it changes nothing, and a job the group does not hold neither: one read, no write.
    expect((await notify(success, counting)).ignored).toBe(
      'job:ledger-cleanup is closed; the group stays open, still open: job:hourly-sync, job:nightly-report',
    );
    expect((await notify(outcome('weekly-close', 'succeeded'), counting)).ignored).toMatch(
      /still open: job:hourly-sync, job:nightly-report$/,
    );
    expect(requests).toEqual(['GetItemCommand', 'GetItemCommand']);
    await runUntil(7_200);
    expect(await alertTopicReceived()).toEqual([]);

    await notify(outcome('hourly-sync', 'succeeded'), rt);
    await runUntil(7_300);
    expect(await alertTopicReceived()).toEqual([]);
    const last = await notify(outcome('nightly-report', 'succeeded'), rt);
    expect(last.published.map((message) => message.status)).toEqual(['resolved']);
    await runUntil(14_400);
    expect((await alertTopicReceived()).map((m) => [m.attributes.status, m.subject.startsWith('[RESOLVED]')])).toEqual([
      ['resolved', true],
    ]);
  });

  it("keeps a job's failures its own with the default groupBy (one group per subject), resolved by its own success", async () => {
    const byDefault = createNotifyRuntime({ ...settings, groupBy: ['cluster', 'subject', 'category'] });
    const lastTry = { willRetry: false as const, because: 'attempt 1 was the last of 1' };
    const outcome = (job: string, status: 'failed' | 'succeeded') => {
      const event = runOutcomeEvent(
        runRecord({ job, cluster: 'prod', status, endedAt: t.clock.now().toISOString(), ...(status === 'failed' && { retry: lastTry }) }),
        t.clock.now(),
      );
      return eventOf(event.detailType, { ...event.detail, eventId: event.id });
    };
    for (const job of ['nightly-report', 'ledger-cleanup']) await notify(outcome(job, 'failed'), byDefault);
    await runUntil(30);
    expect((await alertTopicReceived()).map((m) => m.attributes.subject).sort()).toEqual(['ledger-cleanup', 'nightly-report']);
    await notify(outcome('ledger-cleanup', 'succeeded'), byDefault);
    await runUntil(7_200);
    expect((await alertTopicReceived()).map((m) => [m.attributes.status, m.attributes.subject])).toEqual([['resolved', 'ledger-cleanup']]);
  });
});
