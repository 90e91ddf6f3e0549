/**
 * The forward action of a listener (or rule) as ELB describes it, and the action list to write for new
 * weights. Pure: apply.ts does the ELB calls, the transition reads the snapshot.
 *
 * ELB describes a plain forward either as TargetGroupArn alone or as a ForwardConfig of one target group
 * with weight 1 (it returns both forms at once for a listener created with TargetGroupArn). Weights go
 * from 0 to 999 and are relative, so 100/0 and 1 (alone) both mean all the traffic.
 */
import type { Action as ElbAction } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type AppSpec,
  COLOURS,
  type Colour,
  type ForwardSnapshot,
  type RouteSpec,
  routeKey,
  type Splits,
  type WeightedTargetGroup,
} from './model.ts';

const forwardActionIn = (actions: ElbAction[]): ElbAction | undefined => actions.find((action) => action.Type === 'forward');

/** The forward action's target groups and stickiness; `raw` keeps the whole list for a rollback. */
export function forwardOf(actions: ElbAction[]): ForwardSnapshot {
  const forward = forwardActionIn(actions);
  const tuples = forward?.ForwardConfig?.TargetGroups;
  const targetGroups: WeightedTargetGroup[] = tuples?.length
    ? tuples.map((tuple) => ({ arn: tuple.TargetGroupArn ?? '', weight: tuple.Weight ?? 1 }))
    : forward?.TargetGroupArn
      ? [{ arn: forward.TargetGroupArn, weight: 1 }]
      : [];
  const stickiness = forward?.ForwardConfig?.TargetGroupStickinessConfig;
  return {
    targetGroups,
    ...(stickiness && {
      stickiness: {
        enabled: stickiness.Enabled ?? false,
        ...(stickiness.DurationSeconds !== undefined && { durationSeconds: stickiness.DurationSeconds }),
      },
    }),
    raw: JSON.stringify(actions),
  };
}

const describeWeights = (targetGroups: WeightedTargetGroup[], route: RouteSpec): string =>
  targetGroups.map((tg) => `${colourOfTargetGroup(route, tg.arn) ?? tg.arn} ${tg.weight}`).join(', ');

const colourOfTargetGroup = (route: RouteSpec, arn: string): Colour | undefined =>
  COLOURS.find((colour) => route.targetGroups[colour] === arn);

/** The app's first route, the one `listener`/`rule` and the colours' `targetGroup` name (the test listener forwards to its target groups). */
export const firstRoute = (app: AppSpec): RouteSpec =>
  app.routes[0] ?? {
    listener: app.listener,
    rule: app.rule,
    targetGroups: { blue: app.colours.blue.targetGroup, green: app.colours.green.targetGroup },
    shift: 'weighted',
  };

/** `rule …` or `the default action of listener …`: a route as messages name it. */
export const describeRoute = (route: RouteSpec): string =>
  route.rule ? `rule ${route.rule}` : `the default action of listener ${route.listener}`;

/** The colour that takes all the traffic of a route, or why none does. */
export function liveColourOf(snapshot: ForwardSnapshot, app: AppSpec, route: RouteSpec): { live: Colour } | { problem: string } {
  const where = describeRoute(route);
  if (snapshot.targetGroups.length === 0) {
    return { problem: `${where} does not forward to target groups; make it forward to the blue or the green target group` };
  }
  const unknown = snapshot.targetGroups.filter((tg) => colourOfTargetGroup(route, tg.arn) === undefined);
  if (unknown.length > 0) {
    return {
      problem:
        `${where} forwards to ${unknown.map((tg) => tg.arn).join(', ')}, which is neither the blue nor the green target group ` +
        `of app ${app.name} there (weights: ${describeWeights(snapshot.targetGroups, route)}); check apps.${app.name} in automation.yml`,
    };
  }
  const weighted = snapshot.targetGroups.filter((tg) => tg.weight > 0);
  const live = weighted.length === 1 ? colourOfTargetGroup(route, weighted[0]?.arn ?? '') : undefined;
  if (live) return { live };
  return {
    problem:
      weighted.length === 0
        ? `${where} gives no weight to any target group (${describeWeights(snapshot.targetGroups, route)})`
        : `${where} splits the traffic (${describeWeights(snapshot.targetGroups, route)}): a deployment starts only from one live colour; ` +
          'put all the weight on one colour, then request the deployment again',
  };
}

/**
 * The colour live on every route, or why there is none: a route without one live colour, or routes
 * whose live colours differ (the lockstep shift needs them all on the same colour).
 */
export function liveColourOfRoutes(snapshots: Record<string, ForwardSnapshot>, app: AppSpec): { live: Colour } | { problem: string } {
  const lives: Array<{ route: RouteSpec; live: Colour }> = [];
  for (const route of app.routes) {
    const snapshot = snapshots[routeKey(route)];
    if (!snapshot) return { problem: `${describeRoute(route)} was not read` };
    const found = liveColourOf(snapshot, app, route);
    if ('problem' in found) return found;
    lives.push({ route, live: found.live });
  }
  const first = lives[0];
  if (!first) return { problem: `apps.${app.name} names no listener` };
  const other = lives.find((entry) => entry.live !== first.live);
  if (other) {
    return {
      problem:
        `${describeRoute(first.route)} sends all the traffic to ${first.live} but ${describeRoute(other.route)} to ${other.live}: ` +
        'a deployment shifts every listener of the app in lockstep, so it starts only when all of them send all the traffic to the same colour',
    };
  }
  return { live: first.live };
}

/**
 * The weights of a step on one route: the new colour gets `newPercent`, the old one the rest; blue
 * first. A `switch` route forwards to one target group: the old one until the step reaching 100%.
 */
export function weightsFor(route: RouteSpec, from: Colour, to: Colour, newPercent: number): WeightedTargetGroup[] {
  if (route.shift === 'switch') return [{ arn: route.targetGroups[newPercent >= 100 ? to : from], weight: 1 }];
  const percentOf = (colour: Colour) => (colour === to ? newPercent : colour === from ? 100 - newPercent : 0);
  return COLOURS.map((colour) => ({ arn: route.targetGroups[colour], weight: percentOf(colour) }));
}

/** The weights of a step on every route of the app. */
export function splitsFor(app: AppSpec, from: Colour, to: Colour, newPercent: number): Splits {
  return Object.fromEntries(app.routes.map((route) => [routeKey(route), weightsFor(route, from, to, newPercent)]));
}

/** Every route of `expected` reads the same split in `observed`. */
export function sameSplits(expected: Splits, observed: Splits): boolean {
  return Object.entries(expected).every(([key, split]) => sameSplit(split, observed[key] ?? []));
}

/** The first route whose observed split is none of `ours` (the splits ecs-autopilot may have left there), if any. */
export function routeNotOurs(app: AppSpec, observed: Splits, ours: Splits[]): RouteSpec | undefined {
  return app.routes.find((route) => {
    const key = routeKey(route);
    return !ours.some((split) => sameSplit(split[key] ?? [], observed[key] ?? []));
  });
}

/**
 * The action list to write: the snapshot's list with its forward action's target groups replaced and its
 * stickiness exactly as it was. A TargetGroupArn form becomes a ForwardConfig (ELB refuses both naming
 * different target groups); one target group alone (a `switch` route) is written as TargetGroupArn.
 */
export function actionsWithWeights(snapshot: ForwardSnapshot, weights: WeightedTargetGroup[]): ElbAction[] {
  const actions = JSON.parse(snapshot.raw) as ElbAction[];
  const forward = forwardActionIn(actions);
  if (!forward) throw new Error('the forward snapshot has no forward action to set weights on');
  const { TargetGroupArn: _single, ForwardConfig: config, ...rest } = forward;
  const [only] = weights;
  // One target group without stickiness: the plain form, the one every load balancer type takes.
  const replaced: ElbAction =
    weights.length === 1 && only && !config?.TargetGroupStickinessConfig
      ? { ...rest, TargetGroupArn: only.arn }
      : {
          ...rest,
          ForwardConfig: {
            TargetGroups: weights.map((tg) => ({ TargetGroupArn: tg.arn, Weight: tg.weight })),
            ...(config?.TargetGroupStickinessConfig && { TargetGroupStickinessConfig: config.TargetGroupStickinessConfig }),
          },
        };
  return writable(actions.map((action) => (action === forward ? replaced : action)));
}

/** The snapshot's action list, exactly as it was, ready to write back. */
export function originalActions(snapshot: ForwardSnapshot): ElbAction[] {
  return writable(JSON.parse(snapshot.raw) as ElbAction[]);
}

/**
 * ELB never describes an OIDC client secret; writing the action back without one needs
 * UseExistingClientSecret, or the whole change is refused.
 */
function writable(actions: ElbAction[]): ElbAction[] {
  return actions.map((action) =>
    action.AuthenticateOidcConfig && action.AuthenticateOidcConfig.ClientSecret === undefined
      ? { ...action, AuthenticateOidcConfig: { ...action.AuthenticateOidcConfig, UseExistingClientSecret: true } }
      : action,
  );
}

/**
 * The same traffic split: each target group's share of the weight equal, in any order; a weight of 0
 * counts as absent (weights are relative, so 1 alone and 100 alone both mean all the traffic).
 */
export function sameSplit(a: WeightedTargetGroup[], b: WeightedTargetGroup[]): boolean {
  const shares = (targetGroups: WeightedTargetGroup[]) => {
    const total = targetGroups.reduce((sum, tg) => sum + tg.weight, 0);
    return targetGroups
      .filter((tg) => tg.weight > 0)
      .map((tg) => `${tg.arn}=${(tg.weight / total).toFixed(6)}`)
      .sort()
      .join(' ');
  };
  return shares(a) === shares(b);
}

/** `blue 90% / green 10%`: each colour's share of the traffic on a route, then any other target group by its name. */
export function describeSplit(targetGroups: WeightedTargetGroup[], route: RouteSpec): string {
  if (targetGroups.length === 0) return 'no target group';
  const total = targetGroups.reduce((sum, tg) => sum + tg.weight, 0);
  const percent = (weight: number) => `${total === 0 ? 0 : Math.round((weight / total) * 100)}%`;
  const weightOf = (arn: string) => targetGroups.filter((tg) => tg.arn === arn).reduce((sum, tg) => sum + tg.weight, 0);
  const colours = COLOURS.map((colour) => `${colour} ${percent(weightOf(route.targetGroups[colour]))}`);
  const others = targetGroups
    .filter((tg) => colourOfTargetGroup(route, tg.arn) === undefined)
    .map((tg) => `${/:targetgroup\/([^/]+)\//.exec(tg.arn)?.[1] ?? tg.arn} ${percent(tg.weight)}`);
  return [...colours, ...others].join(' / ');
}
