/**
 * A blue/green deployment, crashed at every step. Each scenario is a sequence of deliveries to the real
 * shift-traffic handler against moto (the request, an alarm's state change, a promote, the watchdog's
 * ticks). It runs once without faults to record the AWS calls of the delivery under test; then, for
 * every call k of it, the whole scenario again with call k failing (a throttle) or succeeding and the
 * invocation killed right after it, the same input redelivered as Lambda's asynchronous retries do (a
 * minute later, until it succeeds), and the watchdog ticking on. The end state must be the fault-free run's: the listener's split, both services
 * (task definition and count), the revisions registered, how the deployment ended with its weight
 * history, and the events published, each by its id. The same input delivered twice at once ends the
 * same way too.
 */
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, describe, expect, it } from 'vitest';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION, resetEmulator } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps, seedSandbox } from '../../sandbox/seed.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { forwardOf } from '../../shared/blue-green/forward.ts';
import type { ShiftHandlerRuntime } from '../../shared/blue-green/handle.ts';
import { type AppSpec, isFinal } from '../../shared/blue-green/model.ts';
import { Rejections } from '../../shared/state/deployment-rejections.ts';
import { callName, type Fault, installFaults, invoke } from '../helpers/faults.ts';
import { quietLog, TestClock, useEmulatorWorld } from './world.ts';

const HEAD = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const CLUSTER = 'shop';

/** Short pauses, so a whole deployment is a handful of ticks. */
const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      blue: { service: 'web-blue', targetGroup: `${HEAD}:targetgroup/web-blue/73e2d6bc24d8a067` },
      green: { service: 'web-green', targetGroup: `${HEAD}:targetgroup/web-green/09966e5bd7e8e8ef` },
      strategy: { canary: { percent: 10, bake: '2m' } },
      gates: { alarms: ['web-5xx'], minHealthyTargets: 2 },
      bakeTime: '1m',
      rollbackWindow: '1m',
    },
  },
};

const START = new Date('2026-11-23T10:00:00Z');
/** The watchdog's ticks after the last other delivery: more than any scenario needs (they stop once the deployment ended). */
const TICKS_TO_THE_END = 10;

/** One delivery of a scenario: the input, `seconds` after START, and what happens in the world just before it. */
interface Delivery {
  seconds: number;
  input: unknown;
  before?: () => Promise<void>;
}

const envelope = (id: string, detailType: string, detail: Record<string, unknown>, source = 'ecs-autopilot') => ({
  version: '0',
  id,
  source,
  'detail-type': detailType,
  account: '123456789012',
  region: EMULATOR_REGION,
  time: START.toISOString(),
  resources: [],
  detail,
});

describe('a blue/green deployment, crashed at every step', () => {
  const t = useEmulatorWorld(config, START);
  const faults = installFaults();
  afterAll(() => faults.uninstall());
  let rt: ShiftHandlerRuntime;
  let app: AppSpec;

  /** A fresh emulated world (the test's own beforeEach did the first). */
  async function fresh() {
    await resetEmulator(t.emulator);
    t.world = await seedSandbox(t.emulator, t.automation, { stage: 'test' });
    t.clock = new TestClock(START);
    const seeded = await seedApps(t.world, t.automation);
    const clients = createAwsClients({
      endpoint: t.world.endpoint,
      region: EMULATOR_REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    rt = {
      ...emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog),
      rejections: new Rejections(clients.dynamo, t.world.tableName),
    };
    app = seeded.automation.apps.web as AppSpec;
  }

  const request = envelope('request-1', 'Deployment Requested', {
    app: 'web',
    id: 'web-1',
    images: { app: 'example/web:v2' },
    requestedBy: 'ci',
  });
  const tick = { tick: true };
  const ticksFrom = (seconds: number): Delivery[] =>
    Array.from({ length: TICKS_TO_THE_END }, (_, i) => ({ seconds: seconds + 60 * (i + 1), input: tick }));

  const SCENARIOS: Record<string, { deliveries: Delivery[]; faulted: number; ends: string }> = {
    'start and first step (the request)': { deliveries: [{ seconds: 0, input: request }, ...ticksFrom(0)], faulted: 0, ends: 'succeeded' },
    'the step to 100% (the tick ending the canary)': {
      deliveries: [{ seconds: 0, input: request }, ...ticksFrom(60)],
      faulted: 1,
      ends: 'succeeded',
    },
    promote: {
      deliveries: [
        { seconds: 0, input: request },
        { seconds: 30, input: envelope('promote-1', 'Deployment Promotion Requested', { app: 'web', id: 'web-1', step: 1, by: 'ana' }) },
        ...ticksFrom(30),
      ],
      faulted: 1,
      ends: 'succeeded',
    },
    // Ticks at 3m (100%), 4m (the bake over), 5m (the rollback window over: finishing, succeeded).
    'the end of the bake': { deliveries: [{ seconds: 0, input: request }, ...ticksFrom(120)], faulted: 2, ends: 'succeeded' },
    'finishing (scaling the old colour to 0)': {
      deliveries: [{ seconds: 0, input: request }, ...ticksFrom(120)],
      faulted: 3,
      ends: 'succeeded',
    },
    'rollback (a gate alarm)': {
      deliveries: [
        { seconds: 0, input: request },
        {
          seconds: 30,
          before: async () => {
            await rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }));
          },
          input: envelope(
            'alarm-1',
            'CloudWatch Alarm State Change',
            { alarmName: 'web-5xx', state: { value: 'ALARM', reason: 'Threshold Crossed' } },
            'aws.cloudwatch',
          ),
        },
        ...ticksFrom(30),
      ],
      faulted: 1,
      ends: 'rolled-back',
    },
  };

  /** The world as a deployment leaves it, without the ARNs moto invents anew for each world. */
  async function endState() {
    const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }));
    const groups = forwardOf(Listeners[0]?.DefaultActions ?? []).targetGroups;
    const weightOf = (arn: string) => groups.find((g) => g.arn === arn)?.weight ?? 0;
    const { services = [] } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web-blue', 'web-green'] }));
    const { taskDefinitionArns = [] } = await t.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    const deployment = await rt.deployments.get('web');
    const events = await t.events();
    return {
      weights: { blue: weightOf(app.colours.blue.targetGroup), green: weightOf(app.colours.green.targetGroup) },
      services: services.map((s) => [s.serviceName, s.taskDefinition?.split('/').pop(), s.desiredCount]),
      revisions: taskDefinitionArns.map((arn) => arn.split('/').pop()),
      stage: deployment?.stage,
      history: deployment?.weights.map((w) => `${w.newPercent}% ${w.why}`),
      outbox: deployment?.outbox,
      eventIds: [...new Set(events.map((e) => String(e.detail.eventId)))].sort(),
      withoutId: events.filter((e) => e.detail.eventId === undefined).map((e) => e['detail-type']),
    };
  }

  /** Runs a scenario; the delivery `faulted` meets `fault` and, when its invocation fails, is delivered again. */
  async function run(deliveries: Delivery[], faulted?: { index: number; faults: Fault[]; twiceAtOnce?: boolean }) {
    await fresh();
    let calls: string[] = [];
    for (const [index, delivery] of deliveries.entries()) {
      if (delivery.input === tick && index > (faulted?.index ?? 0) && isFinal((await rt.deployments.get('web'))?.stage ?? 'starting'))
        break;
      t.clock.advanceTo(new Date(START.getTime() + delivery.seconds * 1000));
      await delivery.before?.();
      const input = delivery.input;
      if (index !== faulted?.index) {
        const { error } = await invoke(() => shiftTraffic(input, rt));
        expect(error).toBeUndefined();
        continue;
      }
      if (faulted.twiceAtOnce) {
        const both = await Promise.all([invoke(() => shiftTraffic(input, rt)), invoke(() => shiftTraffic(input, rt))]);
        calls = both[0].calls.map(callName);
        if (both.some((b) => b.error)) await retriedUntilDone(input);
        continue;
      }
      const first = await invoke(() => shiftTraffic(input, rt), faulted.faults);
      calls = first.calls.map(callName);
      if (first.error) await retriedUntilDone(input);
    }
    return { calls, end: await endState() };
  }

  /** Lambda retries a failed asynchronous invocation about a minute later (twice, then the dead-letter queue). */
  async function retriedUntilDone(input: unknown) {
    for (let retry = 1; retry <= 2; retry++) {
      t.clock.advance(60);
      const { error } = await invoke(() => shiftTraffic(input, rt));
      if (!error) return;
    }
    throw new Error("still failing after Lambda's two retries: it would be dead-lettered");
  }

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${name}: a fault at any AWS call, then a redelivery and the ticks, ends as without faults`, async () => {
      const clean = await run(scenario.deliveries, { index: scenario.faulted, faults: [] });
      expect(clean.end).toMatchObject({ stage: scenario.ends, outbox: [], withoutId: [] });
      expect(clean.calls.length).toBeGreaterThan(0);

      const diverged: string[] = [];
      for (let k = 0; k < clean.calls.length; k++) {
        for (const kind of ['fail', 'crash-after'] as const) {
          const faulty = await run(scenario.deliveries, { index: scenario.faulted, faults: [{ kind, at: { index: k } }] });
          if (JSON.stringify(faulty.end) !== JSON.stringify(clean.end)) {
            diverged.push(`${kind} at call ${k} (${clean.calls[k]}): ${JSON.stringify(faulty.end)}`);
          }
        }
      }
      expect(diverged, `the fault-free end: ${JSON.stringify(clean.end)}`).toEqual([]);

      const twice = await run(scenario.deliveries, { index: scenario.faulted, faults: [], twiceAtOnce: true });
      expect(twice.end).toEqual(clean.end);
    }, 900_000);
  }
});
