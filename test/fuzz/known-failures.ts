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

export const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    target: 'notify',
    problem: /^notify failed with RangeError at shared\/alerts\/trigger\.ts.*Maximum call stack size exceeded/,
    finding:
      'an event nested ~5 000 levels deep ({"nested": {"nested": …}}): JSON.stringify of the event for the BadEventError overflows the stack (shared/alerts/trigger.ts check(); excerptOf in shared/errors.ts does not)',
  },
  {
    target: 'notify',
    problem: /^notify failed with RangeError at shared\/state\/alert-groups\.ts.*Maximum call stack size exceeded/,
    finding:
      'a valid alert event with one more detail field nested ~5 000 levels: JSON.stringify(sample) in AlertGroups.count overflows the stack (shared/state/alert-groups.ts)',
  },
  {
    target: 'notify',
    problem: /^notify rejected the input but the error (is longer than|spans several lines)/,
    finding:
      'an alert event with an id of 10 000 characters and a malformed alert: the id and detail-type are echoed whole in "the … event <id> has a malformed …" (shared/alerts/trigger.ts parseNotifyInput)',
  },
  {
    target: 'enforce-max-runtime',
    problem: /^enforce-max-runtime logged (TypeError|RangeError)/,
    finding:
      'a stored run without taskArns or outbox, or with a field of another type or nested thousands deep (an older or hand-edited record): a TypeError or RangeError each tick, retried for ever; RunHistory (shared/state/run-history.ts toRecord) takes items as runs without checking them',
  },
  {
    target: 'automation.yml (text)',
    problem: /^validate failed with ReferenceError, not a ConfigError — ReferenceError: (Excessive alias count|Unresolved alias)/,
    finding:
      'more than 100 aliases ("x: &x 1\\njobs: [*x, *x, … 101 times]", or an alias bomb), or an alias without its anchor ("jobs: *a"): the yaml package\'s ReferenceError escapes toJS() in shared/config/load.ts automationOfYaml instead of a located problem',
  },
  {
    target: 'automation.yml (document)',
    problem: /^the schema reported a problem over several lines — /,
    finding:
      '{"a\\nb": 1}: the problem "a\\nb: unknown key" spans two lines; a key is written into the path as it is (shared/config/validate.ts schemaProblems)',
  },
  {
    target: 'automation.yml (text)',
    problem: /^validate reported a problem over several lines — /,
    finding: '"a\\nb": 1 in the file: the problem "a\\nb: unknown key" spans two lines (shared/config/validate.ts schemaProblems)',
  },
  {
    target: 'automation.yml (document)',
    problem: /^the schema failed with RangeError instead of listing problems — RangeError: Maximum call stack size exceeded/,
    finding:
      '{"defaults": {"concurrency": <a value nested ~5 000 levels>}}: JSON.stringify(issue.input) in the concurrency and category messages overflows the stack (shared/config/schema.ts)',
  },
];

export function knownFailure(target: string, problem: string): KnownFailure | undefined {
  return KNOWN_FAILURES.find((known) => known.target === target && known.problem.test(problem));
}
