/**
 * Test before traffic against moto: the real shift-traffic handler with a test listener (a second
 * listener of the load balancer, seeded by sandbox/stand-ins.ts) and hooks. Assertions read the emulated
 * AWS back: where both listeners forward, the hook tasks ECS holds (and the environment they were given),
 * the bus.
 *
 * moto makes no container exit: a hook task stays RUNNING until the test stops it with an exit code
 * through the bridge (sandbox/moto_ecs_bridge.py), as the task would. moto runs Lambda functions only in
 * docker, which the tests do not have: the Lambda hook's client is replaced at the SDK boundary by
 * aws-sdk-client-mock (only Lambda; everything else is moto), answering as the function would.
 */
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION, stopTaskAs } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps } from '../../sandbox/seed.ts';
import { forwardOf } from '../../shared/blue-green/forward.ts';
import type { AppSpec, Deployment } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { InvocationCrashed, installFaults, invoke } from '../helpers/faults.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const CLUSTER = 'shop';
const TEST_LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc6c495c0c9188/aaaaaaaaaaaaaaaa';
const CHECK_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:web-check';

const FARGATE = { launchType: 'FARGATE', network: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'] } };

const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      strategy: { canary: { percent: 10, bake: '1m' } },
      bakeTime: '1m',
      rollbackWindow: '0s',
      test: { listener: TEST_LISTENER, url: 'http://shop-test.example.com:8443' },
      hooks: {
        beforeTraffic: { task: 'web-smoke', ...FARGATE, timeout: '5m' },
        afterStep: { task: 'web-smoke', ...FARGATE, timeout: '5m' },
        afterTraffic: { lambda: CHECK_FUNCTION, timeout: '20s' },
      },
    },
  },
};

const START = new Date('2026-11-23T10:00:00Z');
const IMAGE = { app: 'public.ecr.aws/example/web:v2' };

describe('shift-traffic with a test listener and hooks, against moto', () => {
  const t = useEmulatorWorld(config, START);
  const lambda = { answers: [] as string[], payloads: [] as unknown[] };
  let rt: ShiftRuntime;
  let app: AppSpec;
  let requests = 0;

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation);
    rt = emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog);
    app = seeded.automation.apps.web as AppSpec;
    lambda.answers = [];
    lambda.payloads = [];
    // The Lambda hook answers as the function would: the next answer queued, else pass.
    mockClient(rt.lambda)
      .on(InvokeCommand)
      .callsFake((input: { Payload?: Uint8Array }): Partial<InvokeCommandOutput> => {
        lambda.payloads.push(JSON.parse(new TextDecoder().decode(input.Payload)));
        const answer = lambda.answers.shift() ?? '{"pass":true}';
        return { StatusCode: 200, Payload: new TextEncoder().encode(answer) as InvokeCommandOutput['Payload'] };
      });
  });

  function requestEvent(id: string) {
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
      detail: { app: 'web', requestedBy: 'ci', id, images: IMAGE },
    };
  }

  /** Where a listener forwards, by colour name (`green` for all of it on green). */
  async function forwardsTo(listener: string): Promise<string> {
    const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [listener] }));
    const groups = forwardOf(Listeners[0]?.DefaultActions ?? []).targetGroups.filter((g) => g.weight > 0);
    const colour = (arn: string) => (arn === app.colours.blue.targetGroup ? 'blue' : arn === app.colours.green.targetGroup ? 'green' : arn);
    return groups.map((g) => (groups.length === 1 ? colour(g.arn) : `${colour(g.arn)} ${g.weight}`)).join(' / ');
  }

  const production = () => forwardsTo(app.listener);
  const testListener = () => forwardsTo(app.test?.listener ?? '');
  const current = async (): Promise<Deployment | undefined> => rt.deployments.get('web');

  async function hookTasks(desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING') {
    const { taskArns = [] } = await t.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: 'ecs-autopilot-hook', desiredStatus }));
    if (taskArns.length === 0) return [];
    const { tasks = [] } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }));
    return tasks;
  }

  async function tick() {
    t.clock.advanceTo(new Date(t.clock.now().getTime() + 60_000));
    await shiftTraffic({ tick: true }, rt);
  }

  /** The running hook task exits with this code, and the next tick reads it. */
  async function hookExits(exitCode: number, containerReason?: string) {
    const [task] = await hookTasks();
    await stopTaskAs(t.emulator, task?.taskArn ?? '', { exitCode, ...(containerReason && { containerReason }) });
    await tick();
  }

  it('the test listener points at the new colour before any production traffic; hooks that pass let the deployment through, and it is put back', async () => {
    expect(await testListener()).toBe('blue');
    await shiftTraffic(requestEvent('web-1'), rt);

    // Ready: the test listener points at green, the smoke test runs, production is untouched.
    expect(await testListener()).toBe('green');
    expect(await production()).toBe('blue');
    expect(await current()).toMatchObject({ stage: 'hook', hooks: [{ id: 'beforeTraffic', status: 'running' }] });
    const [smoke] = await hookTasks();
    expect(smoke?.taskDefinitionArn).toMatch(/task-definition\/web-smoke:1$/);
    const environment = Object.fromEntries(
      (smoke?.overrides?.containerOverrides?.[0]?.environment ?? []).map(({ name, value }) => [name, value]),
    );
    expect(environment).toMatchObject({
      ECS_AUTOPILOT_APP: 'web',
      ECS_AUTOPILOT_DEPLOYMENT_ID: 'web-1',
      ECS_AUTOPILOT_HOOK: 'beforeTraffic',
      ECS_AUTOPILOT_HOOK_ID: 'web-1:hook:beforeTraffic',
      ECS_AUTOPILOT_NEW_COLOUR: 'green',
      ECS_AUTOPILOT_TEST_URL: 'http://shop-test.example.com:8443',
    });

    await hookExits(0);
    expect(await production()).toBe('blue 90 / green 10');
    expect((await current())?.hooks?.map((h) => [h.id, h.status])).toEqual([
      ['beforeTraffic', 'passed'],
      ['afterStep:1', 'running'],
    ]);
    await hookExits(0);
    for (let minute = 0; minute < 5 && (await current())?.stage !== 'succeeded'; minute++) await tick();

    const done = await current();
    expect(done).toMatchObject({ stage: 'succeeded', test: { state: 'restored' } });
    expect(await production()).toBe('green');
    // Put back exactly as it was: to blue, as before the deployment.
    expect(await testListener()).toBe('blue');
    expect(lambda.payloads).toEqual([
      expect.objectContaining({ deploymentId: 'web-1', hook: 'afterTraffic', hookId: 'web-1:hook:afterTraffic', newPercent: 100 }),
    ]);
    const types = (await t.events()).map((e) => `${e['detail-type']} ${(e.detail.hook as { id?: string } | undefined)?.id ?? ''}`.trim());
    expect(types).toEqual([
      'Deployment Started',
      'Deployment Hook Started beforeTraffic',
      'Deployment Hook Passed beforeTraffic',
      'Deployment Step Completed',
      'Deployment Hook Started afterStep:1',
      'Deployment Hook Passed afterStep:1',
      'Deployment Step Completed',
      'Deployment Hook Started afterTraffic',
      'Deployment Hook Passed afterTraffic',
      'Deployment Succeeded',
    ]);
  });

  it('a hook task that exits 1 rolls back, with its exit code and reason in the outcome and the events', async () => {
    await shiftTraffic(requestEvent('web-2'), rt);
    await hookExits(0);
    expect(await production()).toBe('blue 90 / green 10');
    await hookExits(1, 'smoke: GET /checkout answered 502');

    const done = await current();
    expect(done?.outcome).toMatchObject({
      status: 'rolled-back',
      reason: expect.stringMatching(
        /^hook afterStep of step 1 \(task web-smoke\) failed: container smoke exited 1 \(smoke: GET \/checkout answered 502\); task stopped: EssentialContainerExited: .*; logs: https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/.*log-events\/smoke\$252Fsmoke\$252F/,
      ),
    });
    expect(await production()).toBe('blue');
    expect(await testListener()).toBe('blue');
    const events = await t.events();
    expect(events.find((e) => e['detail-type'] === 'Deployment Hook Failed')?.detail.hook).toMatchObject({
      id: 'afterStep:1',
      status: 'failed',
      output: expect.stringMatching(/^container smoke exited 1/),
    });
    const rolledBack = events.filter((e) => e['detail-type'] === 'Deployment Rolled Back');
    expect(rolledBack).toHaveLength(1);
    expect(rolledBack[0]?.detail).toMatchObject({
      failedHook: { id: 'afterStep:1', taskArn: expect.stringMatching(/:task\/shop\//) },
      alert: { category: 'deployment-rolled-back' },
    });
  });

  it('a Lambda hook that answers pass: false rolls back with its reason', async () => {
    lambda.answers.push('{"pass":false,"reason":"checkout answered 500 on 3 of 20 requests"}');
    await shiftTraffic(requestEvent('web-3'), rt);
    await hookExits(0);
    await tick(); // the canary's pause
    await hookExits(0);
    for (let minute = 0; minute < 3 && (await current())?.stage !== 'rolled-back'; minute++) await tick();

    expect((await current())?.outcome).toMatchObject({
      status: 'rolled-back',
      reason: 'hook afterTraffic (lambda web-check) failed: the function answered: checkout answered 500 on 3 of 20 requests',
    });
    expect(await production()).toBe('blue');
  });

  describe('at least once', () => {
    const faults = installFaults();
    afterAll(() => faults.uninstall());

    it('a crash right after RunTask of a hook, then the request again and a tick: one hook task, found again by its clientToken', async () => {
      const request = requestEvent('web-4');
      const crashed = await invoke(() => shiftTraffic(request, rt), [{ kind: 'crash-after', at: { command: 'RunTask' } }]);
      expect(crashed.error).toBeInstanceOf(InvocationCrashed);
      expect(await hookTasks()).toHaveLength(1);
      expect((await current())?.hooks?.[0]?.taskArn).toBeUndefined();

      t.clock.advanceTo(new Date(t.clock.now().getTime() + 61_000));
      await shiftTraffic(request, rt);
      await tick();

      const tasks = await hookTasks();
      expect(tasks).toHaveLength(1);
      expect((await current())?.hooks?.[0]).toMatchObject({ status: 'running', taskArn: tasks[0]?.taskArn });
      await hookExits(0);
      expect(await production()).toBe('blue 90 / green 10');
    });
  });
});
