/**
 * Deployment requests that come late or twice (issue 12), end to end against moto: the real handler,
 * fed `Deployment Requested` as the request rule delivers it, on a test clock. A request is acted on
 * once: a late duplicate of one that already ran, a request older than the app's current or last
 * deployment, and a request already rejected change nothing, and the same request delivered twice at
 * the same moment starts once and rejects nothing.
 */
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps } from '../../sandbox/seed.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, shiftRuntimeOneRequestAtATime, useEmulatorWorld } from './world.ts';

const CLUSTER = 'shop';

const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      strategy: 'all-at-once',
      gates: { minHealthyTargets: 1 },
      bakeTime: '1m',
      rollbackWindow: '0s',
    },
  },
};

const START = new Date('2026-11-23T10:00:00Z');
const image = (tag: string) => ({ app: `public.ecr.aws/example/web:${tag}` });

describe('stale and repeated deployment requests against moto (issue 12)', () => {
  const t = useEmulatorWorld(config, START);
  let rt: ShiftRuntime;

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation, {});
    // Deliveries at once: moto gets one DynamoDB request at a time (see shiftRuntimeOneRequestAtATime).
    rt = shiftRuntimeOneRequestAtATime(emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog));
  });

  /** `Deployment Requested` as the rule delivers it; a redelivery is the same object again. */
  function requestEvent(id: string, tag: string, sentAt = t.clock.now()) {
    return {
      version: '0',
      id: `event-${id}`,
      source: 'ecs-autopilot',
      'detail-type': 'Deployment Requested',
      account: '123456789012',
      region: EMULATOR_REGION,
      time: sentAt.toISOString(),
      resources: [],
      detail: { app: 'web', id, requestedBy: 'ci', images: image(tag) },
    };
  }

  const current = () => rt.deployments.get('web');
  const minutesLater = (minutes: number) => t.clock.advanceTo(new Date(t.clock.now().getTime() + minutes * 60_000));

  async function runToTheEnd() {
    for (let minute = 0; minute < 30; minute++) {
      const stage = (await current())?.stage;
      if (stage === 'succeeded' || stage === 'rolled-back' || stage === 'failed') return stage;
      minutesLater(1);
      await shiftTraffic({ tick: true }, rt);
    }
    throw new Error(`the deployment did not end: ${(await current())?.stage}`);
  }

  async function imagesRunning() {
    const { services = [] } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web-blue', 'web-green'] }));
    return services.map((s) => [s.serviceName, s.desiredCount, s.taskDefinition?.split('/').at(-1)]);
  }

  it('a late duplicate of a request that already ran (v2 after v3 succeeded) deploys nothing: ignored and recorded', async () => {
    const v2 = requestEvent('web-2', 'v2');
    await shiftTraffic(v2, rt);
    expect(await runToTheEnd()).toBe('succeeded');
    minutesLater(5);
    await shiftTraffic(requestEvent('web-3', 'v3'), rt);
    expect(await runToTheEnd()).toBe('succeeded');
    const before = await imagesRunning();
    t.events(); // drained

    minutesLater(5);
    const [outcome] = await shiftTraffic(v2, rt);

    expect(outcome).toMatchObject({ deploymentId: 'web-3', stage: 'succeeded' });
    expect(await imagesRunning()).toEqual(before);
    const last = await current();
    expect(last).toMatchObject({ id: 'web-3', stage: 'succeeded' });
    expect(last?.requests?.at(-1)).toMatchObject({
      kind: 'deploy',
      requestId: 'web-2',
      outcome: 'ignored',
      reason: expect.stringMatching(/web-2 already ran/),
    });
    const published = await t.events();
    expect(published.map((e) => [e['detail-type'], e.detail.eventId])).toEqual([['Deployment Request Ignored', 'web-3:ignored:web-2']]);
    // `deploy --wait` for it ends rather than waiting for a deployment that never comes.
    expect(await rt.rejections.get('web', 'web-2')).toMatchObject({ reason: expect.stringMatching(/web-2 already ran/) });
  });

  it('a request sent before the app’s last deployment was requested, delivered after it, is ignored', async () => {
    const sentEarlier = t.clock.now();
    minutesLater(1);
    await shiftTraffic(requestEvent('web-3', 'v3'), rt);
    expect(await runToTheEnd()).toBe('succeeded');
    const before = await imagesRunning();
    await t.events();

    await shiftTraffic(requestEvent('web-2', 'v2', sentEarlier), rt);

    expect(await imagesRunning()).toEqual(before);
    expect((await current())?.requests?.at(-1)).toMatchObject({
      kind: 'deploy',
      requestId: 'web-2',
      outcome: 'ignored',
      reason: expect.stringMatching(/older than deployment web-3/),
    });
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Deployment Request Ignored']);
  });

  it('a rejected request stays rejected: delivered again once the app is free, it does not start', async () => {
    await shiftTraffic(requestEvent('web-1', 'v1'), rt);
    const rejectedOnce = requestEvent('web-2', 'v2');
    const [first] = await shiftTraffic(rejectedOnce, rt);
    expect(first?.rejected).toMatch(/one deployment runs at a time/);
    expect(await runToTheEnd()).toBe('succeeded');
    const before = await imagesRunning();

    minutesLater(1);
    const [again] = await shiftTraffic(rejectedOnce, rt);

    expect(again).toMatchObject({ deploymentId: 'web-1', rejected: first?.rejected });
    expect(await imagesRunning()).toEqual(before);
    expect((await current())?.id).toBe('web-1');
    // Published again with the same id (the first may have been lost in a crash): consumers take it once.
    const rejected = (await t.events()).filter((e) => e['detail-type'] === 'Deployment Rejected');
    expect(new Set(rejected.map((e) => e.detail.eventId))).toEqual(new Set(['web-2:rejected']));
  });

  it('the same request delivered twice at the same moment starts one deployment and rejects nothing', async () => {
    const request = requestEvent('web-1', 'v1');
    const outcomes = (await Promise.all([shiftTraffic(request, rt), shiftTraffic(request, rt)])).flat();

    expect(outcomes.map((o) => o.rejected)).toEqual([undefined, undefined]);
    expect(await rt.rejections.get('web', 'web-1')).toBeUndefined();
    expect((await t.events()).filter((e) => e['detail-type'] === 'Deployment Rejected')).toEqual([]);
    expect(await runToTheEnd()).toBe('succeeded');
  });

  it('the same request delivered again just after its deployment ended, decided on what it read before, does not run it twice', async () => {
    // The first delivery ran to its end; the second had read the table before the first wrote anything.
    const request = requestEvent('web-1', 'v1');
    await shiftTraffic(request, rt);
    const ended = await runToTheEnd();
    const version = (await current())?.version;
    const deployments = rt.deployments;
    let readOnce = false;
    // The second delivery reads the table as it was before the first one wrote anything.
    const stale = {
      ...rt,
      deployments: Object.assign(Object.create(Object.getPrototypeOf(deployments)), deployments, {
        get: async (app: string) => {
          if (!readOnce) {
            readOnce = true;
            return undefined;
          }
          return deployments.get(app);
        },
      }),
    } as ShiftRuntime;
    await shiftTraffic(request, stale);

    expect(await current()).toMatchObject({ id: 'web-1', stage: ended, version });
  });
});
