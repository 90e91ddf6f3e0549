/**
 * notify: an ecs-autopilot event that carries an alert, or one of notify's own timers. Groups alerts
 * like Alertmanager (group wait, repeat interval, resolution) and publishes them to the alert topic,
 * as a human message for email and as an AWS Chatbot custom notification for Slack or Teams.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { handleNotify, type NotifyResult } from '#shared/alerts/handle.ts';
import type { NotifyRuntime } from '#shared/alerts/runtime.ts';
import { lambdaNotifyRuntime } from '#shared/alerts/runtime-from-env.ts';
import { parseNotifyInput } from '#shared/alerts/trigger.ts';
import { foreignOrigin } from '#shared/events/origin.ts';
import { logger } from '#shared/logger.ts';
import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';
import { metricsOfNotifyResult } from '#shared/metrics/of-notify-result.ts';

/** The raw handler: tests and the sandbox call it with their own runtime. */
export async function notify(event: unknown, rt: NotifyRuntime): Promise<NotifyResult> {
  // Alerts are put on our bus by our own functions, in this account and region; nothing else raises one.
  const foreign = foreignOrigin(event, rt);
  if (foreign) {
    rt.log.warn(`ignored an event from elsewhere: ${foreign}`, { event: event as Record<string, unknown> });
    return { published: [], ignored: `an event ${foreign}` };
  }
  return handleNotify(parseNotifyInput(event), rt);
}

/** Lambda's entry: notify publishes to the topic, not the bus, so its metrics come from its result. */
async function notifyInLambda(event: unknown): Promise<NotifyResult> {
  const result = await notify(event, lambdaNotifyRuntime());
  invocationMetrics.add(metricsOfNotifyResult(result));
  return result;
}

export const handler = middy(notifyInLambda)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics());
