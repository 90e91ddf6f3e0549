/**
 * Operator controls (issue 14 §4) end to end against moto: the CLI's retry, undo and deploy --dry-run
 * against the emulated bus, table and AWS, the real shift-traffic handler delivered what the request
 * rule would deliver, on a test clock. Assertions read the emulated AWS back: what each service runs,
 * the listener's weights, the task definitions registered, the events on the bus.
 */
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentDeps } from '../../cli/deploy.ts';
import { type DryRunDeps, dryRunCommand } from '../../cli/dry-run.ts';
import { redeployCommand } from '../../cli/redeploy.ts';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps } from '../../sandbox/seed.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { forwardOf } from '../../shared/blue-green/forward.ts';
import type { AppSpec } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { EventBus } from '../../shared/events/bus.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const CLUSTER = 'shop';

const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      strategy: 'all-at-once',
      gates: { alarms: ['web-5xx'], minHealthyTargets: 1 },
      bakeTime: '2m',
      rollbackWindow: '0s',
    },
  },
};

const START = new Date('2026-11-23T10:00:00Z');

describe('retry, undo and deploy --dry-run against moto (issue 14)', () => {
  const t = useEmulatorWorld(config, START);
  let rt: ShiftRuntime;
  let app: AppSpec;
  let cli: { deps: DeploymentDeps; lines: string[] };

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation, {});
    rt = emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog);
    app = seeded.automation.apps.web as AppSpec;
    const clients = createAwsClients({
      endpoint: t.world.endpoint,
      region: EMULATOR_REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const lines: string[] = [];
    cli = {
      lines,
      deps: {
        bus: new EventBus(clients.events, t.world.busName),
        store: rt.deployments,
        rejections: rt.rejections,
        io: { out: (line) => lines.push(line), err: (line) => lines.push(line) },
        now: () => t.clock.now(),
        sleep: async () => {},
        caller: 'cli:ana',
      },
    };
  });

  const minutesLater = (minutes: number) => t.clock.advanceTo(new Date(t.clock.now().getTime() + minutes * 60_000));
  const current = () => rt.deployments.get('web');

  /** What the request rule delivers: every request the CLI put on the bus since the last call; the rest is returned. */
  async function deliverRequests() {
    const events = await t.events();
    for (const event of events) if (/ Requested$/.test(event['detail-type'])) await shiftTraffic(event, rt);
    return events;
  }

  async function runToTheEnd() {
    for (let minute = 0; minute < 20; minute++) {
      const stage = (await current())?.stage;
      if (stage === 'succeeded' || stage === 'rolled-back' || stage === 'failed') return stage;
      minutesLater(1);
      await shiftTraffic({ tick: true }, rt);
    }
    throw new Error(`the deployment did not end: ${(await current())?.stage}`);
  }

  async function deploy(id: string, tag: string) {
    await shiftTraffic(
      {
        version: '0',
        id: `event-${id}`,
        source: 'ecs-autopilot',
        'detail-type': 'Deployment Requested',
        account: '123456789012',
        region: EMULATOR_REGION,
        time: t.clock.now().toISOString(),
        resources: [],
        detail: { app: 'web', id, requestedBy: 'ci', images: { app: `public.ecr.aws/example/web:${tag}` } },
      },
      rt,
    );
  }

  async function services() {
    const { services: found = [] } = await t.ecs.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: ['web-blue', 'web-green'] }),
    );
    return Object.fromEntries(found.map((s) => [s.serviceName, `${s.desiredCount} × ${s.taskDefinition?.split('/').pop()}`]));
  }

  async function weights() {
    const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }));
    const groups = forwardOf(Listeners[0]?.DefaultActions ?? []).targetGroups;
    return app.colours.blue.targetGroup === groups[0]?.arn ? groups.map((g) => g.weight) : [...groups].reverse().map((g) => g.weight);
  }

  const revisions = async () =>
    ((await t.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }))).taskDefinitionArns ?? []).map((arn) =>
      arn.split('/').pop(),
    );

  const setAlarm = (value: 'ALARM' | 'OK') =>
    rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: value, StateReason: 'test' }));

  it('retry after a rollback deploys the same revision again, as a new deployment linked to the rolled-back one', async () => {
    await deploy('web-1', 'v2');
    expect((await current())?.stage).toBe('baking');
    await setAlarm('ALARM');
    minutesLater(1);
    await shiftTraffic({ tick: true }, rt);
    const rolledBack = await current();
    expect(rolledBack).toMatchObject({ id: 'web-1', stage: 'rolled-back', taskDefinition: expect.stringMatching(/web:2$/) });
    expect(await services()).toEqual({ 'web-blue': '2 × web:1', 'web-green': '0 × web:1' });
    await setAlarm('OK');
    await t.events(); // drained

    minutesLater(10);
    expect(await redeployCommand({ kind: 'retry', app: 'web', automation: rt.automation }, cli.deps)).toBe(0);
    const id = cli.lines.at(-1) ?? '';
    const published = await deliverRequests();
    expect(published[0]).toMatchObject({
      'detail-type': 'Deployment Retry Requested',
      detail: { app: 'web', id: 'web-1', newId: id, by: 'cli:ana' },
    });

    expect(await runToTheEnd()).toBe('succeeded');
    expect(await current()).toMatchObject({ id, retryOf: 'web-1', taskDefinition: rolledBack?.taskDefinition, requestedBy: 'cli:ana' });
    // The same revision: nothing registered again.
    expect(await revisions()).toEqual(['web:1', 'web:2']);
    expect(await services()).toEqual({ 'web-blue': '0 × web:1', 'web-green': '2 × web:2' });
    const started = (await t.events()).find((e) => e['detail-type'] === 'Deployment Started');
    expect(started?.detail).toMatchObject({ deploymentId: id, retryOf: 'web-1' });
  });

  it('undo after a success goes back to the previous revision, with the steps and gates; a stale undo is ignored and recorded', async () => {
    await deploy('web-1', 'v2');
    expect(await runToTheEnd()).toBe('succeeded');
    expect(await services()).toEqual({ 'web-blue': '0 × web:1', 'web-green': '2 × web:2' });
    expect(await weights()).toEqual([0, 100]);
    await t.events();

    minutesLater(5);
    expect(await redeployCommand({ kind: 'undo', app: 'web', automation: rt.automation }, cli.deps)).toBe(0);
    const id = cli.lines.at(-1) ?? '';
    await deliverRequests();
    expect(await runToTheEnd()).toBe('succeeded');

    expect(await current()).toMatchObject({
      id,
      undoOf: 'web-1',
      from: 'green',
      to: 'blue',
      taskDefinition: expect.stringMatching(/web:1$/),
    });
    expect(await services()).toEqual({ 'web-blue': '2 × web:1', 'web-green': '0 × web:2' });
    expect(await weights()).toEqual([100, 0]);
    const types = (await t.events()).map((e) => e['detail-type']);
    expect(types).toEqual(['Deployment Started', 'Deployment Step Completed', 'Deployment Succeeded']);

    // A pipeline's late undo of web-1 (no longer the last deployment) changes nothing.
    minutesLater(1);
    await cli.deps.bus.publish([
      { detailType: 'Deployment Undo Requested', detail: { app: 'web', id: 'web-1', newId: 'web-late', by: 'ci' }, time: t.clock.now() },
    ]);
    await deliverRequests();
    expect(await services()).toEqual({ 'web-blue': '2 × web:1', 'web-green': '0 × web:2' });
    expect((await current())?.requests?.at(-1)).toMatchObject({
      kind: 'undo',
      requestId: 'web-late',
      outcome: 'ignored',
      reason: expect.stringMatching(/for deployment web-1, not /),
    });
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Deployment Request Ignored']);
    expect(await rt.rejections.get('web', 'web-late')).toBeDefined();
  });

  describe('deploy --dry-run', () => {
    function dryRunDeps(): DryRunDeps & { out: string[]; err: string[] } {
      const out: string[] = [];
      const err: string[] = [];
      return {
        out,
        err,
        ecs: t.ecs,
        elb: rt.elb,
        cloudWatch: rt.cloudWatch,
        events: createAwsClients({
          endpoint: t.world.endpoint,
          region: EMULATOR_REGION,
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        }).events,
        busName: t.world.busName,
        store: rt.deployments,
        io: { out: (line) => out.push(line), err: (line) => err.push(line) },
      };
    }

    const problemsOf = (out: string[]) => JSON.parse(out.join('\n')).checks.filter((c: { status: string }) => c.status === 'problem');

    it('finds nothing wrong in a ready app, with the revision allowed, and prints the steps, gates and timings', async () => {
      const deps = dryRunDeps();
      const code = await dryRunCommand(app, { images: { app: 'public.ecr.aws/example/web:v2' } }, deps);
      expect(deps.err).toEqual([]);
      expect(code).toBe(0);
      expect(deps.out).toContain('  steps     1. 100%, baked for 2m');
      expect(
        deps.out.some((line) =>
          /ok +listener +forwards all the traffic to blue \(web-blue\); green \(web-green\) would get the new version/.test(line),
        ),
      ).toBe(true);
      expect(deps.out.at(-1)).toBe('web: no problem found; nothing was requested or changed');
    });

    it('finds a split listener, an alarm in ALARM and a missing target group, exits 1 listing them, and changes nothing', async () => {
      const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }));
      const split = [
        {
          Type: 'forward' as const,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: app.colours.blue.targetGroup, Weight: 50 },
              { TargetGroupArn: app.colours.green.targetGroup, Weight: 50 },
            ],
          },
        },
      ];
      expect(Listeners[0]?.DefaultActions).toBeDefined();
      await rt.elb.send(new ModifyListenerCommand({ ListenerArn: app.listener, DefaultActions: split }));
      await setAlarm('ALARM');
      const before = { services: await services(), weights: await weights(), revisions: await revisions() };
      await t.events();

      const deps = dryRunDeps();
      expect(await dryRunCommand(app, { json: true }, deps)).toBe(1);
      expect(problemsOf(deps.out)).toEqual([
        expect.objectContaining({ name: 'listener', detail: expect.stringMatching(/splits the traffic \(blue 50, green 50\)/) }),
        expect.objectContaining({ name: 'alarm web-5xx', detail: expect.stringMatching(/is in ALARM/) }),
      ]);
      expect(JSON.parse(deps.out.join('\n'))).toMatchObject({ type: 'dry-run', app: 'web', ok: false, plan: { strategy: 'all-at-once' } });

      const missing = `${app.colours.green.targetGroup.replace(/targetgroup\/[^/]+\//, 'targetgroup/web-gone/')}`;
      const gone = {
        ...app,
        colours: { ...app.colours, green: { ...app.colours.green, targetGroup: missing } },
        routes: app.routes.map((route) => ({ ...route, targetGroups: { ...route.targetGroups, green: missing } })),
      };
      const text = dryRunDeps();
      expect(await dryRunCommand(gone, {}, text)).toBe(1);
      expect(text.err[0]).toBe('web: 3 problems found; nothing was requested or changed:');
      expect(text.err.some((line) => /^ {2}target group green: .*web-gone.*TargetGroupNotFound/.test(line))).toBe(true);

      expect({ services: await services(), weights: await weights(), revisions: await revisions() }).toEqual(before);
      expect(await t.events()).toEqual([]);
      expect(await current()).toBeUndefined();
    });
  });
});
