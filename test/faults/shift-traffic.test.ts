/**
 * A blue/green deployment, crashed at every step (see sweep.ts). Each scenario is a sequence of deliveries
 * to the real shift-traffic handler against moto (the request, an alarm's state change, a promote, the
 * watchdog's ticks), one of which is under test: the ones before it are the scenario's past, the ones
 * after it (the watchdog ticking until the deployment ended) what happens afterwards. A failed delivery
 * comes again as Lambda's asynchronous retries do (a minute later, twice at most). The end state must be
 * the fault-free run's: the listener's split, both services (task definition and count), the revisions
 * registered, how the deployment ended with its weight history, and the events published, each by its id.
 */
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect } from 'vitest';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION, emulatorClientConfig, resetEmulator } from '../../sandbox/emulator.ts';
import {
  drainPublishedEvents,
  emulatorShiftRuntime,
  type PublishedEvent,
  type SandboxWorld,
  seedApps,
  seedSandbox,
} from '../../sandbox/seed.ts';
import { forwardOf } from '../../shared/blue-green/forward.ts';
import { type AppSpec, isFinal } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { Automation } from '../../shared/config/schema.ts';
import { invoke } from '../helpers/faults.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, shiftRuntimeOneRequestAtATime, TestClock } from '../integration/world.ts';
import { useFaultEmulator } from './emulator-snapshots.ts';
import type { EndState } from './end-state.ts';
import { sweepFaults } from './sweep.ts';

const CLUSTER = 'shop';

/** Short pauses, so a whole deployment is a handful of ticks. */
const config = {
  defaults: { cluster: CLUSTER },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      strategy: { canary: { percent: 10, bake: '2m' } },
      gates: { alarms: ['web-5xx'], minHealthyTargets: 2 },
      bakeTime: '1m',
      rollbackWindow: '1m',
    },
  },
};
const automation = validateAutomation(config);

const START = new Date('2026-11-23T10:00:00Z');
/** The watchdog's ticks after the last other delivery: more than any scenario needs (they stop once the deployment ended). */
const TICKS_TO_THE_END = 10;
/** Lambda retries a failed asynchronous invocation about a minute later, twice, then dead-letters it. */
const RETRY_DELAY_SECONDS = 60;
const RETRIES = 2;

interface World {
  seeded: SandboxWorld;
  /** The configuration with the ARNs moto chose for the app's listener and target groups. */
  automation: Automation;
  clock: TestClock;
  rt: ShiftRuntime;
  app: AppSpec;
  ecs: ECSClient;
  events: () => Promise<PublishedEvent[]>;
}

/** One delivery of a scenario: the input, `seconds` after START, and what happens in the world just before it. */
interface Delivery {
  seconds: number;
  input: unknown;
  before?: (w: World) => Promise<void>;
}

interface Scenario {
  name: string;
  deliveries: Delivery[];
  /** The index of the delivery under test. */
  faulted: number;
  /** How the deployment ends. */
  ends: string;
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

const request = envelope('request-1', 'Deployment Requested', {
  app: 'web',
  id: 'web-1',
  images: { app: 'example/web:v2' },
  requestedBy: 'ci',
});
const tick = { tick: true };
const ticksFrom = (seconds: number): Delivery[] =>
  Array.from({ length: TICKS_TO_THE_END }, (_, i) => ({ seconds: seconds + 60 * (i + 1), input: tick }));

const SCENARIOS: Scenario[] = [
  {
    name: 'start and first step (the request)',
    deliveries: [{ seconds: 0, input: request }, ...ticksFrom(0)],
    faulted: 0,
    ends: 'succeeded',
  },
  {
    name: 'the step to 100% (the tick ending the canary)',
    deliveries: [{ seconds: 0, input: request }, ...ticksFrom(60)],
    faulted: 1,
    ends: 'succeeded',
  },
  {
    name: 'promote',
    deliveries: [
      { seconds: 0, input: request },
      { seconds: 30, input: envelope('promote-1', 'Deployment Promotion Requested', { app: 'web', id: 'web-1', step: 1, by: 'ana' }) },
      ...ticksFrom(30),
    ],
    faulted: 1,
    ends: 'succeeded',
  },
  // Ticks at 3m (100%), 4m (the bake over), 5m (the rollback window over: finishing, succeeded).
  { name: 'the end of the bake', deliveries: [{ seconds: 0, input: request }, ...ticksFrom(120)], faulted: 2, ends: 'succeeded' },
  {
    name: 'finishing (scaling the old colour to 0)',
    deliveries: [{ seconds: 0, input: request }, ...ticksFrom(120)],
    faulted: 3,
    ends: 'succeeded',
  },
  {
    name: 'rollback (a gate alarm)',
    deliveries: [
      { seconds: 0, input: request },
      {
        seconds: 30,
        before: async (w) => {
          await w.rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test' }));
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
  {
    name: 'a second request, rejected while the first runs (issue 12: the rejection recorded, then published)',
    deliveries: [
      { seconds: 0, input: request },
      { seconds: 30, input: envelope('request-2', 'Deployment Requested', { app: 'web', id: 'web-2', images: { app: 'example/web:v3' } }) },
      ...ticksFrom(30),
    ],
    faulted: 1,
    ends: 'succeeded',
  },
  {
    name: 'a request sent before the last deployment, delivered after it ended (issue 12: ignored and recorded)',
    deliveries: [
      { seconds: 0, input: request },
      ...ticksFrom(0).slice(0, 6),
      {
        seconds: 420,
        input: {
          ...envelope('request-0', 'Deployment Requested', { app: 'web', id: 'web-0', images: { app: 'example/web:v1' } }),
          time: new Date(START.getTime() - 60_000).toISOString(),
        },
      },
      ...ticksFrom(420),
    ],
    faulted: 7,
    ends: 'succeeded',
  },
];

describe('a blue/green deployment, crashed at every step', () => {
  const emulator = useFaultEmulator();

  /** Moves the clock to the delivery's time and plays what happens in the world just before it. */
  async function comeTo(w: World, delivery: Delivery): Promise<void> {
    w.clock.advanceTo(new Date(START.getTime() + delivery.seconds * 1000));
    await delivery.before?.(w);
  }

  /** A fresh emulated world with the deliveries before the one under test played, its events drained. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator());
    const seeded = await seedSandbox(emulator(), automation, { stage: 'test' });
    const w = attach(seeded, (await seedApps(seeded, automation)).automation, START);
    for (const delivery of scenario.deliveries.slice(0, scenario.faulted)) {
      await comeTo(w, delivery);
      await shiftTraffic(delivery.input, w.rt);
    }
    await comeTo(w, scenario.deliveries[scenario.faulted] as Delivery);
    await w.events();
    return w;
  }

  /** The runtime, clock and readers of a world seeded in the emulator, the clock at `now`. */
  function attach(seeded: SandboxWorld, withApps: Automation, now: Date): World {
    const clock = new TestClock(now);
    // Two deliveries at once: moto checks a put's condition and writes it without a lock, so both could
    // pass the same versioned condition (DynamoDB never lets them); it gets one request at a time.
    const rt = shiftRuntimeOneRequestAtATime(emulatorShiftRuntime(seeded, withApps, clock, quietLog));
    return {
      seeded,
      automation: withApps,
      clock,
      rt,
      app: withApps.apps.web as AppSpec,
      ecs: new ECSClient(emulatorClientConfig(seeded.endpoint)),
      events: () => drainPublishedEvents(seeded),
    };
  }

  /** The watchdog's ticks and other deliveries after the one under test, until the deployment ended. */
  async function afterwards(w: World, scenario: Scenario): Promise<void> {
    for (const delivery of scenario.deliveries.slice(scenario.faulted + 1)) {
      if (delivery.input === tick && isFinal((await w.rt.deployments.get('web'))?.stage ?? 'starting')) return;
      await comeTo(w, delivery);
      const { error } = await invoke(() => shiftTraffic(delivery.input, w.rt));
      if (error) throw new Error(`a later delivery (at ${delivery.seconds} s) failed`, { cause: error });
    }
  }

  /** The world as a deployment leaves it, without the ARNs moto invents anew for each world. */
  async function endState(w: World): Promise<EndState> {
    const { Listeners = [] } = await w.rt.elb.send(new DescribeListenersCommand({ ListenerArns: [w.app.listener] }));
    const groups = forwardOf(Listeners[0]?.DefaultActions ?? []).targetGroups;
    const weightOf = (arn: string) => groups.find((g) => g.arn === arn)?.weight ?? 0;
    const { services = [] } = await w.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web-blue', 'web-green'] }));
    const { taskDefinitionArns = [] } = await w.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    const deployment = await w.rt.deployments.get('web');
    return {
      events: (await w.events()).map((event) => ({
        id: typeof event.detail.eventId === 'string' ? event.detail.eventId : `(no id) ${event['detail-type']}`,
        content: event['detail-type'],
      })),
      items: { revisions: taskDefinitionArns.map((arn) => arn.split('/').pop() ?? arn) },
      facts: {
        weights: { blue: weightOf(w.app.colours.blue.targetGroup), green: weightOf(w.app.colours.green.targetGroup) },
        services: services.map((s) => [s.serviceName, s.taskDefinition?.split('/').pop(), s.desiredCount]),
        stage: deployment?.stage,
        history: deployment?.weights.map((weight) => `${weight.newPercent}% ${weight.why}`),
        outbox: deployment?.outbox,
      },
    };
  }

  sweepFaults({
    file: import.meta.filename,
    emulator,
    fork: (w) => attach(w.seeded, w.automation, w.clock.now()),
    scenarios: SCENARIOS.map((scenario) => ({
      ...scenario,
      world: () => worldFor(scenario),
      deliver: (w: World) => shiftTraffic((scenario.deliveries[scenario.faulted] as Delivery).input, w.rt),
    })),
    redelivery: { wait: (w) => w.clock.advance(RETRY_DELAY_SECONDS), atMost: RETRIES },
    afterwards,
    endState,
    reference: {
      promise: 'ends the deployment as the scenario says, with nothing left in the outbox and every event under an id',
      check: (reference, scenario) => {
        expect(reference.facts).toMatchObject({ stage: scenario.ends, outbox: [] });
        expect(reference.events.filter(({ id }) => id.startsWith('(no id)'))).toEqual([]);
      },
    },
  });
});
