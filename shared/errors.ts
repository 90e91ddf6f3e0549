/**
 * The few kinds of failure the functions tell apart. The class decides what happens next:
 * a ConfigError or BadEventError is reported and never retried (retrying cannot fix it), a
 * RetryableAwsError is thrown so Scheduler/EventBridge retry and finally dead-letter the event, and a
 * PermanentAwsError is recorded and published, then the invocation ends normally.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly problems: string[],
    source = 'automation.yml',
  ) {
    super(`${source} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export class BadEventError extends Error {
  override name = 'BadEventError';
}

export class RetryableAwsError extends Error {
  override name = 'RetryableAwsError';
}

export class PermanentAwsError extends Error {
  override name = 'PermanentAwsError';
}
