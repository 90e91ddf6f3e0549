import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DeleteServiceCommand, DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { scaleService } from '../../functions/scale-service.ts';
import { drainAlerts, emulatorNotifyRuntime } from '../../sandbox/alerts.ts';
import { EMULATOR_REGION, setRolloutState } from '../../sandbox/emulator.ts';
import { emulatorScalingRuntime, seedServices } from '../../sandbox/seed.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { BadEventError } from '../../shared/errors.ts';
import { createAutoScalingClient } from '../../shared/scaling/auto-scaling-client.ts';
import type { ScalingRuntime } from '../../shared/scaling/runtime.ts';
import { ScalingMemories } from '../../shared/state/scaling-memory.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const CLUSTER = 'shop-scale';

const config = {
  services: {
    // A scalable target (target tracking): wider bounds in business hours, nothing at night.
    web: {
      cluster: CLUSTER,
      scaling: {
        timezone: 'UTC',
        periods: {
          'business-hours': { days: 'MON-FRI', from: '08:00', to: '18:00', min: 4, max: 12 },
          night: { days: 'MON-SUN', from: '23:00', to: '05:00', stop: true },
        },
      },
    },
    // A plain service: a fixed count at the peak, nothing at night.
    worker: {
      cluster: CLUSTER,
      scaling: {
        timezone: 'UTC',
        periods: {
          peak: { days: 'MON-FRI', from: '08:00', to: '18:00', desired: 5 },
          night: { days: 'MON-SUN', from: '22:00', to: '06:00', stop: true },
        },
      },
    },
    // Its cluster given as an ARN: ECS calls get the ARN, events and state name the cluster.
    'by-arn': {
      cluster: `arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`,
      service: 'reports',
      scaling: { timezone: 'UTC', periods: { peak: { days: 'MON-FRI', from: '08:00', to: '18:00', desired: 4 } } },
    },
    // Configured, but deleted in ECS before the tests run.
    gone: {
      cluster: CLUSTER,
      scaling: { timezone: 'UTC', periods: { peak: { days: 'MON-FRI', from: '08:00', to: '18:00', desired: 2 } } },
    },
  },
};

/** Monday 2026-11-23, just before business hours (UTC). */
const START = new Date('2026-11-23T07:55:00Z');
const on = (time: string, day = '2026-11-23') => new Date(`${day}T${time}Z`);

describe('scale-service against moto', () => {
  const t = useEmulatorWorld(config, START);
  let rt: ScalingRuntime;
  let updateServiceCalls: number;
  let registerCalls: number;
  let clustersCalled: string[];
  const clients = () =>
    createAwsClients({
      endpoint: t.world.endpoint,
      region: EMULATOR_REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });

  beforeEach(async () => {
    await seedServices(t.world, t.automation, {
      web: { desiredCount: 3, bounds: { min: 2, max: 10 } },
      worker: { desiredCount: 3 },
      'by-arn': { desiredCount: 1 },
      gone: { desiredCount: 0 },
    });
    await t.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'gone', force: true }));
    rt = emulatorScalingRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
    // Counts the writes that reach the emulator: a no-op firing must make none.
    updateServiceCalls = 0;
    registerCalls = 0;
    clustersCalled = [];
    rt.ecs.middlewareStack.add(
      (next, context) => async (args) => {
        clustersCalled.push(String((args.input as { cluster?: string }).cluster));
        if (context.commandName === 'UpdateServiceCommand') updateServiceCalls += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countUpdateService' },
    );
    rt.autoScaling.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'RegisterScalableTargetCommand') registerCalls += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countRegister' },
    );
  });

  /** What ECS and Application Auto Scaling say about the service now. */
  async function shapeOf(service: string) {
    const { services = [] } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [service] }));
    const { ScalableTargets = [] } = await createAutoScalingClient({
      endpoint: t.world.endpoint,
      region: EMULATOR_REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    }).send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [`service/${CLUSTER}/${service}`] }));
    const target = ScalableTargets[0];
    return {
      desiredCount: services[0]?.desiredCount,
      ...(target && { bounds: { min: target.MinCapacity, max: target.MaxCapacity } }),
    };
  }

  const memoryOf = (service: string) => new ScalingMemories(clients().dynamo, t.world.tableName).get(CLUSTER, service);

  /** A schedule of the service fires at `at`, as Scheduler would deliver it. */
  async function fireAt(at: Date, service: string) {
    t.clock.advanceTo(at);
    return scaleService({ service }, rt);
  }

  /** Moves the clock to the earliest pending timer and delivers it to scale-service. */
  async function advanceToNextTimer() {
    const [next] = await t.timers.pending();
    if (!next) throw new Error('no timer is pending');
    t.clock.advanceTo(next.at);
    const due = await t.timers.takeDue(t.clock.now());
    expect(due?.target).toBe('scale-service');
    return scaleService(due?.input, rt);
  }

  const types = async () => (await t.events()).map((e) => e['detail-type']);

  it('changes the bounds of a scalable target when a period starts, and restores them when it ends', async () => {
    expect(await fireAt(on('07:55:00'), 'web')).toMatchObject({ outcome: 'nothing' });
    expect(await shapeOf('web')).toEqual({ desiredCount: 3, bounds: { min: 2, max: 10 } });

    expect(await fireAt(on('08:00:00'), 'web')).toMatchObject({
      outcome: 'scaled',
      action: 'scaled from 3 tasks, bounds 2-10 to 4 tasks, bounds 4-12',
    });

    expect(await shapeOf('web')).toEqual({ desiredCount: 4, bounds: { min: 4, max: 12 } });
    const [scaled, ...more] = await t.events();
    expect(more).toEqual([]);
    expect(scaled).toMatchObject({
      'detail-type': 'Service Scaled',
      source: 'ecs-autopilot',
      resources: [expect.stringMatching(/:service\/(shop-scale\/)?web$/)],
      detail: {
        serviceKey: 'web',
        service: 'web',
        cluster: CLUSTER,
        from: { desiredCount: 3, bounds: { min: 2, max: 10 } },
        to: { desiredCount: 4, bounds: { min: 4, max: 12 } },
        why: { target: { kind: 'bounds', min: 4, max: 12 }, because: { kind: 'period', name: 'business-hours' } },
        baseline: 'remembered',
      },
    });
    expect(scaled?.detail).not.toHaveProperty('alert');

    expect(await fireAt(on('18:00:00'), 'web')).toMatchObject({ outcome: 'scaled' });

    // The bounds are back; the count is the autoscaler's, and 4 lies inside them.
    expect(await shapeOf('web')).toEqual({ desiredCount: 4, bounds: { min: 2, max: 10 } });
    expect((await t.events()).map((e) => [e['detail-type'], e.detail.baseline, e.detail.why])).toEqual([
      ['Service Scaled', 'forgotten', { target: { kind: 'restore' }, because: { kind: 'outside' } }],
    ]);
    const memory = await memoryOf('web');
    expect(memory).toMatchObject({ last: { kind: 'scaled', at: on('18:00:00').toISOString() } });
    expect(memory).not.toHaveProperty('baseline');
  });

  it('restores the bounds at the end of a period and leaves the count target tracking chose inside them', async () => {
    await fireAt(on('08:00:00'), 'web');
    // Under load, target tracking scales the service out within the period's bounds (4-12).
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', desiredCount: 8 }));

    expect(await fireAt(on('18:00:00'), 'web')).toMatchObject({
      outcome: 'scaled',
      action: 'scaled from 8 tasks, bounds 4-12 to 8 tasks, bounds 2-10',
    });

    expect(await shapeOf('web')).toEqual({ desiredCount: 8, bounds: { min: 2, max: 10 } });
    expect(updateServiceCalls).toBe(1);
  });

  it('moves a count autoscaling left outside the restored bounds only as far as their nearest edge', async () => {
    await fireAt(on('08:00:00'), 'web');
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', desiredCount: 12 }));

    await fireAt(on('18:00:00'), 'web');

    expect(await shapeOf('web')).toEqual({ desiredCount: 10, bounds: { min: 2, max: 10 } });
  });

  it("sets a plain service's desiredCount for the period and back after it", async () => {
    await fireAt(on('08:00:00'), 'worker');
    expect(await shapeOf('worker')).toEqual({ desiredCount: 5 });

    await fireAt(on('18:00:00'), 'worker');
    expect(await shapeOf('worker')).toEqual({ desiredCount: 3 });

    expect(await types()).toEqual(['Service Scaled', 'Service Scaled']);
    expect(registerCalls).toBe(0);
  });

  it('scales to zero at night; in the morning a plain service gets its count back, a scalable one its bounds with the count moved into them', async () => {
    await fireAt(on('22:00:00'), 'worker');
    await fireAt(on('23:00:00'), 'web');

    expect(await shapeOf('worker')).toEqual({ desiredCount: 0 });
    expect(await shapeOf('web')).toEqual({ desiredCount: 0, bounds: { min: 0, max: 0 } });
    expect(await memoryOf('web')).toMatchObject({ baseline: { desiredCount: 3, bounds: { min: 2, max: 10 } } });
    expect(await memoryOf('worker')).toMatchObject({ baseline: { desiredCount: 3 } });

    await fireAt(on('05:00:00', '2026-11-24'), 'web');
    await fireAt(on('06:00:00', '2026-11-24'), 'worker');

    expect(await shapeOf('web')).toEqual({ desiredCount: 2, bounds: { min: 2, max: 10 } });
    expect(await shapeOf('worker')).toEqual({ desiredCount: 3 });
    const events = await t.events();
    expect(events.map((e) => [e.detail.serviceKey, e.detail.from, e.detail.to])).toEqual([
      ['worker', { desiredCount: 3 }, { desiredCount: 0 }],
      ['web', { desiredCount: 3, bounds: { min: 2, max: 10 } }, { desiredCount: 0, bounds: { min: 0, max: 0 } }],
      ['web', { desiredCount: 0, bounds: { min: 0, max: 0 } }, { desiredCount: 2, bounds: { min: 2, max: 10 } }],
      ['worker', { desiredCount: 0 }, { desiredCount: 3 }],
    ]);
  });

  it('is a no-op when a firing is applied twice: no second UpdateService, no event', async () => {
    await fireAt(on('08:00:00'), 'worker');
    await fireAt(on('08:00:00'), 'web');
    expect([updateServiceCalls, registerCalls]).toEqual([2, 1]);
    await t.events();

    expect(await fireAt(on('08:00:30'), 'worker')).toMatchObject({ outcome: 'nothing' });
    expect(await fireAt(on('08:00:30'), 'web')).toMatchObject({ outcome: 'nothing' });

    expect([updateServiceCalls, registerCalls]).toEqual([2, 1]);
    expect(await t.events()).toEqual([]);
    expect(await t.timers.pending()).toEqual([]);
  });

  it('heals a missed firing: the next one applies what should be now', async () => {
    // The 08:00 and 18:00 firings were lost; the 22:00 one finds the service still at its baseline.
    await fireAt(on('22:00:00'), 'worker');
    expect(await shapeOf('worker')).toEqual({ desiredCount: 0 });
    expect(await memoryOf('worker')).toMatchObject({ baseline: { desiredCount: 3 } });
  });

  it('defers a change during an IN_PROGRESS rollout, records and publishes it, and applies it by the retry timer once COMPLETED', async () => {
    await setRolloutState(t.emulator, CLUSTER, 'worker', 'IN_PROGRESS');

    expect(await fireAt(on('08:00:00'), 'worker')).toMatchObject({ outcome: 'deferred' });

    expect(await shapeOf('worker')).toEqual({ desiredCount: 3 });
    expect(updateServiceCalls).toBe(0);
    const [deferred, ...more] = await t.events();
    expect(more).toEqual([]);
    expect(deferred).toMatchObject({
      'detail-type': 'Service Scaling Deferred',
      detail: {
        serviceKey: 'worker',
        from: { desiredCount: 3 },
        to: { desiredCount: 5 },
        blockedBy: ['ecs-rollout'],
        reason: expect.stringMatching(/^ECS deployment ecs-svc\/\d+ is IN_PROGRESS/),
        attempt: 1,
        retryAt: on('08:02:00').toISOString(),
        deferredSince: on('08:00:00').toISOString(),
      },
    });
    expect(await memoryOf('worker')).not.toHaveProperty('baseline');
    expect(await memoryOf('worker')).toMatchObject({
      deferral: { attempt: 1, retryAt: on('08:02:00').toISOString(), since: on('08:00:00').toISOString() },
      last: { kind: 'deferred', attempt: 1 },
    });
    expect(await t.timers.pending()).toMatchObject([
      { target: 'scale-service', at: on('08:02:00'), input: { timer: 'scaling-retry', service: 'worker', attempt: 1 } },
    ]);

    // A firing meanwhile leaves the pending retry alone.
    expect(await fireAt(on('08:01:00'), 'worker')).toMatchObject({ outcome: 'nothing', action: expect.stringMatching(/deferred already/) });
    expect(await t.timers.pending()).toHaveLength(1);

    // Still rolling out at the retry: deferred again, twice as long.
    expect(await advanceToNextTimer()).toMatchObject({ outcome: 'deferred' });
    expect(await t.timers.pending()).toMatchObject([{ at: on('08:06:00'), input: { attempt: 2 } }]);

    await setRolloutState(t.emulator, CLUSTER, 'worker', 'COMPLETED');
    expect(await advanceToNextTimer()).toMatchObject({ outcome: 'scaled' });

    expect(await shapeOf('worker')).toEqual({ desiredCount: 5 });
    // The second deferral, then the change (the first deferral was read above).
    expect(await types()).toEqual(['Service Scaling Deferred', 'Service Scaled']);
    expect(await memoryOf('worker')).toMatchObject({ baseline: { desiredCount: 3 }, last: { kind: 'scaled' } });
    expect(await memoryOf('worker')).not.toHaveProperty('deferral');
    expect(await t.timers.pending()).toEqual([]);
  });

  it('defers while an ecs-autopilot blue/green deployment holds its lock', async () => {
    const { dynamo } = clients();
    const lock = (status: string) =>
      dynamo.send(
        new PutCommand({
          TableName: t.world.tableName,
          Item: {
            pk: `SERVICE#${CLUSTER}/web`,
            sk: 'BLUE_GREEN',
            status,
            deploymentId: 'bg-42',
            expiresAt: Math.floor(on('09:00:00').getTime() / 1000),
          },
        }),
      );
    await lock('in-progress');

    expect(await fireAt(on('08:00:00'), 'web')).toMatchObject({ outcome: 'deferred' });

    expect(await shapeOf('web')).toEqual({ desiredCount: 3, bounds: { min: 2, max: 10 } });
    const [deferred] = await t.events();
    expect(deferred?.detail).toMatchObject({
      blockedBy: ['blue-green'],
      reason: `an ecs-autopilot blue/green deployment bg-42 is in progress, at the latest until ${on('09:00:00').toISOString()}`,
    });

    await lock('completed');
    expect(await advanceToNextTimer()).toMatchObject({ outcome: 'scaled' });
    expect(await shapeOf('web')).toEqual({ desiredCount: 4, bounds: { min: 4, max: 12 } });
  });

  it('records a service missing in ECS as a failure, published with an alert that notify sends', async () => {
    expect(await fireAt(on('08:00:00'), 'gone')).toMatchObject({ outcome: 'failed' });

    const [failed, ...more] = await t.events();
    expect(more).toEqual([]);
    expect(failed).toMatchObject({
      'detail-type': 'Service Scaling Failed',
      detail: {
        serviceKey: 'gone',
        reason: expect.stringMatching(/ECS service gone in cluster shop-scale is not active \(INACTIVE\)/),
        nextStep: 'check services.gone in automation.yml: ECS has no active service gone in cluster shop-scale',
        alert: { cluster: CLUSTER, subject: { kind: 'service', name: 'gone' }, category: 'scaling-failed', severity: 'critical' },
      },
    });
    expect(await memoryOf('gone')).toMatchObject({ last: { kind: 'failed' } });

    // The alerts rule hands it to notify, which sends it once the group's wait is over.
    const notifyRuntime = emulatorNotifyRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
    await notify({ ...failed, id: 'scaling-failed-1', account: '123456789012', region: EMULATOR_REGION }, notifyRuntime);
    const sent = await drainAlerts(t.world);
    for (let [next] = await t.timers.pending(); next && sent.length === 0; [next] = await t.timers.pending()) {
      t.clock.advanceTo(next.at);
      const due = await t.timers.takeDue(t.clock.now());
      if (due?.target === 'notify') await notify(due.input, notifyRuntime);
      sent.push(...(await drainAlerts(t.world)));
    }
    expect(sent.map((m) => m.subject)).toEqual([expect.stringMatching(/^\[CRITICAL\] .*gone.* on shop-scale: scaling-failed$/)]);
  });

  it('calls ECS with the cluster ARN when automation.yml gives one, and names the cluster in its event', async () => {
    const outcome = await fireAt(on('08:00:04'), 'by-arn');
    expect(outcome).toMatchObject({ outcome: 'scaled' });
    expect(await shapeOf('reports')).toEqual({ desiredCount: 4 });
    expect(new Set(clustersCalled)).toEqual(new Set([`arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`]));
    const [scaled] = await t.events();
    expect(scaled?.detail).toMatchObject({ serviceKey: 'by-arn', service: 'reports', cluster: CLUSTER });
  });

  it('refuses a service that automation.yml does not name, listing the ones it does', async () => {
    await expect(scaleService({ service: 'api' }, rt)).rejects.toThrow(BadEventError);
    await expect(scaleService({ service: 'api' }, rt)).rejects.toThrow(
      'no service "api" in automation.yml services; services with scaling: web, worker, by-arn, gone',
    );
  });
});
