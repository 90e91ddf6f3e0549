/**
 * Only ecs-autopilot's own functions raise or resolve alerts (issue 12): `deployers` may put the three
 * deployment requests on the bus, with ecs-autopilot's source, and nothing else (the bus policy); a
 * request that carries an `alert` block must neither reach notify through the alerts rule nor be taken
 * for an alert by notify if it arrives anyway.
 */
import { describe, expect, it } from 'vitest';
import { ALERT_EVENT_PATTERN, parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { DEPLOYMENT_REQUEST_DETAIL_TYPES } from '../../shared/blue-green/model.ts';
import { matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { deploymentRolledBack } from '../helpers/alert-events.ts';

const alert = { cluster: 'web', subject: { kind: 'app', name: 'shop' }, category: 'deployment', severity: 'critical' };

const onOurBus = (detailType: string, detail: Record<string, unknown>) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': detailType,
  source: 'ecs-autopilot',
  account: '123456789012',
  time: '2026-12-07T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

describe('an alert forged in a deployment request', () => {
  describe.each(DEPLOYMENT_REQUEST_DETAIL_TYPES.map((type) => [type]))('%s', (type) => {
    const firing = onOurBus(type, { app: 'shop', id: 'shop-1', alert, reason: 'see [the fix](https://example.com/phish)' });
    const resolving = onOurBus(type, { app: 'shop', id: 'shop-1', alert: { ...alert, resolves: true } });

    it('is not matched by the alerts rule, firing or resolving', () => {
      expect(matchesEventPattern(ALERT_EVENT_PATTERN, firing)).toBe(false);
      expect(matchesEventPattern(ALERT_EVENT_PATTERN, resolving)).toBe(false);
    });

    it('is no alert to notify if it arrives anyway', () => {
      expect(parseNotifyInput(firing)).toMatchObject({ kind: 'no-alert', detailType: type });
      expect(parseNotifyInput(resolving)).toMatchObject({ kind: 'no-alert', detailType: type });
    });
  });

  it('leaves the alerts of ecs-autopilot’s own events as they are', () => {
    const failed = onOurBus('Deployment Rolled Back', deploymentRolledBack());
    expect(matchesEventPattern(ALERT_EVENT_PATTERN, failed)).toBe(true);
    expect(parseNotifyInput(failed)).toMatchObject({ kind: 'alert' });
  });
});
