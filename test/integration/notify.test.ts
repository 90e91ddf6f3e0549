/**
 * notify against moto: the state table holds the alert groups, the alert topic delivers to an SQS queue
 * (what Chatbot and other non-email subscribers receive), and moto's record of the topic shows what an
 * email subscription receives. Timers are recorded here and fired when the virtual clock passes them
 * (SchedulerTimers itself is exercised by the sandbox tests).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { TRUNCATED } from '../../shared/alerts/cut.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import type { ChatbotNotification } from '../../shared/alerts/render.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { SNS_MESSAGE_MAX_BYTES } from '../../shared/alerts/sns-message.ts';
import { BadEventError } from '../../shared/errors.ts';
import { decideFreshness } from '../../shared/jobs/freshness.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import { keys } from '../../shared/state/keys.ts';
import { busEvent, deploymentRolledBack, oomStop, serviceTaskStopped } from '../helpers/alert-events.ts';
import { RecordedTimers } from '../helpers/recorded-timers.ts';
import { jobSpec, runRecord } from '../unit/fixtures.ts';
import { oneRequestAtATime, quietLog, useEmulatorWorld } from './world.ts';

const START = new Date('2026-11-22T02:00:00.000Z');
const config = { notifications: { groupWait: '30s', repeatInterval: '5m', resolveAfter: '30m' } };
const GROUP_KEY = 'prod|service:web|out-of-memory';

interface DeliveredAlert {
  subject: string;
  chatbot: ChatbotNotification;
  /** The SNS message attributes, as the envelope carries them: name → value. */
  attributes: Record<string, string>;
}

describe('notify against moto', () => {
  const t = useEmulatorWorld(config, START);
  let rt: NotifyRuntime;
  let timers: RecordedTimers;
  let sqs: SQSClient;

  const clientConfig = () => ({
    endpoint: t.emulator.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

  beforeEach(() => {
    timers = new RecordedTimers();
    rt = createNotifyRuntime({
      timing: t.automation.notifications,
      // Exact counts: moto gets one DynamoDB request at a time (see oneRequestAtATime).
      dynamo: DynamoDBDocumentClient.from(oneRequestAtATime(new DynamoDBClient(clientConfig())), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: t.world.tableName,
      topic: new AlertTopic(new SNSClient(clientConfig()), t.world.alertTopicArn),
      timers,
      log: quietLog,
      now: t.clock.now,
    });
    sqs = new SQSClient(clientConfig());
  });

  let sequence = 0;
  /** A stop of service web as on-task-stopped announces it, now. */
  function stopOfWeb() {
    sequence += 1;
    const taskId = sequence.toString(16).padStart(32, '0');
    return busEvent('Service Task Stopped', serviceTaskStopped({ stop: oomStop({ taskId }) }), {
      id: `event-${sequence}`,
      time: t.clock.now().toISOString(),
    });
  }

  /** `count` stops delivered as a burst: `concurrency` invocations at a time. */
  async function burst(count: number, concurrency = 50) {
    for (let sent = 0; sent < count; sent += concurrency) {
      await Promise.all(Array.from({ length: Math.min(concurrency, count - sent) }, () => notify(stopOfWeb(), rt)));
    }
  }

  /** Moves the clock to `seconds` after START, firing in time order every timer it passes. */
  async function runUntil(seconds: number) {
    const until = new Date(START.getTime() + seconds * 1000);
    for (let timer = timers.takeDue(until); timer; timer = timers.takeDue(until)) {
      t.clock.advanceTo(timer.at);
      await notify(timer.input, rt);
    }
    t.clock.advanceTo(until);
  }

  /** What the alert topic delivered to its SQS subscriber since the last call. */
  async function delivered(): Promise<DeliveredAlert[]> {
    const alerts: DeliveredAlert[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: t.world.alertQueueUrl, MaxNumberOfMessages: 10 }));
      if (Messages.length === 0) return alerts;
      for (const message of Messages) {
        const envelope = JSON.parse(message.Body ?? '{}') as {
          Subject: string;
          Message: string;
          MessageAttributes?: Record<string, { Value: string }>;
        };
        const attributes = Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([name, { Value }]) => [name, Value]));
        alerts.push({ subject: envelope.Subject, chatbot: JSON.parse(envelope.Message) as ChatbotNotification, attributes });
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: t.world.alertQueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  /** Every message published to the alert topic, as its email subscribers receive it (moto's record of the topic). */
  async function emails(): Promise<{ subject: string; text: string; message: string }[]> {
    const models = (await (await fetch(`${t.emulator.endpoint}/moto-api/data.json`)).json()) as {
      sns: { Topic: { arn: string; sent_notifications: [string, string, string][] }[] };
    };
    const topic = models.sns.Topic.find((candidate) => candidate.arn === t.world.alertTopicArn);
    return (topic?.sent_notifications ?? []).map(([, message, subject]) => ({
      subject,
      text: (JSON.parse(message) as { email: string }).email,
      message,
    }));
  }

  const countOf = (alert: DeliveredAlert | undefined) => Number(alert?.chatbot.metadata.additionalContext.count);

  it('sends nothing before groupWait, then one message with the human text and the Chatbot notification', async () => {
    const result = await notify(stopOfWeb(), rt);

    expect(result).toEqual({ groupKey: GROUP_KEY, published: [] });
    await runUntil(29);
    expect(await delivered()).toEqual([]);

    await runUntil(30);
    const [alert, ...others] = await delivered();
    expect(others).toEqual([]);
    expect(alert?.subject).toBe('[CRITICAL] A task of service web stopped on prod: out-of-memory');
    expect(alert?.chatbot).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: '🔴 A task of service web stopped on prod: out-of-memory' },
      metadata: { threadId: GROUP_KEY, eventType: 'Service Task Stopped', additionalContext: { count: '1', total: '1' } },
    });
    expect(alert?.chatbot.content.nextSteps?.[0]).toMatch(/^Raise the memory limit/);
    const [email] = await emails();
    expect(email?.subject).toBe(alert?.subject);
    expect(email?.text).toContain('How often: once since 2026-11-22 02:00:00 UTC');
    expect(email?.text).toContain('  - app: exit code 137, OutOfMemoryError: Container killed due to memory usage');
    expect(email?.text).toContain(`Logs of app: ${oomStop({ taskId: (1).toString(16).padStart(32, '0') }).logs[0]?.url}`);
  });

  it('carries the alert as message attributes, so a subscription filter policy picks what it wants (issue 13)', async () => {
    const sns = new SNSClient(clientConfig());
    /** A queue subscribed to the alert topic with a filter policy over the message attributes. */
    const subscribed = async (name: string, policy: Record<string, string[]>) => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await sns.send(
        new SubscribeCommand({
          TopicArn: t.world.alertTopicArn,
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
          Attributes: { FilterPolicy: JSON.stringify(policy) },
        }),
      );
      return async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];
    };
    const pager = await subscribed('pager-critical-prod', { severity: ['critical'], cluster: ['prod'] });
    const warnings = await subscribed('warnings-only', { severity: ['warning'] });

    await notify(stopOfWeb(), rt);
    await runUntil(30);

    const [alert] = await delivered();
    expect(alert?.attributes).toEqual({
      severity: 'critical',
      cluster: 'prod',
      subject: 'web',
      kind: 'service',
      category: 'out-of-memory',
      status: 'firing',
    });
    expect(await pager()).toHaveLength(1);
    expect(await warnings()).toEqual([]);
  });

  // 1,000 invocations against moto take 20 to 40 s on a shared machine (moto handles the set of remembered event ids
  // slowly: about 1.5 times the time of a plain count); the margin is for a busy one.
  it('reports a burst of 1,000 stops in one message, a later burst in one more, then the resolution, each once', {
    timeout: 120_000,
  }, async () => {
    await burst(1_000);
    expect(await delivered()).toEqual([]);
    expect(await rt.groups.get(GROUP_KEY)).toMatchObject({ pending: 1_000, total: 1_000, messagesSent: 0 });

    await runUntil(30);
    const first = await delivered();
    expect(first.length).toBeLessThanOrEqual(2);
    expect(first.map(countOf).reduce((sum, count) => sum + count, 0) + ((await rt.groups.get(GROUP_KEY))?.pending ?? 0)).toBe(1_000);
    expect(await rt.groups.get(GROUP_KEY)).toMatchObject({ pending: 0, total: 1_000 });

    const flush = timers.fired.find((timer) => (timer.input as { timer: string }).timer === 'alert-flush');
    expect(await notify(flush?.input, rt)).toMatchObject({ published: [] });
    expect(await delivered()).toEqual([]);

    await runUntil(6 * 60);
    await burst(20);
    await runUntil(6 * 60 + 29);
    expect(await delivered()).toEqual([]);
    await runUntil(6 * 60 + 30);
    const [second, ...more] = await delivered();
    expect(more).toEqual([]);
    expect(second?.chatbot.metadata.additionalContext).toMatchObject({ count: '20', total: '1020' });
    expect(second?.chatbot.content.description).toContain('20 times since the last message (2026-11-22 02:00:30 UTC); 1020 in all');

    await runUntil(6 * 60 + 30 * 60 - 1);
    expect(await delivered()).toEqual([]);
    await runUntil(6 * 60 + 30 * 60 + 1);
    const [resolved, ...after] = await delivered();
    expect(after).toEqual([]);
    expect(resolved?.subject).toBe('[RESOLVED] Service web on prod: out-of-memory');
    expect(resolved?.chatbot.metadata).toMatchObject({ threadId: GROUP_KEY, eventType: 'Alert Resolved' });
    expect((await emails()).at(-1)?.text).toContain('1020 times in all');
    expect(await rt.groups.get(GROUP_KEY)).toBeUndefined();

    for (const timer of timers.fired) await notify(timer.input, rt);
    expect(await delivered()).toEqual([]);
    expect(timers.pending.size).toBe(0);
  });

  it('with groupWait 0, answers the first stop of a burst at once and the rest a repeatInterval later, losing none', async () => {
    rt = { ...rt, timing: { ...rt.timing, groupWaitSeconds: 0 } };

    await burst(100);
    const atOnce = await delivered();
    expect(atOnce).toHaveLength(1);
    await runUntil(5 * 60);
    const all = [...atOnce, ...(await delivered())];

    expect(all.length).toBeLessThanOrEqual(2);
    expect(all.map(countOf).reduce((sum, count) => sum + count, 0)).toBe(100);
    expect(await rt.groups.get(GROUP_KEY)).toMatchObject({ pending: 0, total: 100 });
  });

  it('fails the invocation when a timer cannot be set; the redelivery sets it, and the event counts once', async () => {
    const event = stopOfWeb();
    timers.failures.push(new Error('Scheduler did not answer'));

    await expect(notify(event, rt)).rejects.toThrow('Scheduler did not answer');
    expect(timers.pending.size).toBe(0);
    // Lambda delivers the failed event again a minute later at the earliest.
    t.clock.advance(60);
    await notify(event, rt);
    await runUntil(60 + 30);

    expect((await delivered()).map(countOf)).toEqual([1]);
    expect(await rt.groups.get(GROUP_KEY)).toMatchObject({ pending: 0, total: 1, messagesSent: 1 });
  });

  it('drops a message the topic refuses for good, says so in the log and on the group, and goes on', async () => {
    const errors: unknown[][] = [];
    rt = {
      ...rt,
      topic: new AlertTopic(new SNSClient(clientConfig()), `${t.world.alertTopicArn}-gone`),
      log: { ...quietLog, error: (...args: unknown[]) => errors.push(args) },
    };

    await notify(stopOfWeb(), rt);
    const [flush] = [...timers.pending.values()].filter((timer) => (timer.input as { timer: string }).timer === 'alert-flush');
    t.clock.advanceTo(flush?.at ?? START);
    const result = await notify(flush?.input, rt);

    expect(result).toMatchObject({
      published: [],
      refused: [{ what: 'the firing message', reason: expect.stringMatching(/^could not publish "\[CRITICAL\] .*NotFound/) }],
    });
    expect(errors).toEqual([
      ['the firing message was refused for good: it is dropped, not retried', { reason: expect.stringMatching(/NotFound/) }],
    ]);
    expect((await rt.groups.inbox(GROUP_KEY))?.settled).toMatchObject({
      lastRefused: { what: 'the firing message', reason: expect.stringMatching(/NotFound/), at: flush?.at.toISOString() },
    });
    expect(await rt.groups.get(GROUP_KEY)).toMatchObject({ pending: 0, total: 1, messagesSent: 1 });
  });

  it('records a timer Scheduler refuses for good and goes on: the resolve check sends the message late rather than never', async () => {
    const errors: unknown[][] = [];
    rt = { ...rt, log: { ...quietLog, error: (...args: unknown[]) => errors.push(args) } };
    const accessDenied = Object.assign(new Error('not authorized to perform: scheduler:CreateSchedule'), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    // The resolve check is set first, then the flush is refused.
    timers.failures.push(undefined, accessDenied);

    const result = await notify(stopOfWeb(), rt);

    const flushAt = new Date(START.getTime() + 30_000).toISOString();
    expect(result.refused).toEqual([
      { what: `the alert-flush timer of ${flushAt}`, reason: expect.stringMatching(/^AccessDeniedException: /) },
    ]);
    expect(errors).toEqual([[`the alert-flush timer of ${flushAt} was refused for good: it is dropped, not retried`, expect.anything()]]);
    await runUntil(30 * 60 - 1);
    expect(await delivered()).toEqual([]);
    await runUntil(31 * 60 + 1);
    expect((await delivered()).map((alert) => alert.chatbot.metadata.additionalContext)).toMatchObject([
      { status: 'firing', count: '1' },
      { status: 'resolved', total: '1' },
    ]);
  });

  it('refuses a malformed event before counting it: the valid alert of its group still goes out at its flush', async () => {
    const at = () => ({ time: t.clock.now().toISOString() });
    const valid = busEvent('Deployment Rolled Back', deploymentRolledBack(), { id: 'rolled-back-1', ...at() });
    await notify(valid, rt);
    t.clock.advance(5);
    // Same app, same group; its reason and weights are not what a rollback says.
    const malformed = busEvent('Deployment Rolled Back', deploymentRolledBack({ reason: 42, weights: 'none' }), {
      id: 'rolled-back-2',
      ...at(),
    });

    await expect(notify(malformed, rt)).rejects.toThrow(BadEventError);
    await runUntil(30);

    const [alert, ...others] = await delivered();
    expect(others).toEqual([]);
    expect(alert?.subject).toBe('[WARNING] Deployment of shop rolled back on web: deployment-rolled-back');
    expect(alert?.chatbot.content.description).toContain('Alarm shop-5xx entered ALARM \\(Threshold Crossed\\)');
    expect(alert?.chatbot.metadata.additionalContext).toMatchObject({ count: '1', total: '1' });
  });

  it("cuts a message over SNS's 256 KiB to fit, saying so, and delivers it now", async () => {
    const image = `registry.example/app:${'x'.repeat(140_000)}`;
    const stop = oomStop({ advice: { likelyCause: 'The image is broken.', nextSteps: [`Reproduce it with the same image: ${image}`] } });
    await notify(busEvent('Service Task Stopped', serviceTaskStopped({ stop }), { time: t.clock.now().toISOString() }), rt);

    await runUntil(30);

    const [alert, ...others] = await delivered();
    expect(others).toEqual([]);
    expect(alert?.subject).toBe('[CRITICAL] A task of service web stopped on prod: out-of-memory');
    const [email] = await emails();
    expect(Buffer.byteLength(email?.message ?? '')).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(email?.text).toContain('How often: once since 2026-11-22 02:00:00 UTC');
    expect(email?.text).toContain('  1. Reproduce it with the same image: registry.example/app:xxxx');
    expect(email?.text.endsWith(`xxx${TRUNCATED}`)).toBe(true);
    expect(alert?.chatbot.content.nextSteps?.[0]?.length).toBeGreaterThan(140_000);
  });

  describe("a job's failures, resolved by its next success (issue 13)", () => {
    const lastTry = { willRetry: false as const, because: 'attempt 1 was the last of 1' };
    /** The hourly job's run of `hour` after START, as the job runs announce it when it ends (five minutes in). */
    function hourlyRun(hour: number, status: 'failed' | 'succeeded', job = 'hourly-sync') {
      const scheduled = new Date(START.getTime() + hour * 3_600_000);
      const ended = new Date(scheduled.getTime() + 300_000);
      const run = runRecord({
        job,
        scheduledTime: scheduled.toISOString(),
        status,
        launchedAt: scheduled.toISOString(),
        endedAt: ended.toISOString(),
        ...(status === 'failed' && { category: 'app-error' as const, retry: lastTry }),
      });
      const event = runOutcomeEvent(run, ended);
      return {
        at: ended,
        event: busEvent(event.detailType, { ...event.detail, eventId: event.id }, { id: `eb-${event.id}`, time: ended.toISOString() }),
      };
    }

    /** notify's DynamoDB requests by command, counted by a middleware in front of moto. */
    function countingRuntime() {
      const requests: string[] = [];
      const client = oneRequestAtATime(new DynamoDBClient(clientConfig()));
      client.middlewareStack.add(
        (next, context) => (args) => {
          requests.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize', name: 'countRequests' },
      );
      const counted = createNotifyRuntime({
        timing: t.automation.notifications,
        dynamo: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
        tableName: t.world.tableName,
        topic: new AlertTopic(new SNSClient(clientConfig()), t.world.alertTopicArn),
        timers,
        log: quietLog,
        now: t.clock.now,
      });
      return { requests, rt: counted };
    }

    it('reads a success of a job with no alert once and writes nothing', async () => {
      const { requests, rt: counted } = countingRuntime();
      const { at, event } = hourlyRun(0, 'succeeded');
      t.clock.advanceTo(at);

      const result = await notify(event, counted);

      expect(result).toMatchObject({ groupKey: 'batch|job:hourly-sync|job-failing', published: [] });
      expect(requests).toEqual(['GetItemCommand']);
      expect(timers.pending.size).toBe(0);
    });

    it('sends one message per failure past the repeatInterval while it keeps failing, and one resolved at its first success', async () => {
      for (let hour = 0; hour < 24; hour++) {
        const { at, event } = hourlyRun(hour, 'failed');
        await runUntil((at.getTime() - START.getTime()) / 1000);
        await notify(event, rt);
      }
      await runUntil(24 * 3_600 + 299);
      const firing = await delivered();
      // repeatInterval is 5m here: each hourly failure gets its message, and nothing says it resolved meanwhile.
      expect(firing.map((m) => m.chatbot.metadata.additionalContext.status)).toEqual(Array(24).fill('firing'));
      expect(firing[0]?.subject).toBe('[CRITICAL] Job hourly-sync failed on batch: app-error');

      const success = hourlyRun(24, 'succeeded');
      t.clock.advanceTo(success.at);
      const result = await notify(success.event, rt);
      await runUntil(7 * 86_400);

      expect(result.published).toEqual([expect.objectContaining({ status: 'resolved' })]);
      const after = await delivered();
      expect(after.map((m) => m.subject)).toEqual(['[RESOLVED] Job hourly-sync on batch: job-failing']);
      expect(after[0]?.chatbot.content.description).toContain('The job succeeded again.');
    });

    it("keeps a weekly job's group 35 days: a week of no success alerts in it (Job Success Overdue), the next week's success resolves it", async () => {
      const weekly = (day: number, status: 'failed' | 'succeeded') => hourlyRun(day * 24, status, 'weekly-export').event;
      const groupKey = 'batch|job:weekly-export|job-failing';
      await runUntil(300);
      await notify(weekly(0, 'failed'), rt);
      await runUntil(3_600);
      expect((await delivered()).map((m) => m.subject)).toEqual(['[CRITICAL] Job weekly-export failed on batch: app-error']);

      const document = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig()));
      const expiries = await Promise.all(
        [keys.alertInbox(groupKey), keys.alertDecisions(groupKey)].map(
          async (Key) => (await document.send(new GetCommand({ TableName: t.world.tableName, Key }))).Item?.expiresAt,
        ),
      );
      const thirtyFiveDays = Math.floor(t.clock.now().getTime() / 1000) + 35 * 86_400;
      expect(expiries.every((at) => Number(at) >= thirtyFiveDays - 3_600)).toBe(true);

      // Eight days on (rounded up to the check's 6-hour slice), its expectSuccessWithin check finds no success since: counted into the same group.
      await runUntil(8 * 86_400 + 4 * 3_600);
      const overdue = decideFreshness(
        { check: 'expect-success', job: 'weekly-export', since: START.toISOString(), armedBy: 'firing' },
        { ...jobSpec({ expectSuccessWithin: '8d' }, { cluster: 'batch' }), name: 'weekly-export' },
        undefined,
        t.clock.now(),
      );
      if (overdue.kind !== 'overdue') throw new Error(`expected overdue, got ${overdue.kind}`);
      const { event } = overdue;
      await notify(busEvent(event.detailType, { ...event.detail, eventId: event.id }, { id: 'eb-overdue', time: event.time }), rt);
      await runUntil(8 * 86_400 + 5 * 3_600);
      expect((await delivered()).map((m) => m.subject)).toEqual([
        '[CRITICAL] Job weekly-export has not succeeded within 8d on batch: no-recent-success',
      ]);

      await runUntil(14 * 86_400 + 300);
      const result = await notify(weekly(14, 'succeeded'), rt);

      expect(result.published).toEqual([expect.objectContaining({ status: 'resolved' })]);
      expect((await delivered()).map((m) => m.subject)).toEqual(['[RESOLVED] Job weekly-export on batch: job-failing']);
    });
  });

  it('ignores an event without an alert: no group, no message', async () => {
    const { alert: _alert, ...detail } = serviceTaskStopped({ counted: false });

    const result = await notify(busEvent('Service Task Stopped', detail), rt);

    expect(result.ignored).toMatch(/without an alert/);
    expect(await rt.groups.get(GROUP_KEY)).toBeUndefined();
    expect(timers.pending.size).toBe(0);
  });
});
