/**
 * The deployment's settings, read from the environment once per cold start and checked. zod/mini
 * (the tree-shakable form of zod) keeps the cold start small; see npm run bench.
 */
import * as z from 'zod/mini';
import { ConfigError } from './errors.ts';

const environmentSchema = z.object({
  STATE_TABLE_NAME: z.string().check(z.minLength(1)),
  EVENT_BUS_NAME: z.string().check(z.minLength(1)),
  AUTOMATION_FILE: z._default(z.string().check(z.minLength(1)), 'automation.json'),
  LAUNCH_LEASE_SECONDS: z._default(z.coerce.number().check(z.int(), z.positive()), 120),
  /** Timers (one-time Scheduler schedules): the group, the role Scheduler assumes, their dead-letter queue. */
  TIMER_GROUP_NAME: z.optional(z.string().check(z.minLength(1))),
  TIMER_ROLE_ARN: z.optional(z.string().check(z.minLength(1))),
  TIMER_DEAD_LETTER_ARN: z.optional(z.string().check(z.minLength(1))),
  /** The functions a timer may invoke. */
  RUN_BATCH_JOB_ARN: z.optional(z.string().check(z.minLength(1))),
  ON_TASK_STOPPED_ARN: z.optional(z.string().check(z.minLength(1))),
  NOTIFY_ARN: z.optional(z.string().check(z.minLength(1))),
  SCALE_SERVICE_ARN: z.optional(z.string().check(z.minLength(1))),
  /** The SNS topic alerts are published to. */
  ALERT_TOPIC_ARN: z.optional(z.string().check(z.minLength(1))),
  /** Events from another account are ignored (the region is the function's own, AWS_REGION). */
  STACK_ACCOUNT_ID: z.optional(z.string().check(z.regex(/^\d{12}$/))),
  AWS_REGION: z.optional(z.string()),
});

export type Settings = z.infer<typeof environmentSchema>;

export function readSettings(environment: NodeJS.ProcessEnv = process.env): Settings {
  const result = environmentSchema.safeParse(environment);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      'the function environment',
    );
  }
  return result.data;
}

/** A setting only some functions need: missing where it is needed fails the cold start, by name. */
export function requiredSetting<K extends keyof Settings>(settings: Settings, name: K): NonNullable<Settings[K]> {
  const value = settings[name];
  if (value === undefined || value === null)
    throw new ConfigError([`${String(name)}: missing from the function environment`], 'the function environment');
  return value as NonNullable<Settings[K]>;
}
