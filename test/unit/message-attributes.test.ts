/**
 * The SNS message attributes of an alert message (issue 13): the alert's facts, for subscription filter
 * policies, never empty, and counted in the Publish's size.
 */
import { describe, expect, it } from 'vitest';
import type { AlertGroup } from '../../shared/alerts/decide.ts';
import { attributesBytes, messageAttributes } from '../../shared/alerts/message-attributes.ts';
import { jobRunFailed } from '../helpers/alert-events.ts';

const group = (detail: ReturnType<typeof jobRunFailed>): AlertGroup => ({
  groupKey: 'prod|job|nightly-report|app-error',
  pending: 1,
  total: 1,
  firstEventAt: '2026-11-22T02:00:00.000Z',
  lastEventAt: '2026-11-22T02:00:00.000Z',
  latest: { id: 'e-1', detailType: 'Job Run Failed', time: '2026-11-22T02:00:00.000Z', detail },
  messagesSent: 0,
  lastSentAt: undefined,
  flushAt: undefined,
  resolveAt: undefined,
});

describe('messageAttributes', () => {
  it('names the severity, cluster, subject, its kind, the category and whether it fires or resolved', () => {
    const detail = jobRunFailed();
    const { alert } = detail;
    expect(messageAttributes({ status: 'firing', group: group(detail), count: 1 })).toEqual({
      severity: { DataType: 'String', StringValue: alert.severity },
      cluster: { DataType: 'String', StringValue: alert.cluster },
      subject: { DataType: 'String', StringValue: alert.subject.name },
      kind: { DataType: 'String', StringValue: alert.subject.kind },
      category: { DataType: 'String', StringValue: alert.category },
      status: { DataType: 'String', StringValue: 'firing' },
    });
    expect(messageAttributes({ status: 'resolved', group: group(detail), now: new Date() }).status?.StringValue).toBe('resolved');
  });

  it('leaves out an empty value (SNS refuses one) and counts every byte of the rest', () => {
    const detail = jobRunFailed({ alert: { ...jobRunFailed().alert, cluster: '' } });
    const attributes = messageAttributes({ status: 'firing', group: group(detail), count: 1 });
    expect(attributes.cluster).toBeUndefined();
    expect(attributesBytes({ severity: { DataType: 'String', StringValue: 'critical' } })).toBe(
      'severity'.length + 'String'.length + 'critical'.length,
    );
  });
});
