/**
 * shift-traffic: blue/green deployments behind an ALB listener. Takes deployment requests, promote and
 * abort from our bus, ECS deployment and service events, CloudWatch alarm state changes, and the
 * watchdog tick every minute; each moves the app's persisted deployment through the state machine
 * (shared/blue-green/decide.ts) and applies what it decides (shared/blue-green/apply.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { handleShiftEvent, type ShiftOutcome } from '#shared/blue-green/handle.ts';
import type { ShiftRuntime } from '#shared/blue-green/runtime.ts';
import { lambdaShiftRuntime } from '#shared/blue-green/runtime-from-env.ts';
import { foreignOrigin, routeShiftInput } from '#shared/blue-green/trigger.ts';
import { logger } from '#shared/logger.ts';
import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';
import { withEventMetrics } from '#shared/metrics/published-events.ts';

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function shiftTraffic(event: unknown, rt: ShiftRuntime): Promise<ShiftOutcome[]> {
  const foreign = foreignOrigin(event, rt, rt.automation.deployers);
  if (foreign) {
    rt.log.warn(`ignored an event from elsewhere: ${foreign}`, { event: event as Record<string, unknown> });
    return [];
  }
  const routed = routeShiftInput(event, rt.automation);
  const outcomes: ShiftOutcome[] = [];
  // A tick visits every app; apps without an active deployment cost one read each.
  for (const { app, event: deploymentEvent } of routed) outcomes.push(await handleShiftEvent(app, deploymentEvent, rt));
  return outcomes;
}

export const handler = middy((event: unknown) => shiftTraffic(event, withEventMetrics(lambdaShiftRuntime(), invocationMetrics)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics());
