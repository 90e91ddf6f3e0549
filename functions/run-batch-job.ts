/**
 * run-batch-job: a job's Scheduler schedule (or a retry's timer) fired. Launches the job's tasks safely
 * (idempotent, concurrency policy, starting deadline, capacity fallback) and records and announces the
 * outcome (shared/jobs/handle.ts). An expectSuccessWithin timer (shared/jobs/freshness.ts) invokes it too,
 * and so do the end of a job's run that others are chained after (the job-chains rule on our bus), the
 * operator's `ecs-autopilot run` (a manual run) and `unsuspend` (a catch-up).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { foreignOrigin } from '#shared/events/origin.ts';
import type { CatchUpDecision } from '#shared/jobs/catch-up.ts';
import type { ChainDecision } from '#shared/jobs/chains.ts';
import type { FreshnessDecision } from '#shared/jobs/freshness.ts';
import { isFreshnessCheck, parseFreshnessCheck } from '#shared/jobs/freshness.ts';
import { checkFreshness, handleCatchUpRequest, handleFiring, handleManualRun, handleUpstreamEnded } from '#shared/jobs/handle.ts';
import type { RunRecord, RunStatus } from '#shared/jobs/run-record.ts';
import type { JobRuntime } from '#shared/jobs/runtime.ts';
import { lambdaJobRuntime } from '#shared/jobs/runtime-from-env.ts';
import {
  isBusEvent,
  isCatchUpRequest,
  isManualRun,
  parseCatchUpRequest,
  parseFiring,
  parseManualRun,
  parseUpstreamEnded,
} from '#shared/jobs/trigger.ts';
import { logger } from '#shared/logger.ts';
import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';
import { withEventMetrics } from '#shared/metrics/published-events.ts';

/** What an invocation answers: the run it handled, the check it made, what a chain or a catch-up decided. */
export interface RunBatchJobAnswer {
  job?: string | undefined;
  check?: FreshnessDecision['kind'] | undefined;
  scheduledTime?: string | undefined;
  attempt?: number | undefined;
  status?: RunStatus | undefined;
  taskArns?: string[] | undefined;
  reason?: string | undefined;
  /** A manual run: its id, and whether this request made it or found it made by an earlier one. */
  manualId?: string | undefined;
  requested?: 'new' | 'existing' | undefined;
  catchUp?: CatchUpDecision | undefined;
  /** An upstream's end: the job that ended, and what each job chained after it did. */
  upstream?: string | undefined;
  chained?: { job: string; decision: ChainDecision['kind']; reason: string; status?: RunStatus }[] | undefined;
  /** An event from another account or region: why nothing was done. */
  ignored?: string | undefined;
}

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function runBatchJob(event: unknown, rt: JobRuntime): Promise<RunBatchJobAnswer | undefined> {
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
  if (isManualRun(event)) {
    const request = parseManualRun(event);
    rt.log.appendKeys?.({ job: request.job, manualId: request.id });
    const { requested, scheduledTime, run } = await handleManualRun(request, rt);
    return { ...runSummary(run), job: request.job, scheduledTime, manualId: request.id, requested };
  }
  if (isCatchUpRequest(event)) {
    const { job } = parseCatchUpRequest(event);
    rt.log.appendKeys?.({ job, catchUp: true });
    const { decision, run } = await handleCatchUpRequest(job, rt);
    return { ...runSummary(run), job, catchUp: decision };
  }
  const firing = parseFiring(event);
  rt.log.appendKeys?.({ job: firing.job, scheduledTime: firing.scheduledTime, attempt: firing.attempt });
  const run = await handleFiring(firing, rt);
  return run && runSummary(run);
}

/** What an invocation answers about the run it handled. */
function runSummary(run: RunRecord | undefined): RunBatchJobAnswer {
  return {
    job: run?.job,
    scheduledTime: run?.scheduledTime,
    attempt: run?.attempt,
    status: run?.status,
    taskArns: run?.taskArns,
    reason: run?.reason,
  };
}

export const handler = middy((event: unknown) => runBatchJob(event, withEventMetrics(lambdaJobRuntime(), invocationMetrics)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics());
