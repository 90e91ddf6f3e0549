/**
 * "The cluster is losing hosts" from the decision to the message: notify takes the Infrastructure Loss Detected
 * event decide-service-stop publishes, and the on-call person reads about hosts, not a crash loop of the code.
 */
import { describe, expect, it } from 'vitest';
import type { AlertDetail, AlertGroup } from '../../shared/alerts/decide.ts';
import { humanMessage } from '../../shared/alerts/render.ts';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { alertGroupKey } from '../../shared/events/alert.ts';
import { decideServiceStop, serviceStopEvents } from '../../shared/stopped-tasks/decide-service-stop.ts';
import { busEvent } from '../helpers/alert-events.ts';
import { fixtureStop, serviceWatch } from './stop-fixtures.ts';

const NOW = new Date('2026-11-10T06:43:00.000Z');

function infrastructureLossEvent() {
  const stop = fixtureStop('host-terminated-scale-in');
  const decision = decideServiceStop(serviceWatch(), stop, { total: 11, byCategory: { 'host-lost': 10, 'app-error': 1 } });
  const published = serviceStopEvents(decision, stop, NOW).find((e) => e.detailType === 'Infrastructure Loss Detected');
  if (!published) throw new Error('expected an Infrastructure Loss Detected event');
  return published;
}

describe('Infrastructure Loss Detected', () => {
  it('is an alert notify takes, grouped under its own category', () => {
    const published = infrastructureLossEvent();

    const input = parseNotifyInput(busEvent(published.detailType, { ...published.detail, eventId: published.id }));

    expect(input).toMatchObject({
      kind: 'alert',
      alert: { cluster: 'legacy', subject: { kind: 'service', name: 'api' }, category: 'infrastructure-loss', severity: 'critical' },
      eventId: published.id,
    });
  });

  it('tells the on-call person the cluster is losing hosts, what to look at, and never to add on-demand capacity for a scale-in', () => {
    const { detailType, detail } = infrastructureLossEvent();
    const alertDetail = detail as AlertDetail;
    const group: AlertGroup = {
      groupKey: alertGroupKey(alertDetail.alert),
      pending: 1,
      total: 1,
      firstEventAt: NOW.toISOString(),
      lastEventAt: NOW.toISOString(),
      latest: { id: 'e-1', detailType, time: NOW.toISOString(), detail: alertDetail },
      messagesSent: 0,
      lastSentAt: undefined,
      flushAt: NOW.toISOString(),
      resolveAt: NOW.toISOString(),
    } as AlertGroup;

    const { subject, text } = humanMessage({ status: 'firing', group, count: 1 });

    expect(subject).toBe('[CRITICAL] Cluster legacy is losing hosts (service api) on legacy: infrastructure-loss');
    expect(text).toContain('The cluster is losing hosts: 10 tasks of service api stopped within 10m');
    expect(text).toContain('The hosts under the service are going away');
    expect(text).toContain("Auto Scaling group's activity");
    expect(text).not.toMatch(/crash-looping|on-demand/);
  });
});
