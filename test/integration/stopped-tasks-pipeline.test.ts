/**
 * The whole path of a stopped service task, against moto: the ECS event → on-task-stopped → our bus →
 * (the alert rule) → notify → timers → the SNS topic. A burst of 1,000 stops of one service must reach
 * a person as at most 2 messages, and lose no event on the way.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import type { NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { alertGroupKey } from '../../shared/events/alert.ts';
import { AlertGroups, alertGroupRetentionSeconds } from '../../shared/state/alert-groups.ts';
import type { StopRuntime } from '../../shared/stopped-tasks/runtime.ts';
import { stoppedTaskEvent } from '../fixtures/task-events.ts';
import { oneRequestAtATime, quietLog, useEmulatorWorld } from './world.ts';

const ACCOUNT = '123456789012';
const STOPS = 1_000;

const config = {
  services: { web: { cluster: 'web-burst', crashLoop: { stops: 5, window: '10m' } } },
  notifications: { email: ['ops@example.com'], groupWait: '30s', repeatInterval: '4h', resolveAfter: '30m' },
};

const START = new Date('2026-11-22T09:00:00Z');

describe('a burst of stopped service tasks, end to end', () => {
  const t = useEmulatorWorld(config, START);
  let stopRuntime: StopRuntime;
  let notifyRuntime: NotifyRuntime;
  let sqs: SQSClient;

  const clientConfig = () => ({
    endpoint: t.emulator.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

  beforeEach(async () => {
    // Exact counts: moto gets one DynamoDB request at a time (see oneRequestAtATime).
    const dynamoClient = oneRequestAtATime(new DynamoDBClient(clientConfig()));
    const dynamo = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
    const table = t.world.tableName;
    // on-task-stopped's counts of the window need no exactness here (a crash loop either way).
    stopRuntime = t.stopRuntime;
    const timing = t.automation.notifications;
    notifyRuntime = {
      timing,
      groups: new AlertGroups(dynamo, table, alertGroupRetentionSeconds(timing)),
      topic: new AlertTopic(new SNSClient(clientConfig()), t.world.alertTopicArn),
      timers: t.timers,
      holds: [],
      log: quietLog,
      now: t.clock.now,
    };
    sqs = new SQSClient(clientConfig());
    await t.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        containerDefinitions: [{ name: 'app', image: 'web:1', essential: true, memory: 512 }],
      }),
    );
  });

  /** The messages the alert topic delivered, as its queue subscriber received them. */
  type Sent = { title: string; description: string; metadata: { additionalContext: Record<string, string> } };
  async function sentMessages(): Promise<Sent[]> {
    const messages: Sent[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: t.world.alertQueueUrl, MaxNumberOfMessages: 10 }));
      if (Messages.length === 0) return messages;
      for (const message of Messages) {
        const envelope = JSON.parse(message.Body ?? '{}') as { Message: string };
        const chatbot = JSON.parse(envelope.Message) as { content: { title: string; description: string }; metadata: Sent['metadata'] };
        messages.push({ ...chatbot.content, metadata: chatbot.metadata });
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: t.world.alertQueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  async function inBatches<T>(items: T[], size: number, act: (item: T) => Promise<unknown>): Promise<void> {
    for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(act));
  }

  it(`turns ${STOPS} stops of one service into at most 2 messages, losing no event`, { timeout: 240_000 }, async () => {
    const stops = Array.from({ length: STOPS }, (_, i) =>
      stoppedTaskEvent({
        cluster: 'web-burst',
        taskId: (i + 1).toString(16).padStart(32, '0'),
        taskDefinition: 'web:1',
        group: 'service:web',
        startedBy: 'ecs-svc/4711',
        containers: [{ name: 'app', exitCode: 1 }],
        account: ACCOUNT,
        region: EMULATOR_REGION,
        stoppedAt: t.clock.now().toISOString(),
      }),
    );

    // 1. on-task-stopped, 25 at a time, as Lambda would run them side by side. The capture queue is drained after every batch: moto's SQS slows down as a queue grows.
    const outcomes: Awaited<ReturnType<typeof onTaskStopped>>[] = [];
    const published: Awaited<ReturnType<typeof t.events>> = [];
    for (let i = 0; i < stops.length; i += 25) {
      await Promise.all(stops.slice(i, i + 25).map(async (event) => outcomes.push(await onTaskStopped(event, stopRuntime))));
      published.push(...(await t.events()));
    }
    expect(outcomes).toHaveLength(STOPS);
    expect(outcomes.every((o) => 'category' in o && o.category === 'app-error')).toBe(true);

    // 2. Every stop is on the bus; the crash loop is announced on every counted stop from the 5th.
    const stopped = published.filter((e) => e['detail-type'] === 'Service Task Stopped');
    expect(new Set(stopped.map((e) => (e.detail.stop as { taskArn: string }).taskArn)).size).toBe(STOPS);
    const alerts = published.filter((e) => e.detail.alert !== undefined);
    // Side by side, several of the first stops may already see five in the window.
    expect(new Set(alerts.map((e) => e['detail-type']))).toEqual(new Set(['Crash Loop Detected']));
    expect(alerts.length).toBeGreaterThanOrEqual(STOPS - 4);
    // 3. The alert rule routes those to notify, 25 at a time.
    await inBatches(alerts, 25, (event) =>
      notify({ ...event, id: crypto.randomUUID(), account: ACCOUNT, region: EMULATOR_REGION }, notifyRuntime),
    );
    expect(await sentMessages()).toEqual([]);

    // 4. groupWait passes: the flush timer fires as Scheduler would fire it.
    const key = alertGroupKey({
      cluster: 'web-burst',
      subject: { kind: 'service', name: 'web' },
      category: 'app-error',
      severity: 'critical',
    });
    await fireNextTimers();
    expect(t.clock.now()).toEqual(new Date(START.getTime() + 30_000));
    const [firing, ...more] = await sentMessages();
    expect(more).toEqual([]);
    expect(firing?.title).toMatch(/web/);
    expect(firing?.metadata.additionalContext.count).toBe(String(alerts.length));
    expect(await notifyRuntime.groups.get(key)).toMatchObject({ total: alerts.length, pending: 0, messagesSent: 1 });

    // 5. Then quiet: the only other message is the resolved one.
    while ((await t.timers.pending()).length > 0) await fireNextTimers();
    const later = await sentMessages();
    expect(later).toHaveLength(1);
    expect(later[0]?.title).toMatch(/resolved/i);
  });

  /** Moves the clock to the earliest timer and delivers every timer due then to notify. */
  async function fireNextTimers(): Promise<void> {
    const [next] = await t.timers.pending();
    if (!next) return;
    t.clock.advanceTo(next.at);
    for (let due = await t.timers.takeDue(t.clock.now()); due; due = await t.timers.takeDue(t.clock.now())) {
      expect(due.target).toBe('notify');
      await notify(due.input, notifyRuntime);
    }
  }
});
