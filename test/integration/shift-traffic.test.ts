/**
 * shift-traffic end to end against moto: the real handler, fed the events AWS and the CLI would send
 * (Deployment Requested on our bus, CloudWatch Alarm State Change, the watchdog tick every minute), on a
 * test clock. Assertions read the emulated AWS back: the listener's weights after every tick, the
 * services' task definitions and counts, the BLUE_GREEN locks, the bus, and `deploy --wait`'s exit code.
 *
 * moto's gaps are bridged in the open (sandbox/moto_ecs_bridge.py): it invents the ELB ARNs (seedApps
 * returns the automation with them), it starts no tasks (the bridge registers one healthy target per
 * desired task) and it completes a service's rollout at once.
 */
import { PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { deployCommand } from '../../cli/deploy.ts';
import { scaleService } from '../../functions/scale-service.ts';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { emulatorScalingRuntime, emulatorShiftRuntime, seedApps, setTargetHealth } from '../../sandbox/seed.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { forwardOf } from '../../shared/blue-green/forward.ts';
import type { AppSpec, Deployment } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { EventBus } from '../../shared/events/bus.ts';
import { InvocationCrashed, installFaults, invoke } from '../helpers/faults.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const CLUSTER = 'shop';

const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      strategy: { canary: { percent: 10, bake: '5m' } },
      gates: {
        alarms: ['web-5xx'],
        minHealthyTargets: 2,
        // moto evaluates no metric math: the expression is the one metric's id.
        metrics: { errors: { expression: 'errors', metrics: { errors: { metric: 'HTTPCode_Target_5XX_Count' } }, max: 5 } },
      },
      bakeTime: '10m',
      rollbackWindow: '15m',
    },
  },
  // The live colour also follows a scaling schedule, which must wait while a deployment runs.
  services: {
    'web-blue': {
      cluster: CLUSTER,
      scaling: { timezone: 'UTC', periods: { peak: { days: 'MON-SUN', from: '10:03', to: '23:00', desired: 4 } } },
    },
  },
};

/** Monday 2026-11-23, 10:00 UTC. */
const START = new Date('2026-11-23T10:00:00Z');
const IMAGE = { app: 'public.ecr.aws/example/web:v2' };

describe('shift-traffic against moto', () => {
  const t = useEmulatorWorld(config, START);
  let rt: ShiftRuntime;
  let app: AppSpec;
  let requests = 0;

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation, { stickinessSeconds: 600 });
    rt = emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog);
    app = seeded.automation.apps.web as AppSpec;
  });

  /** What `ecs-autopilot deploy` puts on the bus, as the request rule delivers it. */
  function requestEvent(detail: Record<string, unknown>) {
    requests += 1;
    return {
      version: '0',
      id: `event-${requests}`,
      source: 'ecs-autopilot',
      'detail-type': 'Deployment Requested',
      account: '123456789012',
      region: EMULATOR_REGION,
      time: t.clock.now().toISOString(),
      resources: [],
      detail: { app: 'web', requestedBy: 'ci', ...detail },
    };
  }

  function alarmEvent(alarmName: string, value: string) {
    return {
      version: '0',
      id: `alarm-${alarmName}-${value}`,
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      account: '123456789012',
      region: EMULATOR_REGION,
      time: t.clock.now().toISOString(),
      resources: [`arn:aws:cloudwatch:${EMULATOR_REGION}:123456789012:alarm:${alarmName}`],
      detail: {
        alarmName,
        state: {
          value,
          reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).',
          timestamp: t.clock.now().toISOString(),
        },
        previousState: { value: 'OK' },
      },
    };
  }

  /** The listener's weights by colour, read from moto. */
  async function weights(): Promise<Record<'blue' | 'green', number>> {
    const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }));
    const groups = forwardOf(Listeners[0]?.DefaultActions ?? []).targetGroups;
    const weightOf = (arn: string) => groups.find((g) => g.arn === arn)?.weight ?? 0;
    return { blue: weightOf(app.colours.blue.targetGroup), green: weightOf(app.colours.green.targetGroup) };
  }

  async function service(name: string) {
    const { services = [] } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }));
    return { desiredCount: services[0]?.desiredCount, taskDefinition: services[0]?.taskDefinition };
  }

  const current = async (): Promise<Deployment | undefined> => rt.deployments.get('web');

  /** The watchdog fires every minute: tick until the deployment is final (or `minutes` pass), noting each new split. */
  async function tickUntilFinal(minutes: number, onTick?: (minute: number) => Promise<void>) {
    const seen: string[] = [];
    for (let minute = 1; minute <= minutes; minute++) {
      t.clock.advanceTo(new Date(t.clock.now().getTime() + 60_000));
      await onTick?.(minute);
      await shiftTraffic({ tick: true }, rt);
      const w = await weights();
      const split = `${w.blue}/${w.green}`;
      if (seen.at(-1) !== split) seen.push(split);
      const stage = (await current())?.stage;
      if (stage === 'succeeded' || stage === 'rolled-back' || stage === 'failed') break;
    }
    return seen;
  }

  it('completes a canary: the weights on the listener go 100/0 → 90/10 → 0/100 as configured, then blue scales to 0', async () => {
    expect(await weights()).toEqual({ blue: 100, green: 0 });
    await shiftTraffic(requestEvent({ id: 'web-1', images: IMAGE }), rt);
    // One invocation: inspected, green updated with blue's count, ready at once (moto), first step read back.
    expect(await weights()).toEqual({ blue: 90, green: 10 });
    expect(await service('web-green')).toMatchObject({ desiredCount: 2, taskDefinition: expect.stringMatching(/task-definition\/web:2$/) });
    expect((await current())?.stage).toBe('paused');

    const splits = await tickUntilFinal(60);
    expect(splits).toEqual(['90/10', '0/100']);
    const done = await current();
    expect(done).toMatchObject({ stage: 'succeeded', from: 'blue', to: 'green', newPercent: 100 });
    expect(done?.weights.map((w) => [w.newPercent, w.why])).toEqual([
      [10, 'step 1 of 2'],
      [100, 'step 2 of 2'],
    ]);
    // The canary's 5m pause, the 10m bake and the 15m rollback window, each ended by the tick at its end.
    expect(new Date(done?.outcome?.at ?? '').getTime() - START.getTime()).toBe(30 * 60_000);
    expect(await service('web-blue')).toMatchObject({ desiredCount: 0 });
    expect(await service('web-green')).toMatchObject({ desiredCount: 2 });
    // Stickiness was kept on every change.
    const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }));
    expect(Listeners[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({ Enabled: true, DurationSeconds: 600 });
    const events = await t.events();
    expect(events.map((e) => e['detail-type'])).toEqual([
      'Deployment Started',
      'Deployment Step Completed',
      'Deployment Step Completed',
      'Deployment Succeeded',
    ]);
    // Each names the decision it reports: published again after a crash, it has the same id.
    expect(events.map((e) => e.detail.eventId)).toEqual(['web-1:started', 'web-1:step:1', 'web-1:step:2', 'web-1:succeeded']);
  });

  it('rolls back at once when a gate alarm enters ALARM during the canary: original split restored, green scaled down, one alert event', async () => {
    await shiftTraffic(requestEvent({ id: 'web-2', images: IMAGE }), rt);
    expect(await weights()).toEqual({ blue: 90, green: 10 });
    t.clock.advanceTo(new Date(START.getTime() + 2 * 60_000));
    await rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }));
    await shiftTraffic(alarmEvent('web-5xx', 'ALARM'), rt);

    expect(await weights()).toEqual({ blue: 100, green: 0 });
    // Green is back as it was before the deployment: no tasks, its previous revision (not the rolled-back one).
    expect(await service('web-green')).toMatchObject({ desiredCount: 0, taskDefinition: expect.stringMatching(/task-definition\/web:1$/) });
    expect(await service('web-blue')).toMatchObject({ desiredCount: 2 });
    const done = await current();
    expect(done?.outcome).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/^alarm web-5xx entered ALARM/) });
    expect(done?.weights.map((w) => w.newPercent)).toEqual([10, 0]);
    const rolledBack = (await t.events()).filter((e) => e['detail-type'] === 'Deployment Rolled Back');
    expect(rolledBack).toHaveLength(1);
    expect(rolledBack[0]?.detail.alert).toMatchObject({ subject: { kind: 'app', name: 'web' }, category: 'deployment-rolled-back' });
  });

  it('ignores an alarm state change from another account or region that has the gate alarm’s name (issue 12)', async () => {
    const home = { ...rt, account: '123456789012', region: EMULATOR_REGION };
    await shiftTraffic(requestEvent({ id: 'web-2', images: IMAGE }), home);
    t.clock.advanceTo(new Date(START.getTime() + 2 * 60_000));

    const elsewhere = [
      { ...alarmEvent('web-5xx', 'ALARM'), account: '999988887777' },
      { ...alarmEvent('web-5xx', 'ALARM'), region: 'ap-south-1' },
    ];
    for (const event of elsewhere) expect(await shiftTraffic(event, home)).toEqual([]);

    expect(await weights()).toEqual({ blue: 90, green: 10 });
    expect((await current())?.outcome).toBeUndefined();
    expect((await t.events()).filter((e) => e['detail-type'] === 'Deployment Rolled Back')).toEqual([]);
  });

  it('does not start while a gate alarm is already in ALARM, and changes nothing', async () => {
    await rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }));
    await shiftTraffic(requestEvent({ id: 'web-3', images: IMAGE }), rt);
    expect((await current())?.outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/already in ALARM/) });
    expect(await weights()).toEqual({ blue: 100, green: 0 });
    expect(await service('web-green')).toMatchObject({ desiredCount: 0 });
  });

  it('resumes after a crash between two steps: the next tick applies what was decided and carries on', async () => {
    await shiftTraffic(requestEvent({ id: 'web-4', images: IMAGE }), rt);
    t.clock.advanceTo(new Date(START.getTime() + 5 * 60_000 + 30_000));
    // The Lambda dies right after deciding the 100% step: the decision and its outbox are saved, the weights unchanged.
    rt.elb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ModifyListenerCommand') throw new Error('Runtime exited with error: signal: killed');
        return next(args);
      },
      { step: 'initialize', name: 'crashOnModify' },
    );
    await expect(shiftTraffic({ tick: true }, rt)).rejects.toThrow('signal: killed');
    rt.elb.middlewareStack.remove('crashOnModify');
    const stuck = await current();
    expect(stuck).toMatchObject({ stage: 'shifting', outbox: [{ kind: 'set-weights' }] });
    expect(await weights()).toEqual({ blue: 90, green: 10 });

    t.clock.advanceTo(new Date(t.clock.now().getTime() + 60_000));
    await shiftTraffic({ tick: true }, rt);
    expect(await weights()).toEqual({ blue: 0, green: 100 });
    expect(await current()).toMatchObject({ stage: 'baking', outbox: [] });
  });

  it('rejects a second request while one runs, naming it; the first carries on', async () => {
    await shiftTraffic(requestEvent({ id: 'web-5', images: IMAGE }), rt);
    const [second] = await shiftTraffic(requestEvent({ id: 'web-6', images: { app: 'public.ecr.aws/example/web:v3' } }), rt);
    expect(second?.rejected).toMatch(/^deployment web-5 of web is paused .*one deployment runs at a time/);
    expect(await rt.rejections.get('web', 'web-6')).toMatchObject({ reason: second?.rejected });
    expect((await current())?.id).toBe('web-5');
    const rejected = (await t.events()).filter((e) => e['detail-type'] === 'Deployment Rejected');
    expect(rejected.map((e) => e.detail)).toEqual([expect.objectContaining({ deploymentId: 'web-6', activeDeploymentId: 'web-5' })]);
  });

  describe('a deployment may only use what the app allows (issue 12)', () => {
    const REPORT_ROLE = 'arn:aws:iam::123456789012:role/report-task';

    /** A revision of `family` whose task role is another team's. */
    async function registerWithReportRole(family: string): Promise<string> {
      const { taskDefinition } = await t.ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          taskRoleArn: REPORT_ROLE,
          containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/example/report:1', essential: true, memory: 512 }],
        }),
      );
      return taskDefinition?.taskDefinitionArn ?? '';
    }

    /** What both colours run and the listener splits, read from moto. */
    const untouched = async () => ({ weights: await weights(), blue: await service('web-blue'), green: await service('web-green') });

    it("rejects another team's task definition (report:1, with its task role) at once; the services and the listener stay as they were", async () => {
      await registerWithReportRole('report');
      const before = await untouched();

      const [result] = await shiftTraffic(requestEvent({ id: 'web-report', taskDefinition: 'report:1' }), rt);

      const reason = "task definition report:1 is not one of the app's: apps.web allows the families web (allowedFamilies)";
      expect(result?.rejected).toBe(reason);
      expect(await rt.rejections.get('web', 'web-report')).toMatchObject({ reason });
      const events = await t.events();
      expect(events.map((e) => e['detail-type'])).toEqual(['Deployment Rejected']);
      expect(events[0]?.detail).toMatchObject({ app: 'web', deploymentId: 'web-report', reason });
      expect(await current()).toBeUndefined();
      expect(await untouched()).toEqual(before);
    });

    it("fails, changing nothing, a revision of the app's family that carries a role the app does not name", async () => {
      const arn = await registerWithReportRole('web');
      const before = await untouched();

      await shiftTraffic(requestEvent({ id: 'web-role', taskDefinition: arn }), rt);

      expect((await current())?.outcome).toMatchObject({
        status: 'failed',
        reason: `task definition web:2 has the task role ${REPORT_ROLE}: apps.web allows the roles none (taskRoles); nothing was changed`,
      });
      expect(await untouched()).toEqual(before);
    });

    it('registers no revision from images when the live one carries a role the app does not name: failed, the new colour as it was', async () => {
      const arn = await registerWithReportRole('web');
      await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web-blue', taskDefinition: arn }));
      const before = await untouched();

      await shiftTraffic(requestEvent({ id: 'web-base', images: IMAGE }), rt);

      expect((await current())?.outcome).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(
          /^the revision of web:2 with images app=.* has the task role .*report-task: .*nothing was registered or changed$/,
        ),
      });
      expect(await taskDefinitionsOf('web')).toEqual(['web:1', 'web:2']);
      expect(await untouched()).toEqual(before);
      // Ended before anything changed: the services' lock is released, scaling goes on.
      expect(await rt.locks.inProgress(CLUSTER, 'web-green', t.clock.now())).toBeUndefined();
    });
  });

  it('holds the services while it runs: scheduled scaling of the live service is deferred, then applies after', async () => {
    const scaling = emulatorScalingRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
    await shiftTraffic(requestEvent({ id: 'web-7', images: IMAGE }), rt);
    t.clock.advanceTo(new Date(START.getTime() + 3 * 60_000 + 4_000));
    expect(await scaleService({ service: 'web-blue' }, scaling)).toMatchObject({ outcome: 'deferred' });
    expect(await service('web-blue')).toMatchObject({ desiredCount: 2 });
    await shiftTraffic(
      {
        version: '0',
        id: 'abort-1',
        source: 'ecs-autopilot',
        'detail-type': 'Deployment Abort Requested',
        detail: { app: 'web', by: 'ana' },
      },
      rt,
    );
    expect((await current())?.outcome).toMatchObject({ status: 'rolled-back', reason: 'aborted by ana' });
    expect(await scaleService({ service: 'web-blue' }, scaling)).toMatchObject({ outcome: 'scaled' });
    expect(await service('web-blue')).toMatchObject({ desiredCount: 4 });
  });

  /** What `ecs-autopilot promote` / `abort` put on the bus (`detail.id`: the deployment; `step`: the pause, 1-based), as the rule delivers it. */
  function operatorEvent(detailType: 'Deployment Promotion Requested' | 'Deployment Abort Requested', eventId: string, detail: object) {
    return {
      version: '0',
      id: eventId,
      source: 'ecs-autopilot',
      'detail-type': detailType,
      account: '123456789012',
      region: EMULATOR_REGION,
      time: t.clock.now().toISOString(),
      resources: [],
      detail: { app: 'web', ...detail },
    };
  }
  const promoteEvent = (eventId: string, detail: object) => operatorEvent('Deployment Promotion Requested', eventId, detail);
  const abortEvent = (eventId: string, detail: object) => operatorEvent('Deployment Abort Requested', eventId, detail);

  /** Ticks (one a minute) until the deployment reaches `stage`. */
  async function tickUntilStage(stage: string, minutes = 30) {
    for (let minute = 1; minute <= minutes && (await current())?.stage !== stage; minute++) {
      t.clock.advanceTo(new Date(t.clock.now().getTime() + 60_000));
      await shiftTraffic({ tick: true }, rt);
    }
    expect((await current())?.stage).toBe(stage);
  }

  const taskDefinitionsOf = async (family: string) =>
    ((await t.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns ?? []).map((arn) =>
      arn.split('/').pop(),
    );

  describe('promote and abort name the deployment (and the step) they are for', () => {
    it('the same promote delivered twice does not skip the next pause; a promote for a step already passed is ignored and recorded', async () => {
      await shiftTraffic(requestEvent({ id: 'web-p', images: IMAGE }), rt);
      const promote = promoteEvent('promote-1', { id: 'web-p', step: 1, by: 'ana' });
      await shiftTraffic(promote, rt);
      expect(await weights()).toEqual({ blue: 0, green: 100 });
      expect((await current())?.stage).toBe('baking');

      // EventBridge delivers the same event again: it was taken once.
      await shiftTraffic(promote, rt);
      expect((await current())?.stage).toBe('baking');
      // Ana runs promote again, for the step she saw.
      await shiftTraffic(promoteEvent('promote-2', { id: 'web-p', step: 1, by: 'ana' }), rt);
      const after = await current();
      expect(after?.stage).toBe('baking');
      expect(after?.requests).toEqual([
        expect.objectContaining({ kind: 'promote', requestId: 'promote-1', step: 1, by: 'ana', outcome: 'taken' }),
        expect.objectContaining({
          kind: 'promote',
          requestId: 'promote-2',
          outcome: 'ignored',
          reason: expect.stringMatching(/^step 1 is already passed/),
        }),
      ]);
      const ignored = (await t.events()).filter((e) => e['detail-type'] === 'Deployment Request Ignored');
      expect(ignored.map((e) => e.detail)).toEqual([
        expect.objectContaining({
          deploymentId: 'web-p',
          eventId: 'web-p:ignored:promote-2',
          request: expect.objectContaining({ kind: 'promote' }),
        }),
      ]);
    });

    it('a late abort meant for an earlier deployment leaves the next one alone, ignored and recorded', async () => {
      await shiftTraffic(requestEvent({ id: 'web-a', images: IMAGE }), rt);
      await shiftTraffic(abortEvent('abort-1', { id: 'web-a', by: 'ana' }), rt);
      expect((await current())?.stage).toBe('rolled-back');
      await shiftTraffic(requestEvent({ id: 'web-b', images: { app: 'public.ecr.aws/example/web:v3' } }), rt);
      expect(await weights()).toEqual({ blue: 90, green: 10 });

      // The pipeline that aborted web-a retries its request, late.
      await shiftTraffic(abortEvent('abort-2', { id: 'web-a', by: 'ana' }), rt);

      expect(await weights()).toEqual({ blue: 90, green: 10 });
      const after = await current();
      expect(after).toMatchObject({ id: 'web-b', stage: 'paused' });
      expect(after?.requests).toEqual([
        expect.objectContaining({
          kind: 'abort',
          deploymentId: 'web-a',
          outcome: 'ignored',
          reason: expect.stringMatching(/web-a, not web-b/),
        }),
      ]);
      expect((await t.events()).filter((e) => e['detail-type'] === 'Deployment Request Ignored')).toHaveLength(1);
    });

    it('a promote without a deployment id (an older pipeline) is taken for the current pause, once', async () => {
      await shiftTraffic(requestEvent({ id: 'web-o', images: IMAGE }), rt);
      const promote = promoteEvent('promote-old', { by: 'old-pipeline' });
      await shiftTraffic(promote, rt);
      expect((await current())?.stage).toBe('baking');
      await shiftTraffic(promote, rt);
      const after = await current();
      expect(after?.stage).toBe('baking');
      expect(after?.requests).toEqual([
        expect.objectContaining({ requestId: 'promote-old', outcome: 'taken', reason: expect.stringMatching(/named no deployment/) }),
      ]);
    });
  });

  describe('what an operator can trust', () => {
    const faults = installFaults();
    afterAll(() => faults.uninstall());

    it('a crash right after UpdateService, then a tick: one revision, one rollout, Deployment Started once', async () => {
      const crashed = await invoke(
        () => shiftTraffic(requestEvent({ id: 'web-c', images: IMAGE }), rt),
        [{ kind: 'crash-after', at: { command: 'UpdateService' } }],
      );
      expect(crashed.error).toBeInstanceOf(InvocationCrashed);
      const { services: before = [] } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web-green'] }));

      t.clock.advanceTo(new Date(t.clock.now().getTime() + 60_000));
      await shiftTraffic({ tick: true }, rt);

      expect(await taskDefinitionsOf('web')).toEqual(['web:1', 'web:2']);
      const { services: after = [] } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web-green'] }));
      expect(after[0]?.taskDefinition).toMatch(/task-definition\/web:2$/);
      expect(after[0]?.deployments?.map((d) => d.id)).toEqual(before[0]?.deployments?.map((d) => d.id));
      expect(await weights()).toEqual({ blue: 90, green: 10 });
      const started = (await t.events()).filter((e) => e['detail-type'] === 'Deployment Started');
      expect(started.map((e) => e.detail.eventId)).toEqual(['web-c:started']);
    });

    it('the same request delivered again while the first delivery is still applying it is left to that one: one revision, one rollout', async () => {
      const request = requestEvent({ id: 'web-d', images: IMAGE });
      let second: Promise<unknown> | undefined;
      // The second delivery runs to its end while the first waits at its RegisterTaskDefinition.
      rt.ecs.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'RegisterTaskDefinitionCommand' && !second) {
            second = shiftTraffic(request, rt);
            await second;
          }
          return next(args);
        },
        { step: 'initialize', name: 'secondDeliveryMeanwhile' },
      );
      await shiftTraffic(request, rt);
      rt.ecs.middlewareStack.remove('secondDeliveryMeanwhile');

      expect(second).toBeDefined();
      expect(await taskDefinitionsOf('web')).toEqual(['web:1', 'web:2']);
      expect(await service('web-green')).toMatchObject({ taskDefinition: expect.stringMatching(/task-definition\/web:2$/) });
      expect(await current()).toMatchObject({ id: 'web-d', stage: 'paused', outbox: [] });
      expect(await weights()).toEqual({ blue: 90, green: 10 });
    });

    it('a new colour that ECS rolled back by itself (its event lost) gets no traffic: the deployment fails', async () => {
      // The first readiness check is throttled: the invocation fails and is retried by the next tick.
      const first = await invoke(
        () => shiftTraffic(requestEvent({ id: 'web-r', images: IMAGE }), rt),
        [{ kind: 'fail', at: { command: 'DescribeServices', occurrence: 2 } }],
      );
      expect(first.error).toBeDefined();
      // Meanwhile ECS's circuit breaker puts web-green back on web:1; the event saying so never arrives.
      await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web-green', taskDefinition: 'web:1' }));

      expect(await tickUntilFinal(20)).toEqual(['100/0']);
      expect((await current())?.outcome).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/^web-green runs web:1, not web:2 \(ECS rolled it back/),
      });
      expect(await service('web-green')).toMatchObject({ desiredCount: 0 });
    });

    it('a new colour that rolls back by itself during a pause rolls the deployment back', async () => {
      await shiftTraffic(requestEvent({ id: 'web-s', images: IMAGE }), rt);
      expect(await weights()).toEqual({ blue: 90, green: 10 });
      await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web-green', taskDefinition: 'web:1' }));

      expect(await tickUntilFinal(20)).toEqual(['100/0']);
      const done = await current();
      expect(done?.outcome).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/^web-green runs web:1, not web:2/) });
      // Rolled back at the first tick, not at the end of the pause.
      expect(new Date(done?.outcome?.at ?? '').getTime() - START.getTime()).toBe(60_000);
    });

    it('a person who puts the listener back to 100/0 during a pause is never overwritten: the deployment stops, failed, with an alert', async () => {
      await shiftTraffic(requestEvent({ id: 'web-h', images: IMAGE }), rt);
      const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }));
      const stickiness = Listeners[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroupStickinessConfig;
      await rt.elb.send(
        new ModifyListenerCommand({
          ListenerArn: app.listener,
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: app.colours.blue.targetGroup, Weight: 100 },
                  { TargetGroupArn: app.colours.green.targetGroup, Weight: 0 },
                ],
                TargetGroupStickinessConfig: stickiness,
              },
            },
          ],
        }),
      );

      expect(await tickUntilFinal(30)).toEqual(['100/0']);
      const done = await current();
      expect(done?.outcome).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining(
          `the default action of listener ${app.listener} was changed outside ecs-autopilot: it sends blue 100% / green 0% where ecs-autopilot had set blue 90% / green 10%`,
        ),
      });
      expect(new Date(done?.outcome?.at ?? '').getTime() - START.getTime()).toBe(60_000);
      // Nothing of what the person left is touched: green keeps its tasks.
      expect(await service('web-green')).toMatchObject({ desiredCount: 2 });
      const failed = (await t.events()).filter((e) => e['detail-type'] === 'Deployment Failed');
      expect(failed.map((e) => e.detail.alert)).toEqual([expect.objectContaining({ category: 'deployment-failed', severity: 'critical' })]);
    });

    describe('the gates are checked at every tick of a step and of the bake', () => {
      const failures: [string, () => Promise<void>, RegExp][] = [
        [
          'no healthy target',
          () => setTargetHealth(t.world, app.colours.green.targetGroup, 'unhealthy'),
          /web-green has no healthy target/,
        ],
        [
          'a gate alarm in ALARM whose event was lost',
          async () => {
            await rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }));
          },
          /alarm web-5xx in ALARM/,
        ],
        [
          'a metric check above its max',
          async () => {
            const dimension = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
            await rt.cloudWatch.send(
              new PutMetricDataCommand({
                Namespace: 'AWS/ApplicationELB',
                MetricData: [
                  {
                    MetricName: 'HTTPCode_Target_5XX_Count',
                    Dimensions: [
                      { Name: 'TargetGroup', Value: dimension(app.colours.green.targetGroup) },
                      { Name: 'LoadBalancer', Value: /:listener\/(app\/[^/]+\/[^/]+)\//.exec(app.listener)?.[1] ?? '' },
                    ],
                    Timestamp: new Date(t.clock.now().getTime() + 30_000),
                    Value: 50,
                  },
                ],
              }),
            );
          },
          /metric check errors: web-green 50 is above its max 5/,
        ],
      ];
      for (const [what, inject, reason] of failures) {
        it(`${what} at 100% rolls back at the next tick, not at the end of the bake`, async () => {
          await shiftTraffic(requestEvent({ id: 'web-g', images: IMAGE }), rt);
          await tickUntilStage('baking');
          const bakingSince = t.clock.now().getTime();
          await inject();

          expect(await tickUntilFinal(20)).toEqual(['100/0']);
          const done = await current();
          expect(done?.outcome).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(reason) });
          expect(new Date(done?.outcome?.at ?? '').getTime() - bakingSince).toBe(60_000);
        });
      }
    });

    it('a request that never shifted anything is failed, not rolled back, with the reason', async () => {
      await setTargetHealth(t.world, app.colours.green.targetGroup, 'unhealthy');
      await shiftTraffic(requestEvent({ id: 'web-n', images: IMAGE }), rt);

      expect(await tickUntilFinal(20)).toEqual(['100/0']);
      expect((await current())?.outcome).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(
          /^web-green was not ready within 900s.*; no traffic had moved: web-green is back to what it ran before$/,
        ),
      });
      expect(await service('web-green')).toMatchObject({ desiredCount: 0 });
      const types = (await t.events()).map((e) => e['detail-type']);
      expect(types).toEqual(['Deployment Started', 'Deployment Failed']);
    });
  });

  describe('deploy --wait', () => {
    /** The CLI against the emulated bus and table; each poll's sleep lets a minute pass and delivers what the rules would. */
    async function deployAndWait(images: Record<string, string>, duringMinute?: (minute: number) => Promise<void>) {
      const lines: string[] = [];
      const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), isTTY: false };
      const clients = createAwsClients({
        endpoint: t.world.endpoint,
        region: EMULATOR_REGION,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      let minute = 0;
      const code = await deployCommand(
        { app: 'web', automation: rt.automation, images, wait: true, timeoutSeconds: 3_600, pollSeconds: 60 },
        {
          bus: new EventBus(clients.events, t.world.busName),
          store: rt.deployments,
          rejections: rt.rejections,
          io,
          now: () => t.clock.now(),
          caller: 'ci',
          sleep: async (ms) => {
            // The request rule delivers what the CLI put on the bus; the watchdog ticks as time passes.
            for (const event of await t.events()) {
              if (event['detail-type'] === 'Deployment Requested') await shiftTraffic(event, rt);
            }
            t.clock.advanceTo(new Date(t.clock.now().getTime() + ms));
            minute += 1;
            await duringMinute?.(minute);
            await shiftTraffic({ tick: true }, rt);
          },
        },
      );
      return { code, lines };
    }

    it('exits 0 when the deployment succeeds, after printing the weights as they changed', async () => {
      const { code, lines } = await deployAndWait(IMAGE);
      expect(code).toBe(0);
      expect(lines.some((line) => /blue 90% \/ green 10%/.test(line))).toBe(true);
      expect(lines.at(-1)).toMatch(/succeeded/);
    });

    it('exits 1 with the reason when an alarm rolls the deployment back', async () => {
      const { code, lines } = await deployAndWait(IMAGE, async (minute) => {
        if (minute !== 3) return;
        await rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }));
        await shiftTraffic(alarmEvent('web-5xx', 'ALARM'), rt);
      });
      expect(code).toBe(1);
      expect(lines.at(-1)).toMatch(/rolled back .*alarm web-5xx entered ALARM/);
    });
  });
});
