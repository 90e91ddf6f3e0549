/**
 * The blue/green state machine, table-driven: every event in every stage. Cases not listed in the
 * table must leave the deployment as it is and ask for nothing.
 */
import { describe, expect, it } from 'vitest';
import type { AppSpec, Deployment, DeploymentEvent, ForwardSnapshot, Stage } from '../../shared/blue-green/model.ts';
import { longestDeploymentSeconds, transition } from '../../shared/blue-green/transition.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-central-1:123456789012';
const TG_BLUE = `${ARN}:targetgroup/shop-blue/0000000000000001`;
const TG_GREEN = `${ARN}:targetgroup/shop-green/0000000000000002`;

const app: AppSpec = {
  name: 'shop',
  cluster: 'web',
  listener: `${ARN}:listener/app/shop/0000000000000003/0000000000000004`,
  colours: { blue: { service: 'shop-blue', targetGroup: TG_BLUE }, green: { service: 'shop-green', targetGroup: TG_GREEN } },
  strategy: 'canary',
  steps: [
    { weight: 10, pause: { kind: 'for', seconds: 300 } },
    { weight: 100, pause: { kind: 'for', seconds: 600 } },
  ],
  gates: {
    alarms: ['shop-5xx'],
    minHealthyTargets: 2,
    metrics: [
      {
        name: 'error-rate',
        expression: 'errors',
        queries: {},
        windowSeconds: 300,
        max: 1,
        baseline: { maxIncrease: 0.5 },
        onNoData: 'pass',
      },
    ],
  },
  bakeSeconds: 600,
  rollbackWindowSeconds: 1_800,
  timeouts: { readySeconds: 900, promoteSeconds: 86_400 },
};

const NOW = new Date('2026-11-23T12:00:00Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const iso = (seconds: number) => later(seconds).toISOString();

const ORIGINAL: ForwardSnapshot = {
  targetGroups: [
    { arn: TG_BLUE, weight: 1 },
    { arn: TG_GREEN, weight: 0 },
  ],
  stickiness: { enabled: true, durationSeconds: 3600 },
  raw: '[{"Type":"forward"}]',
};

const base: Deployment = {
  app: 'shop',
  id: 'shop-1',
  version: 3,
  stage: 'starting',
  requestedAt: iso(-600),
  taskDefinition: 'arn:aws:ecs:eu-central-1:123456789012:task-definition/shop:42',
  step: -1,
  newPercent: 0,
  stageSince: iso(-60),
  stageDeadline: iso(240),
  weights: [],
  outbox: [],
  updatedAt: iso(-60),
};

const started: Partial<Deployment> = {
  from: 'blue',
  to: 'green',
  original: ORIGINAL,
  toBefore: { desiredCount: 0, taskDefinition: 'shop:41' },
  desiredCount: 3,
};

/** A deployment in each stage, as the machine leaves it there (deadlines and pauses in the future). */
const IN: Record<Stage, Deployment> = {
  starting: base,
  deploying: { ...base, ...started, stage: 'deploying', stageDeadline: iso(600) },
  shifting: { ...base, ...started, stage: 'shifting', shiftingTo: 0, stageDeadline: iso(200) },
  paused: { ...base, ...started, stage: 'paused', step: 0, newPercent: 10, pauseEndsAt: iso(120), stageDeadline: undefined },
  baking: { ...base, ...started, stage: 'baking', step: 1, newPercent: 100, pauseEndsAt: iso(300), stageDeadline: undefined },
  'rollback-window': {
    ...base,
    ...started,
    stage: 'rollback-window',
    step: 1,
    newPercent: 100,
    pauseEndsAt: iso(900),
    stageDeadline: undefined,
  },
  finishing: { ...base, ...started, stage: 'finishing', step: 1, newPercent: 100, stageDeadline: iso(600) },
  'rolling-back': { ...base, ...started, stage: 'rolling-back', step: 0, newPercent: 10, rollbackReason: 'alarm', stageDeadline: iso(600) },
  succeeded: { ...base, ...started, stage: 'succeeded', outcome: { status: 'succeeded', reason: '', at: iso(-1) } },
  'rolled-back': { ...base, ...started, stage: 'rolled-back', outcome: { status: 'rolled-back', reason: '', at: iso(-1) } },
  failed: { ...base, stage: 'failed', outcome: { status: 'failed', reason: '', at: iso(-1) } },
};

const healthy = { healthy: 3, unhealthy: 0 };

const EVENTS = {
  requested: { kind: 'requested', id: 'shop-2', taskDefinition: 'shop:43' },
  'ecs completed (new colour)': { kind: 'service-changed', service: 'shop-green', eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
  'ecs failed (new colour)': { kind: 'service-changed', service: 'shop-green', eventName: 'SERVICE_DEPLOYMENT_FAILED' },
  'ecs completed (live colour)': { kind: 'service-changed', service: 'shop-blue', eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
  'gate alarm ALARM': { kind: 'alarm', alarmName: 'shop-5xx', state: 'ALARM', reason: 'Threshold Crossed' },
  'gate alarm OK': { kind: 'alarm', alarmName: 'shop-5xx', state: 'OK' },
  'other alarm ALARM': { kind: 'alarm', alarmName: 'billing', state: 'ALARM' },
  tick: { kind: 'tick' },
  promote: { kind: 'promote', by: 'ana' },
  abort: { kind: 'abort', by: 'ana', reason: 'wrong build' },
  inspected: {
    kind: 'inspected',
    forward: ORIGINAL,
    services: {
      blue: { desiredCount: 3, taskDefinition: 'shop:41', steady: true, runningCount: 3 },
      green: { desiredCount: 0, taskDefinition: 'shop:40', steady: true, runningCount: 0 },
    },
    alarmsInAlarm: [],
  },
  'new colour updated': { kind: 'new-colour-updated', taskDefinition: 'shop:42' },
  'ready-checked (ready)': { kind: 'ready-checked', steady: true, health: healthy },
  'ready-checked (not steady)': { kind: 'ready-checked', steady: false, health: { healthy: 0, unhealthy: 0 } },
  'weights-set (read back equal)': {
    kind: 'weights-set',
    expected: [
      { arn: TG_BLUE, weight: 90 },
      { arn: TG_GREEN, weight: 10 },
    ],
    observed: [
      { arn: TG_BLUE, weight: 90 },
      { arn: TG_GREEN, weight: 10 },
    ],
  },
  'weights-set (read back different)': {
    kind: 'weights-set',
    expected: [
      { arn: TG_BLUE, weight: 90 },
      { arn: TG_GREEN, weight: 10 },
    ],
    observed: [
      { arn: TG_BLUE, weight: 50 },
      { arn: TG_GREEN, weight: 50 },
    ],
  },
  'gates pass': { kind: 'gates-checked', alarmsInAlarm: [], health: healthy, metrics: [{ name: 'error-rate', value: 0.2, baseline: 0.1 }] },
  'gates fail': { kind: 'gates-checked', alarmsInAlarm: [], health: healthy, metrics: [{ name: 'error-rate', value: 3, baseline: 0.1 }] },
  'forward restored': { kind: 'forward-restored', observed: ORIGINAL.targetGroups, matches: true },
  'forward not restored': { kind: 'forward-restored', observed: [], matches: false },
  'old colour scaled': { kind: 'colour-scaled', colour: 'blue', desiredCount: 0 },
  'new colour scaled': { kind: 'colour-scaled', colour: 'green', desiredCount: 0 },
  'action failed': { kind: 'action-failed', action: 'set-weights', error: 'AccessDenied' },
} satisfies Record<string, DeploymentEvent>;

type EventName = keyof typeof EVENTS;

/** What must change: the stage after, and the kinds of the actions asked for, in order. */
type Expected = { stage: Stage; actions: string[] };

const TABLE: Partial<Record<Stage, Partial<Record<EventName, Expected>>>> = {
  starting: {
    requested: { stage: 'starting', actions: ['publish'] }, // rejected: one at a time
    'gate alarm ALARM': { stage: 'failed', actions: ['publish'] },
    tick: { stage: 'starting', actions: ['inspect'] },
    abort: { stage: 'failed', actions: ['publish'] },
    inspected: { stage: 'deploying', actions: ['lock-services', 'publish', 'update-new-colour'] },
    'action failed': { stage: 'failed', actions: ['publish'] },
  },
  deploying: {
    requested: { stage: 'deploying', actions: ['publish'] },
    'ecs completed (new colour)': { stage: 'deploying', actions: ['check-ready'] },
    'ecs failed (new colour)': { stage: 'rolling-back', actions: ['restore-forward'] },
    'gate alarm ALARM': { stage: 'rolling-back', actions: ['restore-forward'] },
    tick: { stage: 'deploying', actions: ['check-ready'] },
    abort: { stage: 'rolling-back', actions: ['restore-forward'] },
    'new colour updated': { stage: 'deploying', actions: ['check-ready'] },
    'ready-checked (ready)': { stage: 'shifting', actions: ['set-weights'] },
    'ready-checked (not steady)': { stage: 'deploying', actions: [] },
    'action failed': { stage: 'rolling-back', actions: ['restore-forward'] },
  },
  shifting: {
    requested: { stage: 'shifting', actions: ['publish'] },
    'gate alarm ALARM': { stage: 'rolling-back', actions: ['restore-forward'] },
    tick: { stage: 'shifting', actions: ['set-weights'] },
    abort: { stage: 'rolling-back', actions: ['restore-forward'] },
    'weights-set (read back equal)': { stage: 'paused', actions: ['publish'] },
    'weights-set (read back different)': { stage: 'rolling-back', actions: ['restore-forward'] },
    'action failed': { stage: 'rolling-back', actions: ['restore-forward'] },
  },
  paused: {
    requested: { stage: 'paused', actions: ['publish'] },
    'gate alarm ALARM': { stage: 'rolling-back', actions: ['restore-forward'] },
    promote: { stage: 'paused', actions: ['check-gates'] },
    abort: { stage: 'rolling-back', actions: ['restore-forward'] },
    'gates pass': { stage: 'shifting', actions: ['set-weights'] },
    'gates fail': { stage: 'rolling-back', actions: ['restore-forward'] },
    'action failed': { stage: 'rolling-back', actions: ['restore-forward'] },
  },
  baking: {
    requested: { stage: 'baking', actions: ['publish'] },
    'gate alarm ALARM': { stage: 'rolling-back', actions: ['restore-forward'] },
    promote: { stage: 'baking', actions: ['check-gates'] },
    abort: { stage: 'rolling-back', actions: ['restore-forward'] },
    'gates pass': { stage: 'rollback-window', actions: [] },
    'gates fail': { stage: 'rolling-back', actions: ['restore-forward'] },
    'action failed': { stage: 'rolling-back', actions: ['restore-forward'] },
  },
  'rollback-window': {
    requested: { stage: 'rollback-window', actions: ['publish'] },
    'gate alarm ALARM': { stage: 'rolling-back', actions: ['restore-forward'] },
    abort: { stage: 'rolling-back', actions: ['restore-forward'] },
    'action failed': { stage: 'rolling-back', actions: ['restore-forward'] },
  },
  finishing: {
    requested: { stage: 'finishing', actions: ['publish'] },
    tick: { stage: 'finishing', actions: ['scale-colour'] },
    'old colour scaled': { stage: 'succeeded', actions: ['lock-services', 'publish'] },
    'action failed': { stage: 'finishing', actions: [] },
  },
  'rolling-back': {
    requested: { stage: 'rolling-back', actions: ['publish'] },
    tick: { stage: 'rolling-back', actions: ['restore-forward'] },
    'forward restored': { stage: 'rolling-back', actions: ['scale-colour'] },
    'forward not restored': { stage: 'rolling-back', actions: [] },
    'new colour scaled': { stage: 'rolled-back', actions: ['lock-services', 'publish'] },
    'action failed': { stage: 'rolling-back', actions: [] },
  },
  succeeded: { requested: { stage: 'starting', actions: ['inspect'] } },
  'rolled-back': { requested: { stage: 'starting', actions: ['inspect'] } },
  failed: { requested: { stage: 'starting', actions: ['inspect'] } },
};

describe('transition: every event in every stage', () => {
  for (const stage of Object.keys(IN) as Stage[]) {
    describe(stage, () => {
      for (const name of Object.keys(EVENTS) as EventName[]) {
        const expected = TABLE[stage]?.[name];
        it(`${name} → ${expected ? `${expected.stage} [${expected.actions.join(', ')}]` : 'nothing'}`, () => {
          const before = IN[stage];
          const result = transition(before, EVENTS[name], app, NOW);
          if (!expected) {
            expect(result.deployment).toBe(before);
            expect(result.actions).toEqual([]);
            return;
          }
          expect(result.deployment?.stage).toBe(expected.stage);
          expect(result.actions.map((a) => a.kind)).toEqual(expected.actions);
        });
      }
    });
  }
});

describe('transition: what the steps carry', () => {
  it('starts a request with nothing active by inspecting; the same request again changes nothing', () => {
    const first = transition(undefined, EVENTS.requested, app, NOW);
    expect(first.deployment).toMatchObject({ id: 'shop-2', stage: 'starting', step: -1, newPercent: 0, stageDeadline: iso(300) });
    expect(first.actions).toEqual([{ kind: 'inspect' }]);
    const again = transition(first.deployment, EVENTS.requested, app, later(5));
    expect(again).toEqual({ deployment: first.deployment, actions: [] });
  });

  it('rejects a second request while one runs, naming the running one', () => {
    const result = transition(IN.paused, EVENTS.requested, app, NOW);
    expect(result.deployment).toBe(IN.paused);
    expect(result.rejected).toEqual({ id: 'shop-2', reason: expect.stringContaining('deployment shop-1 of shop is paused') });
    expect(result.actions).toEqual([
      {
        kind: 'publish',
        detailType: 'Deployment Rejected',
        detail: expect.objectContaining({ app: 'shop', deploymentId: 'shop-2', activeDeploymentId: 'shop-1' }),
      },
    ]);
  });

  it('rejects a request naming both or neither a task definition and images', () => {
    expect(transition(undefined, { kind: 'requested', id: 'x' }, app, NOW).rejected?.reason).toMatch(/exactly one of them/);
    const both = { kind: 'requested', id: 'x', taskDefinition: 'shop:1', images: { app: 'img:2' } } as const;
    expect(transition(undefined, both, app, NOW).rejected?.reason).toMatch(/exactly one of them/);
  });

  it('learns the live colour from the weights, locks both services, and gives the new colour the live count', () => {
    const result = transition(IN.starting, EVENTS.inspected, app, NOW);
    expect(result.deployment).toMatchObject({
      stage: 'deploying',
      from: 'blue',
      to: 'green',
      original: ORIGINAL,
      toBefore: { desiredCount: 0, taskDefinition: 'shop:40' },
      desiredCount: 3,
      stageDeadline: iso(900),
    });
    expect(result.actions[0]).toEqual({ kind: 'lock-services', status: 'in-progress', expiresAt: iso(longestDeploymentSeconds(app)) });
    expect(result.actions[1]).toMatchObject({ kind: 'publish', detailType: 'Deployment Started' });
    expect(result.actions[2]).toEqual({
      kind: 'update-new-colour',
      colour: 'green',
      taskDefinition: base.taskDefinition,
      images: undefined,
      desiredCount: 3,
    });
  });

  it('goes from green to blue when green is live', () => {
    const greenLive = {
      ...EVENTS.inspected,
      forward: { ...ORIGINAL, targetGroups: [{ arn: TG_GREEN, weight: 100 }] },
      services: { blue: EVENTS.inspected.services.green, green: EVENTS.inspected.services.blue },
    };
    expect(transition(IN.starting, greenLive, app, NOW).deployment).toMatchObject({ from: 'green', to: 'blue' });
  });

  it('does not start while a gate alarm is already in ALARM: failed, nothing changed, no lock taken', () => {
    const result = transition(IN.starting, { ...EVENTS.inspected, alarmsInAlarm: ['shop-5xx'] }, app, NOW);
    expect(result.deployment?.outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^gate alarm shop-5xx is already in ALARM: a deployment does not start .*nothing was changed/),
    });
    expect(result.actions.map((a) => a.kind)).toEqual(['publish']);
    expect(result.actions[0]).toMatchObject({ detailType: 'Deployment Failed', detail: { alert: { category: 'deployment-failed' } } });
  });

  it('ignores alarms that are not gates of the app when starting', () => {
    const result = transition(IN.starting, { ...EVENTS.inspected, alarmsInAlarm: ['billing'] }, app, NOW);
    expect(result.deployment?.stage).toBe('deploying');
  });

  it('fails without changing anything when the listener already splits the traffic', () => {
    const split = {
      ...EVENTS.inspected,
      forward: {
        ...ORIGINAL,
        targetGroups: [
          { arn: TG_BLUE, weight: 50 },
          { arn: TG_GREEN, weight: 50 },
        ],
      },
    };
    const result = transition(IN.starting, split, app, NOW);
    expect(result.deployment?.stage).toBe('failed');
    expect(result.deployment?.outcome?.reason).toMatch(/nothing was changed$/);
  });

  it('waits for enough healthy targets before the first shift, then shifts to the canary weight', () => {
    const few = transition(IN.deploying, { kind: 'ready-checked', steady: true, health: { healthy: 1, unhealthy: 0 } }, app, NOW);
    expect(few.deployment?.stage).toBe('deploying');
    expect(few.deployment?.waitingFor).toMatch(/at least 2/);
    const none = transition(IN.deploying, { kind: 'ready-checked', steady: true, health: { healthy: 0, unhealthy: 2 } }, app, NOW);
    expect(none.actions).toEqual([]);
    const ready = transition(IN.deploying, EVENTS['ready-checked (ready)'], app, NOW);
    expect(ready.actions).toEqual([
      {
        kind: 'set-weights',
        targetGroups: [
          { arn: TG_BLUE, weight: 90 },
          { arn: TG_GREEN, weight: 10 },
        ],
      },
    ]);
  });

  it('records each weight reached with its time and pauses for the step', () => {
    const result = transition(IN.shifting, EVENTS['weights-set (read back equal)'], app, NOW);
    expect(result.deployment).toMatchObject({
      stage: 'paused',
      step: 0,
      newPercent: 10,
      pauseEndsAt: iso(300),
      weights: [{ at: NOW.toISOString(), newPercent: 10, why: 'step 1 of 2' }],
    });
    expect(result.actions[0]).toMatchObject({ detailType: 'Deployment Step Completed', detail: { newPercent: 10, step: 1, steps: 2 } });
  });

  it('checks the gates when the pause has ended, not before', () => {
    expect(transition(IN.paused, EVENTS.tick, app, later(119)).actions).toEqual([]);
    expect(transition(IN.paused, EVENTS.tick, app, later(120)).actions).toEqual([{ kind: 'check-gates', colour: 'green' }]);
  });

  it('rolls back with the failing gate in the reason', () => {
    const result = transition(IN.paused, EVENTS['gates fail'], app, NOW);
    expect(result.deployment?.rollbackReason).toBe('gate failed at 10%: metric check error-rate: shop-green 3 is above its max 1');
    const baseline = transition(
      IN.paused,
      { ...EVENTS['gates pass'], metrics: [{ name: 'error-rate', value: 0.9, baseline: 0.1 }] },
      app,
      NOW,
    );
    expect(baseline.deployment?.rollbackReason).toMatch(/0.9 is more than 0.5 above the live colour's 0.1/);
    const unhealthy = transition(IN.paused, { ...EVENTS['gates pass'], health: { healthy: 2, unhealthy: 1 } }, app, NOW);
    expect(unhealthy.deployment?.rollbackReason).toMatch(/shop-green has 1 target\(s\) not healthy/);
  });

  it('after the bake keeps the old colour for the rollback window, then scales it to zero and succeeds', () => {
    const window = transition(IN.baking, EVENTS['gates pass'], app, NOW).deployment as Deployment;
    expect(window).toMatchObject({ stage: 'rollback-window', pauseEndsAt: iso(1_800) });
    expect(transition(window, EVENTS.tick, app, later(1_799)).actions).toEqual([]);
    const finishing = transition(window, EVENTS.tick, app, later(1_800));
    expect(finishing.actions).toEqual([{ kind: 'scale-colour', colour: 'blue', desiredCount: 0 }]);
    const done = transition(finishing.deployment, EVENTS['old colour scaled'], app, later(1_801));
    expect(done.deployment?.outcome).toEqual({
      status: 'succeeded',
      reason: 'shop-green takes all the traffic; shop-blue scaled to 0',
      at: iso(1_801),
    });
    expect(done.actions).toEqual([
      { kind: 'lock-services', status: 'released' },
      expect.objectContaining({ detailType: 'Deployment Succeeded' }),
    ]);
    expect((done.actions[1] as { detail: Record<string, unknown> }).detail.alert).toBeUndefined();
  });

  it('goes straight to finishing after the bake when there is no rollback window', () => {
    const result = transition(IN.baking, EVENTS['gates pass'], { ...app, rollbackWindowSeconds: 0 }, NOW);
    expect(result.deployment?.stage).toBe('finishing');
  });

  it('rolls back on a gate alarm: the original action first, then the new colour back to its count, with an alert', () => {
    const rolling = transition(IN.paused, EVENTS['gate alarm ALARM'], app, NOW);
    expect(rolling.deployment?.rollbackReason).toBe('alarm shop-5xx entered ALARM (Threshold Crossed)');
    const restored = transition(rolling.deployment, EVENTS['forward restored'], app, later(1));
    expect(restored.deployment).toMatchObject({ newPercent: 0, forwardRestored: true });
    expect(restored.deployment?.weights.at(-1)).toEqual({ at: iso(1), newPercent: 0, why: 'rolled back' });
    expect(restored.actions).toEqual([{ kind: 'scale-colour', colour: 'green', desiredCount: 0, taskDefinition: 'shop:41' }]);
    const done = transition(restored.deployment, EVENTS['new colour scaled'], app, later(2));
    expect(done.deployment?.outcome).toEqual({
      status: 'rolled-back',
      reason: 'alarm shop-5xx entered ALARM (Threshold Crossed)',
      at: iso(2),
    });
    expect(done.actions[1]).toMatchObject({
      detailType: 'Deployment Rolled Back',
      detail: {
        reason: 'alarm shop-5xx entered ALARM (Threshold Crossed)',
        alert: { subject: { kind: 'app', name: 'shop' }, severity: 'warning' },
      },
    });
  });

  it('a tick while rolling back after the forward action is back scales the new colour again (crash between the two)', () => {
    const restored = { ...IN['rolling-back'], forwardRestored: true };
    expect(transition(restored, EVENTS.tick, app, NOW).actions).toEqual([
      { kind: 'scale-colour', colour: 'green', desiredCount: 0, taskDefinition: 'shop:41' },
    ]);
  });

  it('times stages out: not ready in time rolls back; a rollback that cannot complete fails loudly', () => {
    const notReady = transition({ ...IN.deploying, waitingFor: 'shop-green to reach steady state' }, EVENTS.tick, app, later(600));
    expect(notReady.deployment?.rollbackReason).toBe(
      'shop-green was not ready within 900s: still waiting for shop-green to reach steady state',
    );
    const stuck = transition(IN['rolling-back'], EVENTS.tick, app, later(600));
    expect(stuck.deployment?.outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/put the listener's forward action back by hand/),
    });
    expect(stuck.actions[1]).toMatchObject({ detail: { alert: { severity: 'critical', category: 'deployment-failed' } } });
  });

  it('an until-promoted pause waits for promote, and rolls back when nobody promotes in time', () => {
    const manual: AppSpec = {
      ...app,
      strategy: 'steps',
      steps: [{ weight: 50, pause: { kind: 'until-promoted' } }, app.steps[1] as AppSpec['steps'][number]],
    };
    const paused = transition(IN.shifting, EVENTS['weights-set (read back equal)'], manual, NOW).deployment as Deployment;
    expect(paused).toMatchObject({
      stage: 'paused',
      pauseEndsAt: undefined,
      stageDeadline: iso(86_400),
      waitingFor: '`ecs-autopilot promote`',
    });
    expect(transition(paused, EVENTS.tick, manual, later(86_399)).actions).toEqual([]);
    expect(transition(paused, EVENTS.promote, manual, later(60)).actions).toEqual([{ kind: 'check-gates', colour: 'green' }]);
    expect(transition(paused, EVENTS.tick, manual, later(86_400)).deployment?.rollbackReason).toMatch(/no promote within 86400s/);
  });

  it('the lock lasts as long as the longest deployment could, with a margin', () => {
    // starting 300 + ready 900 + (300 + 300) + (600 + 300) + rollback window 1800 + finishing 900 + margin 1800
    expect(longestDeploymentSeconds(app)).toBe(7_200);
  });
});
