/** The payload each job's Scheduler schedule sends to run-batch-job (zod/mini: a small cold start). */
import * as z from 'zod/mini';
import { BadEventError } from '../errors.ts';
import type { Firing } from './decide-firing.ts';

export const firingEventSchema = z.object({
  job: z.string().check(z.minLength(1)),
  /** Scheduler fills in <aws.scheduler.scheduled-time>, e.g. 2026-11-22T02:00:00Z. */
  scheduledTime: z.iso.datetime({ offset: true }),
  attempt: z._default(z.number().check(z.int(), z.minimum(1)), 1),
  /** <aws.scheduler.execution-id>, for correlating logs with Scheduler. */
  executionId: z.optional(z.string()),
});

/** The Input template the generated schedules carry. */
export function schedulerInputTemplate(job: string): string {
  return JSON.stringify({ job, scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>' });
}

export function parseFiringEvent(event: unknown): Firing & { executionId?: string | undefined } {
  const result = firingEventSchema.safeParse(event);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ');
    throw new BadEventError(`not a run-batch-job firing (${problems}): ${String(JSON.stringify(event)).slice(0, 500)}`);
  }
  // One spelling of the time everywhere: it is part of the run's key and of the client token.
  return { ...result.data, scheduledTime: new Date(result.data.scheduledTime).toISOString() };
}
