/**
 * The blue/green state machine, table-driven: every event in every stage (and the situations within a
 * stage that decide differently: a pause over or promoted, nothing shifted yet). Cases not listed in
 * the table must leave the deployment as it is and ask for nothing.
 */
import { describe, expect, it } from 'vitest';
import { longestDeploymentSeconds, transition } from '../../shared/blue-green/decide.ts';
import { splitsFor } from '../../shared/blue-green/forward.ts';
import type { AppSpec, Deployment, DeploymentEvent, ForwardSnapshot, Stage } from '../../shared/blue-green/model.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-central-1:123456789012';
const TG_BLUE = `${ARN}:targetgroup/shop-blue/0000000000000001`;
const TG_GREEN = `${ARN}:targetgroup/shop-green/0000000000000002`;
const TASK_DEFINITION = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/shop';

const LISTENER = `${ARN}:listener/app/shop/0000000000000003/0000000000000004`;

const app: AppSpec = {
  name: 'shop',
  cluster: 'web',
  listener: LISTENER,
  colours: { blue: { service: 'shop-blue', targetGroup: TG_BLUE }, green: { service: 'shop-green', targetGroup: TG_GREEN } },
  routes: [{ listener: LISTENER, targetGroups: { blue: TG_BLUE, green: TG_GREEN }, shift: 'weighted' }],
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
  allowed: {
    families: ['shop'],
    images: ['123456789012.dkr.ecr.eu-central-1.amazonaws.com/shop/*'],
    roles: ['arn:aws:iam::123456789012:role/shop-task', 'arn:aws:iam::123456789012:role/shop-execution'],
  },
};

/** Another team's batch job: its family, its task role. */
const REPORT_REVISION = {
  name: 'task definition report:1',
  family: 'report',
  taskRole: 'arn:aws:iam::123456789012:role/report-task',
  images: { report: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/report/batch:7' },
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

/** The split with `percent` on green, as ecs-autopilot writes it. */
const split = (percent: number) => splitsFor(app, 'blue', 'green', percent);

const base: Deployment = {
  app: 'shop',
  id: 'shop-1',
  version: 3,
  stage: 'starting',
  requestedAt: iso(-600),
  taskDefinition: `${TASK_DEFINITION}:42`,
  step: -1,
  newPercent: 0,
  stageSince: iso(-60),
  stageDeadline: iso(240),
  weights: [],
  // A promote taken earlier: its event delivered again is recognised.
  requests: [{ kind: 'promote', requestId: 'seen', at: iso(-30), outcome: 'taken' }],
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
const at10 = { step: 0, newPercent: 10, weights: [{ at: iso(-100), newPercent: 10, why: 'step 1 of 2' }] };
const at100 = { step: 1, newPercent: 100, weights: [...at10.weights, { at: iso(-50), newPercent: 100, why: 'step 2 of 2' }] };

/** A deployment in each stage as the machine leaves it there (deadlines and pauses in the future unless named). */
const IN = {
  starting: base,
  deploying: { ...base, ...started, stage: 'deploying', stageDeadline: iso(600) },
  shifting: { ...base, ...started, stage: 'shifting', shiftingTo: 0, stageDeadline: iso(200) },
  paused: { ...base, ...started, ...at10, stage: 'paused', pauseEndsAt: iso(120), stageDeadline: undefined },
  'paused, pause over': { ...base, ...started, ...at10, stage: 'paused', pauseEndsAt: iso(0), stageDeadline: undefined },
  'paused, promoted': { ...base, ...started, ...at10, stage: 'paused', pauseEndsAt: iso(120), promotedStep: 0, stageDeadline: undefined },
  baking: { ...base, ...started, ...at100, stage: 'baking', pauseEndsAt: iso(300), stageDeadline: undefined },
  'baking, bake over': { ...base, ...started, ...at100, stage: 'baking', pauseEndsAt: iso(-1), stageDeadline: undefined },
  'rollback-window': { ...base, ...started, ...at100, stage: 'rollback-window', pauseEndsAt: iso(900), stageDeadline: undefined },
  'rollback-window, window over': {
    ...base,
    ...started,
    ...at100,
    stage: 'rollback-window',
    pauseEndsAt: iso(0),
    stageDeadline: undefined,
  },
  finishing: { ...base, ...started, ...at100, stage: 'finishing', stageDeadline: iso(600) },
  'rolling-back': { ...base, ...started, ...at10, stage: 'rolling-back', rollbackReason: 'alarm', stageDeadline: iso(600) },
  'rolling-back, nothing shifted': { ...base, ...started, stage: 'rolling-back', rollbackReason: 'aborted', stageDeadline: iso(600) },
  succeeded: { ...base, ...started, ...at100, stage: 'succeeded', outcome: { status: 'succeeded', reason: '', at: iso(-1) } },
  'rolled-back': { ...base, ...started, ...at10, stage: 'rolled-back', outcome: { status: 'rolled-back', reason: '', at: iso(-1) } },
  failed: { ...base, stage: 'failed', outcome: { status: 'failed', reason: '', at: iso(-1) } },
} satisfies Record<string, Deployment>;

type Situation = keyof typeof IN;

const healthy = { healthy: 3, unhealthy: 0 };
const metricsPass = [{ name: 'error-rate', value: 0.2, baseline: 0.1 }];
/** What a check of a deployment reads when nobody else touched anything: its revision, the split it left. */
const asLeft = (d: Deployment) => ({ runs: `${TASK_DEFINITION}:42`, forward: split(d.newPercent) });
/** Someone put the listener at 50/50. */
const changedByHand = {
  forward: {
    [LISTENER]: [
      { arn: TG_BLUE, weight: 50 },
      { arn: TG_GREEN, weight: 50 },
    ],
  },
};
const anotherRevision = { runs: `${TASK_DEFINITION}:41` };

/** Each event, or how it is built from the deployment it meets (an observation of what that deployment left). */
const EVENTS = {
  requested: { kind: 'requested', id: 'shop-2', taskDefinition: 'shop:43' },
  'ecs completed (new colour)': { kind: 'service-changed', service: 'shop-green', eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
  'ecs failed (new colour)': { kind: 'service-changed', service: 'shop-green', eventName: 'SERVICE_DEPLOYMENT_FAILED' },
  'ecs completed (live colour)': { kind: 'service-changed', service: 'shop-blue', eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
  'gate alarm ALARM': { kind: 'alarm', alarmName: 'shop-5xx', state: 'ALARM', reason: 'Threshold Crossed' },
  'gate alarm OK': { kind: 'alarm', alarmName: 'shop-5xx', state: 'OK' },
  'other alarm ALARM': { kind: 'alarm', alarmName: 'billing', state: 'ALARM' },
  tick: { kind: 'tick' },
  'promote step 1': { kind: 'promote', requestId: 'r-promote', deploymentId: 'shop-1', step: 1, by: 'ana' },
  'promote step 2': { kind: 'promote', requestId: 'r-promote', deploymentId: 'shop-1', step: 2, by: 'ana' },
  'promote (older pipeline)': { kind: 'promote', requestId: 'r-promote', by: 'ana' },
  'promote (another deployment)': { kind: 'promote', requestId: 'r-promote', deploymentId: 'shop-0', step: 1, by: 'ana' },
  'promote (delivered again)': { kind: 'promote', requestId: 'seen', deploymentId: 'shop-1', step: 1, by: 'ana' },
  abort: { kind: 'abort', requestId: 'r-abort', deploymentId: 'shop-1', by: 'ana', reason: 'wrong build' },
  'abort (another deployment)': { kind: 'abort', requestId: 'r-abort', deploymentId: 'shop-0', by: 'ana' },
  inspected: {
    kind: 'inspected',
    forward: { [LISTENER]: ORIGINAL },
    services: {
      blue: { desiredCount: 3, taskDefinition: 'shop:41', primaryTaskDefinition: 'shop:41', steady: true, runningCount: 3 },
      green: { desiredCount: 0, taskDefinition: 'shop:40', primaryTaskDefinition: 'shop:40', steady: true, runningCount: 0 },
    },
    alarmsInAlarm: [],
    requested: {
      name: 'task definition shop:42',
      family: 'shop',
      taskRole: 'arn:aws:iam::123456789012:role/shop-task',
      executionRole: 'arn:aws:iam::123456789012:role/shop-execution',
      images: { app: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/shop/web:42' },
    },
  },
  'revision refused': { kind: 'revision-refused', reason: 'a revision of shop:41 with images app=… has the task role …' },
  'revision registered': { kind: 'revision-registered', taskDefinition: `${TASK_DEFINITION}:42` },
  'new colour updated': { kind: 'new-colour-updated', taskDefinition: `${TASK_DEFINITION}:42` },
  'ready-checked (ready)': (d) => ({ kind: 'ready-checked', steady: true, health: healthy, ...asLeft(d) }),
  'ready-checked (not steady)': (d) => ({ kind: 'ready-checked', steady: false, health: { healthy: 0, unhealthy: 0 }, ...asLeft(d) }),
  'ready-checked (another revision)': (d) => ({ kind: 'ready-checked', steady: true, health: healthy, ...asLeft(d), ...anotherRevision }),
  'ready-checked (listener changed)': (d) => ({ kind: 'ready-checked', steady: true, health: healthy, ...asLeft(d), ...changedByHand }),
  'weights-set (read back equal)': { kind: 'weights-set', expected: split(10), observed: split(10) },
  'weights-set (read back different)': { kind: 'weights-set', expected: split(10), observed: changedByHand.forward },
  'forward changed': { kind: 'forward-changed', observed: changedByHand.forward },
  'gates pass': (d) => ({ kind: 'gates-checked', alarmsInAlarm: [], health: healthy, metrics: metricsPass, ...asLeft(d) }),
  'gates fail': (d) => ({
    kind: 'gates-checked',
    alarmsInAlarm: [],
    health: healthy,
    metrics: [{ name: 'error-rate', value: 3, baseline: 0.1 }],
    ...asLeft(d),
  }),
  'gates pass, another revision': (d) => ({
    kind: 'gates-checked',
    alarmsInAlarm: [],
    health: healthy,
    metrics: metricsPass,
    ...asLeft(d),
    ...anotherRevision,
  }),
  'gates pass, listener changed': (d) => ({
    kind: 'gates-checked',
    alarmsInAlarm: [],
    health: healthy,
    metrics: metricsPass,
    ...asLeft(d),
    ...changedByHand,
  }),
  'forward restored': { kind: 'forward-restored', observed: { [LISTENER]: ORIGINAL.targetGroups }, matches: true },
  'forward not restored': { kind: 'forward-restored', observed: { [LISTENER]: [] }, matches: false },
  'old colour scaled': { kind: 'colour-scaled', colour: 'blue', desiredCount: 0 },
  'new colour scaled': { kind: 'colour-scaled', colour: 'green', desiredCount: 0 },
  'action failed': { kind: 'action-failed', action: 'set-weights', error: 'AccessDenied' },
} satisfies Record<string, DeploymentEvent | ((d: Deployment) => DeploymentEvent)>;

type EventName = keyof typeof EVENTS;

const eventFor = (name: EventName, d: Deployment): DeploymentEvent => {
  const event: DeploymentEvent | ((d: Deployment) => DeploymentEvent) = EVENTS[name];
  return typeof event === 'function' ? event(d) : event;
};

/** What must change: the stage after, and the kinds of the actions asked for, in order. */
type Expected = { stage: Stage; actions: string[] };

const ROLL_BACK: Expected = { stage: 'rolling-back', actions: ['restore-forward'] };
/** Ended without a rollback, releasing the services it locked. */
const FAILED: Expected = { stage: 'failed', actions: ['lock-services', 'publish'] };
const ignoredIn = (stage: Stage): Expected => ({ stage, actions: ['publish'] });
/** A promote or abort that is stale in this situation: ignored, recorded, published. */
const ignoringRequests = (stage: Stage, names: EventName[]) => Object.fromEntries(names.map((name) => [name, ignoredIn(stage)]));
const ALL_PROMOTES: EventName[] = ['promote step 1', 'promote step 2', 'promote (older pipeline)', 'promote (another deployment)'];

/** Paused at step 1 (10%), whatever its pause. */
const pausedAt10 = (gatesPass: Expected | undefined, promote: Expected): Partial<Record<EventName, Expected>> => ({
  requested: ignoredIn('paused'),
  'gate alarm ALARM': ROLL_BACK,
  tick: { stage: 'paused', actions: ['check-gates'] },
  ...ignoringRequests('paused', ['promote step 2', 'promote (another deployment)', 'abort (another deployment)']),
  'promote step 1': promote,
  'promote (older pipeline)': promote,
  abort: ROLL_BACK,
  'forward changed': FAILED,
  ...(gatesPass && { 'gates pass': gatesPass }),
  'gates fail': ROLL_BACK,
  'gates pass, another revision': ROLL_BACK,
  'gates pass, listener changed': FAILED,
  'action failed': ROLL_BACK,
});

/** Baking at step 2 (100%). */
const bakingAt100 = (gatesPass: Expected | undefined): Partial<Record<EventName, Expected>> => ({
  requested: ignoredIn('baking'),
  'gate alarm ALARM': ROLL_BACK,
  tick: { stage: 'baking', actions: ['check-gates'] },
  ...ignoringRequests('baking', ['promote step 1', 'promote (another deployment)', 'abort (another deployment)']),
  'promote step 2': { stage: 'baking', actions: ['check-gates'] },
  'promote (older pipeline)': { stage: 'baking', actions: ['check-gates'] },
  abort: ROLL_BACK,
  'forward changed': FAILED,
  ...(gatesPass && { 'gates pass': gatesPass }),
  'gates fail': ROLL_BACK,
  'gates pass, another revision': ROLL_BACK,
  'gates pass, listener changed': FAILED,
  'action failed': ROLL_BACK,
});

const rollbackWindow = (gatesPass: Expected | undefined): Partial<Record<EventName, Expected>> => ({
  requested: ignoredIn('rollback-window'),
  'gate alarm ALARM': ROLL_BACK,
  tick: { stage: 'rollback-window', actions: ['check-gates'] },
  ...ignoringRequests('rollback-window', [...ALL_PROMOTES, 'abort (another deployment)']),
  abort: ROLL_BACK,
  'forward changed': FAILED,
  ...(gatesPass && { 'gates pass': gatesPass }),
  'gates fail': ROLL_BACK,
  'gates pass, another revision': ROLL_BACK,
  'gates pass, listener changed': FAILED,
  'action failed': ROLL_BACK,
});

const rollingBack = (newColourScaled: Expected): Partial<Record<EventName, Expected>> => ({
  requested: ignoredIn('rolling-back'),
  tick: { stage: 'rolling-back', actions: ['restore-forward'] },
  ...ignoringRequests('rolling-back', [...ALL_PROMOTES, 'abort', 'abort (another deployment)']),
  'forward changed': FAILED,
  'forward restored': { stage: 'rolling-back', actions: ['scale-colour'] },
  'forward not restored': { stage: 'rolling-back', actions: [] },
  'new colour scaled': newColourScaled,
  'action failed': { stage: 'rolling-back', actions: [] },
});

const ended = (stage: Stage): Partial<Record<EventName, Expected>> => ({
  requested: { stage: 'starting', actions: ['inspect'] },
  ...ignoringRequests(stage, [...ALL_PROMOTES, 'abort', 'abort (another deployment)']),
});

const TABLE: Record<Situation, Partial<Record<EventName, Expected>>> = {
  starting: {
    requested: ignoredIn('starting'), // rejected: one at a time
    'gate alarm ALARM': { stage: 'failed', actions: ['publish'] },
    tick: { stage: 'starting', actions: ['inspect'] },
    ...ignoringRequests('starting', [...ALL_PROMOTES, 'abort (another deployment)']),
    abort: { stage: 'failed', actions: ['publish'] },
    inspected: { stage: 'deploying', actions: ['lock-services', 'publish', 'update-new-colour'] },
    // Nothing was taken yet: no lock to release.
    'forward changed': { stage: 'failed', actions: ['publish'] },
    'action failed': { stage: 'failed', actions: ['publish'] },
  },
  deploying: {
    requested: ignoredIn('deploying'),
    'ecs completed (new colour)': { stage: 'deploying', actions: ['check-ready'] },
    'ecs failed (new colour)': ROLL_BACK,
    'gate alarm ALARM': ROLL_BACK,
    tick: { stage: 'deploying', actions: ['check-ready'] },
    ...ignoringRequests('deploying', [...ALL_PROMOTES, 'abort (another deployment)']),
    abort: ROLL_BACK,
    'revision refused': FAILED,
    'revision registered': { stage: 'deploying', actions: ['update-new-colour'] },
    'new colour updated': { stage: 'deploying', actions: ['check-ready'] },
    'ready-checked (ready)': { stage: 'shifting', actions: ['set-weights'] },
    'ready-checked (not steady)': { stage: 'deploying', actions: [] },
    'ready-checked (another revision)': ROLL_BACK,
    'ready-checked (listener changed)': FAILED,
    'forward changed': FAILED,
    'action failed': ROLL_BACK,
  },
  shifting: {
    requested: ignoredIn('shifting'),
    'gate alarm ALARM': ROLL_BACK,
    tick: { stage: 'shifting', actions: ['set-weights'] },
    ...ignoringRequests('shifting', [...ALL_PROMOTES, 'abort (another deployment)']),
    abort: ROLL_BACK,
    'weights-set (read back equal)': { stage: 'paused', actions: ['publish'] },
    'weights-set (read back different)': FAILED,
    'forward changed': FAILED,
    'action failed': ROLL_BACK,
  },
  paused: pausedAt10(undefined, { stage: 'paused', actions: ['check-gates'] }),
  'paused, pause over': pausedAt10({ stage: 'shifting', actions: ['set-weights'] }, { stage: 'paused', actions: ['check-gates'] }),
  'paused, promoted': pausedAt10({ stage: 'shifting', actions: ['set-weights'] }, ignoredIn('paused')),
  baking: bakingAt100(undefined),
  'baking, bake over': bakingAt100({ stage: 'rollback-window', actions: [] }),
  'rollback-window': rollbackWindow(undefined),
  'rollback-window, window over': rollbackWindow({ stage: 'finishing', actions: ['scale-colour'] }),
  finishing: {
    requested: ignoredIn('finishing'),
    tick: { stage: 'finishing', actions: ['scale-colour'] },
    ...ignoringRequests('finishing', [...ALL_PROMOTES, 'abort', 'abort (another deployment)']),
    'forward changed': FAILED,
    'old colour scaled': { stage: 'succeeded', actions: ['lock-services', 'publish'] },
    'action failed': { stage: 'finishing', actions: [] },
  },
  'rolling-back': rollingBack({ stage: 'rolled-back', actions: ['lock-services', 'publish'] }),
  // A rollback before any traffic moved: the request failed.
  'rolling-back, nothing shifted': rollingBack(FAILED),
  succeeded: ended('succeeded'),
  'rolled-back': ended('rolled-back'),
  failed: ended('failed'),
};

describe('transition: every event in every stage', () => {
  for (const situation of Object.keys(IN) as Situation[]) {
    describe(situation, () => {
      for (const name of Object.keys(EVENTS) as EventName[]) {
        const expected = TABLE[situation][name];
        it(`${name} → ${expected ? `${expected.stage} [${expected.actions.join(', ')}]` : 'nothing'}`, () => {
          const before: Deployment = IN[situation];
          const result = transition(before, eventFor(name, before), app, NOW);
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
        id: 'shop-2:rejected',
      },
    ]);
  });

  it('rejects a request naming both or neither a task definition and images', () => {
    expect(transition(undefined, { kind: 'requested', id: 'x' }, app, NOW).rejected?.reason).toMatch(/exactly one of them/);
    const both = { kind: 'requested', id: 'x', taskDefinition: 'shop:1', images: { app: 'img:2' } } as const;
    expect(transition(undefined, both, app, NOW).rejected?.reason).toMatch(/exactly one of them/);
  });

  it("rejects at once a task definition of another family (another team's job), naming what the app allows", () => {
    const result = transition(undefined, { kind: 'requested', id: 'x', taskDefinition: 'report:1', requestedBy: 'ci' }, app, NOW);
    expect(result.deployment).toBeUndefined();
    expect(result.rejected?.reason).toBe(
      "task definition report:1 is not one of the app's: apps.shop allows the families shop (allowedFamilies)",
    );
    expect(result.actions).toEqual([
      {
        kind: 'publish',
        detailType: 'Deployment Rejected',
        detail: expect.objectContaining({ app: 'shop', deploymentId: 'x', reason: result.rejected?.reason }),
        id: 'x:rejected',
      },
    ]);
    const arn = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/report:1';
    expect(transition(undefined, { kind: 'requested', id: 'y', taskDefinition: arn }, app, NOW).rejected?.reason).toMatch(
      /^task definition arn:.*report:1 is not one of the app's/,
    );
  });

  it('rejects images from another repository, naming them and the allowed ones; keeps the allowed', () => {
    const foreign = { app: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/shop/web:2', sidecar: 'docker.io/evil/miner:1' };
    expect(transition(undefined, { kind: 'requested', id: 'x', images: foreign }, app, NOW).rejected?.reason).toBe(
      "image sidecar=docker.io/evil/miner:1 is not from the app's repositories: apps.shop allows images of 123456789012.dkr.ecr.eu-central-1.amazonaws.com/shop/* (allowedImages)",
    );
    const own = { app: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/shop/web@sha256:abc' };
    expect(transition(undefined, { kind: 'requested', id: 'x', images: own }, app, NOW).deployment?.stage).toBe('starting');
  });

  it('rejects a task definition ARN of another account or region', () => {
    const arn = 'arn:aws:ecs:eu-central-1:999999999999:task-definition/shop:3';
    expect(transition(undefined, { kind: 'requested', id: 'x', taskDefinition: arn }, app, NOW).rejected?.reason).toBe(
      `task definition ${arn} is not in the app's account 123456789012 and region eu-central-1`,
    );
  });

  it('fails before changing anything when the named revision carries a role or an image the app does not allow', () => {
    const withRole = { ...EVENTS.inspected, requested: { ...EVENTS.inspected.requested, taskRole: REPORT_REVISION.taskRole } };
    const result = transition(IN.starting, withRole, app, NOW);
    expect(result.deployment?.outcome?.reason).toBe(
      'task definition shop:42 has the task role arn:aws:iam::123456789012:role/report-task: apps.shop allows the roles ' +
        'arn:aws:iam::123456789012:role/shop-task, arn:aws:iam::123456789012:role/shop-execution (taskRoles); nothing was changed',
    );
    expect(result.actions.map((a) => a.kind)).toEqual(['publish']);
    const withImage = { ...EVENTS.inspected, requested: { ...EVENTS.inspected.requested, images: { app: 'nginx:1' } } };
    expect(transition(IN.starting, withImage, app, NOW).deployment?.outcome?.reason).toMatch(
      /^task definition shop:42 runs app=nginx:1, not from the app's repositories/,
    );
    expect(transition(IN.starting, { ...EVENTS.inspected, requested: REPORT_REVISION }, app, NOW).deployment?.stage).toBe('failed');
    expect(transition(IN.starting, { ...EVENTS.inspected, requested: undefined }, app, NOW).deployment?.outcome?.reason).toMatch(
      /could not be read; nothing was changed/,
    );
  });

  it('ends a deployment whose revision from images was refused failed, releasing the lock, before the new colour changes', () => {
    const result = transition(IN.deploying, EVENTS['revision refused'], app, NOW);
    expect(result.deployment?.outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/nothing was registered or changed$/),
    });
    expect(result.actions).toEqual([
      { kind: 'lock-services', status: 'released' },
      expect.objectContaining({ detailType: 'Deployment Failed' }),
    ]);
  });

  it('learns the live colour from the weights, locks both services, and gives the new colour the live count', () => {
    const result = transition(IN.starting, EVENTS.inspected, app, NOW);
    expect(result.deployment).toMatchObject({
      stage: 'deploying',
      from: 'blue',
      to: 'green',
      original: ORIGINAL,
      originals: { [LISTENER]: ORIGINAL },
      toBefore: { desiredCount: 0, taskDefinition: 'shop:40' },
      desiredCount: 3,
      stageDeadline: iso(900),
    });
    expect(result.actions[0]).toEqual({ kind: 'lock-services', status: 'in-progress', expiresAt: iso(longestDeploymentSeconds(app)) });
    expect(result.actions[1]).toMatchObject({ kind: 'publish', detailType: 'Deployment Started' });
    expect(result.actions[2]).toEqual({ kind: 'update-new-colour', colour: 'green', taskDefinition: base.taskDefinition, desiredCount: 3 });
  });

  it("with images, registers the revision (from the live colour's) first, records it, then updates the new colour to it", () => {
    const withImages = { ...IN.starting, taskDefinition: undefined, images: { app: 'img:2' } };
    const result = transition(withImages, EVENTS.inspected, app, NOW);
    expect(result.actions[2]).toEqual({ kind: 'register-revision', base: 'shop:41', images: { app: 'img:2' } });
    const registered = transition(result.deployment, EVENTS['revision registered'], app, later(1));
    expect(registered.deployment?.taskDefinition).toBe(`${TASK_DEFINITION}:42`);
    expect(registered.actions).toEqual([
      { kind: 'update-new-colour', colour: 'green', taskDefinition: `${TASK_DEFINITION}:42`, desiredCount: 3 },
    ]);
  });

  it('gives every event it publishes an id made of the deployment and what it reports', () => {
    const idsOf = (t: { actions: { kind: string; id?: string }[] }) => t.actions.flatMap((a) => (a.kind === 'publish' ? [a.id] : []));
    expect(idsOf(transition(IN.starting, EVENTS.inspected, app, NOW))).toEqual(['shop-1:started']);
    expect(idsOf(transition(IN.shifting, EVENTS['weights-set (read back equal)'], app, NOW))).toEqual(['shop-1:step:1']);
    expect(idsOf(transition(IN.finishing, EVENTS['old colour scaled'], app, NOW))).toEqual(['shop-1:succeeded']);
    expect(idsOf(transition(IN['rolling-back'], EVENTS['new colour scaled'], app, NOW))).toEqual(['shop-1:rolled-back']);
    expect(idsOf(transition(IN.starting, EVENTS.abort, app, NOW))).toEqual(['shop-1:failed']);
    expect(idsOf(transition(IN.paused, EVENTS['promote step 2'], app, NOW))).toEqual(['shop-1:ignored:r-promote']);
  });

  it('goes from green to blue when green is live', () => {
    const greenLive = {
      ...EVENTS.inspected,
      forward: { [LISTENER]: { ...ORIGINAL, targetGroups: [{ arn: TG_GREEN, weight: 100 }] } },
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
        [LISTENER]: {
          ...ORIGINAL,
          targetGroups: [
            { arn: TG_BLUE, weight: 50 },
            { arn: TG_GREEN, weight: 50 },
          ],
        },
      },
    };
    const result = transition(IN.starting, split, app, NOW);
    expect(result.deployment?.stage).toBe('failed');
    expect(result.deployment?.outcome?.reason).toMatch(/nothing was changed$/);
  });

  it('waits for enough healthy targets before the first shift, then shifts to the canary weight', () => {
    const ready = EVENTS['ready-checked (ready)'](IN.deploying);
    const few = transition(IN.deploying, { ...ready, health: { healthy: 1, unhealthy: 0 } }, app, NOW);
    expect(few.deployment?.stage).toBe('deploying');
    expect(few.deployment?.waitingFor).toMatch(/at least 2/);
    // Still waiting for the same: nothing new to write.
    expect(transition(few.deployment, { ...ready, health: { healthy: 1, unhealthy: 0 } }, app, NOW).deployment).toBe(few.deployment);
    const none = transition(IN.deploying, { ...ready, health: { healthy: 0, unhealthy: 2 } }, app, NOW);
    expect(none.actions).toEqual([]);
    // Written only over the split it left (the original) or the one it sets (a replay after a crash).
    expect(transition(IN.deploying, ready, app, NOW).actions).toEqual([
      { kind: 'set-weights', targetGroups: split(10), ours: [split(0), split(10)] },
    ]);
  });

  it('gives no traffic to a new colour that runs another revision: waits a moment after the update, then rolls back', () => {
    const justUpdated = { ...IN.deploying, stageSince: iso(-59) };
    const event = EVENTS['ready-checked (another revision)'](IN.deploying);
    expect(transition(justUpdated, event, app, NOW)).toMatchObject({
      deployment: { stage: 'deploying', waitingFor: 'shop-green to run shop:42 (it runs shop:41)' },
      actions: [],
    });
    // Still rolling out: it may yet run the requested revision.
    expect(transition(IN.deploying, { ...event, steady: false }, app, NOW).deployment?.stage).toBe('deploying');
    const rolled = transition(IN.deploying, event, app, NOW);
    expect(rolled.deployment?.rollbackReason).toBe(
      'shop-green runs shop:41, not shop:42 (ECS rolled it back, e.g. its deployment circuit breaker, or someone updated the service)',
    );
    // A task definition requested as family:revision is the ARN ECS reports.
    const short = { ...IN.deploying, taskDefinition: 'shop:42' };
    expect(transition(short, EVENTS['ready-checked (ready)'](short), app, NOW).deployment?.stage).toBe('shifting');
  });

  it('waits for the revision with the requested images to be registered before anything else', () => {
    const registering = { ...IN.deploying, taskDefinition: undefined, images: { app: 'img:2' } };
    expect(transition(registering, EVENTS['ready-checked (ready)'](registering), app, NOW).deployment).toMatchObject({
      stage: 'deploying',
      waitingFor: 'the revision with the requested images to be registered for shop-green',
    });
  });

  it('stops, failed, when someone else changed the listener: names what changed, and touches nothing more', () => {
    const result = transition(IN.paused, EVENTS['gates pass, listener changed'](IN.paused), app, NOW);
    expect(result.deployment?.outcome).toMatchObject({
      status: 'failed',
      reason:
        `the default action of listener ${LISTENER} was changed outside ecs-autopilot: it sends blue 50% / green 50% where ecs-autopilot had set ` +
        'blue 90% / green 10%; the deployment stops and changes nothing more: shop-blue and shop-green keep running as they are. ' +
        'Settle the split you want, scale down the colour you do not keep, then deploy again',
    });
    expect(result.actions).toEqual([
      { kind: 'lock-services', status: 'released' },
      expect.objectContaining({
        detailType: 'Deployment Failed',
        detail: expect.objectContaining({ alert: expect.objectContaining({ category: 'deployment-failed', severity: 'critical' }) }),
      }),
    ]);
    const rolling = transition(IN['rolling-back'], EVENTS['forward changed'], app, NOW);
    expect(rolling.deployment?.outcome?.reason).toMatch(/where ecs-autopilot had set blue 90% \/ green 10% while rolling back \(alarm\);/);
  });

  it('writes the listener only over the splits it may have left: the one reached, the one being set, the original while rolling back', () => {
    expect(transition(IN.shifting, EVENTS.tick, app, NOW).actions).toEqual([
      { kind: 'set-weights', targetGroups: split(10), ours: [split(0), split(10)] },
    ]);
    const fromShifting = transition({ ...IN.shifting, ...at10, shiftingTo: 1 }, EVENTS['gate alarm ALARM'], app, NOW);
    expect(fromShifting.actions).toEqual([{ kind: 'restore-forward', ours: [split(10), split(100), split(0)] }]);
    expect(transition(IN.paused, EVENTS.abort, app, NOW).actions).toEqual([{ kind: 'restore-forward', ours: [split(10), split(0)] }]);
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

  it('checks the gates at every tick of a pause (metrics since the weight was reached), moving on once the pause is over', () => {
    const checks = [{ kind: 'check-gates', colour: 'green', since: iso(-100) }];
    expect(transition(IN.paused, EVENTS.tick, app, later(1)).actions).toEqual(checks);
    expect(transition(IN.paused, EVENTS.tick, app, later(119)).actions).toEqual(checks);
    const passing = EVENTS['gates pass'](IN.paused);
    expect(transition(IN.paused, passing, app, later(119)).deployment).toBe(IN.paused);
    expect(transition(IN.paused, passing, app, later(120)).deployment?.stage).toBe('shifting');
    expect(transition(IN.paused, EVENTS['gates fail'](IN.paused), app, later(1)).deployment?.stage).toBe('rolling-back');
  });

  it('rolls back with the failing gate in the reason; a metric not yet evaluated at this weight fails nothing', () => {
    const result = transition(IN.paused, EVENTS['gates fail'](IN.paused), app, NOW);
    expect(result.deployment?.rollbackReason).toBe('gate failed at 10%: metric check error-rate: shop-green 3 is above its max 1');
    const passing = EVENTS['gates pass'](IN['paused, pause over']);
    const baseline = transition(
      IN['paused, pause over'],
      { ...passing, metrics: [{ name: 'error-rate', value: 0.9, baseline: 0.1 }] },
      app,
      NOW,
    );
    expect(baseline.deployment?.rollbackReason).toMatch(/0.9 is more than 0.5 above the live colour's 0.1/);
    const unhealthy = transition(IN['paused, pause over'], { ...passing, health: { healthy: 2, unhealthy: 1 } }, app, NOW);
    expect(unhealthy.deployment?.rollbackReason).toMatch(/shop-green has 1 target\(s\) not healthy/);
    const strict: AppSpec = {
      ...app,
      gates: { ...app.gates, metrics: app.gates.metrics.map((m) => ({ ...m, onNoData: 'fail' as const })) },
    };
    const notYet = { ...passing, metrics: [{ name: 'error-rate', value: undefined, evaluated: false }] };
    expect(transition(IN['paused, pause over'], notYet, strict, NOW).deployment?.stage).toBe('shifting');
  });

  it('after the bake keeps the old colour for the rollback window, checking the gates, then scales it to zero and succeeds', () => {
    const window = transition(IN['baking, bake over'], EVENTS['gates pass'](IN['baking, bake over']), app, NOW).deployment as Deployment;
    expect(window).toMatchObject({ stage: 'rollback-window', pauseEndsAt: iso(1_800) });
    expect(transition(window, EVENTS.tick, app, later(60)).actions).toEqual([{ kind: 'check-gates', colour: 'green', since: iso(-50) }]);
    expect(transition(window, EVENTS['gates pass'](window), app, later(1_799)).deployment).toBe(window);
    const finishing = transition(window, EVENTS['gates pass'](window), app, later(1_800));
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
    const result = transition(IN['baking, bake over'], EVENTS['gates pass'](IN.baking), { ...app, rollbackWindowSeconds: 0 }, NOW);
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

  it('a rollback before any traffic moved ends failed, saying so', () => {
    const rolling = transition(IN.deploying, EVENTS.abort, app, NOW);
    const restored = transition(rolling.deployment, EVENTS['forward restored'], app, later(1));
    expect(restored.deployment?.weights).toEqual([]);
    const done = transition(restored.deployment, EVENTS['new colour scaled'], app, later(2));
    expect(done.deployment?.outcome).toEqual({
      status: 'failed',
      reason: 'aborted by ana: wrong build; no traffic had moved: shop-green is back to what it ran before',
      at: iso(2),
    });
    expect(done.actions[1]).toMatchObject({ detailType: 'Deployment Failed', id: 'shop-1:failed' });
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
    // The gates are watched while it waits, but only a promote moves it on.
    const passing = EVENTS['gates pass'](paused);
    expect(transition(paused, passing, manual, later(86_399)).deployment).toBe(paused);
    const promoted = transition(paused, EVENTS['promote step 1'], manual, later(60));
    expect(promoted.actions).toEqual([{ kind: 'check-gates', colour: 'green', since: NOW.toISOString() }]);
    expect(transition(promoted.deployment, passing, manual, later(61)).deployment?.stage).toBe('shifting');
    expect(transition(paused, EVENTS.tick, manual, later(86_400)).deployment?.rollbackReason).toMatch(/no promote within 86400s/);
  });

  describe('promote and abort name what they are for; anything stale is ignored and recorded', () => {
    const recorded = (t: { deployment: Deployment | undefined }) => t.deployment?.requests?.at(-1);

    it('takes a promote for the current pause, once, recording who and when', () => {
      const taken = transition(IN.paused, EVENTS['promote step 1'], app, NOW);
      expect(taken.deployment).toMatchObject({ promotedStep: 0 });
      expect(recorded(taken)).toEqual({
        kind: 'promote',
        requestId: 'r-promote',
        at: NOW.toISOString(),
        by: 'ana',
        deploymentId: 'shop-1',
        step: 1,
        outcome: 'taken',
      });
      // The same event again changes nothing; another promote of the same pause is a duplicate.
      expect(transition(taken.deployment, EVENTS['promote step 1'], app, later(1)).deployment).toBe(taken.deployment);
      const twice = transition(taken.deployment, { ...EVENTS['promote step 1'], requestId: 'r-again' }, app, later(1));
      expect(recorded(twice)).toMatchObject({
        outcome: 'ignored',
        reason: 'the pause of step 1 is already promoted: it ends once the gates pass',
      });
    });

    const reasons: [string, Situation, Extract<DeploymentEvent, { kind: 'promote' | 'abort' }>, string][] = [
      [
        'another deployment',
        'paused',
        EVENTS['promote (another deployment)'],
        "the request is for deployment shop-0, not shop-1, the app's current one",
      ],
      ['a step already passed', 'baking', EVENTS['promote step 1'], 'step 1 is already passed: shop-1 is baking at step 2 of 2'],
      ['a step not reached yet', 'paused', EVENTS['promote step 2'], 'step 2 is not reached yet: shop-1 is paused at step 1 of 2'],
      [
        'no pause',
        'deploying',
        EVENTS['promote step 1'],
        'shop-1 is deploying, not in a pause: promote ends a pause between steps or the bake',
      ],
      ['a deployment that ended', 'succeeded', EVENTS['promote step 2'], `deployment shop-1 already ended: succeeded at ${iso(-1)}`],
      ['an abort while rolling back', 'rolling-back', EVENTS.abort, 'shop-1 is already rolling back (alarm)'],
      [
        'an abort too late',
        'finishing',
        EVENTS.abort,
        'shop-1 is finishing: the rollback window is over and shop-blue is being scaled to 0, so it cannot take the traffic back; deploy the previous version instead',
      ],
    ];
    for (const [what, situation, event, reason] of reasons) {
      it(`ignores ${what}, records why and publishes Deployment Request Ignored`, () => {
        const before: Deployment = IN[situation];
        const result = transition(before, event, app, NOW);
        expect(result.deployment).toMatchObject({ stage: before.stage, outbox: before.outbox });
        expect(recorded(result)).toMatchObject({
          requestId: event.requestId,
          outcome: 'ignored',
          reason,
        });
        expect(result.actions).toEqual([
          {
            kind: 'publish',
            detailType: 'Deployment Request Ignored',
            detail: expect.objectContaining({ deploymentId: 'shop-1', reason, request: expect.objectContaining({ kind: event.kind }) }),
            id: `shop-1:ignored:${event.requestId}`,
          },
        ]);
      });
    }

    it('takes a request that names no deployment (an older pipeline) for the current one, saying so', () => {
      expect(recorded(transition(IN.paused, EVENTS['promote (older pipeline)'], app, NOW))).toMatchObject({
        outcome: 'taken',
        reason: 'named no deployment (an older pipeline): taken for step 1 of shop-1',
      });
      const abort = { kind: 'abort', requestId: 'r-old-abort' } as const;
      const aborted = transition(IN.paused, abort, app, NOW);
      expect(aborted.deployment?.stage).toBe('rolling-back');
      expect(recorded(aborted)).toMatchObject({ outcome: 'taken', reason: 'named no deployment (an older pipeline): taken for shop-1' });
    });

    it('keeps the last 20 requests', () => {
      let d: Deployment = IN.paused;
      for (let i = 0; i < 25; i++)
        d = transition(d, { ...EVENTS['promote step 2'], requestId: `r-${i}` }, app, NOW).deployment as Deployment;
      expect(d.requests?.map((r) => r.requestId)).toEqual(Array.from({ length: 20 }, (_, i) => `r-${i + 5}`));
    });

    it('publishes a request for an app without any deployment as ignored, with nothing to record it in', () => {
      expect(transition(undefined, EVENTS['promote step 1'], app, NOW)).toEqual({
        deployment: undefined,
        actions: [
          {
            kind: 'publish',
            detailType: 'Deployment Request Ignored',
            detail: {
              app: 'shop',
              request: expect.objectContaining({ kind: 'promote', deploymentId: 'shop-1' }),
              reason: 'app shop has no deployment',
            },
            id: 'shop:ignored:r-promote',
          },
        ],
      });
    });
  });

  it('the lock lasts as long as the longest deployment could, with a margin', () => {
    // starting 300 + ready 900 + (300 + 300) + (600 + 300) + rollback window 1800 + finishing 900 + margin 1800
    expect(longestDeploymentSeconds(app)).toBe(7_200);
  });
});
