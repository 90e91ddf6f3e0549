/**
 * A rule whose pattern lists what it selects (clusters, services, alarms, upstream jobs) becomes several
 * rules when one pattern cannot hold the list within EventBridge's 2,048 characters: the same pattern,
 * each with a part of the list, each part as full as the limit allows. The parts select, together,
 * exactly what one rule would have, and no event matches two of them (the lists do not overlap), so each
 * event still reaches the function once. Pure.
 *
 * The split is worked out on automation.yml's own names, each measured as the longest ARN it can stand
 * for (the aws-us-gov partition, a 14-character region: aws-limits.ts), not on the caller's names, so the
 * template and the sandbox, which names the emulator's ARNs, split the same rules the same way.
 */
import type { EventPattern } from '../events/event-pattern.ts';

/** EventBridge: an event pattern's characters (default quota). */
export const EVENT_PATTERN_CHARACTERS = 2_048;

/**
 * `items` in runs, in order, each run as long as `patternOf` (given the items measured by `longest`) stays
 * within the limit. One run when they all fit; a single item too large for the limit is a run of its own
 * (aws-limits.ts reports it).
 */
export function splitBySize<T>(
  items: readonly T[],
  longest: (item: T) => string,
  patternOf: (values: readonly string[]) => EventPattern,
  limit: number = EVENT_PATTERN_CHARACTERS,
): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  for (const item of items) {
    const candidate = [...run, item];
    if (run.length > 0 && JSON.stringify(patternOf(candidate.map(longest))).length > limit) {
      runs.push(run);
      run = [item];
    } else {
      run = candidate;
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
