/**
 * The effects of blue/green over several listeners against moto: an app behind two listeners of an
 * ALB (the colours' own target groups; the second switched at once), a rule of an internal ALB with
 * target groups of its own, and an NLB listener, weighted like the others.
 * Every weight change writes and reads back each of them; a change by hand on one leaves all as they are.
 */
import { DescribeListenersCommand, DescribeRulesCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps, setTargetHealth } from '../../sandbox/seed.ts';
import { applyAction } from '../../shared/blue-green/apply.ts';
import { forwardOf, liveColourOfRoutes, splitsFor } from '../../shared/blue-green/forward.ts';
import { type AppSpec, type Deployment, isFinal, type RouteSpec, routeKey } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { callName, installFaults, invoke } from '../helpers/faults.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const HEAD = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const config = {
  defaults: { cluster: 'shop' },
  apps: {
    web: {
      blue: { service: 'web-blue', targetGroup: `${HEAD}:targetgroup/web-blue/73e2d6bc24d8a067` },
      green: { service: 'web-green', targetGroup: `${HEAD}:targetgroup/web-green/09966e5bd7e8e8ef` },
      listeners: [
        { listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2` },
        // One target group at a time on this one: all the traffic moves with the step reaching 100%.
        { listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/a2f7dc8efc522ab3`, shift: 'switch' },
        {
          listener: `${HEAD}:listener/app/shop-internal/60dc6c495c0c9188/b2f7dc8efc522ab4`,
          rule: `${HEAD}:listener-rule/app/shop-internal/60dc6c495c0c9188/b2f7dc8efc522ab4/0123456789abcdef`,
          targetGroups: {
            blue: `${HEAD}:targetgroup/web-blue-internal/1111222233334444`,
            green: `${HEAD}:targetgroup/web-green-internal/5555666677778888`,
          },
        },
        {
          listener: `${HEAD}:listener/net/shop-tcp/70dc6c495c0c9188/c2f7dc8efc522ab5`,
          targetGroups: {
            blue: `${HEAD}:targetgroup/web-blue-tcp/9999aaaabbbbcccc`,
            green: `${HEAD}:targetgroup/web-green-tcp/ddddeeeeffff0000`,
          },
        },
      ],
      strategy: { canary: { percent: 10, bake: '1m' } },
      bakeTime: '1m',
      rollbackWindow: '0s',
    },
  },
};

const START = new Date('2026-12-06T10:00:00Z');

describe('blue/green over several listeners, against moto', () => {
  const t = useEmulatorWorld(config, START);
  const faults = installFaults();
  afterAll(() => faults.uninstall());
  let rt: ShiftRuntime;
  let web: AppSpec;

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation);
    rt = emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog);
    web = seeded.automation.apps.web as AppSpec;
  });

  const [HTTP, SECOND, RULE, TCP] = [0, 1, 2, 3];
  const route = (index: number) => web.routes[index] as RouteSpec;
  const forwardOn = async (r: RouteSpec) =>
    forwardOf(
      (r.rule
        ? (await rt.elb.send(new DescribeRulesCommand({ RuleArns: [r.rule] }))).Rules?.[0]?.Actions
        : (await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [r.listener] }))).Listeners?.[0]?.DefaultActions) ?? [],
    );
  async function inspected(): Promise<Deployment> {
    const base: Deployment = {
      app: 'web',
      id: 'deploy-1',
      version: 0,
      stage: 'starting',
      requestedAt: START.toISOString(),
      step: -1,
      newPercent: 0,
      stageSince: START.toISOString(),
      weights: [],
      outbox: [],
      updatedAt: START.toISOString(),
    };
    const event = await applyAction({ kind: 'inspect' }, base, web, rt);
    if (event?.kind !== 'inspected') throw new Error(`inspect answered ${JSON.stringify(event)}`);
    expect(liveColourOfRoutes(event.forward, web)).toEqual({ live: 'blue' });
    return { ...base, from: 'blue', to: 'green', original: event.forward[web.listener], originals: event.forward };
  }
  const at = (percent: number) => splitsFor(web, 'blue', 'green', percent);

  it('sets every listener, the NLB included, reads each back, then puts back each exact original action', async () => {
    const deployment = await inspected();
    const ours = [at(0), at(10)];

    const set = await invoke(() => applyAction({ kind: 'set-weights', targetGroups: at(10), ours }, deployment, web, rt));

    expect(set.result).toEqual({ kind: 'weights-set', expected: at(10), observed: at(10) });
    // One read of the listeners and one of the rules before and after; one write per route whose split
    // changes (the switched one keeps all on blue below 100%).
    expect(set.calls.map(callName).sort()).toEqual(
      [
        ...Array(2).fill('ElasticLoadBalancingV2 DescribeListeners'),
        ...Array(2).fill('ElasticLoadBalancingV2 DescribeRules'),
        ...Array(2).fill('ElasticLoadBalancingV2 ModifyListener'),
        'ElasticLoadBalancingV2 ModifyRule',
      ].sort(),
    );
    expect((await forwardOn(route(TCP))).targetGroups).toEqual([
      { arn: route(TCP).targetGroups.blue, weight: 90 },
      { arn: route(TCP).targetGroups.green, weight: 10 },
    ]);

    expect(await applyAction({ kind: 'restore-forward', ours }, deployment, web, rt)).toMatchObject({
      kind: 'forward-restored',
      matches: true,
    });
    for (const r of web.routes) expect((await forwardOn(r)).raw).toEqual(deployment.originals?.[routeKey(r)]?.raw);
  });

  it('writes no listener when one of them was changed by hand, and says which', async () => {
    const deployment = await inspected();
    const second = route(SECOND);
    await rt.elb.send(
      new ModifyListenerCommand({
        ListenerArn: second.listener,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: second.targetGroups.green }],
      }),
    );

    const answer = await applyAction({ kind: 'set-weights', targetGroups: at(10), ours: [at(0)] }, deployment, web, rt);

    expect(answer).toEqual({
      kind: 'forward-changed',
      observed: { ...at(0), [second.listener]: [{ arn: second.targetGroups.green, weight: 1 }] },
    });
    for (const index of [HTTP, RULE, TCP]) {
      expect((await forwardOn(route(index))).raw).toEqual(deployment.originals?.[routeKey(route(index))]?.raw);
    }
  });

  it('checks the health of every target group of the new colour, naming the weakest', async () => {
    const deployment = await inspected();
    await applyAction({ kind: 'update-new-colour', colour: 'green', taskDefinition: 'web:1', desiredCount: 2 }, deployment, web, rt);
    await setTargetHealth(t.world, route(RULE).targetGroups.green, 'unhealthy');

    expect(await applyAction({ kind: 'check-ready', colour: 'green' }, deployment, web, rt)).toMatchObject({
      kind: 'ready-checked',
      health: { healthy: 0, unhealthy: 2, targetGroup: route(RULE).targetGroups.green },
      forward: at(0),
    });
  });

  it('deploys end to end through the handler: every listener at 10%, the switched one still on blue, then all on green', async () => {
    const percentOn = async (r: RouteSpec) => {
      const { targetGroups } = await forwardOn(r);
      const total = targetGroups.reduce((sum, tg) => sum + tg.weight, 0);
      return Math.round((100 * (targetGroups.find((tg) => tg.arn === r.targetGroups.green)?.weight ?? 0)) / total);
    };
    const request = {
      version: '0',
      id: 'event-1',
      source: 'ecs-autopilot',
      'detail-type': 'Deployment Requested',
      account: '123456789012',
      region: EMULATOR_REGION,
      time: t.clock.now().toISOString(),
      resources: [],
      detail: { app: 'web', id: 'web-1', requestedBy: 'ci', images: { app: 'public.ecr.aws/example/web:v2' } },
    };

    await shiftTraffic(request, rt);
    expect((await rt.deployments.get('web'))?.stage).toBe('paused');
    expect(await Promise.all(web.routes.map(percentOn))).toEqual([10, 0, 10, 10]);

    for (let minute = 1; minute <= 5 && !isFinal((await rt.deployments.get('web'))?.stage ?? 'starting'); minute++) {
      t.clock.advanceTo(new Date(t.clock.now().getTime() + 60_000));
      await shiftTraffic({ tick: true }, rt);
    }
    expect((await rt.deployments.get('web'))?.outcome).toMatchObject({ status: 'succeeded' });
    expect(await Promise.all(web.routes.map(percentOn))).toEqual([100, 100, 100, 100]);
  });
});
