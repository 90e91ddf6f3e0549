import { describe, expect, it } from 'vitest';
import { type AlertGroupReport, type AlertsReport, alertNotes, alertRows } from '../../cli/alerts.ts';

const inhibited: AlertGroupReport = {
  groupKey: 'prod|watched-task:ingest|crash-loop',
  cluster: 'prod',
  subject: 'watched-task:ingest',
  category: 'crash-loop',
  severity: 'critical',
  status: 'firing',
  firstEventAt: '2026-11-22T02:00:05.000Z',
  lastEventAt: '2026-11-22T02:20:00.000Z',
  events: 2,
  messagesSent: 0,
  lastSentAt: null,
  held: 2,
  lastHold: {
    kind: 'inhibited',
    by: 'prod|service:api|host-lost',
    rule: 'lost-capacity',
    at: '2026-11-22T02:20:00.000Z',
    text: 'inhibited by the firing group prod|service:api|host-lost (rule lost-capacity)',
  },
  flushAt: null,
  resolveAt: '2026-11-22T02:50:00.000Z',
  resolvedAt: null,
  inhibitedBy: { groupKey: 'prod|service:api|host-lost', rule: 'lost-capacity' },
};
const resolved: AlertGroupReport = {
  ...inhibited,
  groupKey: 'prod|service:api|host-lost',
  subject: 'service:api',
  category: 'host-lost',
  status: 'resolved',
  events: 1,
  messagesSent: 1,
  held: 0,
  lastHold: null,
  resolveAt: null,
  resolvedAt: '2026-11-22T02:30:00.000Z',
  inhibitedBy: null,
};
const expired: AlertGroupReport = {
  ...resolved,
  groupKey: 'staging|job:nightly|job-failing',
  cluster: null,
  subject: null,
  category: null,
  severity: null,
  events: null,
};

describe('alerts, for people', () => {
  it('shows an inhibited group as such, a resolved one with its end, and a dash for what has expired', () => {
    expect(alertRows([inhibited, resolved, expired])).toEqual([
      [
        'inhibited',
        'prod',
        'watched-task:ingest',
        'crash-loop',
        'critical',
        '2026-11-22T02:00:05.000Z',
        '2026-11-22T02:20:00.000Z',
        '2',
        '0',
        '2',
        'resolve check 2026-11-22T02:50:00.000Z',
      ],
      [
        'resolved',
        'prod',
        'service:api',
        'host-lost',
        'critical',
        '2026-11-22T02:00:05.000Z',
        '2026-11-22T02:20:00.000Z',
        '1',
        '1',
        '0',
        'resolved 2026-11-22T02:30:00.000Z',
      ],
      [
        'resolved',
        '-',
        '-',
        '-',
        '-',
        '2026-11-22T02:00:05.000Z',
        '2026-11-22T02:20:00.000Z',
        '-',
        '1',
        '0',
        'resolved 2026-11-22T02:30:00.000Z',
      ],
    ]);
  });

  it('says below the table who inhibits whom, each last hold, and the silences', () => {
    const report: AlertsReport = {
      groups: [inhibited, resolved],
      silences: [
        {
          id: 's-1',
          matchers: ['cluster="staging"'],
          startsAt: '2026-11-22T01:00:00.000Z',
          endsAt: '2026-11-22T05:00:00.000Z',
          comment: 'load test',
          createdBy: 'ana',
          createdAt: '2026-11-22T01:00:00.000Z',
        },
      ],
    };
    expect(alertNotes(report)).toEqual([
      'prod|watched-task:ingest|crash-loop: inhibited now by the firing group prod|service:api|host-lost (rule lost-capacity)',
      'prod|watched-task:ingest|crash-loop: last held 2026-11-22T02:20:00.000Z: inhibited by the firing group prod|service:api|host-lost (rule lost-capacity)',
      'silence s-1: cluster="staging" until 2026-11-22T05:00:00.000Z, by ana (load test)',
    ]);
    expect(alertNotes({ groups: [], silences: [] })).toEqual(['no active silences']);
  });
});
