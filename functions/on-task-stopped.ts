/**
 * on-task-stopped: an ECS task stopped (or got its Fargate Spot notice). Classifies why, then settles
 * and retries job runs, restarts watched tasks with back-off and a crash-loop budget, and watches
 * services for patterns; every decision is published on the bus. ECS's own events about a watched
 * service (placement failures, deployments failed, steady state) are alerted and resolved
 * (shared/service-events/). Also receives its own timers: delayed
 * restarts and the check of paused tasks for a new task definition revision. What invokes it, and with
 * what: shared/stopped-tasks/trigger.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#shared/logger.ts';
import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';
import { withEventMetrics } from '#shared/metrics/published-events.ts';
import { handleServiceEvent } from '#shared/service-events/handle.ts';
import { isEcsServiceEvent } from '#shared/service-events/trigger.ts';
import { handleTaskEvent } from '#shared/stopped-tasks/handle.ts';
import type { StopRuntime } from '#shared/stopped-tasks/runtime.ts';
import { lambdaStopRuntime } from '#shared/stopped-tasks/runtime-from-env.ts';
import { classifyInput } from '#shared/stopped-tasks/trigger.ts';
import { onPausedCheckTimer, onRestartTimer } from '#shared/stopped-tasks/watched-task-stop.ts';

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function onTaskStopped(event: unknown, rt: StopRuntime) {
  if (isEcsServiceEvent(event)) return handleServiceEvent(event, rt);
  const input = classifyInput(event);
  if (input.kind === 'task-event') return handleTaskEvent(input.event, rt);
  rt.log.appendKeys?.({ watchedTask: input.timer.watchedTask, timer: input.timer.timer });
  return input.timer.timer === 'restart-watched-task' ? onRestartTimer(input.timer, rt) : onPausedCheckTimer(input.timer, rt);
}

export const handler = middy((event: unknown) => onTaskStopped(event, withEventMetrics(lambdaStopRuntime(), invocationMetrics)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics());
