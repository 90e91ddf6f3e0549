import { describe, expect, it } from 'vitest';
import type { AlertBlock } from '../../shared/events/alert.ts';
import type { StopCategory } from '../../shared/stopped-tasks/categories.ts';
import {
  decideServiceStop,
  dominant,
  isCounted,
  type StopWindow,
  serviceStopEvents,
} from '../../shared/stopped-tasks/decide-service-stop.ts';
import { fixtureStop, type ServiceInput, serviceWatch } from './stop-fixtures.ts';

/** The alert decideServiceStop raises for service api in cluster web. */
function alert(category: string, service = 'api'): AlertBlock {
  return { cluster: 'web', subject: { kind: 'service', name: service }, category, severity: 'critical' };
}

describe('isCounted', () => {
  it.each<[string, Partial<ServiceInput>, StopCategory, boolean]>([
    ['scaled-in under the default ignore list', {}, 'scaled-in', false],
    ['user-stopped under the default ignore list', {}, 'user-stopped', false],
    ['app-error under the default ignore list', {}, 'app-error', true],
    ['failed-to-start under the default ignore list', {}, 'failed-to-start', true],
    ['scaled-in with an empty ignore list', { ignore: [] }, 'scaled-in', true],
    ['host-lost when ignored', { ignore: ['host-lost'] }, 'host-lost', false],
    ['user-stopped when only host-lost is ignored', { ignore: ['host-lost'] }, 'user-stopped', true],
  ])('%s: %s', (_what, fields, category, counted) => {
    expect(isCounted(serviceWatch(fields), category)).toBe(counted);
  });
});

describe('decideServiceStop: stops that are not counted', () => {
  it('neither counts nor alerts an ignored category (the handler reads no window for it)', () => {
    const stop = fixtureStop('scaled-in-deployment-137');

    expect(decideServiceStop(serviceWatch(), stop, undefined)).toEqual({
      stopped: { service: 'api', cluster: 'web', stop, counted: false, stopsInWindow: 0 },
      crashLoop: undefined,
    });
  });

  it('does not count an ignored category even when handed a window past the crash-loop threshold', () => {
    const stop = fixtureStop('scaled-in-deployment-137');

    const decision = decideServiceStop(serviceWatch(), stop, { total: 9, byCategory: { 'scaled-in': 9 } });

    expect(decision).toEqual({ stopped: { service: 'api', cluster: 'web', stop, counted: false, stopsInWindow: 0 }, crashLoop: undefined });
  });

  it('does not alert a failed start the service ignores', () => {
    const stop = fixtureStop('image-pull-failed');

    const decision = decideServiceStop(serviceWatch({ ignore: ['failed-to-start'] }), stop, undefined);

    expect(decision.stopped).not.toHaveProperty('alert');
    expect(decision.stopped.counted).toBe(false);
  });
});

describe('decideServiceStop: counted stops', () => {
  it('counts a stop below the threshold without an alert', () => {
    const stop = fixtureStop('service-sidecar-ok-app-exit-2');

    expect(decideServiceStop(serviceWatch(), stop, { total: 4, byCategory: { 'app-error': 4 } })).toEqual({
      stopped: { service: 'api', cluster: 'web', stop, counted: true, stopsInWindow: 4 },
      crashLoop: undefined,
    });
  });

  it.each(['image-pull-failed', 'resource-initialization-failed', 'capacity-no-free-addresses'])(
    'alerts a failed start (%s) at once, the first in the window',
    (fixture) => {
      const stop = fixtureStop(fixture);

      const decision = decideServiceStop(serviceWatch({ cluster: stop.clusterName }), stop, {
        total: 1,
        byCategory: { 'failed-to-start': 1 },
      });

      expect(decision).toEqual({
        stopped: {
          service: 'api',
          cluster: stop.clusterName,
          stop,
          counted: true,
          stopsInWindow: 1,
          alert: { ...alert('failed-to-start'), cluster: stop.clusterName },
        },
        crashLoop: undefined,
      });
    },
  );
});

describe('decideServiceStop: crash loops', () => {
  const WINDOW: StopWindow = { total: 5, byCategory: { 'app-error': 3, 'out-of-memory': 2 } };

  it('detects a crash loop at exactly crashLoop.stops, alerted with the dominant category', () => {
    const stop = fixtureStop('elb-health-check-failed');

    expect(decideServiceStop(serviceWatch(), stop, WINDOW)).toEqual({
      stopped: { service: 'api', cluster: 'web', stop, counted: true, stopsInWindow: 5 },
      crashLoop: {
        subject: { kind: 'service', name: 'api' },
        cluster: 'web',
        stops: 5,
        windowSeconds: 600,
        dominantCategory: 'app-error',
        categories: WINDOW.byCategory,
        action: 'alert-only',
        lastStop: stop,
        alert: alert('app-error'),
      },
    });
  });

  it.each([
    [4, undefined],
    [5, 5],
    [12, 12],
  ])('with crashLoop.stops 5, %i stops in the window make a crash loop of %s', (total, stops) => {
    const decision = decideServiceStop(serviceWatch(), fixtureStop('service-sidecar-ok-app-exit-2'), {
      total,
      byCategory: { 'app-error': total },
    });

    expect(decision.crashLoop?.stops).toBe(stops);
    expect(decision.stopped.stopsInWindow).toBe(total);
  });

  it('uses the configured threshold and window', () => {
    const watch = serviceWatch({ crashLoop: { stops: 2, window: '30m' } });

    const decision = decideServiceStop(watch, fixtureStop('service-sidecar-ok-app-exit-2'), { total: 2, byCategory: { 'app-error': 2 } });

    expect(decision.crashLoop).toMatchObject({ stops: 2, windowSeconds: 1_800 });
  });

  it('falls back to the stop’s own category when the window has no categories', () => {
    const decision = decideServiceStop(serviceWatch(), fixtureStop('service-sidecar-ok-app-exit-2'), { total: 5, byCategory: {} });

    expect(decision.crashLoop).toMatchObject({ dominantCategory: 'app-error', alert: alert('app-error') });
  });

  it('alerts a failed start and its crash loop both, each under its own category', () => {
    const decision = decideServiceStop(serviceWatch(), fixtureStop('image-pull-failed'), {
      total: 6,
      byCategory: { 'app-error': 2, 'failed-to-start': 4 },
    });

    expect(decision.stopped.alert).toEqual(alert('failed-to-start'));
    expect(decision.crashLoop?.alert).toEqual(alert('failed-to-start'));
  });

  it('names the ECS service, not the config key, in the subject and the alert', () => {
    const watch = serviceWatch({ service: 'public-api' });

    const decision = decideServiceStop(watch, fixtureStop('service-sidecar-ok-app-exit-2'), WINDOW);

    expect(decision.stopped.service).toBe('public-api');
    expect(decision.crashLoop).toMatchObject({ subject: { kind: 'service', name: 'public-api' }, alert: alert('app-error', 'public-api') });
  });
});

describe('serviceStopEvents', () => {
  const NOW = new Date('2026-11-22T09:00:00.000Z');

  it('publishes the stop, and the crash loop when there is one, each with an id of the task ARN and the event version', () => {
    const stop = fixtureStop('service-sidecar-ok-app-exit-2');
    const decision = decideServiceStop(serviceWatch(), stop, { total: 5, byCategory: { 'app-error': 5 } });

    const events = serviceStopEvents(decision, stop, NOW);

    expect(events).toEqual([
      {
        id: `service-task-stopped:${stop.taskArn}#${stop.version}`,
        detailType: 'Service Task Stopped',
        detail: decision.stopped,
        resources: [stop.taskArn],
        time: NOW.toISOString(),
      },
      {
        id: `crash-loop-detected:${stop.taskArn}#${stop.version}`,
        detailType: 'Crash Loop Detected',
        detail: decision.crashLoop,
        resources: [stop.taskArn],
        time: NOW.toISOString(),
      },
    ]);
  });

  it('publishes only the stop below the threshold or when not counted', () => {
    const stop = fixtureStop('scaled-in-deployment-137');

    expect(serviceStopEvents(decideServiceStop(serviceWatch(), stop, undefined), stop, NOW).map((e) => e.detailType)).toEqual([
      'Service Task Stopped',
    ]);
  });
});

describe('dominant', () => {
  it.each<[string, Partial<Record<StopCategory, number>>, StopCategory | undefined]>([
    ['nothing counted', {}, undefined],
    ['a single category', { 'host-lost': 1 }, 'host-lost'],
    ['the most frequent', { 'app-error': 2, 'out-of-memory': 3, 'failed-to-start': 1 }, 'out-of-memory'],
    ['the first counted of a tie', { 'app-error': 2, 'out-of-memory': 2 }, 'app-error'],
    ['the first counted of a tie, in the other order', { 'out-of-memory': 2, 'app-error': 2 }, 'out-of-memory'],
  ])('%s', (_what, byCategory, category) => {
    expect(dominant(byCategory)).toBe(category);
  });
});

describe('decideServiceStop: infrastructure stops (lost hosts, Spot) have a threshold of their own', () => {
  it('does not count lost hosts toward the crash loop: 3 app errors and 3 lost hosts are no crash loop at 5', () => {
    const decision = decideServiceStop(serviceWatch(), fixtureStop('service-sidecar-ok-app-exit-2'), {
      total: 6,
      byCategory: { 'app-error': 3, 'host-lost': 3 },
    });

    expect(decision.crashLoop).toBeUndefined();
    expect(decision.infrastructureLoss).toBeUndefined();
    expect(decision.stopped).toMatchObject({ counted: true, stopsInWindow: 3 });
  });

  it('tells a crash loop by the application stops alone, without the lost hosts in its mix', () => {
    const decision = decideServiceStop(serviceWatch(), fixtureStop('service-sidecar-ok-app-exit-2'), {
      total: 9,
      byCategory: { 'host-lost': 4, 'app-error': 5 },
    });

    expect(decision.crashLoop).toMatchObject({ stops: 5, dominantCategory: 'app-error', categories: { 'app-error': 5 } });
  });

  it('raises no crash loop for a lost host, however many, and says the cluster is losing hosts at its own threshold (10)', () => {
    const stop = fixtureStop('host-terminated-scale-in');
    const below = decideServiceStop(serviceWatch(), stop, { total: 9, byCategory: { 'host-lost': 9 } });
    const at = decideServiceStop(serviceWatch(), stop, {
      total: 12,
      byCategory: { 'host-lost': 7, 'spot-interruption': 3, 'app-error': 2 },
    });

    expect(below).toMatchObject({ crashLoop: undefined, infrastructureLoss: undefined, stopped: { counted: true, stopsInWindow: 9 } });
    expect(at.crashLoop).toBeUndefined();
    expect(at.infrastructureLoss).toEqual({
      subject: { kind: 'service', name: 'api' },
      cluster: 'legacy',
      stops: 10,
      windowSeconds: 600,
      categories: { 'host-lost': 7, 'spot-interruption': 3 },
      lastStop: stop,
      reason:
        'the cluster is losing hosts: 10 tasks of service api stopped within 10m because their hosts or Spot capacity went away (host-lost 7, spot-interruption 3)',
      advice: {
        likelyCause: expect.stringMatching(/^The hosts under the service are going away/),
        nextSteps: expect.arrayContaining([expect.stringMatching(/Auto Scaling group's activity/)]),
      },
      alert: { ...alert('infrastructure-loss'), cluster: 'legacy' },
    });
  });

  it('takes its threshold and categories from crashLoop.infrastructure; no categories count them as crashes again', () => {
    const stop = fixtureStop('host-lost-ec2');
    const window: StopWindow = { total: 5, byCategory: { 'host-lost': 5 } };
    const lower = serviceWatch({ crashLoop: { stops: 5, window: '10m', infrastructure: { stops: 3 } } });
    const none = serviceWatch({ crashLoop: { stops: 5, window: '10m', infrastructure: { categories: [] } } });

    expect(decideServiceStop(lower, stop, window).infrastructureLoss).toMatchObject({ stops: 5 });
    expect(decideServiceStop(none, stop, window)).toMatchObject({
      infrastructureLoss: undefined,
      crashLoop: { stops: 5, dominantCategory: 'host-lost' },
    });
  });

  it('publishes Infrastructure Loss Detected with an id of the task ARN and the event version', () => {
    const stop = fixtureStop('host-lost-ec2');
    const decision = decideServiceStop(serviceWatch(), stop, { total: 10, byCategory: { 'host-lost': 10 } });

    expect(serviceStopEvents(decision, stop, new Date('2026-11-22T09:00:00.000Z')).map((e) => [e.id, e.detailType])).toEqual([
      [`service-task-stopped:${stop.taskArn}#${stop.version}`, 'Service Task Stopped'],
      [`infrastructure-loss-detected:${stop.taskArn}#${stop.version}`, 'Infrastructure Loss Detected'],
    ]);
  });
});
