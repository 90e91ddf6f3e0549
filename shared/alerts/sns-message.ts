/**
 * The Message of an alert's Publish, within SNS's limit: one JSON document (MessageStructure "json") with
 * the Chatbot notification as `default` and the human text as `email`. A message over the limit is not
 * one SNS takes later: it is refused every time. So it is cut here — the longest text first (a stop reason,
 * a container's output), each cut text ending with "…(truncated)" — and the alert goes out now.
 */
import { cutToBytes } from './cut.ts';
import type { ChatbotNotification } from './render.ts';

/** SNS Publish takes a message of at most 256 KiB, counted in bytes of UTF-8 (the API reference of Publish, Message). */
export const SNS_MESSAGE_MAX_BYTES = 262_144;

/** Cuts before giving up: each removes at least what is over, so a handful suffice unless thousands of short texts fill it. */
const MAX_CUTS = 50;
/** Texts this short are left whole: cutting one saves next to nothing (and the notification's `version` must stay "1.0"). */
const SHORTEST_CUT_BYTES = 64;

interface TextSlot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  bytes: number;
}

export function publishMessage(chatbot: ChatbotNotification, email: string, maxBytes = SNS_MESSAGE_MAX_BYTES): string {
  const texts = { chatbot: structuredClone(chatbot), email };
  const compose = () => JSON.stringify({ default: JSON.stringify(texts.chatbot), email: texts.email });
  let message = compose();
  for (let cut = 0; cut < MAX_CUTS; cut++) {
    const over = Buffer.byteLength(message) - maxBytes;
    if (over <= 0) return message;
    const longest = textSlots(texts).reduce<TextSlot | undefined>((a, b) => (a && a.bytes >= b.bytes ? a : b), undefined);
    if (!longest) break;
    // JSON only lengthens text (escapes), so cutting `over` bytes of the text takes at least `over` off the message.
    const value = (longest.holder as Record<string | number, string>)[longest.key] as string;
    (longest.holder as Record<string | number, string>)[longest.key] = cutToBytes(value, Math.max(0, longest.bytes - over));
    message = compose();
  }
  // Still too long (no text long enough to cut): SNS refuses it, and notify records the refusal on the group.
  return message;
}

/** Every string in the message, where it is held. */
function textSlots(value: Record<string, unknown> | unknown[]): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const [key, item] of Object.entries(value)) {
    const slotKey = Array.isArray(value) ? Number(key) : key;
    if (typeof item === 'string' && Buffer.byteLength(item) > SHORTEST_CUT_BYTES)
      slots.push({ holder: value, key: slotKey, bytes: Buffer.byteLength(item) });
    else if (typeof item === 'object' && item !== null) slots.push(...textSlots(item as Record<string, unknown>));
  }
  return slots;
}
