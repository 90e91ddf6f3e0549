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
