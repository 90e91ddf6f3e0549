/**
 * enforce-max-runtime: a one-minute watchdog that stops job runs past their maxRuntime, and catches up a
 * firing of a job with catchUp: latest that no delivery reached.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { catchUpMissedFirings, enforceMaxRuntime } from '#shared/jobs/handle.ts';
import type { JobRuntime } from '#shared/jobs/runtime.ts';
import { lambdaJobRuntime } from '#shared/jobs/runtime-from-env.ts';
import { logger } from '#shared/logger.ts';
import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';
import { withEventMetrics } from '#shared/metrics/published-events.ts';

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function enforceMaxRuntimeTick(rt: JobRuntime) {
  const settled = await enforceMaxRuntime(rt);
  await catchUpMissedFirings(rt);
  return settled.map((run) => ({ job: run.job, scheduledTime: run.scheduledTime, status: run.status, taskArns: run.taskArns }));
}

export const handler = middy(() => enforceMaxRuntimeTick(withEventMetrics(lambdaJobRuntime(), invocationMetrics)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics());
