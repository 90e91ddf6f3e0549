/**
 * Gates that never blink: an inconclusive metric check (no data, or just past its limit) holds a
 * deployment for a person when the app says `onInconclusive: pause`; promote continues, abort rolls
 * back, a clear failure still rolls back; `onTimeout` says what happens when nobody answers. And the
 * autoscaling of the colours: bounds copied, the live colour's scale-in suspended then put back, the
 * new colour sized before 100% (sizing.ts).
 */
import { describe, expect, it } from 'vitest';
import { stageLine } from '../../cli/deploy.ts';
import type { AlertDetail } from '../../shared/alerts/decide.ts';
import { humanMessage } from '../../shared/alerts/render.ts';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { HOLD_SECONDS, transition } from '../../shared/blue-green/decide.ts';
import { firstRoute, splitsFor, weightsFor } from '../../shared/blue-green/forward.ts';
import { gatesVerdict, metricVerdict } from '../../shared/blue-green/gates.ts';
import type {
  Action,
  AppSpec,
  Deployment,
  DeploymentEvent,
  MetricCheck,
  MetricResult,
  ScalableTargetFacts,
} from '../../shared/blue-green/model.ts';
import { newColourBounds, newColourCount } from '../../shared/blue-green/sizing.ts';
import { appSchema, resolveApp } from '../../shared/config/apps-schema.ts';
import { alertGroupKey } from '../../shared/events/alert.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-central-1:123456789012';
const TG_BLUE = `${ARN}:targetgroup/shop-blue/0000000000000001`;
const TG_GREEN = `${ARN}:targetgroup/shop-green/0000000000000002`;
const LISTENER = `${ARN}:listener/app/shop/0000000000000003/0000000000000004`;
const REVISION = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/shop:42';

const errorRate: MetricCheck = {
  name: 'error-rate',
  expression: 'errors',
  queries: {},
  windowSeconds: 300,
  max: 1,
  onNoData: 'inconclusive',
  inconclusiveMargin: 0.5,
};

const app: AppSpec = {
  name: 'shop',
  cluster: 'web',
  listener: LISTENER,
  colours: { blue: { service: 'shop-blue', targetGroup: TG_BLUE }, green: { service: 'shop-green', targetGroup: TG_GREEN } },
  routes: [{ listener: LISTENER, targetGroups: { blue: TG_BLUE, green: TG_GREEN }, shift: 'weighted' }],
  strategy: 'steps',
  steps: [
    { weight: 10, pause: { kind: 'for', seconds: 300 } },
    { weight: 50, pause: { kind: 'until-promoted' } },
    { weight: 100, pause: { kind: 'for', seconds: 600 } },
  ],
  gates: { alarms: ['shop-5xx'], minHealthyTargets: 1, metrics: [errorRate], onInconclusive: 'pause' },
  bakeSeconds: 600,
  rollbackWindowSeconds: 1_800,
  timeouts: { readySeconds: 900, promoteSeconds: 86_400, holdSeconds: 1_200 },
  allowed: { families: ['shop'], images: undefined, roles: [] },
};

const NOW = new Date('2026-11-23T12:00:00Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const iso = (seconds: number) => later(seconds).toISOString();

const at10: Deployment = {
  app: 'shop',
  id: 'shop-1',
  version: 3,
  stage: 'paused',
  requestedAt: iso(-900),
  taskDefinition: REVISION,
  from: 'blue',
  to: 'green',
  original: { targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 0), raw: '[]' },
  toBefore: { desiredCount: 0, taskDefinition: 'shop:41' },
  desiredCount: 4,
  step: 0,
  newPercent: 10,
  stageSince: iso(-100),
  pauseEndsAt: iso(200),
  weights: [{ at: iso(-100), newPercent: 10, why: 'step 1 of 3' }],
  outbox: [],
  updatedAt: iso(-100),
};
const at100: Deployment = {
  ...at10,
  stage: 'baking',
  step: 2,
  newPercent: 100,
  weights: [...at10.weights, { at: iso(-50), newPercent: 100, why: 'step 3 of 3' }],
};

const healthy = { healthy: 4, unhealthy: 0 };
const gates = (
  d: Deployment,
  metrics: MetricResult[],
  more: Partial<DeploymentEvent & { kind: 'gates-checked' }> = {},
): DeploymentEvent => ({
  kind: 'gates-checked',
  alarmsInAlarm: [],
  health: healthy,
  metrics,
  runs: REVISION,
  forward: splitsFor(app, 'blue', 'green', d.newPercent),
  ...more,
});
const passing = [{ name: 'error-rate', value: 0.4 }];
const justOver = [{ name: 'error-rate', value: 1.3 }];
const clearlyOver = [{ name: 'error-rate', value: 1.6 }];
const noData = [{ name: 'error-rate', value: undefined }];
const promote = (step: number): DeploymentEvent => ({ kind: 'promote', requestId: `p-${step}`, deploymentId: 'shop-1', step, by: 'ana' });
const kinds = (actions: Action[]) => actions.map((a) => (a.kind === 'publish' ? a.detailType : a.kind));

describe('metric checks: inconclusive between a pass and a failure', () => {
  const verdict = (check: Partial<MetricCheck>, result: Partial<MetricResult>) =>
    metricVerdict({ ...errorRate, ...check }, { name: 'error-rate', value: undefined, ...result }, 'shop-green');

  it.each([
    ['max: at the limit passes', { max: 1 }, { value: 1 }, 'pass'],
    ['max: past it by at most the margin is inconclusive', { max: 1 }, { value: 1.5 }, 'inconclusive'],
    ['max: past it by more fails', { max: 1 }, { value: 1.51 }, 'fail'],
    ['min: just below is inconclusive', { max: undefined, min: 10 }, { value: 9.6 }, 'inconclusive'],
    ['min: well below fails', { max: undefined, min: 10 }, { value: 9 }, 'fail'],
    [
      'baseline: just above live + maxIncrease is inconclusive',
      { max: undefined, baseline: { maxIncrease: 1 } },
      { value: 2.2, baseline: 1 },
      'inconclusive',
    ],
    ['baseline: well above fails', { max: undefined, baseline: { maxIncrease: 1 } }, { value: 2.6, baseline: 1 }, 'fail'],
    ['without a margin, just past the limit fails', { inconclusiveMargin: undefined }, { value: 1.01 }, 'fail'],
    ['no data with onNoData: inconclusive', {}, { value: undefined }, 'inconclusive'],
    ['no data with onNoData: fail', { onNoData: 'fail' as const }, { value: undefined }, 'fail'],
    ['no data with onNoData: pass', { onNoData: 'pass' as const }, { value: undefined }, 'pass'],
    ['not evaluated yet at this weight', {}, { value: undefined, evaluated: false }, 'pass'],
  ])('%s', (_name, check, result, expected) => {
    const v = verdict(check, result);
    expect(v.pass ? 'pass' : v.inconclusive ? 'inconclusive' : 'fail').toBe(expected);
  });

  it('says why, naming the margin', () => {
    expect(verdict({}, { value: 1.3 })).toEqual({
      pass: false,
      inconclusive: true,
      reason: 'metric check error-rate: shop-green 1.3 is above its max 1, within its inconclusiveMargin 0.5',
    });
  });

  it('a clear failure wins over an inconclusive check listed before it; alarms and health are always clear', () => {
    const latency: MetricCheck = { ...errorRate, name: 'latency', max: 0.5, inconclusiveMargin: 0 };
    const twoChecks = { ...app, gates: { ...app.gates, metrics: [errorRate, latency] } };
    const observed = { alarmsInAlarm: [], health: healthy, metrics: [justOver[0] as MetricResult, { name: 'latency', value: 0.9 }] };
    expect(gatesVerdict(twoChecks, observed, 'shop-green')).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/^metric check latency/),
    });
    expect(gatesVerdict(twoChecks, { ...observed, metrics: [justOver[0] as MetricResult] }, 'shop-green')).toMatchObject({
      inconclusive: true,
    });
    expect(gatesVerdict(twoChecks, { ...observed, alarmsInAlarm: ['shop-5xx'] }, 'shop-green')).toEqual({
      pass: false,
      reason: 'alarm shop-5xx in ALARM',
    });
  });
});

describe('an inconclusive gate holds the deployment for a person', () => {
  const held = transition(at10, gates(at10, justOver), app, NOW);
  const heldDeployment = held.deployment as Deployment;

  it('rolls back by default (onInconclusive: rollback)', () => {
    const rollbackApp = { ...app, gates: { ...app.gates, onInconclusive: undefined } };
    expect(transition(at10, gates(at10, noData), rollbackApp, NOW).deployment).toMatchObject({
      stage: 'rolling-back',
      rollbackReason: 'gate failed at 10%: metric check error-rate had no data for shop-green over its window (onNoData: inconclusive)',
    });
  });

  it('with onInconclusive: pause, holds (its own deadline), renews the lock, and publishes Deployment Held with an alert', () => {
    expect(heldDeployment).toMatchObject({
      stage: 'held',
      held: {
        from: 'paused',
        since: NOW.toISOString(),
        reason: expect.stringMatching(/^gate inconclusive at 10%: metric check error-rate/),
      },
      stageDeadline: iso(1_200),
      pauseEndsAt: at10.pauseEndsAt,
      waitingFor: '`ecs-autopilot promote` (continue) or `ecs-autopilot abort` (roll back)',
    });
    expect(kinds(held.actions)).toEqual(['lock-services', 'Deployment Held']);
    expect(held.actions[1]).toMatchObject({
      id: 'shop-1:held:paused:1',
      detail: { heldFrom: 'paused', onTimeout: 'rollback', alert: { category: 'deployment-held', severity: 'warning' } },
    });
    const noDataHeld = transition(at10, gates(at10, noData), app, NOW).deployment;
    expect(noDataHeld?.stage).toBe('held');
    // The default deadline, without timeouts.hold.
    const defaultHold = { ...app, timeouts: { readySeconds: 900, promoteSeconds: 86_400 } };
    expect(transition(at10, gates(at10, justOver), defaultHold, NOW).deployment?.stageDeadline).toBe(iso(HOLD_SECONDS));
  });

  it('notify takes the alert of Deployment Held and tells a person how to answer', () => {
    const published = held.actions.find((a) => a.kind === 'publish');
    if (published?.kind !== 'publish') throw new Error('no event published');
    const detail = { ...published.detail, eventId: published.id };
    const input = parseNotifyInput({
      version: '0',
      id: 'e-1',
      source: 'ecs-autopilot',
      'detail-type': published.detailType,
      account: '123456789012',
      region: 'eu-central-1',
      time: NOW.toISOString(),
      resources: [],
      detail,
    });
    expect(input).toMatchObject({ kind: 'alert', alert: { category: 'deployment-held' } });
    const alertDetail = detail as unknown as AlertDetail;
    const { subject, text } = humanMessage({
      status: 'firing',
      count: 1,
      group: {
        groupKey: alertGroupKey(alertDetail.alert),
        pending: 1,
        total: 1,
        firstEventAt: NOW.toISOString(),
        lastEventAt: NOW.toISOString(),
        latest: { id: 'e-1', detailType: published.detailType, time: NOW.toISOString(), detail: alertDetail },
        messagesSent: 0,
        lastSentAt: undefined,
        flushAt: NOW.toISOString(),
        resolveAt: iso(1_800),
      },
    });
    expect(subject).toBe('[WARNING] Deployment of shop held for a decision on web: deployment-held');
    expect(text).toContain('metric check error-rate: shop-green 1.3 is above its max 1, within its inconclusiveMargin 0.5');
    expect(text).toContain('Continue: npx ecs-autopilot promote shop; or roll back: npx ecs-autopilot abort shop');
  });

  it('status says why it is held, how to answer, and what happens without an answer', () => {
    expect(stageLine(heldDeployment, app)).toMatch(
      /^held: blue 90% \/ green 10% \(step 1 of 3\): gate inconclusive at 10%: .*; ecs-autopilot promote shop continues, ecs-autopilot abort shop rolls back; rolls back at \d\d:\d\d(:\d\d)? without$/,
    );
  });

  it('a clear failure still rolls back, held or not', () => {
    expect(transition(at10, gates(at10, clearlyOver), app, NOW).deployment?.stage).toBe('rolling-back');
    expect(transition(heldDeployment, gates(heldDeployment, clearlyOver), app, later(60)).deployment?.stage).toBe('rolling-back');
    const alarm: DeploymentEvent = { kind: 'alarm', alarmName: 'shop-5xx', state: 'ALARM' };
    expect(transition(heldDeployment, alarm, app, later(60)).deployment?.stage).toBe('rolling-back');
  });

  it('while held, every tick checks the gates; inconclusive or passing, it keeps waiting for a person', () => {
    expect(transition(heldDeployment, { kind: 'tick' }, app, later(60)).actions).toEqual([
      { kind: 'check-gates', colour: 'green', since: at10.weights[0]?.at },
    ]);
    expect(transition(heldDeployment, gates(heldDeployment, justOver), app, later(60)).deployment).toBe(heldDeployment);
    expect(transition(heldDeployment, gates(heldDeployment, passing), app, later(400)).deployment).toBe(heldDeployment);
  });

  it('promote continues: back to the pause, promoted, the inconclusive check accepted there, and moves on', () => {
    const promoted = transition(heldDeployment, promote(1), app, later(60));
    expect(promoted.deployment).toMatchObject({
      stage: 'paused',
      held: undefined,
      stageDeadline: undefined,
      promotedStep: 0,
      inconclusiveAccepted: 'paused:0',
    });
    expect(kinds(promoted.actions)).toEqual(['check-gates']);
    const moved = transition(promoted.deployment, gates(heldDeployment, justOver), app, later(61));
    expect(moved.deployment).toMatchObject({ stage: 'shifting', shiftingTo: 1 });
    // Accepted is not a pass for a clear failure.
    expect(transition(promoted.deployment, gates(heldDeployment, clearlyOver), app, later(61)).deployment?.stage).toBe('rolling-back');
  });

  it('abort rolls back', () => {
    const abort: DeploymentEvent = { kind: 'abort', requestId: 'a-1', deploymentId: 'shop-1', by: 'ana' };
    expect(transition(heldDeployment, abort, app, later(60)).deployment).toMatchObject({
      stage: 'rolling-back',
      rollbackReason: 'aborted by ana',
    });
  });

  it('holds the bake and the rollback window too: promote goes back to each', () => {
    const bakeHeld = transition(at100, gates(at100, justOver), app, NOW).deployment as Deployment;
    expect(bakeHeld).toMatchObject({ stage: 'held', held: { from: 'baking' } });
    const bakePromoted = transition(bakeHeld, promote(3), app, later(60)).deployment as Deployment;
    expect(transition(bakePromoted, gates(bakePromoted, justOver), app, later(61)).deployment?.stage).toBe('rollback-window');

    const window: Deployment = { ...at100, stage: 'rollback-window', pauseEndsAt: iso(900) };
    const windowHeld = transition(window, gates(window, noData), app, NOW).deployment as Deployment;
    expect(windowHeld).toMatchObject({ stage: 'held', held: { from: 'rollback-window' }, pauseEndsAt: iso(900) });
    // Held past the window's end: it does not finish until a person answers.
    expect(transition(windowHeld, gates(windowHeld, passing), app, later(901)).deployment).toBe(windowHeld);
    const windowPromoted = transition(windowHeld, promote(3), app, later(60)).deployment as Deployment;
    expect(windowPromoted).toMatchObject({ stage: 'rollback-window', inconclusiveAccepted: 'rollback-window:2', pauseEndsAt: iso(900) });
    expect(transition(windowPromoted, gates(windowPromoted, noData), app, later(120)).deployment).toBe(windowPromoted);
    expect(transition(windowPromoted, gates(windowPromoted, noData), app, later(900)).deployment?.stage).toBe('finishing');
  });
});

describe('onTimeout: when nobody answers', () => {
  const heldAt = (onTimeout: AppSpec['onTimeout']) => {
    const withTimeout = { ...app, onTimeout };
    return { withTimeout, held: transition(at10, gates(at10, justOver), withTimeout, NOW).deployment as Deployment };
  };
  const untilPromoted: Deployment = {
    ...at10,
    step: 1,
    newPercent: 50,
    pauseEndsAt: undefined,
    stageDeadline: iso(86_400),
    weights: [...at10.weights, { at: iso(-10), newPercent: 50, why: 'step 2 of 3' }],
  };

  it('rollback (the default): a held deployment at its deadline, and an until-promoted pause at timeouts.promote, roll back', () => {
    const { withTimeout, held } = heldAt(undefined);
    expect(transition(held, { kind: 'tick' }, withTimeout, later(1_199)).actions.map((a) => a.kind)).toEqual(['check-gates']);
    expect(transition(held, { kind: 'tick' }, withTimeout, later(1_200)).deployment).toMatchObject({
      stage: 'rolling-back',
      rollbackReason: expect.stringMatching(/^held for 1200s \(gate inconclusive at 10%: .*\) without a promote or abort$/),
    });
    expect(transition(untilPromoted, { kind: 'tick' }, app, later(86_400)).deployment).toMatchObject({
      stage: 'rolling-back',
      rollbackReason: 'no promote within 86400s of reaching 50%',
    });
  });

  it('promote: a held deployment continues as if promoted; an until-promoted pause moves on once its gates pass', () => {
    const { withTimeout, held } = heldAt('promote');
    const resumed = transition(held, { kind: 'tick' }, withTimeout, later(1_200));
    expect(resumed.deployment).toMatchObject({ stage: 'paused', promotedStep: 0, inconclusiveAccepted: 'paused:0' });
    expect(kinds(resumed.actions)).toEqual(['check-gates']);
    const pause = transition(untilPromoted, { kind: 'tick' }, withTimeout, later(86_400));
    expect(pause.deployment).toMatchObject({ stage: 'paused', promotedStep: 1, stageDeadline: undefined });
    expect(transition(pause.deployment, gates(untilPromoted, passing), withTimeout, later(86_401)).deployment).toMatchObject({
      stage: 'shifting',
      shiftingTo: 2,
    });
    // Its gates still decide: an inconclusive one then holds it.
    expect(transition(pause.deployment, gates(untilPromoted, justOver), withTimeout, later(86_401)).deployment?.stage).toBe('held');
  });

  it('hold: a held deployment waits on without a deadline (alerted once more); an until-promoted pause is held', () => {
    const { withTimeout, held } = heldAt('hold');
    const still = transition(held, { kind: 'tick' }, withTimeout, later(1_200));
    expect(still.deployment).toMatchObject({ stage: 'held', stageDeadline: undefined });
    expect(still.actions).toEqual([expect.objectContaining({ detailType: 'Deployment Held', id: 'shop-1:held:paused:1:unanswered' })]);
    expect(transition(still.deployment, { kind: 'tick' }, withTimeout, later(100_000)).actions.map((a) => a.kind)).toEqual(['check-gates']);
    const pause = transition(untilPromoted, { kind: 'tick' }, withTimeout, later(86_400));
    expect(pause.deployment).toMatchObject({
      stage: 'held',
      stageDeadline: undefined,
      held: { from: 'paused', reason: 'no promote within 86400s of reaching 50% (onTimeout: hold)' },
    });
    expect(transition(pause.deployment, promote(2), withTimeout, later(86_460)).deployment).toMatchObject({
      stage: 'paused',
      promotedStep: 1,
    });
  });
});

describe('autoscaling of the colours', () => {
  const live: ScalableTargetFacts = {
    min: 2,
    max: 10,
    suspended: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: true },
  };
  const starting: Deployment = { ...at10, stage: 'starting', from: undefined, to: undefined, step: -1, newPercent: 0, weights: [] };
  const inspected = (scalable: Partial<Record<'blue' | 'green', ScalableTargetFacts>> | undefined): DeploymentEvent => ({
    kind: 'inspected',
    forward: { [LISTENER]: { targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 0), raw: '[]' } },
    services: {
      blue: { desiredCount: 6, taskDefinition: 'shop:41', primaryTaskDefinition: 'shop:41', steady: true, runningCount: 6 },
      green: { desiredCount: 0, taskDefinition: 'shop:40', primaryTaskDefinition: 'shop:40', steady: true, runningCount: 0 },
    },
    alarmsInAlarm: [],
    scalable,
    requested: { name: 'task definition shop:42', family: 'shop', images: {} },
  });

  it.each([
    ['as many as the live colour, by default', undefined, 6, 10, false, undefined, 6],
    ['keeps its count before 100% without canarySizing', undefined, 9, 50, true, 6, 6],
    ['catches up with the live colour at 100% when it is scaled', undefined, 9, 100, true, 6, 9],
    ['keeps its count at 100% when nothing scales it (as today)', undefined, 9, 100, false, 6, 6],
    ['canarySizing: ceil(live × weight%)', { minTasks: 1 }, 6, 50, false, undefined, 3],
    ['canarySizing: at least minTasks', { minTasks: 2 }, 6, 10, false, undefined, 2],
    ['canarySizing: never more than the live colour', { minTasks: 8 }, 6, 10, false, undefined, 6],
    ['canarySizing: all of the live colour at 100%', { minTasks: 1 }, 7, 100, false, 3, 7],
  ])('%s', (_name, canarySizing, liveCount, weight, scaled, current, expected) => {
    expect(newColourCount({ ...app, canarySizing }, liveCount, weight, scaled, current)).toBe(expected);
  });

  it('canarySizing never goes below the health gate', () => {
    expect(newColourCount({ ...app, canarySizing: { minTasks: 1 }, gates: { ...app.gates, minHealthyTargets: 3 } }, 10, 10, false)).toBe(3);
    expect(newColourBounds(live, 1)).toEqual({ min: 1, max: 10 });
    expect(newColourBounds(live, 6)).toEqual({ min: 2, max: 10 });
  });

  it('without a scalable target on the live colour: no autoscaling call, the new colour gets the live count (as today)', () => {
    const result = transition(starting, inspected(undefined), app, NOW);
    expect(result.deployment).toMatchObject({ desiredCount: 6, scaling: undefined });
    expect(result.actions.some((a) => a.kind === 'set-scaling')).toBe(false);
  });

  it("with one: records both targets, suspends the live colour's scale-in (the rest as it was), gives the new colour its bounds", () => {
    const newBefore = { ...live, min: 0, max: 4 };
    const result = transition(starting, inspected({ blue: live, green: newBefore }), { ...app, canarySizing: { minTasks: 1 } }, NOW);
    expect(result.deployment).toMatchObject({ stage: 'deploying', desiredCount: 1, scaling: { live, newBefore } });
    expect(kinds(result.actions)).toEqual(['lock-services', 'Deployment Started', 'set-scaling', 'set-scaling', 'update-new-colour']);
    expect(result.actions.filter((a) => a.kind === 'set-scaling')).toEqual([
      { kind: 'set-scaling', colour: 'blue', suspended: { ...live.suspended, DynamicScalingInSuspended: true } },
      { kind: 'set-scaling', colour: 'green', min: 1, max: 10, suspended: live.suspended },
    ]);
  });

  const scaled: Deployment = { ...at10, pauseEndsAt: iso(-1), scaling: { live } };

  it('sizes the new colour to the live count before it takes 100%, waiting until the new tasks are ready', () => {
    const before100: Deployment = {
      ...scaled,
      step: 1,
      newPercent: 50,
      weights: [...at10.weights, { at: iso(-10), newPercent: 50, why: 'step 2 of 3' }],
      promotedStep: 1,
    };
    const resizing = transition(before100, gates(before100, passing, { liveDesiredCount: 8 }), app, NOW);
    expect(resizing.deployment).toMatchObject({ stage: 'deploying', desiredCount: 8, resizingFor: 2, stageDeadline: iso(900) });
    expect(resizing.actions).toEqual([
      { kind: 'lock-services', status: 'in-progress', expiresAt: expect.any(String) },
      { kind: 'set-scaling', colour: 'green', min: 2, max: 10 },
      { kind: 'update-new-colour', colour: 'green', taskDefinition: REVISION, desiredCount: 8 },
    ]);
    const ready: DeploymentEvent = {
      kind: 'ready-checked',
      steady: true,
      health: { healthy: 8, unhealthy: 0 },
      runs: REVISION,
      forward: splitsFor(app, 'blue', 'green', 50),
    };
    expect(transition(resizing.deployment, ready, app, later(120)).deployment).toMatchObject({
      stage: 'shifting',
      shiftingTo: 2,
      resizingFor: undefined,
    });
    // The live colour did not grow: straight on.
    expect(transition(before100, gates(before100, passing, { liveDesiredCount: 4 }), app, NOW).deployment?.stage).toBe('shifting');
  });

  it('a rollback gives the new colour back its own target (or a minimum of 0) before scaling it down, then restores the live suspension exactly', () => {
    const rollingBack: Deployment = {
      ...scaled,
      stage: 'rolling-back',
      forwardRestored: false,
      rollbackReason: 'alarm',
      stageDeadline: iso(900),
    };
    const restored: DeploymentEvent = { kind: 'forward-restored', observed: splitsFor(app, 'blue', 'green', 0), matches: true };
    expect(transition(rollingBack, restored, app, NOW).actions).toEqual([
      { kind: 'set-scaling', colour: 'green', min: 0 },
      { kind: 'scale-colour', colour: 'green', desiredCount: 0, taskDefinition: 'shop:41' },
    ]);
    const newBefore = { ...live, min: 1, max: 3 };
    const withBefore = { ...rollingBack, scaling: { live, newBefore } };
    expect(transition(withBefore, restored, app, NOW).actions[0]).toEqual({
      kind: 'set-scaling',
      colour: 'green',
      min: 1,
      max: 3,
      suspended: live.suspended,
    });
    const ended = transition(
      { ...withBefore, forwardRestored: true },
      { kind: 'colour-scaled', colour: 'green', desiredCount: 0 },
      app,
      NOW,
    );
    expect(ended.deployment?.stage).toBe('rolled-back');
    expect(ended.actions.filter((a) => a.kind === 'set-scaling')).toEqual([
      { kind: 'set-scaling', colour: 'blue', suspended: live.suspended },
    ]);
  });

  it('a success restores the old colour suspension exactly, with a minimum of 0 now that it is idle; a failure restores it too', () => {
    const finishing: Deployment = { ...scaled, ...at100, scaling: { live }, stage: 'finishing', stageDeadline: iso(900) };
    const done = transition(finishing, { kind: 'colour-scaled', colour: 'blue', desiredCount: 0 }, app, NOW);
    expect(done.deployment?.stage).toBe('succeeded');
    expect(done.actions.filter((a) => a.kind === 'set-scaling')).toEqual([
      { kind: 'set-scaling', colour: 'blue', suspended: live.suspended, min: 0 },
    ]);
    const changed: DeploymentEvent = { kind: 'forward-changed', observed: splitsFor(app, 'blue', 'green', 30) };
    const failed = transition({ ...scaled, stage: 'shifting', shiftingTo: 1, stageDeadline: iso(200) }, changed, app, NOW);
    expect(failed.deployment?.stage).toBe('failed');
    expect(failed.actions.filter((a) => a.kind === 'set-scaling')).toEqual([
      { kind: 'set-scaling', colour: 'blue', suspended: live.suspended },
    ]);
  });
});

describe('configuration', () => {
  it('reads onInconclusive, inconclusiveMargin, onNoData: inconclusive, timeouts.hold, onTimeout and canarySizing; defaults keep today', () => {
    const base = {
      listener: LISTENER,
      blue: { service: 'shop-blue', targetGroup: TG_BLUE },
      green: { service: 'shop-green', targetGroup: TG_GREEN },
    };
    const defaults = resolveApp('shop', appSchema.parse(base), 'web');
    expect(defaults).toMatchObject({
      gates: { onInconclusive: 'rollback' },
      timeouts: { holdSeconds: 3_600 },
      onTimeout: 'rollback',
      canarySizing: undefined,
    });
    const set = resolveApp(
      'shop',
      appSchema.parse({
        ...base,
        gates: {
          onInconclusive: 'pause',
          metrics: {
            errors: { expression: 'e', metrics: { e: { metric: 'X' } }, max: 1, inconclusiveMargin: 0.5, onNoData: 'inconclusive' },
          },
        },
        timeouts: { hold: '30m' },
        onTimeout: 'hold',
        canarySizing: { minTasks: 2 },
      }),
      'web',
    );
    expect(set).toMatchObject({
      gates: { onInconclusive: 'pause', metrics: [{ inconclusiveMargin: 0.5, onNoData: 'inconclusive' }] },
      timeouts: { holdSeconds: 1_800 },
      onTimeout: 'hold',
      canarySizing: { minTasks: 2 },
    });
    expect(appSchema.safeParse({ ...base, onTimeout: 'wait' }).success).toBe(false);
    expect(appSchema.safeParse({ ...base, canarySizing: { minTasks: 0 } }).success).toBe(false);
  });
});
