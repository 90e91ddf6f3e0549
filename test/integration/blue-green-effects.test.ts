/**
 * The blue/green effects (apply.ts), the deployment store and the BLUE_GREEN lock against moto, with the
 * apps seeded by seedApps. Assertions read the emulated AWS back: listener and rule actions, services,
 * task definitions, target health, alarms, metrics, the state table.
 *
 * moto's gaps, bridged in the open: it invents every ELB ARN (seedApps returns the automation with the
 * ARNs it created), it starts no tasks (the bridge registers one healthy IP target per desired task), and
 * GetMetricData evaluates no metric math: an expression must be exactly one metric id here, so the
 * checks below use `expression: errors`; the arithmetic of real expressions is CloudWatch's to do.
 */
import { PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DeleteListenerCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorClientConfig, setRolloutState } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, type SeededApp, seedApps, setTargetHealth } from '../../sandbox/seed.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { applyAction } from '../../shared/blue-green/apply.ts';
import { forwardOf, liveColourOfRoutes, splitsFor, weightsFor } from '../../shared/blue-green/forward.ts';
import type { AppSpec, Deployment, DeploymentEvent, RouteSpec } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { ServiceLocks } from '../../shared/state/service-locks.ts';
import { StaleWriteError } from '../../shared/state/versioned.ts';
import { callName, installFaults, invoke } from '../helpers/faults.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const HEAD = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const CLUSTER = 'shop';

const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      gates: {
        alarms: ['web-5xx', 'web-latency'],
        metrics: {
          // moto evaluates no metric math: the expression is the one metric's id.
          errors: {
            expression: 'errors',
            metrics: { errors: { metric: 'HTTPCode_Target_5XX_Count' } },
            max: 5,
            baseline: { maxIncrease: 2 },
          },
        },
      },
    },
    // Shifts a rule of another listener of the same load balancer.
    api: {
      listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/9683b2d02a6cabee`,
      rule: `${HEAD}:listener-rule/app/shop/50dc6c495c0c9188/9683b2d02a6cabee/0123456789abcdef`,
      blue: { service: 'api-blue', targetGroup: `${HEAD}:targetgroup/api-blue/1111222233334444` },
      green: { service: 'api-green', targetGroup: `${HEAD}:targetgroup/api-green/5555666677778888` },
    },
  },
};

const START = new Date('2026-11-23T10:00:00Z');

describe('blue/green effects against moto', () => {
  const t = useEmulatorWorld(config, START);
  let rt: ShiftRuntime;
  let seeded: Record<string, SeededApp>;

  beforeEach(async () => {
    // Sticky, as many listeners in front of web apps are: every weight change must keep it.
    const result = await seedApps(t.world, t.automation, { stickinessSeconds: 3600 });
    rt = emulatorShiftRuntime(t.world, result.automation, t.clock, quietLog);
    seeded = result.apps;
  });

  const appOf = (name: string): AppSpec => {
    const app = rt.automation.apps[name];
    if (!app) throw new Error(`no app ${name}`);
    return app;
  };
  const deploymentOf = (app: string, more: Partial<Deployment> = {}): Deployment => ({
    app,
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
    ...more,
  });
  /** Inspects the app, then returns a deployment that remembers the forward action found (as `starting` does). */
  async function inspected(app: string): Promise<{ deployment: Deployment; event: Extract<DeploymentEvent, { kind: 'inspected' }> }> {
    const event = await applyAction({ kind: 'inspect' }, deploymentOf(app), appOf(app), rt);
    if (event?.kind !== 'inspected') throw new Error(`inspect answered ${JSON.stringify(event)}`);
    const spec = appOf(app);
    const original = event.forward[spec.rule ?? spec.listener];
    return { deployment: deploymentOf(app, { from: 'blue', to: 'green', original, originals: event.forward }), event };
  }
  /** register-revision with these images, then update-new-colour to what it answered (as the transition asks). */
  async function deployImages(
    deployment: Deployment,
    event: Extract<DeploymentEvent, { kind: 'inspected' }>,
    images: Record<string, string>,
  ) {
    const registered = await applyAction(
      { kind: 'register-revision', base: event.services.blue.taskDefinition, images },
      deployment,
      appOf('web'),
      rt,
    );
    if (registered?.kind !== 'revision-registered') return registered;
    return applyAction(
      { kind: 'update-new-colour', colour: 'green', taskDefinition: registered.taskDefinition, desiredCount: 2 },
      deployment,
      appOf('web'),
      rt,
    );
  }

  const listenerActions = async (listener: string) =>
    (await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [listener] }))).Listeners?.[0]?.DefaultActions ?? [];
  const ruleActions = async (rule: string) => (await rt.elb.send(new DescribeRulesCommand({ RuleArns: [rule] }))).Rules?.[0]?.Actions ?? [];
  const serviceOf = async (service: string) =>
    (await rt.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [service] }))).services?.[0];
  const healthyTargets = async (targetGroup: string) =>
    ((await rt.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroup }))).TargetHealthDescriptions ?? []).filter(
      (d) => d.TargetHealth?.State === 'healthy',
    ).length;

  describe('inspect', () => {
    it('finds blue live with all the weight, both services and the alarms in ALARM', async () => {
      const web = appOf('web');
      await rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-latency', StateValue: 'ALARM', StateReason: 'p99 above 2s' }));

      const { event } = await inspected('web');

      expect(event.forward[web.listener]?.targetGroups).toEqual([
        { arn: web.colours.blue.targetGroup, weight: 100 },
        { arn: web.colours.green.targetGroup, weight: 0 },
      ]);
      expect(liveColourOfRoutes(event.forward, web)).toEqual({ live: 'blue' });
      expect(event.services).toEqual({
        blue: {
          desiredCount: 2,
          runningCount: 2,
          steady: true,
          taskDefinition: expect.stringMatching(/:task-definition\/web:1$/),
          primaryTaskDefinition: expect.stringMatching(/:task-definition\/web:1$/),
          serviceConnect: false,
        },
        green: {
          desiredCount: 0,
          runningCount: 0,
          steady: true,
          taskDefinition: expect.stringMatching(/:task-definition\/web:1$/),
          primaryTaskDefinition: expect.stringMatching(/:task-definition\/web:1$/),
          serviceConnect: false,
        },
      });
      expect(event.alarmsInAlarm).toEqual(['web-latency']);
    });

    it('fails for good, saying what to do, when the listener is gone', async () => {
      await rt.elb.send(new DeleteListenerCommand({ ListenerArn: seeded.web?.listener }));

      expect(await applyAction({ kind: 'inspect' }, deploymentOf('web'), appOf('web'), rt)).toEqual({
        kind: 'action-failed',
        action: 'inspect',
        error: expect.stringMatching(
          /^reading the forward action of listener .* failed: ListenerNotFound.*; check apps\.web\.listener in automation\.yml/,
        ),
      });
    });

    it('fails for good when a configured alarm does not exist: a gate that cannot fire protects nothing', async () => {
      const app = { ...appOf('web'), gates: { ...appOf('web').gates, alarms: ['web-5xx', 'web-typo'] } };

      expect(await applyAction({ kind: 'inspect' }, deploymentOf('web'), app, rt)).toEqual({
        kind: 'action-failed',
        action: 'inspect',
        error: 'alarm web-typo does not exist in CloudWatch; create it, or remove it from apps.web.gates.alarms in automation.yml',
      });
    });

    it('fails for good when a colour service does not exist', async () => {
      const app = { ...appOf('web'), colours: { ...appOf('web').colours, green: { ...appOf('web').colours.green, service: 'web-gone' } } };

      expect(await applyAction({ kind: 'inspect' }, deploymentOf('web'), app, rt)).toMatchObject({
        kind: 'action-failed',
        error: expect.stringMatching(
          /^ECS service web-gone \(green\) in cluster shop is not active \(MISSING\); check apps\.web\.green\.service/,
        ),
      });
    });
  });

  describe('set-weights and restore-forward', () => {
    it('sets 10/90 on the listener and reads the same weights back', async () => {
      const web = appOf('web');
      const { deployment } = await inspected('web');
      const weights = splitsFor(web, 'blue', 'green', 90);

      expect(
        await applyAction({ kind: 'set-weights', targetGroups: weights, ours: [splitsFor(web, 'blue', 'green', 0)] }, deployment, web, rt),
      ).toEqual({
        kind: 'weights-set',
        expected: weights,
        observed: weights,
      });
      expect(forwardOf(await listenerActions(web.listener)).targetGroups).toEqual([
        { arn: web.colours.blue.targetGroup, weight: 10 },
        { arn: web.colours.green.targetGroup, weight: 90 },
      ]);
    });

    it('keeps the stickiness exactly as it was', async () => {
      const web = appOf('web');
      const { deployment } = await inspected('web');

      await applyAction(
        { kind: 'set-weights', targetGroups: splitsFor(web, 'blue', 'green', 10), ours: [splitsFor(web, 'blue', 'green', 0)] },
        deployment,
        web,
        rt,
      );

      expect((await listenerActions(web.listener))[0]?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({
        Enabled: true,
        DurationSeconds: 3600,
      });
    });

    it('shifts a rule with ModifyRule, leaving the listener default action alone', async () => {
      const api = appOf('api');
      const defaultBefore = await listenerActions(api.listener);
      const { deployment, event } = await inspected('api');
      expect(liveColourOfRoutes(event.forward, api)).toEqual({ live: 'blue' });
      const weights = splitsFor(api, 'blue', 'green', 25);

      expect(
        await applyAction({ kind: 'set-weights', targetGroups: weights, ours: [splitsFor(api, 'blue', 'green', 0)] }, deployment, api, rt),
      ).toMatchObject({ observed: weights });
      expect(forwardOf(await ruleActions(api.rule ?? '')).targetGroups).toEqual(weights[api.rule ?? '']);
      expect(await listenerActions(api.listener)).toEqual(defaultBefore);
    });

    it('puts back the exact original action list', async () => {
      const web = appOf('web');
      const { deployment } = await inspected('web');
      const ours = [splitsFor(web, 'blue', 'green', 0), splitsFor(web, 'blue', 'green', 50)];
      await applyAction({ kind: 'set-weights', targetGroups: splitsFor(web, 'blue', 'green', 50), ours }, deployment, web, rt);

      expect(await applyAction({ kind: 'restore-forward', ours }, deployment, web, rt)).toEqual({
        kind: 'forward-restored',
        observed: { [web.listener]: deployment.original?.targetGroups },
        matches: true,
      });
      expect(JSON.stringify(await listenerActions(web.listener))).toEqual(deployment.original?.raw);
    });

    it('puts back the exact original rule actions', async () => {
      const api = appOf('api');
      const { deployment } = await inspected('api');
      const ours = [splitsFor(api, 'blue', 'green', 0), splitsFor(api, 'blue', 'green', 100)];
      await applyAction({ kind: 'set-weights', targetGroups: splitsFor(api, 'blue', 'green', 100), ours }, deployment, api, rt);

      expect(await applyAction({ kind: 'restore-forward', ours }, deployment, api, rt)).toMatchObject({ matches: true });
      expect(JSON.stringify(await ruleActions(api.rule ?? ''))).toEqual(deployment.original?.raw);
    });

    describe('never over a split someone else made', () => {
      const faults = installFaults();
      afterAll(() => faults.uninstall());

      /** Someone puts the listener at 50/50 by hand. */
      async function splitByHand(web: AppSpec) {
        await rt.elb.send(
          new ModifyListenerCommand({
            ListenerArn: web.listener,
            DefaultActions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: weightsFor(web.routes[0] as RouteSpec, 'blue', 'green', 50).map((tg) => ({
                    TargetGroupArn: tg.arn,
                    Weight: tg.weight,
                  })),
                },
              },
            ],
          }),
        );
        return listenerActions(web.listener);
      }

      it('set-weights answers forward-changed and writes nothing', async () => {
        const web = appOf('web');
        const { deployment } = await inspected('web');
        const byHand = await splitByHand(web);

        const done = await invoke(() =>
          applyAction(
            { kind: 'set-weights', targetGroups: splitsFor(web, 'blue', 'green', 10), ours: [splitsFor(web, 'blue', 'green', 0)] },
            deployment,
            web,
            rt,
          ),
        );

        expect(done.result).toEqual({ kind: 'forward-changed', observed: { [web.listener]: forwardOf(byHand).targetGroups } });
        expect(done.calls.map(callName)).toEqual(['ElasticLoadBalancingV2 DescribeListeners']);
        expect(await listenerActions(web.listener)).toEqual(byHand);
      });

      it('restore-forward answers forward-changed and writes nothing', async () => {
        const web = appOf('web');
        const { deployment } = await inspected('web');
        const byHand = await splitByHand(web);
        const ours = [splitsFor(web, 'blue', 'green', 0), splitsFor(web, 'blue', 'green', 10)];

        expect(await applyAction({ kind: 'restore-forward', ours }, deployment, web, rt)).toEqual({
          kind: 'forward-changed',
          observed: { [web.listener]: forwardOf(byHand).targetGroups },
        });
        expect(await listenerActions(web.listener)).toEqual(byHand);
      });

      it('a replay finds the weights (or the original action) already there and writes nothing', async () => {
        const web = appOf('web');
        const { deployment } = await inspected('web');
        const ours = [splitsFor(web, 'blue', 'green', 0), splitsFor(web, 'blue', 'green', 10)];
        await applyAction({ kind: 'set-weights', targetGroups: splitsFor(web, 'blue', 'green', 10), ours }, deployment, web, rt);

        const again = await invoke(() =>
          applyAction({ kind: 'set-weights', targetGroups: splitsFor(web, 'blue', 'green', 10), ours }, deployment, web, rt),
        );
        expect(again.result).toMatchObject({ kind: 'weights-set' });
        expect(again.calls.map(callName)).toEqual(['ElasticLoadBalancingV2 DescribeListeners']);

        await applyAction({ kind: 'restore-forward', ours }, deployment, web, rt);
        const restoredAgain = await invoke(() => applyAction({ kind: 'restore-forward', ours }, deployment, web, rt));
        expect(restoredAgain.result).toMatchObject({ kind: 'forward-restored', matches: true });
        expect(restoredAgain.calls.map(callName)).toEqual([
          'ElasticLoadBalancingV2 DescribeListeners',
          'ElasticLoadBalancingV2 DescribeListeners',
        ]);
      });
    });
  });

  describe('the new colour', () => {
    it('registers a revision with the new image, tagged with the deployment, updates the service, and its targets come up healthy', async () => {
      const web = appOf('web');
      const { deployment, event } = await inspected('web');

      const updated = await deployImages(deployment, event, { app: 'public.ecr.aws/example/web:v2' });

      expect(updated).toEqual({ kind: 'new-colour-updated', taskDefinition: expect.stringMatching(/:task-definition\/web:2$/) });
      const taskDefinition = updated?.kind === 'new-colour-updated' ? updated.taskDefinition : '';
      const { taskDefinition: registered, tags } = await rt.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] }),
      );
      expect(registered?.containerDefinitions?.map((c) => [c.name, c.image, c.portMappings?.[0]?.containerPort])).toEqual([
        ['app', 'public.ecr.aws/example/web:v2', 80],
      ]);
      expect(registered).toMatchObject({ cpu: '256', memory: '512', networkMode: 'awsvpc' });
      expect(tags).toEqual([{ key: 'ecs-autopilot:deployment', value: 'deploy-1' }]);
      expect(await serviceOf('web-green')).toMatchObject({ taskDefinition, desiredCount: 2 });
      expect(await serviceOf('web-blue')).toMatchObject({ taskDefinition: expect.stringMatching(/web:1$/), desiredCount: 2 });

      expect(await applyAction({ kind: 'check-ready', colour: 'green' }, deployment, web, rt)).toEqual({
        kind: 'ready-checked',
        steady: true,
        health: { healthy: 2, unhealthy: 0 },
        runs: taskDefinition,
        forward: { [web.listener]: event.forward[web.listener]?.targetGroups ?? [] },
      });
    });

    it('registering again for the same deployment (a replay after a crash) finds the revision instead of adding one', async () => {
      const { deployment, event } = await inspected('web');
      const register = { kind: 'register-revision', base: event.services.blue.taskDefinition, images: { app: 'example/web:v2' } } as const;

      const first = await applyAction(register, deployment, appOf('web'), rt);
      const again = await applyAction(register, deployment, appOf('web'), rt);
      const another = await applyAction(register, { ...deployment, id: 'deploy-2' }, appOf('web'), rt);

      expect(first).toEqual({ kind: 'revision-registered', taskDefinition: expect.stringMatching(/:task-definition\/web:2$/) });
      expect(again).toEqual(first);
      expect(another).toEqual({ kind: 'revision-registered', taskDefinition: expect.stringMatching(/:task-definition\/web:3$/) });
    });

    it('reports what the new colour runs: the task definition of its PRIMARY deployment', async () => {
      const web = appOf('web');
      const { deployment, event } = await inspected('web');
      await deployImages(deployment, event, { app: 'example/web:v2' });
      // As ECS's circuit breaker would: the service goes back to the revision it ran.
      await rt.ecs.send(
        new UpdateServiceCommand({ cluster: CLUSTER, service: 'web-green', taskDefinition: event.services.blue.taskDefinition }),
      );

      expect(await applyAction({ kind: 'check-ready', colour: 'green' }, deployment, web, rt)).toMatchObject({
        runs: event.services.blue.taskDefinition,
      });
    });

    it('deploys a given task definition as it is', async () => {
      const web = appOf('web');
      const { deployment, event } = await inspected('web');

      expect(
        await applyAction(
          { kind: 'update-new-colour', colour: 'green', taskDefinition: event.services.blue.taskDefinition, desiredCount: 3 },
          deployment,
          web,
          rt,
        ),
      ).toEqual({ kind: 'new-colour-updated', taskDefinition: event.services.blue.taskDefinition });
      expect(await serviceOf('web-green')).toMatchObject({ desiredCount: 3 });
      expect(await healthyTargets(web.colours.green.targetGroup)).toBe(3);
    });

    it('names the containers when the images name one the task definition does not have', async () => {
      const { deployment, event } = await inspected('web');

      expect(await deployImages(deployment, event, { web: 'example/web:v2' })).toEqual({
        kind: 'action-failed',
        action: 'register-revision',
        error: expect.stringMatching(/^task definition .*web:1 has no container named web \(it has app\); request the deployment again/),
      });
      expect(await serviceOf('web-green')).toMatchObject({ desiredCount: 0 });
    });

    it('reports a rollout still in progress and targets failing their health checks as not ready', async () => {
      const web = appOf('web');
      const { deployment, event } = await inspected('web');
      await deployImages(deployment, event, { app: 'example/web:v2' });
      await setRolloutState(t.emulator, CLUSTER, 'web-green', 'IN_PROGRESS');
      await setTargetHealth(t.world, web.colours.green.targetGroup, 'unhealthy');

      expect(await applyAction({ kind: 'check-ready', colour: 'green' }, deployment, web, rt)).toMatchObject({
        kind: 'ready-checked',
        steady: false,
        health: { healthy: 0, unhealthy: 2 },
      });
    });

    it('scales a colour, its targets following', async () => {
      const web = appOf('web');
      const { deployment } = await inspected('web');

      expect(await applyAction({ kind: 'scale-colour', colour: 'blue', desiredCount: 0 }, deployment, web, rt)).toEqual({
        kind: 'colour-scaled',
        colour: 'blue',
        desiredCount: 0,
      });
      expect(await serviceOf('web-blue')).toMatchObject({ desiredCount: 0 });
      expect(await healthyTargets(web.colours.blue.targetGroup)).toBe(0);
    });
  });

  describe('check-gates', () => {
    async function putErrors(targetGroup: string, values: number[]) {
      const dimension = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
      await rt.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricData: values.map((value, i) => ({
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: [
              { Name: 'TargetGroup', Value: dimension(targetGroup) },
              { Name: 'LoadBalancer', Value: /:listener\/(app\/[^/]+\/[^/]+)\//.exec(appOf('web').listener)?.[1] ?? '' },
            ],
            Timestamp: new Date(START.getTime() - (i + 1) * 60_000),
            Value: value,
          })),
        }),
      );
    }

    it('reports the alarms in ALARM, the target health and each metric over its window, with the live colour as baseline', async () => {
      const web = appOf('web');
      const { deployment, event } = await inspected('web');
      const updated = await deployImages(deployment, event, { app: 'example/web:v2' });
      await putErrors(web.colours.green.targetGroup, [3, 4]);
      await putErrors(web.colours.blue.targetGroup, [1]);
      await rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: '5xx above 10' }));

      expect(await applyAction({ kind: 'check-gates', colour: 'green' }, deployment, web, rt)).toEqual({
        kind: 'gates-checked',
        alarmsInAlarm: ['web-5xx'],
        health: { healthy: 2, unhealthy: 0 },
        metrics: [{ name: 'errors', value: 7, baseline: 1 }],
        runs: updated?.kind === 'new-colour-updated' ? updated.taskDefinition : '',
        forward: { [web.listener]: event.forward[web.listener]?.targetGroups ?? [] },
        // The live colour's count, read in the same call: it sizes the new colour for the next step.
        liveDesiredCount: 2,
      });
    });

    it('reads each metric only since the weight held now was reached, and not before a whole minute at it', async () => {
      const web = appOf('web');
      const { deployment } = await inspected('web');
      // One error a minute for the 5 minutes before START; the weight was reached 2 minutes before START.
      await putErrors(web.colours.green.targetGroup, [1, 1, 1, 1, 1]);
      const since = (seconds: number) => new Date(START.getTime() - seconds * 1000).toISOString();

      const twoMinutes = await applyAction({ kind: 'check-gates', colour: 'green', since: since(120) }, deployment, web, rt);
      expect(twoMinutes).toMatchObject({ metrics: [{ name: 'errors', value: 2, baseline: undefined }] });
      const justNow = await applyAction({ kind: 'check-gates', colour: 'green', since: since(30) }, deployment, web, rt);
      expect(justNow).toMatchObject({ metrics: [{ name: 'errors', value: undefined, evaluated: false }] });
    });

    it('reports no value when the window had no data', async () => {
      const web = appOf('web');
      const { deployment } = await inspected('web');
      // Outside the 5-minute window.
      await rt.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricData: [{ MetricName: 'HTTPCode_Target_5XX_Count', Timestamp: new Date(START.getTime() - 600_000), Value: 50 }],
        }),
      );

      expect(await applyAction({ kind: 'check-gates', colour: 'green' }, deployment, web, rt)).toMatchObject({
        alarmsInAlarm: [],
        health: { healthy: 0, unhealthy: 0 },
        metrics: [{ name: 'errors', value: undefined, baseline: undefined }],
      });
    });
  });

  describe('the BLUE_GREEN lock and publishing', () => {
    it('holds both services as in-progress until released', async () => {
      const web = appOf('web');
      const deployment = deploymentOf('web');
      const locks = new ServiceLocks(createAwsClients(emulatorClientConfig(t.world.endpoint)).dynamo, t.world.tableName);
      const expiresAt = new Date(START.getTime() + 3_600_000).toISOString();

      expect(await applyAction({ kind: 'lock-services', status: 'in-progress', expiresAt }, deployment, web, rt)).toBeUndefined();

      for (const service of ['web-blue', 'web-green']) {
        expect(await locks.inProgress(CLUSTER, service, START)).toBe(
          `an ecs-autopilot blue/green deployment deploy-1 is in progress since ${START.toISOString()}, at the latest until ${expiresAt}`,
        );
      }
      expect(await locks.inProgress(CLUSTER, 'web-blue', new Date(expiresAt))).toBeUndefined();

      // A late release by another deployment leaves the lock alone.
      await applyAction({ kind: 'lock-services', status: 'released' }, deploymentOf('web', { id: 'deploy-0' }), web, rt);
      expect(await locks.inProgress(CLUSTER, 'web-blue', START)).toBeDefined();

      await applyAction({ kind: 'lock-services', status: 'released' }, deployment, web, rt);
      expect(await locks.inProgress(CLUSTER, 'web-blue', START)).toBeUndefined();
      expect(await locks.inProgress(CLUSTER, 'web-green', START)).toBeUndefined();
    });

    it("publishes on the bus, with the event's id", async () => {
      await applyAction(
        { kind: 'publish', detailType: 'Deployment Started', detail: { app: 'web', deploymentId: 'deploy-1' }, id: 'deploy-1:started' },
        deploymentOf('web'),
        appOf('web'),
        rt,
      );

      expect(await t.events()).toMatchObject([
        { 'detail-type': 'Deployment Started', detail: { app: 'web', deploymentId: 'deploy-1', eventId: 'deploy-1:started' } },
      ]);
    });
  });

  describe('the deployment store', () => {
    it('creates one active deployment per app and refuses a second while it runs', async () => {
      const first = deploymentOf('web');

      expect(await rt.deployments.create(first, undefined)).toEqual({ created: true, deployment: { ...first, version: 1 } });
      expect(await rt.deployments.create(deploymentOf('web', { id: 'deploy-2' }), undefined)).toEqual({
        created: false,
        active: { ...first, version: 1 },
      });
      expect(await rt.deployments.get('web')).toEqual({ ...first, version: 1 });
      expect(await rt.deployments.get('api')).toBeUndefined();
    });

    it('saves the next version and detects a stale one', async () => {
      await rt.deployments.create(deploymentOf('web'), undefined);
      const read = (await rt.deployments.get('web')) as Deployment;

      const saved = await rt.deployments.save({ ...read, stage: 'deploying' });

      expect(saved).toMatchObject({ version: 2, stage: 'deploying' });
      expect(await rt.deployments.get('web')).toEqual(saved);
      await expect(rt.deployments.save({ ...read, stage: 'failed' })).rejects.toBeInstanceOf(StaleWriteError);
      expect(await rt.deployments.get('web')).toEqual(saved);
    });

    it('keeps final deployments as history, newest first, and lets a new one start after a final one', async () => {
      const finish = async (id: string, requestedAt: string, status: 'succeeded' | 'rolled-back') => {
        const created = await rt.deployments.create(deploymentOf('web', { id, requestedAt }), await rt.deployments.get('web'));
        if (!created.created) throw new Error(`${id} not created`);
        return rt.deployments.save({ ...created.deployment, stage: status, outcome: { status, reason: 'done', at: requestedAt } });
      };
      const first = await finish('deploy-1', '2026-11-23T10:00:00.000Z', 'succeeded');
      const second = await finish('deploy-2', '2026-11-23T11:00:00.000Z', 'rolled-back');
      // Saving a final deployment again (a retried outbox) does not duplicate it.
      await rt.deployments.save(second);

      expect(await rt.deployments.history('web', 10)).toEqual([{ ...second, version: 3 }, first]);
      expect(await rt.deployments.history('web', 1)).toEqual([{ ...second, version: 3 }]);
      expect(await rt.deployments.get('web')).toEqual({ ...second, version: 3 });
    });

    it('starts a new deployment only over the one it read: decided on an older read, it is stale (issue 12)', async () => {
      const created = await rt.deployments.create(deploymentOf('web', { id: 'deploy-1' }), undefined);
      if (!created.created) throw new Error('deploy-1 not created');
      const ended = await rt.deployments.save({
        ...created.deployment,
        stage: 'succeeded',
        outcome: { status: 'succeeded', reason: 'done', at: '2026-11-23T10:30:00.000Z' },
      });

      // Decided on an empty table, or on deploy-1 before it ended: another delivery wrote since.
      await expect(rt.deployments.create(deploymentOf('web', { id: 'deploy-1' }), undefined)).rejects.toBeInstanceOf(StaleWriteError);
      await expect(rt.deployments.create(deploymentOf('web', { id: 'deploy-2' }), created.deployment)).rejects.toBeInstanceOf(
        StaleWriteError,
      );
      expect(await rt.deployments.get('web')).toEqual(ended);
      expect(await rt.deployments.create(deploymentOf('web', { id: 'deploy-2' }), ended)).toMatchObject({ created: true });
    });
  });
});
