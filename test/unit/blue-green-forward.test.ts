import type { Action as ElbAction } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import {
  actionsWithWeights,
  describeSplit,
  forwardOf,
  liveColourOf,
  originalActions,
  sameSplit,
  weightsFor,
} from '../../shared/blue-green/forward.ts';
import type { AppSpec, ForwardSnapshot, RouteSpec } from '../../shared/blue-green/model.ts';
import { validateAutomation } from '../../shared/config/load.ts';

const HEAD = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const LISTENER = `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const BLUE = `${HEAD}:targetgroup/shop-blue/73e2d6bc24d8a067`;
const GREEN = `${HEAD}:targetgroup/shop-green/09966e5bd7e8e8ef`;
const OTHER = `${HEAD}:targetgroup/legacy/aaaabbbbccccdddd`;

const app: AppSpec = (() => {
  const automation = validateAutomation({
    apps: {
      shop: {
        cluster: 'prod',
        listener: LISTENER,
        blue: { service: 'shop-blue', targetGroup: BLUE },
        green: { service: 'shop-green', targetGroup: GREEN },
      },
    },
  });
  const shop = automation.apps.shop;
  if (!shop) throw new Error('fixture: app shop missing');
  return shop;
})();
const route = app.routes[0] as RouteSpec;

const forward = (targetGroups: Array<[string, number]>, stickiness?: { Enabled: boolean; DurationSeconds?: number }): ElbAction => ({
  Type: 'forward',
  ForwardConfig: {
    TargetGroups: targetGroups.map(([arn, weight]) => ({ TargetGroupArn: arn, Weight: weight })),
    ...(stickiness && { TargetGroupStickinessConfig: stickiness }),
  },
});

const snapshotOf = (targetGroups: Array<[string, number]>): ForwardSnapshot => forwardOf([forward(targetGroups)]);

describe('forwardOf', () => {
  it('reads weighted target groups, stickiness and the whole action list', () => {
    const actions: ElbAction[] = [
      {
        Type: 'authenticate-cognito',
        Order: 1,
        AuthenticateCognitoConfig: { UserPoolArn: 'pool', UserPoolClientId: 'c', UserPoolDomain: 'd' },
      },
      {
        ...forward(
          [
            [BLUE, 100],
            [GREEN, 0],
          ],
          { Enabled: true, DurationSeconds: 3600 },
        ),
        Order: 2,
      },
    ];

    expect(forwardOf(actions)).toEqual({
      targetGroups: [
        { arn: BLUE, weight: 100 },
        { arn: GREEN, weight: 0 },
      ],
      stickiness: { enabled: true, durationSeconds: 3600 },
      raw: JSON.stringify(actions),
    });
  });

  it('reads the single TargetGroupArn form as that target group with weight 1', () => {
    expect(forwardOf([{ Type: 'forward', TargetGroupArn: BLUE }])).toEqual({
      targetGroups: [{ arn: BLUE, weight: 1 }],
      raw: JSON.stringify([{ Type: 'forward', TargetGroupArn: BLUE }]),
    });
  });

  it('prefers the ForwardConfig when ELB describes both forms, and counts a missing weight as 1', () => {
    const both: ElbAction = { Type: 'forward', TargetGroupArn: BLUE, ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE }] } };

    expect(forwardOf([both]).targetGroups).toEqual([{ arn: BLUE, weight: 1 }]);
  });

  it('finds no target groups when no action forwards', () => {
    expect(forwardOf([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }]).targetGroups).toEqual([]);
  });
});

describe('liveColourOf', () => {
  it.each([
    [
      'blue with all the weight',
      [
        [BLUE, 100],
        [GREEN, 0],
      ],
      'blue',
    ],
    [
      'green with all the weight, listed first',
      [
        [GREEN, 100],
        [BLUE, 0],
      ],
      'green',
    ],
    ['green alone', [[GREEN, 1]], 'green'],
    ['blue at any weight, green absent', [[BLUE, 7]], 'blue'],
  ] as Array<[string, Array<[string, number]>, string]>)('%s', (_, targetGroups, live) => {
    expect(liveColourOf(snapshotOf(targetGroups), app, route)).toEqual({ live });
  });

  it('reports a split with its weights', () => {
    expect(
      liveColourOf(
        snapshotOf([
          [BLUE, 90],
          [GREEN, 10],
        ]),
        app,
        route,
      ),
    ).toEqual({
      problem: expect.stringContaining(`the default action of listener ${LISTENER} splits the traffic (blue 90, green 10)`),
    });
  });

  it('reports a target group that is neither blue nor green, even at weight 0', () => {
    const found = liveColourOf(
      snapshotOf([
        [BLUE, 100],
        [OTHER, 0],
      ]),
      app,
      route,
    );

    expect(found).toEqual({
      problem: expect.stringContaining(`forwards to ${OTHER}, which is neither the blue nor the green target group`),
    });
    expect(found).toEqual({ problem: expect.stringContaining(`weights: blue 100, ${OTHER} 0`) });
  });

  it('reports no weight at all', () => {
    expect(
      liveColourOf(
        snapshotOf([
          [BLUE, 0],
          [GREEN, 0],
        ]),
        app,
        route,
      ),
    ).toEqual({
      problem: expect.stringContaining('gives no weight to any target group (blue 0, green 0)'),
    });
  });

  it('reports an action that does not forward, naming the rule when the app shifts one', () => {
    const rule = `${HEAD}:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
    const snapshot = forwardOf([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }]);

    expect(liveColourOf(snapshot, app, { ...route, rule })).toEqual({
      problem: expect.stringMatching(new RegExp(`^rule ${rule} does not forward`)),
    });
  });
});

describe('weightsFor', () => {
  it('gives the new colour the percent and the old one the rest, blue first', () => {
    expect(weightsFor(route, 'green', 'blue', 10)).toEqual([
      { arn: BLUE, weight: 10 },
      { arn: GREEN, weight: 90 },
    ]);
    expect(weightsFor(route, 'blue', 'green', 100)).toEqual([
      { arn: BLUE, weight: 0 },
      { arn: GREEN, weight: 100 },
    ]);
  });
});

describe('actionsWithWeights', () => {
  const weights = [
    { arn: BLUE, weight: 90 },
    { arn: GREEN, weight: 10 },
  ];

  it('replaces only the forward action target groups, keeping the stickiness and the other actions exactly', () => {
    const cognito: ElbAction = {
      Type: 'authenticate-cognito',
      Order: 1,
      AuthenticateCognitoConfig: { UserPoolArn: 'pool', UserPoolClientId: 'c', UserPoolDomain: 'd' },
    };
    const stickiness = { Enabled: true, DurationSeconds: 600 };
    const snapshot = forwardOf([
      cognito,
      {
        ...forward(
          [
            [BLUE, 100],
            [GREEN, 0],
          ],
          stickiness,
        ),
        Order: 2,
      },
    ]);

    expect(actionsWithWeights(snapshot, weights)).toEqual([
      cognito,
      {
        Type: 'forward',
        Order: 2,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: 90 },
            { TargetGroupArn: GREEN, Weight: 10 },
          ],
          TargetGroupStickinessConfig: stickiness,
        },
      },
    ]);
  });

  it('turns the single TargetGroupArn form into a ForwardConfig (ELB refuses both naming different groups)', () => {
    const snapshot = forwardOf([{ Type: 'forward', TargetGroupArn: BLUE }]);

    expect(actionsWithWeights(snapshot, weights)).toEqual([
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: 90 },
            { TargetGroupArn: GREEN, Weight: 10 },
          ],
        },
      },
    ]);
  });

  it('writes an OIDC action back with its existing client secret, which ELB never describes', () => {
    const oidc: ElbAction = {
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: { Issuer: 'i', AuthorizationEndpoint: 'a', TokenEndpoint: 't', UserInfoEndpoint: 'u', ClientId: 'c' },
    };
    const snapshot = forwardOf([oidc, { ...forward([[BLUE, 100]]), Order: 2 }]);

    expect(actionsWithWeights(snapshot, weights)[0]).toEqual({
      ...oidc,
      AuthenticateOidcConfig: { ...oidc.AuthenticateOidcConfig, UseExistingClientSecret: true },
    });
    expect(originalActions(snapshot)[0]).toEqual(actionsWithWeights(snapshot, weights)[0]);
  });

  it('refuses a snapshot without a forward action', () => {
    expect(() => actionsWithWeights(forwardOf([{ Type: 'fixed-response' }]), weights)).toThrow(/no forward action/);
  });
});

describe('originalActions', () => {
  it('is the action list exactly as it was described', () => {
    const actions: ElbAction[] = [
      { Type: 'forward', TargetGroupArn: BLUE, ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 1 }] } },
    ];

    expect(originalActions(forwardOf(actions))).toEqual(actions);
  });
});

describe('sameSplit', () => {
  it("compares each target group's share of the traffic, in any order, a weight of 0 counting as absent", () => {
    const a = [
      { arn: BLUE, weight: 100 },
      { arn: GREEN, weight: 0 },
    ];

    expect(sameSplit(a, [{ arn: BLUE, weight: 100 }])).toBe(true);
    expect(sameSplit(a, [...a].reverse())).toBe(true);
    // ELB weights are relative: 1 alone is all the traffic, as 100 alone is.
    expect(sameSplit(a, [{ arn: BLUE, weight: 1 }])).toBe(true);
    expect(sameSplit(a, [{ arn: GREEN, weight: 100 }])).toBe(false);
    expect(
      sameSplit(
        [
          { arn: BLUE, weight: 90 },
          { arn: GREEN, weight: 10 },
        ],
        [
          { arn: BLUE, weight: 9 },
          { arn: GREEN, weight: 1 },
        ],
      ),
    ).toBe(true);
    expect(
      sameSplit(
        [
          { arn: BLUE, weight: 90 },
          { arn: GREEN, weight: 10 },
        ],
        [
          { arn: BLUE, weight: 50 },
          { arn: GREEN, weight: 50 },
        ],
      ),
    ).toBe(false);
    expect(sameSplit([], [])).toBe(true);
    expect(sameSplit(a, [])).toBe(false);
  });
});

describe('describeSplit', () => {
  it('names each colour with its share, blue first, and any other target group by its name', () => {
    expect(describeSplit(weightsFor(route, 'blue', 'green', 10), route)).toBe('blue 90% / green 10%');
    expect(describeSplit([{ arn: GREEN, weight: 1 }], route)).toBe('blue 0% / green 100%');
    expect(
      describeSplit(
        [
          { arn: BLUE, weight: 1 },
          { arn: OTHER, weight: 1 },
        ],
        route,
      ),
    ).toBe('blue 50% / green 0% / legacy 50%');
    expect(describeSplit([], route)).toBe('no target group');
  });
});
