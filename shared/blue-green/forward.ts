/**
 * The forward action of a listener (or rule) as ELB describes it, and the action list to write for new
 * weights. Pure: apply.ts does the ELB calls, the transition reads the snapshot.
 *
 * ELB describes a plain forward either as TargetGroupArn alone or as a ForwardConfig of one target group
 * with weight 1 (it returns both forms at once for a listener created with TargetGroupArn). Weights go
 * from 0 to 999 and are relative, so 100/0 and 1 (alone) both mean all the traffic.
 */
import type { Action as ElbAction } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AppSpec, COLOURS, type Colour, type ForwardSnapshot, type WeightedTargetGroup } from './model.ts';

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

const describeWeights = (targetGroups: WeightedTargetGroup[], app: AppSpec): string =>
  targetGroups.map((tg) => `${colourOfTargetGroup(app, tg.arn) ?? tg.arn} ${tg.weight}`).join(', ');

const colourOfTargetGroup = (app: AppSpec, arn: string): Colour | undefined =>
  COLOURS.find((colour) => app.colours[colour].targetGroup === arn);

/** The colour that takes all the traffic, or why none does. */
export function liveColourOf(snapshot: ForwardSnapshot, app: AppSpec): { live: Colour } | { problem: string } {
  const where = app.rule ? `rule ${app.rule}` : `the default action of listener ${app.listener}`;
  if (snapshot.targetGroups.length === 0) {
    return { problem: `${where} does not forward to target groups; make it forward to the blue or the green target group` };
  }
  const unknown = snapshot.targetGroups.filter((tg) => colourOfTargetGroup(app, tg.arn) === undefined);
  if (unknown.length > 0) {
    return {
      problem:
        `${where} forwards to ${unknown.map((tg) => tg.arn).join(', ')}, which is neither the blue nor the green target group ` +
        `of app ${app.name} (weights: ${describeWeights(snapshot.targetGroups, app)}); check apps.${app.name} in automation.yml`,
    };
  }
  const weighted = snapshot.targetGroups.filter((tg) => tg.weight > 0);
  const live = weighted.length === 1 ? colourOfTargetGroup(app, weighted[0]?.arn ?? '') : undefined;
  if (live) return { live };
  return {
    problem:
      weighted.length === 0
        ? `${where} gives no weight to any target group (${describeWeights(snapshot.targetGroups, app)})`
        : `${where} splits the traffic (${describeWeights(snapshot.targetGroups, app)}): a deployment starts only from one live colour; ` +
          'put all the weight on one colour, then request the deployment again',
  };
}

/** The weights of a step: the new colour gets `newPercent`, the old one the rest; blue first. */
export function weightsFor(app: AppSpec, from: Colour, to: Colour, newPercent: number): WeightedTargetGroup[] {
  const percentOf = (colour: Colour) => (colour === to ? newPercent : colour === from ? 100 - newPercent : 0);
  return COLOURS.map((colour) => ({ arn: app.colours[colour].targetGroup, weight: percentOf(colour) }));
}

/**
 * The action list to write: the snapshot's list with its forward action's target groups replaced and its
 * stickiness exactly as it was. A TargetGroupArn form becomes a ForwardConfig (ELB refuses both naming
 * different target groups).
 */
export function actionsWithWeights(snapshot: ForwardSnapshot, weights: WeightedTargetGroup[]): ElbAction[] {
  const actions = JSON.parse(snapshot.raw) as ElbAction[];
  const forward = forwardActionIn(actions);
  if (!forward) throw new Error('the forward snapshot has no forward action to set weights on');
  const { TargetGroupArn: _single, ForwardConfig: config, ...rest } = forward;
  const replaced: ElbAction = {
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

/** `blue 90% / green 10%`: each colour's share of the traffic, then any other target group by its name. */
export function describeSplit(targetGroups: WeightedTargetGroup[], app: AppSpec): string {
  if (targetGroups.length === 0) return 'no target group';
  const total = targetGroups.reduce((sum, tg) => sum + tg.weight, 0);
  const percent = (weight: number) => `${total === 0 ? 0 : Math.round((weight / total) * 100)}%`;
  const weightOf = (arn: string) => targetGroups.filter((tg) => tg.arn === arn).reduce((sum, tg) => sum + tg.weight, 0);
  const colours = COLOURS.map((colour) => `${colour} ${percent(weightOf(app.colours[colour].targetGroup))}`);
  const others = targetGroups
    .filter((tg) => colourOfTargetGroup(app, tg.arn) === undefined)
    .map((tg) => `${/:targetgroup\/([^/]+)\//.exec(tg.arn)?.[1] ?? tg.arn} ${percent(tg.weight)}`);
  return [...colours, ...others].join(' / ');
}
