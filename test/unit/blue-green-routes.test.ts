/**
 * Apps whose traffic goes through several listeners or rules (HTTP and HTTPS, internal and external,
 * an NLB): the config that names them, the lockstep decisions over them and the gates over every
 * target group of the new colour.
 */
import { describe, expect, it } from 'vitest';
import { transition } from '../../shared/blue-green/decide.ts';
import { actionsWithWeights, forwardOf, splitsFor, weightsFor } from '../../shared/blue-green/forward.ts';
import { gatesVerdict } from '../../shared/blue-green/gates.ts';
import type { AppSpec, Deployment, DeploymentEvent, ForwardSnapshot, RouteSpec, Splits } from '../../shared/blue-green/model.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { SHOP_ELB_ARN_HEAD as HEAD, shopApp } from '../helpers/shop-app.ts';

const HTTP = `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const HTTPS = `${HEAD}:listener/app/shop/50dc6c495c0c9188/0a1b2c3d4e5f6a7b`;
const INTERNAL_RULE = `${HEAD}:listener-rule/app/shop-internal/60dc6c495c0c9188/a2f7dc8efc522ab2/9683b2d02a6cabee`;
const INTERNAL = `${HEAD}:listener/app/shop-internal/60dc6c495c0c9188/a2f7dc8efc522ab2`;
const TCP = `${HEAD}:listener/net/shop-tcp/70dc6c495c0c9188/b2f7dc8efc522ab2`;
const TG = (name: string) => `${HEAD}:targetgroup/${name}/73e2d6bc24d8a0${name.length.toString(16).padStart(2, '0')}`;
const BLUE = shopApp().blue.targetGroup;
const GREEN = shopApp().green.targetGroup;
const BLUE_INTERNAL = TG('shop-blue-int');
const GREEN_INTERNAL = TG('shop-green-internal');
const BLUE_TCP = TG('shop-blue-tcp');
const GREEN_TCP = TG('shop-green-tcp1');

const appOf = (settings: Record<string, unknown>): AppSpec => {
  const shop = validateAutomation({ apps: { shop: shopApp(settings) } }).apps.shop;
  if (!shop) throw new Error('fixture: app shop missing');
  return shop;
};
const problemsOf = (settings: Record<string, unknown>, more: Record<string, unknown> = {}): string => {
  try {
    validateAutomation({ apps: { shop: shopApp(settings), ...more } });
    return '';
  } catch (error) {
    return String(error);
  }
};

/** HTTP and HTTPS of the external ALB (the colours' own target groups), a rule of the internal ALB, an NLB switched at once. */
const app = appOf({
  listener: undefined,
  listeners: [
    { listener: HTTP },
    { listener: HTTPS },
    { listener: INTERNAL, rule: INTERNAL_RULE, targetGroups: { blue: BLUE_INTERNAL, green: GREEN_INTERNAL } },
    { listener: TCP, targetGroups: { blue: BLUE_TCP, green: GREEN_TCP }, shift: 'switch' },
  ],
  gates: { minHealthyTargets: 2 },
});
const [HTTP_ROUTE, HTTPS_ROUTE, , TCP_ROUTE] = app.routes as [RouteSpec, RouteSpec, RouteSpec, RouteSpec];

describe('apps.<name>.listeners in automation.yml', () => {
  it('resolves each listener with its target groups, the colours\u2019 own by default; the first is the app\u2019s listener', () => {
    expect(app.routes).toEqual([
      { listener: HTTP, rule: undefined, targetGroups: { blue: BLUE, green: GREEN }, shift: 'weighted' },
      { listener: HTTPS, rule: undefined, targetGroups: { blue: BLUE, green: GREEN }, shift: 'weighted' },
      { listener: INTERNAL, rule: INTERNAL_RULE, targetGroups: { blue: BLUE_INTERNAL, green: GREEN_INTERNAL }, shift: 'weighted' },
      { listener: TCP, rule: undefined, targetGroups: { blue: BLUE_TCP, green: GREEN_TCP }, shift: 'switch' },
    ]);
    expect(app).toMatchObject({ listener: HTTP, colours: { blue: { targetGroup: BLUE }, green: { targetGroup: GREEN } } });
  });

  it('keeps listener and rule as one route', () => {
    expect(appOf({}).routes).toEqual([{ listener: HTTP, rule: undefined, targetGroups: { blue: BLUE, green: GREEN }, shift: 'weighted' }]);
  });

  it.each([
    ['both listener and listeners', { listeners: [{ listener: HTTPS }] }, 'name either listener (and rule) or listeners, not both'],
    ['neither', { listener: undefined }, 'name the listener (or listeners)'],
    ['a listener twice', { listener: undefined, listeners: [{ listener: HTTP }, { listener: HTTP }] }, 'named twice'],
    [
      'a rule of another listener',
      { listener: undefined, listeners: [{ listener: HTTP, rule: INTERNAL_RULE }] },
      'the rule must belong to the listener',
    ],
    [
      'a listener without target groups when the colours name none',
      {
        listener: undefined,
        blue: { service: 'shop-blue' },
        green: { service: 'shop-green' },
        listeners: [{ listener: HTTP, targetGroups: { blue: BLUE, green: GREEN } }, { listener: HTTPS }],
      },
      'name the blue target group here, or in targetGroups of listeners[1]',
    ],
    [
      'a target group on both colours',
      { listener: undefined, listeners: [{ listener: HTTP }, { listener: HTTPS, targetGroups: { blue: GREEN, green: BLUE_TCP } }] },
      'blue and green must have their own target groups',
    ],
    ['Service Connect', { serviceConnect: { namespace: 'shop' } }, 'ecs-autopilot cannot shift Service Connect traffic'],
  ])('refuses %s', (_, settings, message) => {
    expect(problemsOf(settings)).toContain(message);
  });

  it('refuses a listener another app already shifts, naming the entry', () => {
    const other = {
      ...shopApp({ listener: HTTPS }),
      blue: { service: 'b', targetGroup: TG('b') },
      green: { service: 'g', targetGroup: TG('gg') },
    };
    const problems = problemsOf({ listener: undefined, listeners: [{ listener: HTTP }, { listener: HTTPS }] }, { other });
    expect(problems).toMatch(/apps\.(shop|other)\.(listeners\.1\.)?listener.*already shifts this listener's default action/s);
  });
});

const snapshot = (targetGroups: Array<[string, number]>): ForwardSnapshot =>
  forwardOf([
    { Type: 'forward', ForwardConfig: { TargetGroups: targetGroups.map(([arn, weight]) => ({ TargetGroupArn: arn, Weight: weight })) } },
  ]);
const blueLive: Record<string, ForwardSnapshot> = {
  [HTTP]: snapshot([
    [BLUE, 100],
    [GREEN, 0],
  ]),
  [HTTPS]: snapshot([[BLUE, 1]]),
  [INTERNAL_RULE]: snapshot([
    [BLUE_INTERNAL, 100],
    [GREEN_INTERNAL, 0],
  ]),
  [TCP]: forwardOf([{ Type: 'forward', TargetGroupArn: BLUE_TCP }]),
};
const NOW = new Date('2026-12-06T12:00:00Z');
const service = (desiredCount: number) => ({
  desiredCount,
  taskDefinition: 'shop:41',
  primaryTaskDefinition: 'shop:41',
  steady: true,
  runningCount: desiredCount,
});
const inspected = (forward: Record<string, ForwardSnapshot>, serviceConnect = false): DeploymentEvent => ({
  kind: 'inspected',
  forward,
  services: { blue: { ...service(3), serviceConnect }, green: service(0) },
  alarmsInAlarm: [],
  requested: { name: 'task definition shop:42', family: 'shop', images: {} },
});
const starting = transition(undefined, { kind: 'requested', id: 'shop-1', taskDefinition: 'shop:42' }, app, NOW).deployment as Deployment;

describe('a deployment over several listeners', () => {
  it('starts when every listener sends all the traffic to the same colour, keeping each original forward action', () => {
    const result = transition(starting, inspected(blueLive), app, NOW);
    expect(result.deployment).toMatchObject({
      stage: 'deploying',
      from: 'blue',
      to: 'green',
      originals: blueLive,
      original: blueLive[HTTP],
    });
  });

  it('does not start when the listeners disagree on the live colour, naming two of them', () => {
    const result = transition(starting, inspected({ ...blueLive, [INTERNAL_RULE]: snapshot([[GREEN_INTERNAL, 1]]) }), app, NOW);
    expect(result.deployment?.outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining(
        `the default action of listener ${HTTP} sends all the traffic to blue but rule ${INTERNAL_RULE} to green`,
      ),
    });
    expect(result.deployment?.outcome?.reason).toMatch(/nothing was changed$/);
  });

  it('does not start when one listener splits the traffic, naming it', () => {
    const split = {
      ...blueLive,
      [HTTPS]: snapshot([
        [BLUE, 50],
        [GREEN, 50],
      ]),
    };
    expect(transition(starting, inspected(split), app, NOW).deployment?.outcome?.reason).toMatch(
      new RegExp(`^the default action of listener ${HTTPS} splits the traffic`),
    );
  });

  it('does not start when a service uses Service Connect: failed before anything changed, no lock taken', () => {
    const result = transition(starting, inspected(blueLive, true), app, NOW);
    expect(result.deployment?.outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^shop-blue uses Service Connect, whose traffic ecs-autopilot cannot shift .*nothing was changed/),
    });
    expect(result.actions.map((a) => a.kind)).toEqual(['publish']);
  });

  const deploying = transition(starting, inspected(blueLive), app, NOW).deployment as Deployment;
  const shifting = transition(
    deploying,
    {
      kind: 'ready-checked',
      steady: true,
      health: { healthy: 2, unhealthy: 0 },
      runs: 'shop:42',
      forward: splitsFor(app, 'blue', 'green', 0),
    },
    app,
    NOW,
  );

  it('sets every listener in one action, the switched NLB still all on the old colour below 100%', () => {
    expect(shifting.actions).toEqual([
      {
        kind: 'set-weights',
        targetGroups: {
          [HTTP]: weightsFor(HTTP_ROUTE, 'blue', 'green', 10),
          [HTTPS]: weightsFor(HTTPS_ROUTE, 'blue', 'green', 10),
          [INTERNAL_RULE]: [
            { arn: BLUE_INTERNAL, weight: 90 },
            { arn: GREEN_INTERNAL, weight: 10 },
          ],
          [TCP]: [{ arn: BLUE_TCP, weight: 1 }],
        },
        ours: [splitsFor(app, 'blue', 'green', 0), splitsFor(app, 'blue', 'green', 10)],
      },
    ]);
    expect(weightsFor(TCP_ROUTE, 'blue', 'green', 100)).toEqual([{ arn: GREEN_TCP, weight: 1 }]);
  });

  it('writes a switched route as a forward to its one target group', () => {
    const written = actionsWithWeights(blueLive[TCP] as ForwardSnapshot, weightsFor(TCP_ROUTE, 'blue', 'green', 100));
    expect(written).toEqual([{ Type: 'forward', TargetGroupArn: GREEN_TCP }]);
  });

  const atShifting = shifting.deployment as Deployment;
  const tenPercent = splitsFor(app, 'blue', 'green', 10);

  it('moves on once every listener reads back the weights', () => {
    const set = transition(atShifting, { kind: 'weights-set', expected: tenPercent, observed: tenPercent }, app, NOW);
    expect(set.deployment).toMatchObject({ stage: 'paused', newPercent: 10 });
  });

  it('names the listener that read back otherwise than written', () => {
    const observed: Splits = { ...tenPercent, [HTTPS]: [{ arn: GREEN, weight: 1 }] };
    const set = transition(atShifting, { kind: 'weights-set', expected: tenPercent, observed }, app, NOW);
    expect(set.deployment?.outcome?.reason).toMatch(
      new RegExp(`^the default action of listener ${HTTPS} was changed outside ecs-autopilot: it sends blue 0% / green 100% where`),
    );
  });

  it('takes a crash between two listeners\u2019 writes as its own (one at the old weight, one at the new)', () => {
    const halfWritten: Splits = { ...splitsFor(app, 'blue', 'green', 0), [HTTP]: tenPercent[HTTP] ?? [] };
    const paused = transition(atShifting, { kind: 'weights-set', expected: tenPercent, observed: tenPercent }, app, NOW)
      .deployment as Deployment;
    const rolling = transition(paused, { kind: 'abort', requestId: 'r-1', deploymentId: 'shop-1' }, app, NOW).deployment as Deployment;
    const restored = transition(rolling, { kind: 'forward-restored', observed: halfWritten, matches: false }, app, NOW);
    expect(restored.deployment?.stage).toBe('rolling-back');
    const changed = transition(
      rolling,
      { kind: 'forward-changed', observed: { ...halfWritten, [INTERNAL_RULE]: [{ arn: BLUE_TCP, weight: 1 }] } },
      app,
      NOW,
    );
    expect(changed.deployment?.outcome?.reason).toMatch(new RegExp(`^rule ${INTERNAL_RULE} was changed outside ecs-autopilot`));
  });
});

describe('the gates over every target group of the new colour', () => {
  const observed = (health: { healthy: number; unhealthy: number; targetGroup?: string }, metrics = [] as DeploymentEvent[]) => ({
    alarmsInAlarm: [],
    health,
    metrics: metrics as never[],
  });

  it('names the target group whose targets fail the health gate', () => {
    expect(gatesVerdict(app, observed({ healthy: 1, unhealthy: 0, targetGroup: GREEN_TCP }), 'shop-green')).toEqual({
      pass: false,
      reason: 'shop-green in target group shop-green-tcp1 has 1 healthy target(s); the gate asks for at least 2',
    });
  });

  it('fails a metric check when the value of any one target group is out of bounds, naming it', () => {
    const checked: AppSpec = {
      ...app,
      gates: {
        ...app.gates,
        metrics: [{ name: 'errors', expression: 'e', queries: {}, windowSeconds: 300, max: 1, onNoData: 'pass' }],
      },
    };
    const metrics = [
      { name: 'errors', targetGroup: GREEN, value: 0 },
      { name: 'errors', targetGroup: GREEN_TCP, value: 4 },
    ];
    expect(gatesVerdict(checked, { alarmsInAlarm: [], health: { healthy: 2, unhealthy: 0 }, metrics }, 'shop-green')).toEqual({
      pass: false,
      reason: 'metric check errors: shop-green in target group shop-green-tcp1 4 is above its max 1',
    });
    expect(
      gatesVerdict(checked, { alarmsInAlarm: [], health: { healthy: 2, unhealthy: 0 }, metrics: metrics.slice(0, 1) }, 'shop-green'),
    ).toEqual({
      pass: true,
    });
  });
});
