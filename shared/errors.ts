/**
 * The few kinds of failure the functions tell apart. The class decides what happens next:
 * a ConfigError or BadEventError fails the invocation with a message saying what is wrong (the event
 * ends in the function's dead-letter queue, kept for a person, since retrying cannot fix it); a
 * RetryableAwsError fails it so Lambda's asynchronous retries try again, then dead-letter it; a
 * permanent AWS failure of a launch is recorded and published, and the invocation ends normally.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];

  constructor(problems: string[], source = 'automation.yml') {
    super(`${source} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export class BadEventError extends Error {
  override name = 'BadEventError';
}

export class RetryableAwsError extends Error {
  override name = 'RetryableAwsError';
}

/** An item in the state table that ecs-autopilot cannot read (an older version's record, a hand edit): left for a person. */
export class StoredItemError extends Error {
  override name = 'StoredItemError';
}

/**
 * The start of an input as JSON, for the message of a BadEventError: at most `max` characters, one
 * line (JSON escapes line breaks), and never an error of its own. A name from the input is
 * quoted with it too: `job ${excerptOf(name, 100)} is not…`. JSON.stringify throws on a value nested a few
 * thousand levels deep (JSON.parse, which Lambda reads events with, takes far deeper ones) and on BigInt.
 */
export function excerptOf(input: unknown, max = 500): string {
  try {
    return String(JSON.stringify(input)).slice(0, max);
  } catch (error) {
    const kind = Array.isArray(input) ? 'a list' : typeof input === 'object' ? 'an object' : `a ${typeof input}`;
    return `(${kind} that cannot be shown as JSON: ${(error as Error).message})`;
  }
}

/**
 * The problems of an input the schema refused, one `field: what was expected` each, joined for a
 * BadEventError: a field named in `expected` says what it takes, others keep the schema's words.
 */
export function inputProblems(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  expected: Readonly<Record<string, string>>,
  whole: string,
): string {
  const lines = issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return `${field || whole}: ${Object.hasOwn(expected, field) ? `expected ${expected[field]}` : issue.message}`;
  });
  return [...new Set(lines)].join('; ');
}
