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
