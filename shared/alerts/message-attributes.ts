/**
 * The SNS message attributes every alert message carries, so that a subscription filter policy can send
 * each subscriber what it wants (the critical ones to the pager's endpoint, one cluster's to its team):
 * `severity`, `cluster`, `subject` (its name), `kind` (the subject's kind: job, service, watched-task,
 * app), `category` and `status` (firing or resolved). Filter policies match String attributes.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { AlertMessage } from './render.ts';

/** SNS counts attribute names, types and values in the 256 KiB a Publish may hold. */
export function attributesBytes(attributes: Record<string, MessageAttributeValue>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
}

/** A filter matches whole values: a value is kept as it is, but never empty (SNS refuses those) nor longer than a name can be. */
const VALUE_MAX_CHARACTERS = 256;

export function messageAttributes(message: AlertMessage): Record<string, MessageAttributeValue> {
  const { alert } = message.group.latest.detail;
  const values: Record<string, string> = {
    severity: alert.severity,
    cluster: alert.cluster,
    subject: alert.subject.name,
    kind: alert.subject.kind,
    category: alert.category,
    status: message.status,
  };
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => typeof value === 'string' && value.length > 0)
      .map(([name, value]) => [name, { DataType: 'String', StringValue: value.slice(0, VALUE_MAX_CHARACTERS) }]),
  );
}
