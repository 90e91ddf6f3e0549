/**
 * scale-service, broken at every step (see sweep.ts): each scenario (a change, its restore, a deferral, a
 * permanent failure) against the fault-free run's end: the same desired count and bounds, each event
 * published under the same id (taken once by its id), the same memory in the state table and the same
 * pending retry timers. A firing that failed is delivered again at once, as Scheduler's retries would
 * bring it; every delivery of a firing names its scheduled time.
 */
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DeleteServiceCommand, DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { scaleService } from '../../functions/scale-service.ts';
import { type Emulator, emulatorClientConfig, resetEmulator, setRolloutState } from '../../sandbox/emulator.ts';
import {
  drainPublishedEvents,
  emulatorScalingRuntime,
  type PublishedEvent,
  type SandboxWorld,
  seedSandbox,
  seedServices,
} from '../../sandbox/seed.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { VirtualClock } from '../../sandbox/virtual-clock.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { RetryableAwsError } from '../../shared/errors.ts';
import { createAutoScalingClient } from '../../shared/scaling/auto-scaling-client.ts';
import { scheduledFiringInput } from '../../shared/scaling/trigger.ts';
import { ScalingMemories } from '../../shared/state/scaling-memory.ts';
import { InvocationCrashed, invoke } from '../helpers/faults.ts';
import { quietLog } from '../integration/world.ts';
import { useFaultEmulator } from './emulator-snapshots.ts';
import type { EndState } from './end-state.ts';
import { sweepFaults } from './sweep.ts';

const CLUSTER = 'shop-faults';

const config = {
  services: {
    web: {
      cluster: CLUSTER,
      scaling: { timezone: 'UTC', periods: { 'business-hours': { days: 'MON-FRI', from: '08:00', to: '18:00', min: 4, max: 12 } } },
    },
    worker: {
      cluster: CLUSTER,
      scaling: { timezone: 'UTC', periods: { peak: { days: 'MON-FRI', from: '08:00', to: '18:00', desired: 5 } } },
    },
    gone: {
      cluster: CLUSTER,
      scaling: { timezone: 'UTC', periods: { peak: { days: 'MON-FRI', from: '08:00', to: '18:00', desired: 2 } } },
    },
  },
};

/** A person or the autoscaler, changing the service behind scale-service's back. */
const ecs = (w: World) => new ECSClient(emulatorClientConfig(w.endpoint));

/** Monday 2026-11-23 (UTC). */
const on = (time: string) => new Date(`2026-11-23T${time}Z`);

const automation = validateAutomation(config);

interface World {
  emulator: Emulator;
  seeded: SandboxWorld;
  endpoint: string;
  clock: VirtualClock;
  timers: EmulatorTimers;
  fire: () => Promise<unknown>;
  shapeOf: (service: string) => Promise<{ desiredCount: number | undefined; bounds?: { min?: number; max?: number } }>;
  memoryOf: (service: string) => ReturnType<ScalingMemories['get']>;
  events: () => Promise<PublishedEvent[]>;
}

interface Scenario {
  name: string;
  service: string;
  at: Date;
  /** What happened before, without faults (its events are drained). */
  before?: (w: World) => Promise<unknown>;
}

const SCENARIOS: Scenario[] = [
  { name: 'a change of bounds at the start of a period', service: 'web', at: on('08:00:00') },
  {
    name: 'the restore at its end',
    service: 'web',
    at: on('18:00:00'),
    before: async (w) => {
      w.clock.advanceTo(on('08:00:00'));
      await w.fire();
    },
  },
  { name: 'a count set on a plain service', service: 'worker', at: on('08:00:00') },
  {
    name: 'a change deferred by an ECS rollout',
    service: 'worker',
    at: on('08:00:00'),
    before: (w) => setRolloutState(w.emulator, CLUSTER, 'worker', 'IN_PROGRESS'),
  },
  { name: 'a service missing in ECS (a permanent failure)', service: 'gone', at: on('08:00:00') },
];

describe('scale-service under faults', () => {
  const emulator = useFaultEmulator();

  /** A fresh emulator, seeded, with the scenario's past played and its events drained; the clock at the scenario's firing. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator());
    const seeded = await seedSandbox(emulator(), automation, { stage: 'faults' });
    await seedServices(seeded, automation, {
      web: { desiredCount: 3, bounds: { min: 2, max: 10 } },
      worker: { desiredCount: 3 },
      gone: { desiredCount: 0 },
    });
    await new ECSClient(emulatorClientConfig(seeded.endpoint)).send(
      new DeleteServiceCommand({ cluster: CLUSTER, service: 'gone', force: true }),
    );
    const w = attach(scenario, seeded, on('07:00:00'));
    await scenario.before?.(w);
    await w.events();
    w.clock.advanceTo(scenario.at);
    return w;
  }

  /** The runtime, clock and readers of a world seeded in the emulator, the clock at `now`. */
  function attach(scenario: Scenario, seeded: SandboxWorld, now: Date): World {
    const clientConfig = emulatorClientConfig(seeded.endpoint);
    const ecs = new ECSClient(clientConfig);
    const clock = new VirtualClock(now);
    const timers = new EmulatorTimers(seeded);
    const rt = emulatorScalingRuntime(seeded, automation, clock, timers, quietLog);
    const autoScaling = createAutoScalingClient(clientConfig);
    return {
      emulator: emulator(),
      seeded,
      endpoint: seeded.endpoint,
      clock,
      timers,
      // As Scheduler delivers a boundary schedule: every delivery of the firing names its scheduled time.
      fire: () => scaleService(scheduledFiringInput(scenario.service, clock.now()), rt),
      shapeOf: async (service) => {
        const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [service] }));
        const { ScalableTargets = [] } = await autoScaling.send(
          new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [`service/${CLUSTER}/${service}`] }),
        );
        const target = ScalableTargets[0];
        return {
          desiredCount: services[0]?.desiredCount,
          ...(target && { bounds: { min: target.MinCapacity, max: target.MaxCapacity } }),
        };
      },
      memoryOf: (service) => new ScalingMemories(createAwsClients(clientConfig).dynamo, seeded.tableName).get(CLUSTER, service),
      events: () => drainPublishedEvents(seeded),
    };
  }

  /** What the scenario left behind; events keyed by their id, so a republished decision counts once. */
  async function endState(w: World, scenario: Scenario): Promise<EndState> {
    const events = (await w.events()).map((event) => ({
      id: typeof event.detail.eventId === 'string' ? event.detail.eventId : `(no id) ${event['detail-type']}`,
      content: { detailType: event['detail-type'], detail: event.detail, time: event.time },
    }));
    const { version: _version, ...memory } = await w.memoryOf(scenario.service);
    const timers = (await w.timers.pending()).map(({ name, at, input }) => JSON.stringify({ name, at: at.toISOString(), input }));
    const state = { events, items: { timers }, facts: { shape: await w.shapeOf(scenario.service), memory } };
    // moto numbers a service's deployments at random: each fresh world gets other ids.
    return JSON.parse(JSON.stringify(state).replaceAll(/ecs-svc\/\d+/g, 'ecs-svc/<id>'));
  }

  sweepFaults({
    file: import.meta.filename,
    emulator,
    scenarios: SCENARIOS.map((scenario) => ({ ...scenario, world: () => worldFor(scenario), deliver: (w: World) => w.fire() })),
    fork: (w, scenario) => attach(scenario, w.seeded, w.clock.now()),
    // Scheduler retries a failed firing; each retry names the same scheduled time.
    redelivery: { atMost: 5 },
    endState,
    reference: {
      promise: 'publishes every event it decides with an id',
      check: (reference) => {
        expect(reference.events.length).toBeGreaterThan(0);
        for (const { id } of reference.events) expect(id).toMatch(/^service-scal[a-z-]+:shop-faults\/[a-z]+:\d+:\d+$/);
      },
    },
  });

  /** Delivers the firing again until an invocation ends normally, as Scheduler's retries would. */
  async function untilQuiet(w: World): Promise<void> {
    for (let delivery = 1; delivery <= 5; delivery++) {
      const { error } = await invoke(w.fire);
      if (!error) return;
    }
    throw new Error('five redeliveries did not end normally');
  }

  it('PutEvents fails once: the retried firing publishes Service Scaled, exactly once', async () => {
    const scenario = SCENARIOS[2] as Scenario;
    const w = await worldFor(scenario);

    const first = await invoke(w.fire, [{ kind: 'fail', at: { command: 'PutEvents' } }]);
    expect(first.error).toBeInstanceOf(RetryableAwsError);
    expect(await w.shapeOf('worker')).toEqual({ desiredCount: 5 });

    const retried = await invoke(w.fire);
    expect(retried.error).toBeUndefined();

    const published = await w.events();
    expect(published.map((e) => [e['detail-type'], e.detail.from, e.detail.to])).toEqual([
      ['Service Scaled', { desiredCount: 3 }, { desiredCount: 5 }],
    ]);
    expect(await w.memoryOf('worker')).toMatchObject({ baseline: { desiredCount: 3 }, last: { kind: 'scaled' } });
  });

  it('records, publishes and alerts a permanent error of a change (AccessDenied), and ends the invocation normally', async () => {
    const w = await worldFor(SCENARIOS[2] as Scenario);
    const accessDenied = () =>
      Object.assign(new Error('User is not authorized to perform: ecs:UpdateService'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });

    const denied = await invoke(w.fire, [{ kind: 'fail', at: { command: 'UpdateService' }, error: accessDenied }]);

    expect(denied.error).toBeUndefined();
    expect(denied.result).toMatchObject({ outcome: 'failed', action: expect.stringMatching(/^failed: AccessDeniedException/) });
    expect(await w.shapeOf('worker')).toEqual({ desiredCount: 3 });
    const published = await w.events();
    expect(published).toMatchObject([
      {
        'detail-type': 'Service Scaling Failed',
        detail: {
          serviceKey: 'worker',
          to: { desiredCount: 5 },
          nextStep: expect.stringMatching(/^the scale-service role may not scale shop-faults\/worker/),
          alert: { category: 'scaling-failed', severity: 'critical' },
          eventId: expect.any(String),
        },
      },
    ]);
    // The baseline stays remembered, so the end of the period still restores; nothing is left pending.
    const memory = await w.memoryOf('worker');
    expect(memory).toMatchObject({ baseline: { desiredCount: 3 }, last: { kind: 'failed' } });
    expect(memory.outbox).toEqual([]);

    // The same firing delivered again is answered already: no second attempt, no second alert.
    expect((await invoke(w.fire)).result).toMatchObject({
      outcome: 'nothing',
      action: expect.stringMatching(/^nothing: this firing failed already/),
    });
    expect(await w.events()).toEqual([]);
  });

  it('leaves a count target tracking moved between a crash and the retry as it is: the replay only registers the bounds', async () => {
    const w = await worldFor(SCENARIOS[0] as Scenario);
    // The decision (bounds 4-12, count 3 → 4) is saved, then the invocation dies before any change.
    expect((await invoke(w.fire, [{ kind: 'crash-after', at: { command: 'Put' } }])).error).toBeInstanceOf(InvocationCrashed);
    await ecs(w).send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', desiredCount: 6 }));

    await untilQuiet(w);

    expect(await w.shapeOf('web')).toEqual({ desiredCount: 6, bounds: { min: 4, max: 12 } });
    expect((await w.events()).map((e) => [e['detail-type'], e.detail.eventId])).toEqual([
      ['Service Scaled', 'service-scaled:shop-faults/web:1:1'],
    ]);
  });
});
