/**
 * notify against moto with faults in front of it (issue 11): every event is counted once into its group
 * however often it is delivered, an AWS call that fails or an invocation that dies right after one
 * succeeded is finished by the next delivery, and each message goes out once — except in the one window
 * SNS leaves open (a message published, the invocation dead before it could record that), where the
 * redelivery sends it once more. A failed delivery comes again two minutes later, as Lambda's
 * asynchronous retries would bring it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import type { ChatbotNotification } from '../../shared/alerts/render.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { busEvent, oomStop, serviceAlert, serviceTaskStopped } from '../helpers/alert-events.ts';
import { type AwsCall, callName, type Fault, installFaults, invoke } from '../helpers/faults.ts';
import { oneRequestAtATime, quietLog, useEmulatorWorld } from './world.ts';

const START = new Date('2026-11-22T02:00:00.000Z');
/** groupWait 3m: a delivery retried two minutes after a failure still joins the first message. */
const config = { notifications: { groupWait: '3m', repeatInterval: '5m', resolveAfter: '30m' } };
/** When Lambda delivers a failed invocation's event again (its first retry comes after about a minute). */
const REDELIVERY_SECONDS = 120;

/** What a subscriber received, reduced to what must be the same however the faults fell. */
interface Message {
  group: string;
  status: string;
  subject: string;
  count: string | undefined;
  total: string;
}

describe('notify: every event counted once, every message sent once', () => {
  const t = useEmulatorWorld(config, START);
  const faults = installFaults();
  afterAll(() => faults.uninstall());
  let rt: NotifyRuntime;
  let sqs: SQSClient;

  const clientConfig = () => ({
    endpoint: t.emulator.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });

  beforeEach(() => {
    // Exact counts under concurrency: moto gets one DynamoDB request at a time (see oneRequestAtATime).
    rt = createNotifyRuntime({
      timing: t.automation.notifications,
      dynamo: DynamoDBDocumentClient.from(oneRequestAtATime(new DynamoDBClient(clientConfig())), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: t.world.tableName,
      topic: new AlertTopic(new SNSClient(clientConfig()), t.world.alertTopicArn),
      timers: t.timers,
      log: quietLog,
      now: t.clock.now,
    });
    sqs = new SQSClient(clientConfig());
  });

  let sequence = 0;
  /** A stop of `service` as on-task-stopped announces it, now; `eventId`: the decision's id (detail.eventId). */
  function stopOf(service: string, fields: { id?: string; eventId?: string } = {}) {
    sequence += 1;
    const detail = serviceTaskStopped({
      service,
      stop: oomStop({ taskId: sequence.toString(16).padStart(32, '0') }),
      alert: serviceAlert({ subject: { kind: 'service', name: service } }),
    });
    return busEvent('Service Task Stopped', fields.eventId ? { ...detail, eventId: fields.eventId } : detail, {
      id: fields.id ?? `event-${sequence}`,
      time: t.clock.now().toISOString(),
    });
  }

  /** Every message the alert topic delivered since the last call, in the order sent. */
  async function delivered(): Promise<Message[]> {
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: t.world.alertQueueUrl, MaxNumberOfMessages: 10 }));
      if (Messages.length === 0) return messages;
      for (const message of Messages) {
        const envelope = JSON.parse(message.Body ?? '{}') as { Subject: string; Message: string };
        const { metadata } = JSON.parse(envelope.Message) as ChatbotNotification;
        const { status = '', count, total = '' } = metadata.additionalContext;
        messages.push({ group: metadata.threadId, status, subject: envelope.Subject, count, total });
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: t.world.alertQueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  /** Delivers every timer due by `seconds` after START to notify, in time order, as Scheduler would. */
  async function runUntil(seconds: number) {
    const until = new Date(START.getTime() + seconds * 1000);
    for (;;) {
      const [next] = await t.timers.pending();
      if (!next || next.at > until) break;
      t.clock.advanceTo(next.at);
      const due = await t.timers.takeDue(t.clock.now());
      if (due) await notify(due.input, rt);
    }
    t.clock.advanceTo(until);
  }

  const seconds = () => (t.clock.now().getTime() - START.getTime()) / 1000;
  const resolution = (service: string): Message => ({
    group: `prod|service:${service}|out-of-memory`,
    status: 'resolved',
    subject: `[RESOLVED] Service ${service} on prod: out-of-memory`,
    count: undefined,
    total: '1',
  });
  const firing = (service: string, count: number, total = count): Message => ({
    group: `prod|service:${service}|out-of-memory`,
    status: 'firing',
    subject: `[CRITICAL] A task of service ${service} stopped on prod: out-of-memory${count > 1 ? ` (${count}x)` : ''}`,
    count: String(count),
    total: String(total),
  });

  describe('the same event delivered more than once', () => {
    it('counts an event once however often EventBridge delivers it, one after the other or side by side', async () => {
      const first = stopOf('web');

      await notify(first, rt);
      await notify(structuredClone(first), rt);
      await Promise.all([notify(structuredClone(first), rt), notify(structuredClone(first), rt)]);
      await notify(stopOf('web'), rt);
      await runUntil(3 * 60);

      expect(await delivered()).toEqual([firing('web', 2)]);
    });

    it('counts a decision once when its publisher put it on the bus again (the same detail.eventId, a new EventBridge id)', async () => {
      await notify(stopOf('web', { id: 'eventbridge-1', eventId: 'service-task-stopped:web:task-1' }), rt);
      await notify(stopOf('web', { id: 'eventbridge-2', eventId: 'service-task-stopped:web:task-1' }), rt);
      await notify(stopOf('web', { id: 'eventbridge-3', eventId: 'service-task-stopped:web:task-2' }), rt);
      await runUntil(3 * 60);

      expect(await delivered()).toEqual([firing('web', 2)]);
    });
  });

  describe('a fault in the invocation that sends a message', () => {
    beforeEach(() => {
      rt = { ...rt, timing: { ...rt.timing, groupWaitSeconds: 0 } };
    });

    it('a failed SNS Publish, then the redelivery: exactly one message, with the right count', async () => {
      const event = stopOf('web');

      const failed = await invoke(() => notify(event, rt), [{ kind: 'fail', at: { command: 'Publish' } }]);
      expect(failed.error).toMatchObject({ name: 'RetryableAwsError' });
      expect(await delivered()).toEqual([]);
      t.clock.advance(REDELIVERY_SECONDS);
      const redelivered = await invoke(() => notify(structuredClone(event), rt));

      expect(redelivered.error).toBeUndefined();
      expect(await delivered()).toEqual([firing('web', 1)]);
      await runUntil(seconds() + 31 * 60);
      expect(await delivered()).toEqual([resolution('web')]);
    });

    it('a crash right after Publish, then the redelivery: that message once more, identical, and nothing else twice', async () => {
      const event = stopOf('web');

      const crashed = await invoke(() => notify(event, rt), [{ kind: 'crash-after', at: { command: 'Publish' } }]);
      expect(crashed.error).toBeDefined();
      expect(await delivered()).toEqual([firing('web', 1)]);
      t.clock.advance(REDELIVERY_SECONDS);
      await notify(structuredClone(event), rt);

      // SNS took the message, but the invocation died before it could record that: the redelivery sends it again.
      expect(await delivered()).toEqual([firing('web', 1)]);
      await notify(stopOf('web'), rt);
      await runUntil(seconds() + 31 * 60);
      expect(await delivered()).toEqual([firing('web', 1, 2), { ...resolution('web'), total: '2' }]);
    });
  });

  describe('a failed DynamoDB write at any point of an event', () => {
    it('loses no count and adds none', async () => {
      // The document client's Put and Update (the fault helper names the client a handler calls).
      const writes = (calls: AwsCall[]) =>
        calls.filter((call) => call.service === 'DynamoDBDocument' && ['Put', 'Update'].includes(call.command));
      const clean = await invoke(() => notify(stopOf('probe'), rt));
      await runUntil(seconds() + 40 * 60);
      await delivered();

      for (let write = 1; write <= writes(clean.calls).length; write++) {
        const service = `web-${write}`;
        const event = stopOf(service);
        const failedAt = writes(clean.calls)[write - 1] as AwsCall;
        const fault: Fault = { kind: 'fail', at: { command: failedAt.command, occurrence: occurrenceOf(clean.calls, failedAt) } };
        const start = seconds();

        const failed = await invoke(() => notify(event, rt), [fault]);
        expect(failed.error, `write ${write} (${callName(failedAt)})`).toMatchObject({ name: 'ThrottlingException' });
        t.clock.advance(10);
        await notify(stopOf(service), rt);
        t.clock.advance(REDELIVERY_SECONDS - 10);
        await notify(structuredClone(event), rt);
        await runUntil(start + 40 * 60);

        expect(await delivered(), `write ${write} (${callName(failedAt)}) failed`).toEqual([
          firing(service, 2),
          { ...resolution(service), total: '2' },
        ]);
      }
    });
  });
});

/** Which occurrence of its command `call` is among `calls` (1 = the first). */
function occurrenceOf(calls: AwsCall[], call: AwsCall): number {
  return calls.slice(0, calls.indexOf(call) + 1).filter((c) => c.command === call.command).length;
}
