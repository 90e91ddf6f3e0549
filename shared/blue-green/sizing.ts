/**
 * How many tasks the new colour runs, and the autoscaling bounds it gets, at each step. Pure.
 *
 * Today's rule stays the default: the new colour runs as many tasks as the live colour did when the
 * deployment started. With a scalable target on the live colour, autoscaling may add tasks to it
 * during the deployment (its scale-in is suspended meanwhile): the new colour catches up before it
 * takes 100%. With `canarySizing`, the new colour runs only what its weight needs before 100%.
 */
import type { AppSpec, ScalableTargetFacts } from './model.ts';

/**
 * The new colour's count for a step of `weight` percent, the live colour running `liveCount` now.
 * `current`: what it runs now (undefined at the start); `scaled`: the live colour has a scalable target.
 */
export function newColourCount(app: AppSpec, liveCount: number, weight: number, scaled: boolean, current?: number): number {
  const sizing = app.canarySizing;
  if (weight >= 100) return scaled || sizing ? liveCount : (current ?? liveCount);
  if (!sizing) return current ?? liveCount;
  // Enough for the health gate to pass, never more than the live colour runs.
  const floor = Math.max(sizing.minTasks, app.gates.minHealthyTargets);
  return Math.min(liveCount, Math.max(floor, Math.ceil((liveCount * weight) / 100)));
}

/**
 * The live colour's bounds for the new colour, widened to hold `count`: a minimum above it would have
 * Application Auto Scaling add tasks a canary does not need.
 */
export function newColourBounds(live: ScalableTargetFacts, count: number): { min: number; max: number } {
  return { min: Math.min(live.min, count), max: Math.max(live.max, count) };
}
