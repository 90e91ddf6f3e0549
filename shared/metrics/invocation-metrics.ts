/**
 * The metrics of a Lambda invocation: one buffer per function process (Lambda runs one invocation at a
 * time in it), written by Powertools Metrics to standard output when the invocation ends, where CloudWatch
 * Logs extracts them. No cloudwatch:PutMetricData: the lines go to the function's own log group.
 *
 * Only the Lambda entry points (the middy handlers of functions/) add to it; tests, the CLI and the
 * sandbox call the raw handlers and print no metrics.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { logger } from '../logger.ts';
import { MetricsBuffer } from './buffer.ts';

let emitter: Promise<Metrics> | undefined;

/**
 * Powertools Metrics, loaded by the first invocation that has metrics to write, after its work: the cold
 * start does not pay for it (npm run bench), and a tick that publishes nothing never loads it. The
 * namespace is POWERTOOLS_METRICS_NAMESPACE (serverless.yml: the stack's prefix);
 * POWERTOOLS_METRICS_DISABLED=true silences them.
 */
function lambdaEmitter(): Promise<Metrics> {
  emitter ??= import('@aws-lambda-powertools/metrics').then(({ Metrics }) => {
    const metrics = new Metrics({ serviceName: 'ecs-autopilot', logger });
    // Powertools adds `service` to every metric by default; ours are about jobs, tasks, services and apps, one namespace per stage.
    metrics.clearDefaultDimensions();
    return metrics;
  });
  return emitter;
}

export const invocationMetrics = new MetricsBuffer(lambdaEmitter);

/** Writes the invocation's metrics when it ends, returned or thrown (what was published before a throw happened). */
export function flushMetrics(buffer: MetricsBuffer = invocationMetrics): MiddlewareObj {
  const flush = () => buffer.flush();
  return { after: flush, onError: flush };
}
