/** The deployment's settings, read from the environment once per cold start and checked. */
import * as z from 'zod';
import { ConfigError } from './errors.ts';

const environmentSchema = z.object({
  STATE_TABLE_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  AUTOMATION_FILE: z.string().min(1).default('automation.json'),
  LAUNCH_LEASE_SECONDS: z.coerce.number().int().positive().default(120),
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
