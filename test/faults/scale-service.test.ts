/**
 * scale-service, broken at every step: each scenario (a change, its restore, a deferral, a permanent
 * failure) runs once without faults to record its AWS calls; then, for every call k, it runs again from
 * the same start with (a) call k failing (a throttle), (b) call k succeeding and the invocation killed
 * right after it, (c) the same kill followed by two deliveries at once; then the firing is delivered
 * again until one ends normally. The end state in the emulator must equal the fault-free run's: the same
 * desired count and bounds, each event published under the same id (taken once by its id), the same
 * memory in the state table and the same pending retry timers.
 */
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DeleteServiceCommand, DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleService } from '../../functions/scale-service.ts';
import { type Emulator, emulatorClientConfig, resetEmulator, setRolloutState, startEmulator } from '../../sandbox/emulator.ts';
import { drainPublishedEvents, emulatorScalingRuntime, type PublishedEvent, seedSandbox, seedServices } from '../../sandbox/seed.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { VirtualClock } from '../../sandbox/virtual-clock.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { RetryableAwsError } from '../../shared/errors.ts';
import { createAutoScalingClient } from '../../shared/scaling/auto-scaling-client.ts';
import { scheduledFiringInput } from '../../shared/scaling/trigger.ts';
import { ScalingMemories } from '../../shared/state/scaling-memory.ts';
import { type AwsCall, callName, type Fault, InvocationCrashed, installFaults, invoke } from '../helpers/faults.ts';
import { quietLog } from './world.ts';

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

interface World {
  emulator: Emulator;
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
  const faults = installFaults();
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    faults.uninstall();
    await emulator?.stop();
  });

  /** A fresh emulator, seeded, with the scenario's past played and its events drained; the clock at the scenario's firing. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator);
    const automation = validateAutomation(config);
    const world = await seedSandbox(emulator, automation, { stage: 'faults' });
    await seedServices(world, automation, {
      web: { desiredCount: 3, bounds: { min: 2, max: 10 } },
      worker: { desiredCount: 3 },
      gone: { desiredCount: 0 },
    });
    const clientConfig = emulatorClientConfig(world.endpoint);
    const ecs = new ECSClient(clientConfig);
    await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'gone', force: true }));
    const clock = new VirtualClock(on('07:00:00'));
    const timers = new EmulatorTimers(world);
    const rt = emulatorScalingRuntime(world, automation, clock, timers, quietLog);
    const autoScaling = createAutoScalingClient(clientConfig);
    const w: World = {
      emulator,
      endpoint: world.endpoint,
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
      memoryOf: (service) => new ScalingMemories(createAwsClients(clientConfig).dynamo, world.tableName).get(CLUSTER, service),
      events: () => drainPublishedEvents(world),
    };
    await scenario.before?.(w);
    await w.events();
    clock.advanceTo(scenario.at);
    return w;
  }

  /** Delivers the firing again until an invocation ends normally, as Lambda's and Scheduler's retries would. */
  async function untilQuiet(w: World): Promise<void> {
    for (let delivery = 1; delivery <= 5; delivery++) {
      const { error } = await invoke(w.fire);
      if (!error) return;
    }
    throw new Error('five redeliveries did not end normally');
  }

  /** What the scenario left behind; events are keyed by their id, so a republished decision counts once. */
  async function endState(w: World, scenario: Scenario) {
    const published = await w.events();
    const byId = new Map<string, { detailType: string; detail: unknown; time: string }>();
    for (const event of published) {
      const id = typeof event.detail.eventId === 'string' ? event.detail.eventId : `(no id) ${JSON.stringify(event)}`;
      const seen = byId.get(id);
      const now = { detailType: event['detail-type'], detail: event.detail, time: event.time };
      // The same id must always carry the same event.
      if (seen && JSON.stringify(seen) !== JSON.stringify(now)) byId.set(`${id} (differs)`, now);
      else byId.set(id, now);
    }
    const { version: _version, ...memory } = await w.memoryOf(scenario.service);
    const state = {
      shape: await w.shapeOf(scenario.service),
      events: [...byId.entries()].sort(([a], [b]) => a.localeCompare(b)),
      memory,
      timers: (await w.timers.pending()).map(({ name, at, input }) => ({ name, at: at.toISOString(), input })),
    };
    // moto numbers a service's deployments at random: each fresh world gets other ids.
    return JSON.parse(JSON.stringify(state).replaceAll(/ecs-svc\/\d+/g, 'ecs-svc/<id>'));
  }

  /** The call of the fault-free run as a fault aims at it: its command and which of them it was. */
  const aimAt = (calls: AwsCall[], k: number) => {
    const call = calls[k] as AwsCall;
    return { command: call.command, occurrence: calls.slice(0, k + 1).filter((c) => c.command === call.command).length };
  };

  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      let reference: Awaited<ReturnType<typeof endState>>;
      let calls: AwsCall[];

      beforeAll(async () => {
        const w = await worldFor(scenario);
        const clean = await invoke(w.fire);
        expect(clean.error).toBeUndefined();
        calls = clean.calls;
        reference = await endState(w, scenario);
      });

      it('publishes every event it decides with an id', () => {
        expect(reference.events.length).toBeGreaterThan(0);
        for (const [id] of reference.events) expect(id).toMatch(/^service-scal[a-z-]+:shop-faults\/[a-z]+:\d+:\d+$/);
      });

      for (const mode of ['fail', 'crash-after', 'crash-after, then two deliveries at once'] as const) {
        it(`ends as without faults when ${mode === 'fail' ? 'any call fails' : `the invocation dies after any call${mode === 'crash-after' ? '' : ', then comes twice at once'}`}`, async () => {
          const diverged: string[] = [];
          for (let k = 0; k < calls.length; k++) {
            const w = await worldFor(scenario);
            const fault: Fault = { kind: mode === 'fail' ? 'fail' : 'crash-after', at: aimAt(calls, k) };
            await invoke(w.fire, [fault]);
            if (mode === 'crash-after, then two deliveries at once') await Promise.all([invoke(w.fire), invoke(w.fire)]);
            await untilQuiet(w);
            const end = await endState(w, scenario);
            try {
              expect(end).toEqual(reference);
            } catch (error) {
              diverged.push(`${mode} at call ${k} (${callName(calls[k] as AwsCall)}): ${(error as Error).message}`);
              if (process.env.DEBUG_FAULTS) console.log(JSON.stringify({ end, reference }, null, 1));
            }
          }
          expect(diverged).toEqual([]);
        });
      }
    });
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
