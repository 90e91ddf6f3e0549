/**
 * What on-task-stopped receives: an "ECS Task State Change" event from the default bus, or one of its
 * own timers (a one-time schedule) — a delayed restart, or the check whether a paused task has a new
 * task definition revision. zod/mini keeps the cold start small.
 */
import * as z from 'zod/mini';
import { BadEventError } from '../errors.ts';

const restartTimer = z.object({
  timer: z.literal('restart-watched-task'),
  watchedTask: z.string().check(z.minLength(1)),
  /** The stopped task this restart replaces: with the try number, the launch's idempotency token. */
  replacing: z.string().check(z.minLength(1)),
  try: z._default(z.number().check(z.int(), z.minimum(1)), 1),
});

const pausedCheckTimer = z.object({
  timer: z.literal('check-paused-watched-task'),
  watchedTask: z.string().check(z.minLength(1)),
});

export const stopTimerSchema = z.discriminatedUnion('timer', [restartTimer, pausedCheckTimer]);
export type StopTimer = z.infer<typeof stopTimerSchema>;

export type StopFunctionInput = { kind: 'timer'; timer: StopTimer } | { kind: 'task-event'; event: unknown };

export function classifyInput(event: unknown): StopFunctionInput {
  if (typeof event === 'object' && event !== null && 'timer' in event) {
    const result = stopTimerSchema.safeParse(event);
    if (!result.success) {
      const problems = result.error.issues.map((i) => `${i.path.join('.') || 'timer'}: ${i.message}`).join('; ');
      throw new BadEventError(`not an on-task-stopped timer (${problems}): ${String(JSON.stringify(event)).slice(0, 500)}`);
    }
    return { kind: 'timer', timer: result.data };
  }
  return { kind: 'task-event', event };
}
