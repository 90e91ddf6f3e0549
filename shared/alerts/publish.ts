/**
 * Publishing to the alert topic. One Publish carries both renderings (MessageStructure "json"): email
 * subscriptions get the human text, every other subscriber — AWS Chatbot above all — gets the Chatbot
 * custom notification as `default`.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { RetryableAwsError } from '../errors.ts';
import { type AlertMessage, chatbotMessage, humanMessage } from './render.ts';

export class AlertTopic {
  private readonly sns: SNSClient;
  private readonly topicArn: string;

  constructor(sns: SNSClient, topicArn: string) {
    this.sns = sns;
    this.topicArn = topicArn;
  }

  /** Returns SNS's message id. */
  async publish(message: AlertMessage): Promise<string | undefined> {
    const { subject, text } = humanMessage(message);
    try {
      const { MessageId } = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          MessageStructure: 'json',
          Message: JSON.stringify({ default: JSON.stringify(chatbotMessage(message)), email: text }),
        }),
      );
      return MessageId;
    } catch (error) {
      throw new RetryableAwsError(`could not publish "${subject}" to ${this.topicArn}: ${(error as Error).message}`, { cause: error });
    }
  }
}
