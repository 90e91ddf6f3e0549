import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { AlertSample } from '../../shared/alerts/decide.ts';
import { type AlertBlock, alertGroupKey } from '../../shared/events/alert.ts';
import { AlertGroups, JOB_FAILING_RETENTION_SECONDS } from '../../shared/state/alert-groups.ts';

const NOW = new Date('2026-11-22T02:00:00Z');
const DAY_AND_A_BIT = 86_400 + 4 * 3_600 + 1_830;

/** A document client that records the TTL each write asks for and answers a count as DynamoDB would. */
function recordingClient(sample: AlertSample) {
  const expiries: number[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      const { ExpressionAttributeValues, Item } = command.input as {
        ExpressionAttributeValues?: Record<string, unknown>;
        Item?: Record<string, unknown>;
      };
      const expiresAt = ExpressionAttributeValues?.[':expiresAt'] ?? Item?.expiresAt;
      if (typeof expiresAt === 'number') expiries.push(expiresAt);
      return {
        Attributes: {
          seen: new Set(['x']),
          seenSince: NOW.toISOString(),
          total: 1,
          countingSince: NOW.toISOString(),
          latest: JSON.stringify(sample),
          lastEventAt: NOW.toISOString(),
        },
      };
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, expiries };
}

function sampleOf(alert: AlertBlock): AlertSample {
  return { id: 'e-1', detailType: 'Job Run Failed', time: NOW.toISOString(), detail: { alert } };
}

const jobFailing: AlertBlock = {
  cluster: 'batch',
  subject: { kind: 'job', name: 'weekly-export' },
  category: 'job-failing',
  severity: 'critical',
  resolvedBy: 'resolving-event',
};
const crashLoop: AlertBlock = { cluster: 'batch', subject: { kind: 'service', name: 'web' }, category: 'crash-loop', severity: 'critical' };

describe("alert groups' retention", () => {
  it.each([
    {
      group: "a job's failure group (its next success closes it, a week or a month later)",
      alert: jobFailing,
      kept: JOB_FAILING_RETENTION_SECONDS,
    },
    { group: 'a group the quiet period closes', alert: crashLoop, kept: DAY_AND_A_BIT },
  ])('keeps $group for $kept seconds past its last event and its last decision', async ({ alert, kept }) => {
    const { client, expiries } = recordingClient(sampleOf(alert));
    const groups = new AlertGroups(client, 'state', DAY_AND_A_BIT);
    const groupKey = alertGroupKey(alert);

    await groups.count(groupKey, 'e-1', sampleOf(alert), NOW);
    await groups.save(
      groupKey,
      { decisions: { countingSince: undefined, closedUpTo: 0, episode: undefined }, actions: [], leaseUntil: undefined },
      0,
      NOW,
    );

    const expected = NOW.getTime() / 1000 + kept;
    expect(expiries).toEqual([expected, expected]);
  });
});
