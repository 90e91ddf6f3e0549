/**
 * Publishing to the alert topic. One Publish carries both renderings (MessageStructure "json"): email
 * subscriptions get the human text, every other subscriber — AWS Chatbot above all — gets the Chatbot
 * custom notification as `default`; publishMessage cuts what is over SNS's size limit. Every message
 * carries the alert's facts as message attributes, for subscription filter policies.
 *
 * A standard topic does not de-duplicate: a message published twice reaches its subscribers twice (see
 * handle.ts for the one window where that can happen, and publishToEach for a second one when a message
 * goes to several topics).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { isTransientAwsError } from '../aws/transient-errors.ts';
import { RetryableAwsError } from '../errors.ts';
import { attributesBytes, messageAttributes } from './message-attributes.ts';
import { type AlertMessage, chatbotMessage, humanMessage } from './render.ts';
import { publishMessage, SNS_MESSAGE_MAX_BYTES } from './sns-message.ts';

/** SNS's own names for "slow down", which it answers with a 4xx status. */
const SNS_THROTTLING = new Set(['ThrottledException', 'Throttled', 'KMSThrottlingException', 'KMSThrottling']);

/** The topic refused the message for a reason a retry cannot heal: a topic that is gone, a permission missing, a key disabled. */
export class UndeliverableAlertError extends Error {
  override name = 'UndeliverableAlertError';
}

export class AlertTopic {
  private readonly sns: SNSClient;
  readonly topicArn: string;

  constructor(sns: SNSClient, topicArn: string) {
    this.sns = sns;
    this.topicArn = topicArn;
  }

  /** Returns SNS's message id. RetryableAwsError when trying again may work, UndeliverableAlertError when it cannot. */
  async publish(message: AlertMessage): Promise<string | undefined> {
    const { subject, text } = humanMessage(message);
    const attributes = messageAttributes(message);
    try {
      const { MessageId } = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          MessageStructure: 'json',
          Message: publishMessage(chatbotMessage(message), text, SNS_MESSAGE_MAX_BYTES - attributesBytes(attributes)),
          MessageAttributes: attributes,
        }),
      );
      return MessageId;
    } catch (error) {
      const what = `could not publish "${subject}" to ${this.topicArn}: ${(error as Error).name}: ${(error as Error).message}`;
      if (isTransientAwsError(error) || SNS_THROTTLING.has((error as Error).name)) throw new RetryableAwsError(what, { cause: error });
      throw new UndeliverableAlertError(what, { cause: error });
    }
  }
}

/** What became of a message sent to several topics: the topics that took it, and those that refused it for good. */
export interface Delivery {
  published: { topicArn: string; messageId: string | undefined }[];
  refused: { topicArn: string; reason: string }[];
}

/**
 * Publishes `message` to each of `topics` (the topics its routes pick, routes.ts), all at once. A topic
 * that refuses for good does not hold back the others: it is reported in `refused`. A topic that may take it later (throttled, SNS unavailable) makes this
 * throw RetryableAwsError once every topic has been tried, and the invocation is retried: the message
 * then goes again to every topic, so a topic that took it the first time gets it twice — one duplicate on
 * a channel that worked, rather than a message lost on the channel that did not. The outbox keeps a
 * decision's actions until all are done, not each topic's share of a message, so keeping that duplicate
 * out would cost a write per topic and message.
 */
export async function publishToEach(topics: readonly AlertTopic[], message: AlertMessage): Promise<Delivery> {
  const outcomes = await Promise.allSettled(topics.map((topic) => topic.publish(message)));
  const delivery: Delivery = { published: [], refused: [] };
  let retryable: unknown;
  outcomes.forEach((outcome, index) => {
    const { topicArn } = topics[index] as AlertTopic;
    if (outcome.status === 'fulfilled') delivery.published.push({ topicArn, messageId: outcome.value });
    else if (outcome.reason instanceof UndeliverableAlertError) delivery.refused.push({ topicArn, reason: outcome.reason.message });
    else retryable ??= outcome.reason;
  });
  if (retryable !== undefined) throw retryable;
  return delivery;
}
