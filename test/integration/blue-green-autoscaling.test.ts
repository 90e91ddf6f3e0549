/**
 * Blue/green with Application Auto Scaling, against moto (it keeps scalable targets with their bounds
 * and SuspendedState): the new colour gets the live colour's bounds, the live colour's dynamic scale-in
 * is suspended while the deployment runs and put back exactly when it ends — succeeded or rolled back —
 * and the new colour catches up with the live colour's count (moved by autoscaling) before it takes 100%.
 * The autoscaler itself does not run in moto: the test moves the live colour's count as it would.
 */
import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps } from '../../sandbox/seed.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const CLUSTER = 'shop';
const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      strategy: { canary: { percent: 10, bake: '2m' } },
      gates: { minHealthyTargets: 1 },
      bakeTime: '1m',
      rollbackWindow: '0s',
    },
  },
};
const START = new Date('2026-11-23T10:00:00Z');
/** As an operator may have left it: scheduled scaling suspended, dynamic scaling on. */
const LIVE_SUSPENDED = { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: true };

describe('blue/green with autoscaling against moto', () => {
  const t = useEmulatorWorld(config, START);
  let rt: ShiftRuntime;
  let autoScaling: ApplicationAutoScalingClient;

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation);
    rt = emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog);
    autoScaling = rt.autoScaling;
    await autoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: `service/${CLUSTER}/web-blue`,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 2,
        MaxCapacity: 8,
        SuspendedState: LIVE_SUSPENDED,
      }),
    );
  });

  /** Both colours' scalable targets, in one call: min, max and SuspendedState. */
  async function targets() {
    const { ScalableTargets = [] } = await autoScaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: ['blue', 'green'].map((c) => `service/${CLUSTER}/web-${c}`),
      }),
    );
    const of = (colour: string) => {
      const target = ScalableTargets.find((s) => s.ResourceId === `service/${CLUSTER}/web-${colour}`);
      return target && { min: target.MinCapacity, max: target.MaxCapacity, suspended: target.SuspendedState };
    };
    return { blue: of('blue'), green: of('green') };
  }

  async function desiredCounts() {
    const { services = [] } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web-blue', 'web-green'] }));
    return Object.fromEntries(services.map((s) => [s.serviceName, s.desiredCount]));
  }

  function busEvent(detailType: string, id: string, detail: Record<string, unknown>) {
    return {
      version: '0',
      id,
      source: 'ecs-autopilot',
      'detail-type': detailType,
      account: '123456789012',
      region: EMULATOR_REGION,
      time: t.clock.now().toISOString(),
      resources: [],
      detail: { app: 'web', ...detail },
    };
  }
  const request = (id: string) =>
    busEvent('Deployment Requested', `request-${id}`, { id, images: { app: 'public.ecr.aws/example/web:v2' } });

  it('copies the bounds, suspends scale-in while it runs, sizes green to blue’s count before 100%, and puts blue’s suspension back exactly', async () => {
    await shiftTraffic(request('web-1'), rt);
    expect((await rt.deployments.get('web'))?.stage).toBe('paused');
    expect(await targets()).toEqual({
      blue: { min: 2, max: 8, suspended: { ...LIVE_SUSPENDED, DynamicScalingInSuspended: true } },
      green: { min: 2, max: 8, suspended: LIVE_SUSPENDED },
    });

    // Autoscaling adds a task to blue during the canary (scale-out is not suspended).
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web-blue', desiredCount: 3 }));
    for (let minute = 1; minute <= 10 && (await rt.deployments.get('web'))?.stage !== 'succeeded'; minute++) {
      t.clock.advanceTo(new Date(t.clock.now().getTime() + 60_000));
      await shiftTraffic({ tick: true }, rt);
    }
    const done = await rt.deployments.get('web');
    expect(done?.stage).toBe('succeeded');
    expect(done?.weights.map((w) => w.newPercent)).toEqual([10, 100]);
    expect(await desiredCounts()).toEqual({ 'web-blue': 0, 'web-green': 3 });
    // Blue, idle now: its SuspendedState exactly as before, its minimum 0 so that nothing brings it back.
    expect(await targets()).toEqual({
      blue: { min: 0, max: 8, suspended: LIVE_SUSPENDED },
      green: { min: 2, max: 8, suspended: LIVE_SUSPENDED },
    });
  });

  it('on a rollback, scales green back with a minimum of 0 and puts blue’s bounds and suspension back exactly', async () => {
    await shiftTraffic(request('web-2'), rt);
    t.clock.advanceTo(new Date(START.getTime() + 60_000));
    await shiftTraffic(busEvent('Deployment Abort Requested', 'abort-1', { id: 'web-2', by: 'ana' }), rt);

    expect((await rt.deployments.get('web'))?.outcome).toMatchObject({ status: 'rolled-back', reason: 'aborted by ana' });
    expect(await desiredCounts()).toEqual({ 'web-blue': 2, 'web-green': 0 });
    expect(await targets()).toEqual({
      blue: { min: 2, max: 8, suspended: LIVE_SUSPENDED },
      green: { min: 0, max: 8, suspended: LIVE_SUSPENDED },
    });
  });
});
