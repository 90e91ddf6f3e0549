/**
 * Failures the fuzz found in code it does not own, reported to the owners and not fixed yet. Their
 * properties stay in the fuzz: `npm run fuzz` prints them as known rather than failing on them, and the
 * tests leave them out. Remove an entry as soon as its fix lands: the property then guards the fix.
 */
export interface KnownFailure {
  target: string;
  /** Matches the failure as the fuzz words it (its kind, then how it went for the input). */
  problem: RegExp;
  /** The smallest input that shows it, and what goes wrong. */
  finding: string;
}

export const KNOWN_FAILURES: readonly KnownFailure[] = [];

export function knownFailure(target: string, problem: string): KnownFailure | undefined {
  return KNOWN_FAILURES.find((known) => known.target === target && known.problem.test(problem));
}
