/**
 * A group of several subjects closed by their own events (groupBy without subject): it resolves when
 * no subject is left open, and its messages name the open ones.
 */
import { describe, expect, it } from 'vitest';
import { type AlertDetail, type AlertGroup, decideAlert, type GroupInbox } from '../../shared/alerts/decide.ts';
import { humanMessage } from '../../shared/alerts/render.ts';
import { type AlertBlock, alertGroupKey } from '../../shared/events/alert.ts';
import { jobFailingAlertOf } from '../../shared/jobs/trigger.ts';
import { jobRunFailed } from '../helpers/alert-events.ts';

const alert: AlertBlock = jobFailingAlertOf('batch', 'nightly-report');
const GROUP = alertGroupKey(alert, ['cluster', 'category']);
const timing = { groupWaitSeconds: 30, repeatIntervalSeconds: 3_600, resolveAfterSeconds: 1_800 };
const SINCE = '2026-11-22T01:59:00.000Z';
const detail = jobRunFailed({ alert }) as unknown as AlertDetail;

function inbox(openSubjects?: string[]): GroupInbox {
  return {
    total: 3,
    countingSince: SINCE,
    lastEventAt: '2026-11-22T02:00:10.000Z',
    latest: { id: 'e-3', detailType: 'Job Run Failed', time: '2026-11-22T02:00:10.000Z', detail },
    ...(openSubjects && { openSubjects }),
  };
}

describe('decideAlert: a resolving event in a group of several subjects', () => {
  const open = {
    countingSince: SINCE,
    closedUpTo: 0,
    episode: { firstEventAt: '2026-11-22T02:00:00.000Z', reportedUpTo: 3, messagesSent: 1, lastSentAt: '2026-11-22T02:00:30.000Z' },
  };
  const resolving = { kind: 'resolving-event' as const, time: '2026-11-22T03:00:00.000Z' };
  const now = new Date('2026-11-22T03:00:01.000Z');

  it('does not resolve the group while a subject is still open', () => {
    const decision = decideAlert(resolving, GROUP, inbox(['job:hourly-sync']), open, timing, now);
    expect(decision).toEqual({
      changed: false,
      reason: 'a resolving event, while subjects are still open: job:hourly-sync; nothing is due',
    });
  });

  it('resolves it when none is', () => {
    for (const openSubjects of [[], undefined]) {
      const decision = decideAlert(resolving, GROUP, inbox(openSubjects), open, timing, now);
      expect(decision.changed && decision.actions.map((action) => action.kind === 'publish' && action.message.status)).toEqual([
        'resolved',
      ]);
    }
  });
});

describe('humanMessage: a group of several subjects names those open', () => {
  const group = (openSubjects: string[]): AlertGroup => ({
    groupKey: GROUP,
    pending: 3,
    total: 3,
    firstEventAt: '2026-11-22T02:00:00.000Z',
    lastEventAt: '2026-11-22T02:00:10.000Z',
    latest: inbox().latest,
    messagesSent: 0,
    lastSentAt: undefined,
    flushAt: undefined,
    resolveAt: undefined,
    openSubjects,
  });

  it('by name, the first three, and how many more', () => {
    const three = humanMessage({
      status: 'firing',
      group: group(['job:hourly-sync', 'job:ledger-cleanup', 'job:nightly-report']),
      count: 3,
    });
    expect(three.text).toContain('What: Job Run Failed, 3 jobs open: hourly-sync, ledger-cleanup, nightly-report, category');
    const five = humanMessage({ status: 'firing', group: group(['job:a', 'job:b', 'job:c', 'job:d', 'job:e']), count: 5 });
    expect(five.text).toContain('5 jobs open: a, b, c and 2 more');
  });

  it('with their kinds when they differ', () => {
    const mixed = humanMessage({ status: 'firing', group: group(['job:nightly-report', 'watched-task:ledger-sync']), count: 2 });
    expect(mixed.text).toContain('2 subjects open: job nightly-report, watched task ledger-sync');
  });

  it('the newest one alone when one is open', () => {
    const one = humanMessage({ status: 'firing', group: group(['job:nightly-report']), count: 1 });
    expect(one.text).toContain('job nightly-report (the latest of its alerts grouped by cluster, category)');
  });
});

describe('humanMessage: a group of several subjects resolved', () => {
  it('says that every subject of the group has, naming the last', () => {
    const group: AlertGroup = {
      groupKey: GROUP,
      pending: 0,
      total: 3,
      firstEventAt: '2026-11-22T02:00:00.000Z',
      lastEventAt: '2026-11-22T02:00:10.000Z',
      latest: inbox().latest,
      messagesSent: 1,
      lastSentAt: '2026-11-22T02:00:30.000Z',
      flushAt: undefined,
      resolveAt: undefined,
    };
    const { subject, text } = humanMessage({ status: 'resolved', group, now: new Date('2026-11-22T05:00:00.000Z') });
    expect(subject).toBe('[RESOLVED] Every subject of the group (last: job nightly-report) on batch: job-failing');
    expect(text).toContain('RESOLVED: Every subject of the group (last: job nightly-report) on cluster batch: the job succeeded again.');
  });
});
