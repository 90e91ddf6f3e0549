/**
 * How scale-service is invoked: the one definition of its inputs that the stack generator (the boundary
 * schedules), the deferral's retry timers, the sandbox and the handler all use. What it emits is the
 * catalogue in shared/events/scaling-events.ts (Service Scaled, Service Scaling Deferred, Service
 * Scaling Failed), each event with an id derived from the decision it reports.
 *
 * Two inputs, both from EventBridge Scheduler:
 * - a firing of one of the service's boundary schedules (one per boundary expression of its periods
 *   and overrides, in its time zone): `{"service": "<key in automation.yml services>", "scheduledTime":
 *   "<aws.scheduler.scheduled-time>"}`. It carries no target of its own: scale-service works out what
 *   applies at the moment it runs. The scheduled time names the firing, so that a delivery of one that
 *   was already answered with a failure does not fail (and alert) again; stacks deployed before it was
 *   added send the key alone, which still works.
 * - the retry of a deferred change (a one-time schedule the deferral sets):
 *   `{"timer": "scaling-retry", "service": "<key>", "attempt": <n ≥ 1>, "since": "<when the chain began>"}`.
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { BadEventError, excerptOf, inputProblems } from '../errors.ts';

/** Built on first use (not at import: see shared/built-on-first-use.ts). */
const schemas = builtOnFirstUse(() => {
  const service = z.string().check(z.minLength(1));

  const scheduledFiring = z.object({
    service,
    scheduledTime: z.optional(z.iso.datetime({ offset: true })),
  });

  const retryTimer = z.object({
    timer: z.literal('scaling-retry'),
    service,
    attempt: z.number().check(z.int(), z.minimum(1)),
    since: z.optional(z.iso.datetime({ offset: true })),
  });

  return { scheduledFiring, retryTimer };
});

/** What each field of either input takes, for the message of a bad one. */
const INPUT_FIELDS = {
  service: 'the key of a service in automation.yml',
  scheduledTime: 'an ISO 8601 time, e.g. 2026-11-22T02:00:00Z',
  attempt: 'a whole number from 1',
  since: 'an ISO 8601 time, e.g. 2026-11-22T02:00:00Z',
};

export type ScheduledFiringInput = z.infer<ReturnType<typeof schemas>['scheduledFiring']>;
export type RetryTimerInput = z.infer<ReturnType<typeof schemas>['retryTimer']>;

export interface ScalingInput {
  service: string;
  /** The retry's attempt; undefined for a scheduled firing. */
  attempt?: number | undefined;
  /** Which firing this is, when its payload says: a delivery of the same firing has the same one. */
  firing?: string | undefined;
}

/** The Input template of each boundary schedule of the service: Scheduler fills in the scheduled time. */
export function scheduledFiringTemplate(serviceKey: string): string {
  return JSON.stringify({ service: serviceKey, scheduledTime: '<aws.scheduler.scheduled-time>' });
}

/** What a boundary schedule delivers, as Scheduler fills in its template. */
export function scheduledFiringInput(serviceKey: string, scheduledTime?: Date): ScheduledFiringInput {
  return { service: serviceKey, ...(scheduledTime && { scheduledTime: `${scheduledTime.toISOString().slice(0, 19)}Z` }) };
}

/** What the retry timer of a deferred change delivers. */
export function retryTimerInput(serviceKey: string, attempt: number, since: string): RetryTimerInput {
  return { timer: 'scaling-retry', service: serviceKey, attempt, since };
}

export function parseScalingInput(event: unknown): ScalingInput {
  const isTimer = typeof event === 'object' && event !== null && 'timer' in event;
  const result = isTimer ? schemas().retryTimer.safeParse(event) : schemas().scheduledFiring.safeParse(event);
  if (!result.success) {
    const problems = inputProblems(result.error.issues, INPUT_FIELDS, 'input');
    const what = isTimer ? 'a scale-service retry timer' : 'a scale-service firing ({"service": "<key in automation.yml services>"})';
    throw new BadEventError(`not ${what} (${problems}): ${excerptOf(event)}`);
  }
  const input = result.data;
  if ('timer' in input) {
    return {
      service: input.service,
      attempt: input.attempt,
      firing: input.since && `retry ${input.attempt} of the deferral since ${input.since}`,
    };
  }
  // One spelling of the time, however Scheduler writes it.
  return { service: input.service, firing: input.scheduledTime && new Date(input.scheduledTime).toISOString() };
}
