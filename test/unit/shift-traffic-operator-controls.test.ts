/**
 * Operator controls (issue 14 §4) as the pure decision takes them: `promote --full` skips the steps left
 * (the gates still decide), `retry` and `undo` start a new deployment of a revision the app's last
 * deployment names, linked to it; each is taken only for the deployment it names, and anything stale is
 * ignored, recorded and published.
 */
import { describe, expect, it } from 'vitest';
import { transition } from '../../shared/blue-green/decide.ts';
import { firstRoute, splitsFor, weightsFor } from '../../shared/blue-green/forward.ts';
import { handleShiftEvent } from '../../shared/blue-green/handle.ts';
import type { Action, AppSpec, Deployment, DeploymentEvent } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { routeShiftInput } from '../../shared/blue-green/trigger.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { BadEventError } from '../../shared/errors.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-central-1:123456789012';
const TD = (revision: number) => `arn:aws:ecs:eu-central-1:123456789012:task-definition/shop:${revision}`;

/** linear 25%: 25, 50, 75 for 5m each, then 100% baked 10m. */
const app: AppSpec = {
  name: 'shop',
  cluster: 'web',
  listener: `${ARN}:listener/app/shop/0000000000000003/0000000000000004`,
  colours: {
    blue: { service: 'shop-blue', targetGroup: `${ARN}:targetgroup/shop-blue/0000000000000001` },
    green: { service: 'shop-green', targetGroup: `${ARN}:targetgroup/shop-green/0000000000000002` },
  },
  routes: [
    {
      listener: `${ARN}:listener/app/shop/0000000000000003/0000000000000004`,
      targetGroups: { blue: `${ARN}:targetgroup/shop-blue/0000000000000001`, green: `${ARN}:targetgroup/shop-green/0000000000000002` },
      shift: 'weighted',
    },
  ],
  strategy: 'linear',
  steps: [
    { weight: 25, pause: { kind: 'for', seconds: 300 } },
    { weight: 50, pause: { kind: 'for', seconds: 300 } },
    { weight: 75, pause: { kind: 'for', seconds: 300 } },
    { weight: 100, pause: { kind: 'for', seconds: 600 } },
  ],
  gates: { alarms: ['shop-5xx'], minHealthyTargets: 1, metrics: [] },
  bakeSeconds: 600,
  rollbackWindowSeconds: 0,
  timeouts: { readySeconds: 900, promoteSeconds: 86_400 },
  allowed: { families: ['shop'], images: undefined, roles: [] },
};

const NOW = new Date('2026-11-23T12:00:00Z');
const iso = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const running: Deployment = {
  app: 'shop',
  id: 'shop-2',
  version: 4,
  stage: 'paused',
  requestedAt: iso(-600),
  requestSentAt: iso(-601),
  earlierIds: ['shop-1'],
  requestedBy: 'ci',
  taskDefinition: TD(7),
  from: 'blue',
  to: 'green',
  original: { targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 0), raw: '[{"Type":"forward"}]' },
  toBefore: { desiredCount: 0, taskDefinition: TD(5) },
  liveBefore: TD(6),
  desiredCount: 2,
  step: 0,
  newPercent: 25,
  stageSince: iso(-60),
  pauseEndsAt: iso(240),
  weights: [{ at: iso(-60), newPercent: 25, why: 'step 1 of 4' }],
  outbox: [],
  updatedAt: iso(-60),
};

const ended = (stage: 'succeeded' | 'rolled-back' | 'failed', extra: Partial<Deployment> = {}): Deployment => ({
  ...running,
  stage,
  newPercent: stage === 'succeeded' ? 100 : 0,
  stageSince: iso(-30),
  pauseEndsAt: undefined,
  outcome: {
    status: stage,
    reason: stage === 'succeeded' ? 'shop-green takes all the traffic' : 'alarm shop-5xx entered ALARM',
    at: iso(-30),
  },
  ...extra,
});

const passing: DeploymentEvent = {
  kind: 'gates-checked',
  alarmsInAlarm: [],
  health: { healthy: 2, unhealthy: 0 },
  metrics: [],
  runs: TD(7),
  forward: splitsFor(app, 'blue', 'green', 25),
};

const kinds = (actions: Action[]) => actions.map((a) => (a.kind === 'publish' ? `publish ${a.detailType}` : a.kind));

describe('promote --full', () => {
  const full: DeploymentEvent = { kind: 'promote', requestId: 'r-full', deploymentId: 'shop-2', step: 1, full: true, by: 'ana' };

  it('ends the pause and, once the gates pass, shifts straight to 100%, skipping the steps and pauses left; then bakes as usual', () => {
    const promoted = transition(running, full, app, NOW);
    expect(promoted.deployment).toMatchObject({ promotedStep: 0, promotedFull: true });
    expect(promoted.deployment?.requests?.at(-1)).toMatchObject({ kind: 'promote', full: true, outcome: 'taken', step: 1 });
    expect(kinds(promoted.actions)).toEqual(['check-gates']);

    const shifting = transition(promoted.deployment, passing, app, later(1));
    expect(shifting.deployment).toMatchObject({ stage: 'shifting', shiftingTo: 3 });
    expect(shifting.actions).toEqual([
      expect.objectContaining({ kind: 'set-weights', targetGroups: splitsFor(app, 'blue', 'green', 100) }),
    ]);

    const full100 = splitsFor(app, 'blue', 'green', 100);
    const baking = transition(shifting.deployment, { kind: 'weights-set', expected: full100, observed: full100 }, app, later(2));
    expect(baking.deployment).toMatchObject({ stage: 'baking', step: 3, newPercent: 100, pauseEndsAt: iso(602) });
    expect(baking.deployment?.weights.map((w) => w.newPercent)).toEqual([25, 100]);
  });

  it('still needs the gates: a failing one rolls back instead of skipping', () => {
    const promoted = transition(running, full, app, NOW);
    const failing = { ...passing, alarmsInAlarm: ['shop-5xx'] } as DeploymentEvent;
    const result = transition(promoted.deployment, failing, app, later(1));
    expect(result.deployment).toMatchObject({ stage: 'rolling-back', rollbackReason: expect.stringMatching(/shop-5xx/) });
  });

  it('a plain promote after a full one of an earlier pause moves one step only', () => {
    const atStep2: Deployment = { ...running, step: 1, newPercent: 50, promotedStep: 0, promotedFull: true };
    const promoted = transition(atStep2, { kind: 'promote', requestId: 'r-2', deploymentId: 'shop-2', step: 2 }, app, NOW);
    const next = transition(promoted.deployment, { ...passing, forward: splitsFor(app, 'blue', 'green', 50) }, app, later(1));
    expect(next.deployment).toMatchObject({ stage: 'shifting', shiftingTo: 2 });
  });

  it('is ignored, recorded and published while baking (nothing is left to skip) and for another deployment', () => {
    const baking: Deployment = { ...running, stage: 'baking', step: 3, newPercent: 100 };
    const whileBaking = transition(baking, { ...full, step: 4 }, app, NOW);
    expect(whileBaking.deployment?.stage).toBe('baking');
    expect(whileBaking.deployment?.promotedStep).toBeUndefined();
    expect(whileBaking.deployment?.requests?.at(-1)).toMatchObject({
      full: true,
      outcome: 'ignored',
      reason: expect.stringMatching(/baking at 100%: no step is left to skip/),
    });
    expect(whileBaking.actions).toEqual([
      expect.objectContaining({
        detailType: 'Deployment Request Ignored',
        id: 'shop-2:ignored:r-full',
        detail: expect.objectContaining({ request: expect.objectContaining({ kind: 'promote', full: true }) }),
      }),
    ]);

    const other = transition(running, { ...full, deploymentId: 'shop-1' }, app, NOW);
    expect(other.deployment?.promotedStep).toBeUndefined();
    expect(other.deployment?.requests?.at(-1)).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/shop-1, not shop-2/) });
  });
});

describe('retry and undo', () => {
  const retry = (deploymentId: string, id = 'shop-3'): DeploymentEvent => ({ kind: 'retry', id, deploymentId, sentAt: iso(0), by: 'ana' });
  const undo = (deploymentId: string, id = 'shop-3'): DeploymentEvent => ({ kind: 'undo', id, deploymentId, sentAt: iso(0), by: 'ana' });

  it('retry of the rolled-back last deployment starts a new one with the same revision, linked to it', () => {
    const result = transition(ended('rolled-back'), retry('shop-2'), app, NOW);
    expect(result.rejected).toBeUndefined();
    expect(result.deployment).toMatchObject({
      id: 'shop-3',
      stage: 'starting',
      taskDefinition: TD(7),
      images: undefined,
      retryOf: 'shop-2',
      requestedBy: 'ana',
      earlierIds: ['shop-2', 'shop-1'],
      version: 0,
    });
    expect(kinds(result.actions)).toEqual(['inspect']);
  });

  it('retry of a failed deployment that never registered its images asks for the same images again', () => {
    const images = { app: 'repo/shop:v3' };
    const result = transition(ended('failed', { taskDefinition: undefined, images }), retry('shop-2'), app, NOW);
    expect(result.deployment).toMatchObject({ id: 'shop-3', taskDefinition: undefined, images, retryOf: 'shop-2' });
  });

  it('undo of the succeeded last deployment deploys the revision live before it, with the steps and gates', () => {
    const result = transition(ended('succeeded'), undo('shop-2'), app, NOW);
    expect(result.deployment).toMatchObject({ id: 'shop-3', stage: 'starting', taskDefinition: TD(6), undoOf: 'shop-2' });
    expect(kinds(result.actions)).toEqual(['inspect']);
  });

  it('a new deployment remembers the revision live when it started (what its undo deploys)', () => {
    const starting: Deployment = {
      ...running,
      stage: 'starting',
      from: undefined,
      to: undefined,
      liveBefore: undefined,
      step: -1,
      newPercent: 0,
      weights: [],
    };
    const inspected = transition(
      starting,
      {
        kind: 'inspected',
        forward: { [app.listener]: { targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 0), raw: '[{"Type":"forward"}]' } },
        services: {
          blue: { desiredCount: 2, taskDefinition: TD(6), primaryTaskDefinition: TD(6), steady: true, runningCount: 2 },
          green: { desiredCount: 0, taskDefinition: TD(5), primaryTaskDefinition: TD(5), steady: true, runningCount: 0 },
        },
        alarmsInAlarm: [],
        requested: { name: 'task definition shop:7', family: 'shop', images: {} },
      },
      app,
      NOW,
    );
    expect(inspected.deployment).toMatchObject({ stage: 'deploying', liveBefore: TD(6) });
  });

  const stale: [string, Deployment | undefined, DeploymentEvent, RegExp][] = [
    [
      'a retry for an earlier deployment',
      ended('rolled-back'),
      retry('shop-1'),
      /retry is for deployment shop-1, not shop-2, the app's last one/,
    ],
    ['a retry of a deployment that succeeded', ended('succeeded'), retry('shop-2'), /shop-2 succeeded: there is nothing to retry/],
    ['a retry while the deployment runs', running, retry('shop-2'), /shop-2 is still paused/],
    ['an undo of a deployment that rolled back', ended('rolled-back'), undo('shop-2'), /shop-2 rolled back: .*nothing to undo/],
    ['an undo for an earlier deployment', ended('succeeded'), undo('shop-1'), /undo is for deployment shop-1, not shop-2/],
    [
      'an undo without the revision live before',
      ended('succeeded', { liveBefore: undefined }),
      undo('shop-2'),
      /does not record the revision live before it/,
    ],
    ['a retry whose id already ran', ended('rolled-back'), retry('shop-2', 'shop-1'), /request shop-1 already ran/],
  ];

  it.each(stale)(
    '%s is ignored: recorded in the app’s deployment, published, recorded as a rejection (so --wait ends)',
    (_, current, event, reason) => {
      const result = transition(current, event, app, NOW);
      const id = (event as { id: string }).id;
      expect(result.deployment).toMatchObject({ id: current?.id, stage: current?.stage, taskDefinition: current?.taskDefinition });
      expect(result.deployment?.requests?.at(-1)).toMatchObject({
        kind: event.kind,
        requestId: id,
        outcome: 'ignored',
        reason: expect.stringMatching(reason),
      });
      expect(result.actions).toEqual([
        expect.objectContaining({ kind: 'publish', detailType: 'Deployment Request Ignored', id: `shop-2:ignored:${id}` }),
      ]);
      expect(result.rejected).toEqual({ id, reason: expect.stringMatching(reason) });
    },
  );

  it('changes nothing when delivered again: after it started, or after it was ignored', () => {
    const started = transition(ended('rolled-back'), retry('shop-2'), app, NOW).deployment;
    expect(transition(started, retry('shop-2'), app, later(5))).toEqual({ deployment: started, actions: [] });
    const ignored = transition(ended('succeeded'), retry('shop-2'), app, NOW).deployment;
    expect(transition(ignored, retry('shop-2'), app, later(5))).toEqual({ deployment: ignored, actions: [] });
  });

  it('with no deployment of the app, publishes why and records the rejection', () => {
    const result = transition(undefined, retry('shop-2'), app, NOW);
    expect(result.deployment).toBeUndefined();
    expect(result.rejected).toEqual({ id: 'shop-3', reason: 'app shop has no deployment to retry' });
    expect(result.actions).toEqual([expect.objectContaining({ detailType: 'Deployment Request Ignored', id: 'shop:ignored:shop-3' })]);
  });

  it('a revision the app no longer allows is rejected like any request', () => {
    const narrowed = { ...app, allowed: { ...app.allowed, families: ['shop-v2'] } };
    const result = transition(ended('succeeded'), undo('shop-2'), narrowed, NOW);
    expect(result.deployment).toMatchObject({ id: 'shop-2' });
    expect(result.rejected?.reason).toMatch(/is not one of the app's/);
  });
});

describe('the requests as shift-traffic receives them', () => {
  const automation = validateAutomation({
    apps: {
      shop: {
        cluster: 'web',
        listener: app.listener,
        blue: { service: 'shop-blue', targetGroup: app.colours.blue.targetGroup },
        green: { service: 'shop-green', targetGroup: app.colours.green.targetGroup },
      },
    },
  });
  const envelope = (detailType: string, detail: Record<string, unknown>) => ({
    id: 'event-1',
    time: NOW.toISOString(),
    source: 'ecs-autopilot',
    'detail-type': detailType,
    detail,
  });

  it('reads a full promote, a retry and an undo, naming the deployment they follow and the new id', () => {
    expect(
      routeShiftInput(envelope('Deployment Promotion Requested', { app: 'shop', id: 'shop-2', step: 1, full: true }), automation),
    ).toEqual([{ app: 'shop', event: expect.objectContaining({ kind: 'promote', deploymentId: 'shop-2', step: 1, full: true }) }]);
    expect(
      routeShiftInput(envelope('Deployment Retry Requested', { app: 'shop', id: 'shop-2', newId: 'shop-3', by: 'ana' }), automation),
    ).toEqual([{ app: 'shop', event: { kind: 'retry', id: 'shop-3', deploymentId: 'shop-2', sentAt: NOW.toISOString(), by: 'ana' } }]);
    expect(routeShiftInput(envelope('Deployment Undo Requested', { app: 'shop', id: 'shop-2' }), automation)).toEqual([
      { app: 'shop', event: expect.objectContaining({ kind: 'undo', id: 'event-1', deploymentId: 'shop-2' }) },
    ]);
  });

  it('refuses a retry without the deployment it retries, or carrying anything else', () => {
    expect(() => routeShiftInput(envelope('Deployment Retry Requested', { app: 'shop', newId: 'shop-3' }), automation)).toThrow(
      new BadEventError('a Deployment Retry Requested event needs detail.id, the deployment to retry'),
    );
    expect(() =>
      routeShiftInput(envelope('Deployment Undo Requested', { app: 'shop', id: 'shop-2', taskDefinition: TD(1) }), automation),
    ).toThrow(/carries only app, id, newId, by; it also had taskDefinition/);
  });
});

describe('a request for an app that is not in the deployed file', () => {
  // Found by the fuzzer: an app name holding a line break was echoed raw, and the error spanned two lines.
  it('is refused in one line, the name written as a JSON string', async () => {
    const rt = { automation: { apps: { shop: app } } } as unknown as ShiftRuntime;
    const refusal = handleShiftEvent('\n', { kind: 'abort', requestId: 'r-1', deploymentId: 'deploy-42' }, rt);
    await expect(refusal).rejects.toThrow(BadEventError);
    await expect(refusal).rejects.toThrow(/^no app "\\n" in the deployed automation\.yml \(apps: shop\)$/);
  });
});
