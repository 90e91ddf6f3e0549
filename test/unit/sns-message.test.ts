import { describe, expect, it } from 'vitest';
import { TRUNCATED } from '../../shared/alerts/cut.ts';
import type { ChatbotNotification } from '../../shared/alerts/render.ts';
import { publishMessage, SNS_MESSAGE_MAX_BYTES } from '../../shared/alerts/sns-message.ts';

function notification(fields: Partial<ChatbotNotification['content']> = {}): ChatbotNotification {
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: '🔴 A task of service web stopped on prod: out-of-memory',
      description: 'short',
      ...fields,
    },
    metadata: {
      threadId: 'prod|service:web|out-of-memory',
      summary: '[CRITICAL] A task of service web stopped on prod: out-of-memory',
      eventType: 'Service Task Stopped',
      relatedResources: [],
      additionalContext: { cluster: 'prod' },
    },
  };
}

const read = (message: string) => {
  const { default: chatbot, email } = JSON.parse(message) as { default: string; email: string };
  return { chatbot: JSON.parse(chatbot) as ChatbotNotification, email };
};

describe('publishMessage', () => {
  it('leaves a message within the limit as it is', () => {
    const message = publishMessage(notification(), 'the human text');

    expect(read(message)).toEqual({ chatbot: notification(), email: 'the human text' });
  });

  it('cuts an email of multibyte text over 256 KiB to fit, by bytes, ending with "…(truncated)"', () => {
    const email = `Why: ${'é'.repeat(200_000)}`;

    const message = publishMessage(notification(), email);

    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(Buffer.byteLength(message)).toBeGreaterThan(SNS_MESSAGE_MAX_BYTES - 16);
    const { chatbot, email: sent } = read(message);
    expect(chatbot).toEqual(notification());
    expect(sent.startsWith('Why: éééé')).toBe(true);
    expect(sent.endsWith(`é${TRUNCATED}`)).toBe(true);
  });

  it('cuts the longest text first, wherever it is: a next step the Chatbot notification repeats', () => {
    const step = `Reproduce it with the same image: ${'"quoted" '.repeat(30_000)}`;

    const message = publishMessage(notification({ nextSteps: [step, 'Read the logs'] }), 'the human text');

    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    const { chatbot, email } = read(message);
    expect(email).toBe('the human text');
    expect(chatbot.content.nextSteps?.[0]?.endsWith(TRUNCATED)).toBe(true);
    expect(chatbot.content.nextSteps?.[1]).toBe('Read the logs');
    expect(chatbot.version).toBe('1.0');
  });

  it('cuts both renderings when each alone is too long', () => {
    const message = publishMessage(notification({ description: 'd'.repeat(300_000) }), 'e'.repeat(300_000));

    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    const { chatbot, email } = read(message);
    expect(chatbot.content.description.endsWith(TRUNCATED)).toBe(true);
    expect(email.endsWith(TRUNCATED)).toBe(true);
  });
});
