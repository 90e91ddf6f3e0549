/**
 * run-batch-job: a job's Scheduler schedule (or a retry's timer) fired. Launches the job's tasks safely
 * (idempotent, concurrency policy, starting deadline, capacity fallback) and records and announces the
 * outcome (shared/jobs/handle.ts). An expectSuccessWithin timer (shared/jobs/freshness.ts) invokes it too,
 * and so does the end of a job's run that others are chained after (the job-chains rule on our bus).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { foreignOrigin } from '#shared/events/origin.ts';
import { isFreshnessCheck, parseFreshnessCheck } from '#shared/jobs/freshness.ts';
import { checkFreshness, handleFiring, handleUpstreamEnded } from '#shared/jobs/handle.ts';
import type { JobRuntime } from '#shared/jobs/runtime.ts';
import { lambdaJobRuntime } from '#shared/jobs/runtime-from-env.ts';
import { isBusEvent, parseFiring, parseUpstreamEnded } from '#shared/jobs/trigger.ts';
import { logger } from '#shared/logger.ts';
import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';
import { withEventMetrics } from '#shared/metrics/published-events.ts';

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function runBatchJob(event: unknown, rt: JobRuntime) {
  if (isFreshnessCheck(event)) {
    const check = parseFreshnessCheck(event);
    rt.log.appendKeys?.({ job: check.job, check: check.check, since: check.since });
    return { job: check.job, check: (await checkFreshness(check, rt)).kind };
  }
  if (isBusEvent(event)) {
    // Our functions publish runs' ends in this account and region; an event from elsewhere starts nothing here.
    const foreign = foreignOrigin(event, rt);
    if (foreign) {
      rt.log.warn(`ignored an event from elsewhere: ${foreign}`, { event: event as Record<string, unknown> });
      return { ignored: `an event ${foreign}` };
    }
    const ended = parseUpstreamEnded(event);
    rt.log.appendKeys?.({ upstream: ended.job, scheduledTime: ended.scheduledTime, attempt: ended.attempt });
    const chained = await handleUpstreamEnded(ended, rt);
    return {
      upstream: ended.job,
      scheduledTime: ended.scheduledTime,
      chained: chained.map(({ job, decision, reason, run }) => ({ job, decision, reason, ...(run && { status: run.status }) })),
    };
  }
  const firing = parseFiring(event);
  rt.log.appendKeys?.({ job: firing.job, scheduledTime: firing.scheduledTime, attempt: firing.attempt });
  const run = await handleFiring(firing, rt);
  return (
    run && {
      job: run.job,
      scheduledTime: run.scheduledTime,
      attempt: run.attempt,
      status: run.status,
      taskArns: run.taskArns,
      reason: run.reason,
    }
  );
}

export const handler = middy((event: unknown) => runBatchJob(event, withEventMetrics(lambdaJobRuntime(), invocationMetrics)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics());
