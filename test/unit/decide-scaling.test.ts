import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { scaleService } from '../../functions/scale-service.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { RetryableAwsError } from '../../shared/errors.ts';
import type { AutopilotEvent, EventBus } from '../../shared/events/bus.ts';
import type { ScalingWhy, ServiceShape } from '../../shared/events/scaling-events.ts';
import {
  type Baseline,
  type Deferral,
  decideScaling,
  type LastScaling,
  retryDelaySeconds,
  rolloutInProgress,
  type ScalingDecision,
  type ScalingEffect,
  type ScalingFacts,
  type ScalingState,
  shapeFor,
} from '../../shared/scaling/decide.ts';
import type { ScalingRuntime } from '../../shared/scaling/runtime.ts';
import type { ScaleTarget } from '../../shared/scaling/targets.ts';
import { parseScalingInput, retryTimerInput, scheduledFiringInput, scheduledFiringTemplate } from '../../shared/scaling/trigger.ts';
import type { ScalingMemories, ScalingMemory } from '../../shared/state/scaling-memory.ts';
import { blueGreenInProgress } from '../../shared/state/service-locks.ts';

const NOW = new Date('2026-11-23T08:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

const period = (target: ScaleTarget, name = 'business-hours'): ScalingWhy => ({ target, because: { kind: 'period', name } });
const outside: ScalingWhy = { target: { kind: 'restore' }, because: { kind: 'outside' } };
const STOP = period({ kind: 'stop' }, 'night');

const plain = (desiredCount: number): ServiceShape => ({ desiredCount });
const scalable = (desiredCount: number, min: number, max: number): ServiceShape => ({ desiredCount, bounds: { min, max } });

const NAMES = { key: 'web', cluster: 'shop', service: 'web' };
const ARN = 'arn:aws:ecs:eu-central-1:123456789012:service/shop/web';

interface More extends ScalingState {
  rollout?: string;
  blueGreen?: string;
  version?: number;
  retryOf?: number;
  firing?: string;
  now?: Date;
}

function facts(why: ScalingWhy, live: ServiceShape, more: More = {}): ScalingFacts {
  return {
    names: NAMES,
    why,
    state: { baseline: more.baseline, deferral: more.deferral, last: more.last },
    version: more.version ?? 0,
    service: { shape: live, rollout: more.rollout, blueGreen: more.blueGreen, arn: ARN },
    retryOf: more.retryOf,
    firing: more.firing,
    now: more.now ?? NOW,
  };
}

/** Applies a decision's AWS effects to a shape, and takes its new baseline, as the handler would. */
function apply(live: ServiceShape, decision: ScalingDecision) {
  let shape = { ...live };
  for (const effect of decision.effects) {
    if (effect.kind === 'register-bounds') shape = { ...shape, bounds: { min: effect.min, max: effect.max } };
    if (effect.kind === 'update-desired-count') shape = { ...shape, desiredCount: effect.count };
  }
  return { live: shape, baseline: decision.state.baseline };
}

const kinds = (effects: ScalingEffect[]) => effects.map((e) => (e.kind === 'publish' ? `publish ${e.event.detailType}` : e.kind));
const published = (decision: ScalingDecision) => decision.effects.flatMap((e) => (e.kind === 'publish' ? [e.event] : []));

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

  const remembered: Baseline = { desiredCount: 2, bounds: { min: 2, max: 8 }, rememberedAt: NOW.toISOString() };

  it.each<[string, ServiceShape, ServiceShape]>([
    ['target tracking scaled out to 8 under bounds 4-20: the bounds come back, the 8 stays', scalable(8, 4, 20), scalable(8, 2, 8)],
    ['target tracking scaled out to 12: only as far down as the restored max', scalable(12, 4, 20), scalable(8, 2, 8)],
    ['a stopped service (0/0): up to the restored min, target tracking takes it from there', scalable(0, 0, 0), scalable(2, 2, 8)],
    ['a pinned count (desired 6 → 6/6) inside the restored bounds: it stays', scalable(6, 6, 6), scalable(6, 2, 8)],
  ])('restore of a scalable service restores the bounds, never the remembered count: %s', (_what, live, expected) => {
    expect(shapeFor({ kind: 'restore' }, live, remembered)).toEqual(expected);
  });

  it('restore of a plain service is the remembered count, exactly', () => {
    expect(shapeFor({ kind: 'restore' }, plain(0), { desiredCount: 3, rememberedAt: NOW.toISOString() })).toEqual(plain(3));
  });

  it('restore with nothing remembered is no shape at all (nothing to do)', () => {
    expect(shapeFor({ kind: 'restore' }, plain(4), undefined)).toBeUndefined();
  });

  it('restore of a service that got a scalable target since: those bounds (not ours) and its count stay', () => {
    expect(shapeFor({ kind: 'restore' }, scalable(5, 4, 10), { desiredCount: 3, rememberedAt: NOW.toISOString() })).toEqual(
      scalable(5, 4, 10),
    );
  });

  it('restore of a service whose scalable target is gone: the count alone', () => {
    expect(shapeFor({ kind: 'restore' }, plain(0), { desiredCount: 3, bounds: { min: 2, max: 10 }, rememberedAt: '' })).toEqual(plain(3));
  });
});

describe('decideScaling: changes and the baseline', () => {
  it('remembers the baseline with the decision, registers the bounds, sets the count, and publishes Service Scaled under an id', () => {
    const why = period({ kind: 'bounds', min: 4, max: 12 });
    const decision = decideScaling(facts(why, scalable(3, 2, 10), { version: 6, firing: '2026-11-23T08:00:00.000Z' }));

    expect(decision).toMatchObject({ kind: 'change', from: scalable(3, 2, 10), to: scalable(4, 4, 12), baseline: 'remembered' });
    expect(decision.state).toEqual({
      baseline: { desiredCount: 3, bounds: { min: 2, max: 10 }, rememberedAt: NOW.toISOString() },
      deferral: undefined,
      last: {
        kind: 'scaled',
        at: NOW.toISOString(),
        from: scalable(3, 2, 10),
        to: scalable(4, 4, 12),
        why,
        firing: '2026-11-23T08:00:00.000Z',
      },
    });
    expect(decision.effects).toEqual([
      { kind: 'register-bounds', min: 4, max: 12 },
      { kind: 'update-desired-count', from: 3, count: 4 },
      {
        kind: 'publish',
        event: {
          id: 'service-scaled:shop/web:7:1',
          detailType: 'Service Scaled',
          detail: {
            serviceKey: 'web',
            service: 'web',
            cluster: 'shop',
            from: scalable(3, 2, 10),
            to: scalable(4, 4, 12),
            why,
            baseline: 'remembered',
          },
          resources: [ARN],
          time: NOW.toISOString(),
        },
      },
    ]);
  });

  it('decides the same event id for the same decision: a replay publishes the same event', () => {
    const decide = () => decideScaling(facts(period({ kind: 'desired', count: 5 }), plain(3), { version: 2 }));
    expect(published(decide())).toEqual(published(decide()));
    expect(published(decide())[0]?.id).toBe('service-scaled:shop/web:3:1');
  });

  it('registers only the bounds when the count already lies inside them (target tracking keeps working)', () => {
    const decision = decideScaling(facts(period({ kind: 'bounds', min: 2, max: 20 }), scalable(5, 2, 10)));

    expect(kinds(decision.effects)).toEqual(['register-bounds', 'publish Service Scaled']);
  });

  it('keeps the first baseline across further periods', () => {
    const baseline: Baseline = { desiredCount: 3, rememberedAt: at(-60).toISOString() };
    const decision = decideScaling(facts(period({ kind: 'desired', count: 8 }, 'peak'), plain(5), { baseline }));

    expect(decision).toMatchObject({ kind: 'change', baseline: 'kept', to: plain(8), state: { baseline } });
    expect(kinds(decision.effects)).toEqual(['update-desired-count', 'publish Service Scaled']);
  });

  it('restores the bounds, leaves the count target tracking chose inside them, and forgets the baseline', () => {
    const baseline: Baseline = { desiredCount: 2, bounds: { min: 2, max: 8 }, rememberedAt: at(-600).toISOString() };
    const decision = decideScaling(facts(outside, scalable(8, 4, 20), { baseline }));

    expect(decision).toMatchObject({ kind: 'change', to: scalable(8, 2, 8), baseline: 'forgotten', state: { baseline: undefined } });
    expect(decision.effects[0]).toEqual({ kind: 'register-bounds', min: 2, max: 8 });
    expect(kinds(decision.effects)).toEqual(['register-bounds', 'publish Service Scaled']);
  });

  it('does nothing, and keeps the memory it read, when the service is already as the period wants it', () => {
    const state = facts(period({ kind: 'desired', count: 3 }), plain(3));
    const decision = decideScaling(state);

    expect(decision).toEqual({ kind: 'nothing', reason: 'already as it should be (3 tasks)', state: state.state, effects: [] });
    expect(decision.state).toBe(state.state);
  });

  it('does nothing for a restore when nothing is remembered', () => {
    expect(decideScaling(facts(outside, plain(4)))).toMatchObject({ kind: 'nothing', effects: [] });
  });

  it('forgets a baseline the service is already back at (restored by hand), silently', () => {
    const baseline: Baseline = { desiredCount: 3, rememberedAt: at(-60).toISOString() };

    const decision = decideScaling(facts(outside, plain(3), { baseline }));

    expect(decision).toMatchObject({ kind: 'nothing', effects: [] });
    expect(decision.state.baseline).toBeUndefined();
  });

  it('is a no-op when applied twice', () => {
    const why = period({ kind: 'bounds', min: 4, max: 12 });
    const first = decideScaling(facts(why, scalable(3, 2, 10)));
    const after = apply(scalable(3, 2, 10), first);

    const second = decideScaling(facts(why, after.live, { baseline: after.baseline }));

    expect(second).toMatchObject({ kind: 'nothing', effects: [] });
  });
});

describe('restore arithmetic: back to the bounds exactly; the count exactly for a plain service', () => {
  it.each<[string, ServiceShape, ScalingWhy[], ServiceShape]>([
    ['plain 3 → stop → restore', plain(3), [STOP], plain(3)],
    ['plain 5 → bounds 1–2 → restore', plain(5), [period({ kind: 'bounds', min: 1, max: 2 })], plain(5)],
    ['plain 1 → desired 12 → stop → restore', plain(1), [period({ kind: 'desired', count: 12 }), STOP], plain(1)],
    ['scalable 3 (2–10) → stop → restore: up to min', scalable(3, 2, 10), [STOP], scalable(2, 2, 10)],
    [
      'scalable 7 (2–10) → bounds 1–3 → restore: 3 is inside 2–10',
      scalable(7, 2, 10),
      [period({ kind: 'bounds', min: 1, max: 3 })],
      scalable(3, 2, 10),
    ],
    [
      'scalable 3 (2–10) → desired 6 → restore: 6 is inside 2–10',
      scalable(3, 2, 10),
      [period({ kind: 'desired', count: 6 })],
      scalable(6, 2, 10),
    ],
    [
      'scalable 4 (1–10) → bounds 6–20 → desired 12 → restore: down to max',
      scalable(4, 1, 10),
      [period({ kind: 'bounds', min: 6, max: 20 }), period({ kind: 'desired', count: 12 })],
      scalable(10, 1, 10),
    ],
  ])('%s', (_what, start, periods, expected) => {
    let state = { live: start, baseline: undefined as Baseline | undefined };
    for (const why of periods) state = apply(state.live, decideScaling(facts(why, state.live, { baseline: state.baseline })));

    const restored = apply(state.live, decideScaling(facts(outside, state.live, { baseline: state.baseline })));

    expect(restored.live).toEqual(expected);
    expect(restored.baseline).toBeUndefined();
  });
});

describe('decideScaling: never during a deployment', () => {
  const ROLLOUT = 'ECS deployment ecs-svc/1 is IN_PROGRESS';
  const why = period({ kind: 'desired', count: 6 });

  it('defers a change during an ECS rollout: a retry timer in 2 minutes, recorded and published', () => {
    const decision = decideScaling(facts(why, plain(3), { rollout: ROLLOUT }));

    const deferral: Deferral = { since: NOW.toISOString(), attempt: 1, retryAt: at(2).toISOString(), reason: ROLLOUT };
    expect(decision).toMatchObject({
      kind: 'defer',
      from: plain(3),
      to: plain(6),
      reason: ROLLOUT,
      blockedBy: ['ecs-rollout'],
      deferral,
      state: {
        deferral,
        last: { kind: 'deferred', at: NOW.toISOString(), reason: ROLLOUT, attempt: 1, retryAt: at(2).toISOString() },
      },
    });
    expect(decision.effects).toEqual([
      { kind: 'set-retry-timer', attempt: 1, at: at(2).toISOString(), since: NOW.toISOString() },
      {
        kind: 'publish',
        event: expect.objectContaining({
          id: 'service-scaling-deferred:shop/web:1:1',
          detailType: 'Service Scaling Deferred',
          detail: expect.objectContaining({ attempt: 1, retryAt: at(2).toISOString(), deferredSince: NOW.toISOString() }),
        }),
      },
    ]);
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
    expect(decideScaling(facts(why, plain(6), { rollout: ROLLOUT }))).toMatchObject({ kind: 'nothing', effects: [] });
  });

  it('does not remember a baseline while deferring (nothing changes yet)', () => {
    expect(decideScaling(facts(STOP, plain(3), { rollout: ROLLOUT })).state.baseline).toBeUndefined();
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
      state: { deferral: undefined, last: { kind: 'failed', at: at(119).toISOString() } },
    });
    expect(published(decision)).toMatchObject([
      { detailType: 'Service Scaling Failed', detail: { to: plain(6), alert: { category: 'scaling-failed', severity: 'critical' } } },
    ]);
  });

  it('leaves a pending retry alone: a scheduled firing meanwhile neither sets another timer nor publishes', () => {
    const deferral: Deferral = { since: at(-2).toISOString(), attempt: 2, retryAt: at(2).toISOString(), reason: ROLLOUT };
    const read = facts(why, plain(3), { rollout: ROLLOUT, deferral });

    expect(decideScaling(read)).toEqual({
      kind: 'nothing',
      reason: `deferred already: retry 2 at ${at(2).toISOString()} (${ROLLOUT})`,
      state: read.state,
      effects: [],
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

    expect(decision).toMatchObject({ kind: 'change', to: plain(6), state: { deferral: undefined, baseline: { desiredCount: 3 } } });
    expect(kinds(decision.effects)).toEqual(['update-desired-count', 'publish Service Scaled']);
  });

  it('clears a deferral whose change is no longer needed, silently', () => {
    const deferral: Deferral = { since: at(-6).toISOString(), attempt: 2, retryAt: at(0).toISOString(), reason: ROLLOUT };

    const decision = decideScaling(facts(why, plain(6), { deferral, retryOf: 2 }));

    expect(decision).toMatchObject({ kind: 'nothing', effects: [] });
    expect(decision.state.deferral).toBeUndefined();
  });
});

describe('decideScaling: permanent failures', () => {
  const unreadable = (more: More = {}): ScalingFacts => ({
    ...facts(period({ kind: 'desired', count: 5 }), plain(3), more),
    service: { unreadable: { name: 'ServiceMissingError', message: 'ECS service web in cluster shop is not active (INACTIVE)' } },
  });

  it('records a service that cannot be read, and publishes the failure with an alert and the next step', () => {
    const decision = decideScaling(unreadable({ firing: '2026-11-23T08:00:00.000Z', version: 4 }));

    expect(decision).toMatchObject({
      kind: 'fail',
      nextStep: 'check services.web in automation.yml: ECS has no active service web in cluster shop',
      state: { last: { kind: 'failed', firing: '2026-11-23T08:00:00.000Z' } },
    });
    expect(published(decision)).toMatchObject([
      {
        id: 'service-scaling-failed:shop/web:5:1',
        detailType: 'Service Scaling Failed',
        detail: { why: period({ kind: 'desired', count: 5 }), alert: { subject: { kind: 'service', name: 'web' } } },
      },
    ]);
  });

  it('answers a firing delivered again after its failure with nothing: no second attempt, no second alert', () => {
    const last: LastScaling = { kind: 'failed', at: NOW.toISOString(), reason: 'AccessDeniedException: no', firing: 'the 08:00 firing' };

    expect(decideScaling(unreadable({ last, firing: 'the 08:00 firing' }))).toMatchObject({
      kind: 'nothing',
      reason: 'this firing failed already: AccessDeniedException: no',
      effects: [],
    });
    expect(decideScaling(unreadable({ last, firing: 'the 18:00 firing' }))).toMatchObject({ kind: 'fail' });
    expect(decideScaling(unreadable({ last: { ...last, firing: undefined } }))).toMatchObject({ kind: 'fail' });
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

describe('blueGreenInProgress (the lock blue/green writes)', () => {
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
    expect(blueGreenInProgress({ status: 'released', expiresAt: seconds(at(30)) }, NOW)).toBeUndefined();
    expect(blueGreenInProgress(undefined, NOW)).toBeUndefined();
  });

  it('holds without a valid expiresAt (scaling under a deployment is the worse mistake)', () => {
    expect(blueGreenInProgress({ status: 'in-progress' }, NOW)).toBe('an ecs-autopilot blue/green deployment is in progress');
  });
});

describe('the trigger: what invokes scale-service', () => {
  it('reads a firing as Scheduler fills in the template, naming it by its scheduled time', () => {
    const template = scheduledFiringTemplate('web');
    expect(JSON.parse(template)).toEqual({ service: 'web', scheduledTime: '<aws.scheduler.scheduled-time>' });
    const delivered = JSON.parse(template.replace('<aws.scheduler.scheduled-time>', '2026-11-23T08:00:00Z'));

    expect(parseScalingInput(delivered)).toEqual({ service: 'web', firing: '2026-11-23T08:00:00.000Z' });
    expect(scheduledFiringInput('web', new Date('2026-11-23T08:00:00.000Z'))).toEqual(delivered);
  });

  it('reads the firing of a stack deployed before the scheduled time was sent (the key alone)', () => {
    expect(parseScalingInput({ service: 'web' })).toEqual({ service: 'web', firing: undefined });
  });

  it('reads a retry timer, naming it by its chain and attempt', () => {
    expect(parseScalingInput(retryTimerInput('web', 3, '2026-11-23T08:00:00.000Z'))).toEqual({
      service: 'web',
      attempt: 3,
      firing: 'retry 3 of the deferral since 2026-11-23T08:00:00.000Z',
    });
    expect(parseScalingInput({ timer: 'scaling-retry', service: 'web', attempt: 3 })).toEqual({
      service: 'web',
      attempt: 3,
      firing: undefined,
    });
  });

  it('says what is wrong with anything else', () => {
    expect(() => parseScalingInput({ job: 'nightly' })).toThrow(/not a scale-service firing .*service/);
    expect(() => parseScalingInput({ service: 'web', scheduledTime: 'at eight' })).toThrow(
      /not a scale-service firing .*\(scheduledTime: /,
    );
    expect(() => parseScalingInput({ timer: 'scaling-retry', service: 'web', attempt: 0 })).toThrow(/retry timer \(attempt/);
  });
});

describe('scaleService: transient AWS errors', () => {
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

  it('throws throttling, 5xx and unanswered reads to be retried, writing and publishing nothing', async () => {
    for (const error of [
      awsError('ThrottlingException', 400),
      awsError('InternalServerError', 500, 'server'),
      awsError('TimeoutError', undefined),
    ]) {
      const saved: ScalingMemory[] = [];
      const publishedEvents: AutopilotEvent[] = [];
      const client = {
        send: async () => {
          throw error;
        },
      };
      const rt: ScalingRuntime = {
        automation,
        ecs: client as unknown as ECSClient,
        autoScaling: client as unknown as ApplicationAutoScalingClient,
        memories: {
          get: async (cluster: string, service: string) => ({ cluster, service, outbox: [], version: 0 }),
          save: async (memory: ScalingMemory) => void saved.push(memory),
        } as unknown as ScalingMemories,
        blueGreenLocks: { inProgress: async () => undefined } as unknown as ScalingRuntime['blueGreenLocks'],
        bus: { publish: async (events: AutopilotEvent[]) => void publishedEvents.push(...events) } as unknown as EventBus,
        timers: { set: async () => {} },
        log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
        now: () => NOW,
      };

      await expect(scaleService({ service: 'worker' }, rt)).rejects.toThrow(RetryableAwsError);
      expect([saved, publishedEvents]).toEqual([[], []]);
    }
  });
});
