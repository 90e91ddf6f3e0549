import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { scaleService } from '../../functions/scale-service.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { RetryableAwsError } from '../../shared/errors.ts';
import type { AutopilotEvent, EventBus } from '../../shared/events/bus.ts';
import type { ScalingWhy, ServiceShape } from '../../shared/events/scaling-events.ts';
import { blueGreenInProgress } from '../../shared/scaling/blue-green-lock.ts';
import {
  type Baseline,
  type Deferral,
  decideScaling,
  retryDelaySeconds,
  rolloutInProgress,
  type ScalingAction,
  type ScalingDecision,
  type ScalingFacts,
  shapeFor,
} from '../../shared/scaling/decide-scaling.ts';
import { parseScalingInput } from '../../shared/scaling/handle-scaling.ts';
import type { ScalingRuntime } from '../../shared/scaling/runtime.ts';
import type { ScaleTarget } from '../../shared/scaling/targets.ts';
import type { ScalingMemories, ScalingMemory } from '../../shared/state/scaling-memory.ts';

const NOW = new Date('2026-11-23T08:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

const period = (target: ScaleTarget, name = 'business-hours'): ScalingWhy => ({ target, because: { kind: 'period', name } });
const outside: ScalingWhy = { target: { kind: 'restore' }, because: { kind: 'outside' } };
const STOP = period({ kind: 'stop' }, 'night');

const plain = (desiredCount: number): ServiceShape => ({ desiredCount });
const scalable = (desiredCount: number, min: number, max: number): ServiceShape => ({ desiredCount, bounds: { min, max } });

function facts(why: ScalingWhy, live: ServiceShape, more: Partial<ScalingFacts> = {}): ScalingFacts {
  return {
    why,
    live,
    rollout: undefined,
    blueGreen: undefined,
    baseline: undefined,
    deferral: undefined,
    retryOf: undefined,
    now: NOW,
    ...more,
  };
}

/** Applies a change's AWS actions to a shape and its state actions to the baseline, as the handler would. */
function apply(live: ServiceShape, baseline: Baseline | undefined, decision: ScalingDecision) {
  let shape = { ...live };
  let remembered = baseline;
  for (const action of decision.actions) {
    if (action.kind === 'register-bounds') shape = { ...shape, bounds: { min: action.min, max: action.max } };
    if (action.kind === 'update-desired-count') shape = { ...shape, desiredCount: action.count };
    if (action.kind === 'remember-baseline') remembered = action.baseline;
    if (action.kind === 'forget-baseline') remembered = undefined;
  }
  return { live: shape, baseline: remembered };
}

const kinds = (actions: ScalingAction[]) => actions.map((a) => a.kind);

describe('shapeFor: what a target means for a service', () => {
  it.each<[string, ScaleTarget, ServiceShape, ServiceShape]>([
    [
      'bounds on a scalable service: the bounds, the count left inside them',
      { kind: 'bounds', min: 2, max: 8 },
      scalable(5, 1, 4),
      scalable(5, 2, 8),
    ],
    ['bounds on a scalable service: a count below min moves up', { kind: 'bounds', min: 4, max: 8 }, scalable(2, 1, 4), scalable(4, 4, 8)],
    [
      'bounds on a scalable service: a count above max moves down',
      { kind: 'bounds', min: 1, max: 3 },
      scalable(6, 2, 10),
      scalable(3, 1, 3),
    ],
    ['bounds on a plain service: the count clamped, inside', { kind: 'bounds', min: 2, max: 8 }, plain(5), plain(5)],
    ['bounds on a plain service: the count clamped, below', { kind: 'bounds', min: 2, max: 8 }, plain(1), plain(2)],
    ['bounds on a plain service: the count clamped, above', { kind: 'bounds', min: 2, max: 8 }, plain(12), plain(8)],
    ['desired on a scalable service pins min = max = count', { kind: 'desired', count: 6 }, scalable(3, 2, 10), scalable(6, 6, 6)],
    ['desired on a plain service sets the count', { kind: 'desired', count: 6 }, plain(3), plain(6)],
    ['stop on a scalable service: bounds 0/0 and no task', { kind: 'stop' }, scalable(3, 2, 10), scalable(0, 0, 0)],
    ['stop on a plain service: no task', { kind: 'stop' }, plain(3), plain(0)],
  ])('%s', (_what, target, live, expected) => {
    expect(shapeFor(target, live, undefined)).toEqual(expected);
  });

  it('restore is the remembered count and bounds, exactly', () => {
    const baseline: Baseline = { desiredCount: 3, bounds: { min: 2, max: 10 }, rememberedAt: NOW.toISOString() };
    expect(shapeFor({ kind: 'restore' }, scalable(0, 0, 0), baseline)).toEqual(scalable(3, 2, 10));
    expect(shapeFor({ kind: 'restore' }, plain(0), { desiredCount: 3, rememberedAt: NOW.toISOString() })).toEqual(plain(3));
  });

  it('restore with nothing remembered is no shape at all (nothing to do)', () => {
    expect(shapeFor({ kind: 'restore' }, plain(4), undefined)).toBeUndefined();
  });

  it('restore of a service that got a scalable target since: its bounds stay, the count moves into them', () => {
    expect(shapeFor({ kind: 'restore' }, scalable(0, 4, 10), { desiredCount: 3, rememberedAt: NOW.toISOString() })).toEqual(
      scalable(4, 4, 10),
    );
  });

  it('restore of a service whose scalable target is gone: the count alone', () => {
    expect(shapeFor({ kind: 'restore' }, plain(0), { desiredCount: 3, bounds: { min: 2, max: 10 }, rememberedAt: '' })).toEqual(plain(3));
  });
});

describe('decideScaling: changes and the baseline', () => {
  it('remembers the baseline before the first change, registers the bounds, then sets the count', () => {
    const decision = decideScaling(facts(period({ kind: 'bounds', min: 4, max: 12 }), scalable(3, 2, 10)));

    expect(decision).toMatchObject({ kind: 'change', from: scalable(3, 2, 10), to: scalable(4, 4, 12), baseline: 'remembered' });
    expect(decision.actions).toEqual([
      { kind: 'remember-baseline', baseline: { desiredCount: 3, bounds: { min: 2, max: 10 }, rememberedAt: NOW.toISOString() } },
      { kind: 'register-bounds', min: 4, max: 12 },
      { kind: 'update-desired-count', count: 4 },
      {
        kind: 'record-last',
        last: {
          kind: 'scaled',
          at: NOW.toISOString(),
          from: scalable(3, 2, 10),
          to: scalable(4, 4, 12),
          why: period({ kind: 'bounds', min: 4, max: 12 }),
        },
      },
    ]);
  });

  it('registers only the bounds when the count already lies inside them (target tracking keeps working)', () => {
    const decision = decideScaling(facts(period({ kind: 'bounds', min: 2, max: 20 }), scalable(5, 2, 10)));

    expect(kinds(decision.actions)).toEqual(['remember-baseline', 'register-bounds', 'record-last']);
  });

  it('keeps the first baseline across further periods', () => {
    const baseline: Baseline = { desiredCount: 3, rememberedAt: at(-60).toISOString() };
    const decision = decideScaling(facts(period({ kind: 'desired', count: 8 }, 'peak'), plain(5), { baseline }));

    expect(decision).toMatchObject({ kind: 'change', baseline: 'kept', to: plain(8) });
    expect(kinds(decision.actions)).toEqual(['update-desired-count', 'record-last']);
  });

  it('restores and forgets the baseline', () => {
    const baseline: Baseline = { desiredCount: 3, bounds: { min: 2, max: 10 }, rememberedAt: at(-600).toISOString() };
    const decision = decideScaling(facts(outside, scalable(0, 0, 0), { baseline }));

    expect(decision).toMatchObject({ kind: 'change', to: scalable(3, 2, 10), baseline: 'forgotten' });
    expect(kinds(decision.actions)).toEqual(['register-bounds', 'update-desired-count', 'forget-baseline', 'record-last']);
  });

  it('does nothing and remembers nothing when the service is already as the period wants it', () => {
    expect(decideScaling(facts(period({ kind: 'desired', count: 3 }), plain(3)))).toEqual({
      kind: 'nothing',
      reason: 'already as it should be (3 tasks)',
      actions: [],
    });
  });

  it('does nothing for a restore when nothing is remembered', () => {
    expect(decideScaling(facts(outside, plain(4)))).toMatchObject({ kind: 'nothing', actions: [] });
  });

  it('forgets a baseline the service is already back at (restored by hand, or a crash before the forget)', () => {
    const baseline: Baseline = { desiredCount: 3, rememberedAt: at(-60).toISOString() };

    expect(decideScaling(facts(outside, plain(3), { baseline }))).toMatchObject({
      kind: 'nothing',
      actions: [{ kind: 'forget-baseline' }],
    });
  });

  it('is a no-op when applied twice', () => {
    const why = period({ kind: 'bounds', min: 4, max: 12 });
    const first = decideScaling(facts(why, scalable(3, 2, 10)));
    const after = apply(scalable(3, 2, 10), undefined, first);

    const second = decideScaling(facts(why, after.live, { baseline: after.baseline }));

    expect(second).toMatchObject({ kind: 'nothing', actions: [] });
  });
});

describe('restore arithmetic: back to the exact previous values', () => {
  it.each<[string, ServiceShape, ScalingWhy[]]>([
    ['plain 3 → stop → restore', plain(3), [STOP]],
    ['scalable 3 (2–10) → stop → restore', scalable(3, 2, 10), [STOP]],
    ['scalable 7 (2–10) → bounds 1–3 → restore', scalable(7, 2, 10), [period({ kind: 'bounds', min: 1, max: 3 })]],
    ['plain 5 → bounds 1–2 → restore', plain(5), [period({ kind: 'bounds', min: 1, max: 2 })]],
    ['scalable 3 (2–10) → desired 6 → restore', scalable(3, 2, 10), [period({ kind: 'desired', count: 6 })]],
    [
      'scalable 4 (1–10) → bounds 6–20 → desired 9 → stop → restore',
      scalable(4, 1, 10),
      [period({ kind: 'bounds', min: 6, max: 20 }), period({ kind: 'desired', count: 9 }), STOP],
    ],
    ['plain 1 → desired 12 → stop → restore', plain(1), [period({ kind: 'desired', count: 12 }), STOP]],
  ])('%s', (_what, start, periods) => {
    let state = { live: start, baseline: undefined as Baseline | undefined };
    for (const why of periods)
      state = apply(state.live, state.baseline, decideScaling(facts(why, state.live, { baseline: state.baseline })));

    const restored = apply(state.live, state.baseline, decideScaling(facts(outside, state.live, { baseline: state.baseline })));

    expect(restored.live).toEqual(start);
    expect(restored.baseline).toBeUndefined();
  });
});

describe('decideScaling: never during a deployment', () => {
  const ROLLOUT = 'ECS deployment ecs-svc/1 is IN_PROGRESS';
  const why = period({ kind: 'desired', count: 6 });

  it('defers a change during an ECS rollout: a retry in 2 minutes, recorded', () => {
    const decision = decideScaling(facts(why, plain(3), { rollout: ROLLOUT }));

    const deferral: Deferral = { since: NOW.toISOString(), attempt: 1, retryAt: at(2).toISOString(), reason: ROLLOUT };
    expect(decision).toEqual({
      kind: 'defer',
      from: plain(3),
      to: plain(6),
      reason: ROLLOUT,
      blockedBy: ['ecs-rollout'],
      deferral,
      actions: [
        { kind: 'set-retry-timer', attempt: 1, at: at(2), since: NOW.toISOString() },
        { kind: 'record-deferral', deferral },
        {
          kind: 'record-last',
          last: { kind: 'deferred', at: NOW.toISOString(), reason: ROLLOUT, attempt: 1, retryAt: at(2).toISOString() },
        },
      ],
    });
  });

  it('defers during an ecs-autopilot blue/green deployment, and names both when both run', () => {
    expect(decideScaling(facts(why, plain(3), { blueGreen: 'a blue/green deployment is in progress' }))).toMatchObject({
      kind: 'defer',
      blockedBy: ['blue-green'],
    });
    expect(decideScaling(facts(why, plain(3), { rollout: ROLLOUT, blueGreen: 'blue/green' }))).toMatchObject({
      kind: 'defer',
      blockedBy: ['ecs-rollout', 'blue-green'],
      reason: `${ROLLOUT}; blue/green`,
    });
  });

  it('does not defer what needs no change: a service already as it should be is left alone during a deployment', () => {
    expect(decideScaling(facts(why, plain(6), { rollout: ROLLOUT }))).toMatchObject({ kind: 'nothing', actions: [] });
  });

  it('does not remember a baseline while deferring (nothing changes yet)', () => {
    expect(kinds(decideScaling(facts(STOP, plain(3), { rollout: ROLLOUT })).actions)).not.toContain('remember-baseline');
  });

  it('waits 2, 4, 8, then 15 minutes between retries', () => {
    expect([1, 2, 3, 4, 5, 9].map(retryDelaySeconds)).toEqual([120, 240, 480, 900, 900, 900]);
  });

  it('retries until about 2 hours have passed, then gives up with a failure to alert', () => {
    let deferral: Deferral | undefined;
    let now = NOW;
    const delays: number[] = [];
    let decision: ScalingDecision;
    for (;;) {
      decision = decideScaling(facts(why, plain(3), { rollout: ROLLOUT, deferral, retryOf: deferral?.attempt, now }));
      if (decision.kind !== 'defer') break;
      const retryAt = new Date(decision.deferral.retryAt);
      delays.push((retryAt.getTime() - now.getTime()) / 60_000);
      deferral = decision.deferral;
      now = retryAt;
    }

    expect(delays).toEqual([2, 4, 8, 15, 15, 15, 15, 15, 15, 15]);
    expect(now).toEqual(at(119));
    expect(decision).toMatchObject({
      kind: 'give-up',
      to: plain(6),
      reason: `the change to 6 tasks was deferred for 119 minutes and is given up: ${ROLLOUT}`,
      nextStep: expect.stringMatching(/^check the service deployment in the ECS console/),
      actions: [{ kind: 'clear-deferral' }, { kind: 'record-last', last: { kind: 'failed', at: at(119).toISOString() } }],
    });
  });

  it('leaves a pending retry alone: a scheduled firing meanwhile neither sets another timer nor publishes', () => {
    const deferral: Deferral = { since: at(-2).toISOString(), attempt: 2, retryAt: at(2).toISOString(), reason: ROLLOUT };

    expect(decideScaling(facts(why, plain(3), { rollout: ROLLOUT, deferral }))).toEqual({
      kind: 'nothing',
      reason: `deferred already: retry 2 at ${at(2).toISOString()} (${ROLLOUT})`,
      actions: [],
    });
  });

  it('continues the chain from the retry timer, even one that fires a little early', () => {
    const deferral: Deferral = { since: at(-2).toISOString(), attempt: 1, retryAt: at(0).toISOString(), reason: ROLLOUT };

    expect(decideScaling(facts(why, plain(3), { rollout: ROLLOUT, deferral, retryOf: 1 }))).toMatchObject({
      kind: 'defer',
      deferral: { since: at(-2).toISOString(), attempt: 2, retryAt: at(4).toISOString() },
    });
  });

  it('starts a new chain when the recorded deferral is long overdue (its chain ended without clearing it)', () => {
    const deferral: Deferral = { since: at(-600).toISOString(), attempt: 9, retryAt: at(-480).toISOString(), reason: ROLLOUT };

    expect(decideScaling(facts(why, plain(3), { rollout: ROLLOUT, deferral }))).toMatchObject({
      kind: 'defer',
      deferral: { since: NOW.toISOString(), attempt: 1, retryAt: at(2).toISOString() },
    });
  });

  it('applies the change and clears the deferral once the deployment is over', () => {
    const deferral: Deferral = { since: at(-6).toISOString(), attempt: 2, retryAt: at(0).toISOString(), reason: ROLLOUT };

    const decision = decideScaling(facts(why, plain(3), { deferral, retryOf: 2 }));

    expect(decision).toMatchObject({ kind: 'change', to: plain(6) });
    expect(kinds(decision.actions)).toEqual(['remember-baseline', 'update-desired-count', 'clear-deferral', 'record-last']);
  });

  it('clears a deferral whose change is no longer needed, silently', () => {
    const deferral: Deferral = { since: at(-6).toISOString(), attempt: 2, retryAt: at(0).toISOString(), reason: ROLLOUT };

    expect(decideScaling(facts(why, plain(6), { deferral, retryOf: 2 }))).toMatchObject({
      kind: 'nothing',
      actions: [{ kind: 'clear-deferral' }],
    });
  });
});

describe('rolloutInProgress', () => {
  it.each<[string, Parameters<typeof rolloutInProgress>[0], string | undefined]>([
    ['one COMPLETED deployment', [{ id: 'ecs-svc/1', status: 'PRIMARY', rolloutState: 'COMPLETED' }], undefined],
    ['no deployment at all (an external controller)', [], undefined],
    [
      'a deployment IN_PROGRESS',
      [{ id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', rolloutStateReason: 'ECS deployment ecs-svc/2 in progress.' }],
      'ECS deployment ecs-svc/2 is IN_PROGRESS: ECS deployment ecs-svc/2 in progress.',
    ],
    [
      'two deployments, old and new tasks side by side',
      [
        { id: 'ecs-svc/3', status: 'PRIMARY', rolloutState: 'COMPLETED' },
        { id: 'ecs-svc/2', status: 'ACTIVE', rolloutState: 'COMPLETED' },
      ],
      'ECS has 2 deployments of the service (ecs-svc/3 PRIMARY, ecs-svc/2 ACTIVE)',
    ],
  ])('%s', (_what, deployments, expected) => {
    expect(rolloutInProgress(deployments)).toBe(expected);
  });
});

describe('blueGreenInProgress (the lock issue 5 writes)', () => {
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

  it('holds while in progress and not expired', () => {
    expect(blueGreenInProgress({ status: 'in-progress', expiresAt: seconds(at(30)), deploymentId: 'bg-7' }, NOW)).toBe(
      `an ecs-autopilot blue/green deployment bg-7 is in progress, at the latest until ${at(30).toISOString()}`,
    );
  });

  it('is released once expired, even before the TTL deletes the item', () => {
    expect(blueGreenInProgress({ status: 'in-progress', expiresAt: seconds(at(-1)) }, NOW)).toBeUndefined();
  });

  it('is released by any other status, and absent without an item', () => {
    expect(blueGreenInProgress({ status: 'completed', expiresAt: seconds(at(30)) }, NOW)).toBeUndefined();
    expect(blueGreenInProgress(undefined, NOW)).toBeUndefined();
  });

  it('holds without a valid expiresAt (scaling under a deployment is the worse mistake)', () => {
    expect(blueGreenInProgress({ status: 'in-progress' }, NOW)).toBe('an ecs-autopilot blue/green deployment is in progress');
  });
});

describe('parseScalingInput', () => {
  it('reads a scheduled firing and a retry timer', () => {
    expect(parseScalingInput({ service: 'web' })).toEqual({ service: 'web' });
    expect(parseScalingInput({ timer: 'scaling-retry', service: 'web', attempt: 3 })).toEqual({
      timer: 'scaling-retry',
      service: 'web',
      attempt: 3,
    });
  });

  it('says what is wrong with anything else', () => {
    expect(() => parseScalingInput({ job: 'nightly' })).toThrow(/not a scale-service firing .*service/);
    expect(() => parseScalingInput({ timer: 'scaling-retry', service: 'web', attempt: 0 })).toThrow(/retry timer \(attempt/);
  });
});

describe('scaleService: AWS errors', () => {
  const automation = validateAutomation({
    services: {
      worker: {
        cluster: 'shop',
        scaling: { timezone: 'UTC', periods: { peak: { days: 'MON-FRI', from: '08:00', to: '18:00', desired: 5 } } },
      },
    },
  });

  function awsError(name: string, status: number | undefined, fault: 'client' | 'server' = 'client') {
    return Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
  }

  /** A runtime whose clients answer from `answers` (a function per command name) and that remembers what was written. */
  function runtime(answers: Record<string, () => unknown>) {
    const saved: ScalingMemory[] = [];
    const published: AutopilotEvent[] = [];
    const client = {
      send: async (command: { constructor: { name: string } }) => {
        const answer = answers[command.constructor.name];
        if (!answer) throw new Error(`unexpected ${command.constructor.name}`);
        return answer();
      },
    };
    const rt: ScalingRuntime = {
      automation,
      ecs: client as unknown as ECSClient,
      autoScaling: client as unknown as ApplicationAutoScalingClient,
      memories: {
        get: async (cluster: string, service: string) => ({ cluster, service, version: 0 }),
        save: async (memory: ScalingMemory) => {
          saved.push(memory);
          return { ...memory, version: memory.version + 1 };
        },
      } as unknown as ScalingMemories,
      blueGreen: { inProgress: async () => undefined } as unknown as ScalingRuntime['blueGreen'],
      bus: { publish: async (events: AutopilotEvent[]) => void published.push(...events) } as unknown as EventBus,
      timers: { set: async () => {} },
      log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
      now: () => on('08:00'),
    };
    return { rt, saved, published };
  }

  const on = (time: string) => new Date(`2026-11-23T${time}:00Z`);
  const live = {
    DescribeServicesCommand: () => ({
      services: [
        { serviceName: 'worker', status: 'ACTIVE', desiredCount: 3, deployments: [{ id: 'ecs-svc/1', rolloutState: 'COMPLETED' }] },
      ],
    }),
    DescribeScalableTargetsCommand: () => ({ ScalableTargets: [] }),
  };

  it('throws throttling and 5xx to be retried, recording and publishing nothing', async () => {
    for (const error of [
      awsError('ThrottlingException', 400),
      awsError('InternalServerError', 500, 'server'),
      awsError('TimeoutError', undefined),
    ]) {
      const { rt, saved, published } = runtime({
        ...live,
        DescribeServicesCommand: () => {
          throw error;
        },
      });

      await expect(scaleService({ service: 'worker' }, rt)).rejects.toThrow(RetryableAwsError);
      expect([saved, published]).toEqual([[], []]);
    }
  });

  it('records a permanent failure, with the baseline remembered before the change was tried, and alerts with the next step', async () => {
    const { rt, saved, published } = runtime({
      ...live,
      UpdateServiceCommand: () => {
        throw awsError('AccessDeniedException', 400);
      },
    });

    expect(await scaleService({ service: 'worker' }, rt)).toEqual({
      service: 'worker',
      outcome: 'failed',
      action: 'failed: AccessDeniedException: AccessDeniedException happened',
    });

    expect(saved.map((m) => [m.baseline?.desiredCount, m.last?.kind])).toEqual([
      [3, undefined],
      [3, 'failed'],
    ]);
    expect(published).toMatchObject([
      {
        detailType: 'Service Scaling Failed',
        detail: {
          serviceKey: 'worker',
          to: { desiredCount: 5 },
          nextStep: expect.stringMatching(/^the scale-service role may not scale shop\/worker/),
          alert: { cluster: 'shop', subject: { kind: 'service', name: 'worker' }, category: 'scaling-failed' },
        },
      },
    ]);
  });
});
