/**
 * notify in the emulator: its runtime (the state table, the alert topic, timers, the virtual clock), and
 * the messages it published, read back from the queue subscribed to the alert topic. That queue receives
 * what every non-email subscriber gets (the `default` rendering: AWS Chatbot's notification); moto keeps
 * no email, so the topic here also remembers the email rendering of each message it published, by SNS's
 * message id.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { notifyHolds } from '../shared/alerts/notify-holds.ts';
import { AlertTopic } from '../shared/alerts/publish.ts';
import { type AlertMessage, type ChatbotNotification, humanMessage } from '../shared/alerts/render.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../shared/alerts/runtime.ts';
import type { Automation } from '../shared/config/schema.ts';
import type { Log } from '../shared/logger.ts';
import type { TimerSetter } from '../shared/timers/timers.ts';
import { emulatorClientConfig } from './emulator.ts';
import type { SandboxWorld } from './seed.ts';

/** The real AlertTopic, remembering the email text of each message it publishes. */
export class RememberingAlertTopic extends AlertTopic {
  readonly emails = new Map<string, { subject: string; text: string }>();

  override async publish(message: AlertMessage): Promise<string | undefined> {
    const messageId = await super.publish(message);
    if (messageId) this.emails.set(messageId, humanMessage(message));
    return messageId;
  }
}

export interface EmulatorNotifyRuntime extends NotifyRuntime {
  topic: RememberingAlertTopic;
}

export function emulatorNotifyRuntime(
  world: SandboxWorld,
  automation: Automation,
  clock: { now: () => Date },
  timers: TimerSetter,
  log: Log,
): EmulatorNotifyRuntime {
  const config = emulatorClientConfig(world.endpoint);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });
  return createNotifyRuntime({
    timing: automation.notifications,
    groupBy: automation.notifications.groupBy,
    dynamo,
    tableName: world.tableName,
    holds: notifyHolds(automation.notifications, dynamo, world.tableName),
    topic: new RememberingAlertTopic(new SNSClient(config), world.alertTopicArn),
    timers,
    log,
    now: clock.now,
  });
}

/** A message notify published, as a subscriber received it. */
export interface DeliveredAlert {
  messageId: string;
  /** The SNS subject (also the email's). */
  subject: string;
  /** The email body; undefined when this process did not publish it. */
  text: string | undefined;
  /** What AWS Chatbot (Slack, Teams) receives. */
  chatbot: ChatbotNotification | undefined;
}

/** Takes every message the alert topic delivered to the capture queue since the last call. */
export async function drainAlerts(world: SandboxWorld, topic?: RememberingAlertTopic): Promise<DeliveredAlert[]> {
  const sqs = new SQSClient(emulatorClientConfig(world.endpoint));
  const drained: DeliveredAlert[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: world.alertQueueUrl, MaxNumberOfMessages: 10 }));
    if (Messages.length === 0) return drained;
    for (const message of Messages) {
      const envelope = JSON.parse(message.Body ?? '{}') as { MessageId?: string; Subject?: string; Message?: string };
      const messageId = envelope.MessageId ?? '';
      let chatbot: ChatbotNotification | undefined;
      try {
        chatbot = JSON.parse(envelope.Message ?? '') as ChatbotNotification;
      } catch {
        chatbot = undefined;
      }
      drained.push({ messageId, subject: envelope.Subject ?? '', text: topic?.emails.get(messageId)?.text, chatbot });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: world.alertQueueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}
