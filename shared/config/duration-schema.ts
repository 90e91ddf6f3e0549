/** The zod schema of a duration in automation.yml ("90s", "10m", "2h", "1h30m"), parsed to seconds. */
import * as z from 'zod';
import { parseDuration } from './duration.ts';

export const duration = (what: string, limits: { min?: number; max?: number } = {}) =>
  z
    .string({ error: `${what} must be a duration such as "90s", "10m" or "2h"` })
    .superRefine((text, ctx) => {
      const seconds = parseDuration(text);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration: write e.g. "90s", "10m", "2h" or "1h30m"` });
      } else if (limits.min !== undefined && seconds < limits.min) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is too short: at least ${limits.min}s` });
      } else if (limits.max !== undefined && seconds > limits.max) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is too long: at most ${limits.max}s` });
      }
    })
    .transform((text) => parseDuration(text) ?? 0)
    .meta({ description: `${what}, written like 90s, 10m, 2h or 1h30m`, pattern: '^(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?$' });
