/**
 * scale-service: a service's scaling schedule fired (a period starts or ends, an override begins or
 * ends), or the retry of a deferred change. Computes what the service should be now from its periods
 * and reconciles it — bounds of its scalable target, or its desiredCount — remembering how it was so
 * that the end of the periods restores it (the bounds of a scalable target, with the autoscaler's count
 * kept inside them; a plain service's count). Never during a deployment: such a change is deferred and
 * retried. Every change, deferral and failure is published on the bus.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#shared/logger.ts';
import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';
import { withEventMetrics } from '#shared/metrics/published-events.ts';
import { handleScaling } from '#shared/scaling/handle.ts';
import type { ScalingRuntime } from '#shared/scaling/runtime.ts';
import { lambdaScalingRuntime } from '#shared/scaling/runtime-from-env.ts';
import { parseScalingInput } from '#shared/scaling/trigger.ts';

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function scaleService(event: unknown, rt: ScalingRuntime) {
  const input = parseScalingInput(event);
  // `service` is a reserved key of the Powertools logger (its own service name).
  rt.log.appendKeys?.({ serviceKey: input.service, attempt: input.attempt ?? 0 });
  return handleScaling(input, rt);
}

export const handler = middy((event: unknown) => scaleService(event, withEventMetrics(lambdaScalingRuntime(), invocationMetrics)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics());
