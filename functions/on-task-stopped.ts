/**
 * on-task-stopped: an ECS task stopped (or got its Fargate Spot notice). Classifies why, then settles
 * and retries job runs, restarts watched tasks with back-off and a crash-loop budget, and watches
 * services for patterns; every decision is published on the bus. Also receives its own timers: delayed
 * restarts and the check of paused tasks for a new task definition revision. What invokes it, and with
 * what: shared/stopped-tasks/trigger.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#shared/logger.ts';
import { handleTaskEvent } from '#shared/stopped-tasks/handle.ts';
import type { StopRuntime } from '#shared/stopped-tasks/runtime.ts';
import { lambdaStopRuntime } from '#shared/stopped-tasks/runtime-from-env.ts';
import { classifyInput } from '#shared/stopped-tasks/trigger.ts';
import { onPausedCheckTimer, onRestartTimer } from '#shared/stopped-tasks/watched-task-stop.ts';

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function onTaskStopped(event: unknown, rt: StopRuntime) {
  const input = classifyInput(event);
  if (input.kind === 'task-event') return handleTaskEvent(input.event, rt);
  rt.log.appendKeys?.({ watchedTask: input.timer.watchedTask, timer: input.timer.timer });
  return input.timer.timer === 'restart-watched-task' ? onRestartTimer(input.timer, rt) : onPausedCheckTimer(input.timer, rt);
}

export const handler = middy((event: unknown) => onTaskStopped(event, lambdaStopRuntime())).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
