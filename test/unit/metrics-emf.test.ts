/**
 * What reaches CloudWatch: the embedded metric format lines Powertools Metrics writes at the end of an
 * invocation for the events it published (the bus observed as in Lambda, shared/metrics/published-events.ts)
 * or for notify's result — one document per set of dimensions, counts summed, nothing for an invocation
 * that published nothing, and the metrics of a failed invocation written all the same.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetryableAwsError } from '../../shared/errors.ts';
import { type AutopilotEvent, EventBus } from '../../shared/events/bus.ts';
import { MetricsBuffer } from '../../shared/metrics/buffer.ts';
import { METRICS } from '../../shared/metrics/catalogue.ts';
import { flushMetrics } from '../../shared/metrics/invocation-metrics.ts';
import { metricsOfNotifyResult } from '../../shared/metrics/of-notify-result.ts';
import { withEventMetrics } from '../../shared/metrics/published-events.ts';

const NAMESPACE = 'ecs-autopilot-test';
const NOW = new Date('2026-11-22T02:10:00.000Z');

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/** The EMF documents written to standard output while `run` runs, as CloudWatch Logs reads them (one JSON per line). */
async function emfWrittenBy(run: () => Promise<unknown>): Promise<EmfDocument[]> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EmfDocument);
}

/** A document as a reader sees it: its dimensions and each metric's unit and value. */
function read(document: EmfDocument) {
  const [directive] = document._aws.CloudWatchMetrics;
  if (!directive) throw new Error('an EMF document without a metric directive');
  const dimensions = Object.fromEntries((directive.Dimensions[0] ?? []).map((name) => [name, document[name]]));
  const metrics = Object.fromEntries(directive.Metrics.map(({ Name, Unit }) => [Name, { unit: Unit, value: document[Name] }]));
  return { namespace: directive.Namespace, dimensions, metrics };
}

/** An EventBridge that takes every entry, or refuses one entry of each batch when `refuse` says so. */
function eventBridge(refuse: () => boolean = () => false): EventBridgeClient {
  const send = async () =>
    refuse() ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] } : { FailedEntryCount: 0 };
  return { send } as unknown as EventBridgeClient;
}

const jobRun = (detailType: string, job: string): AutopilotEvent => ({ detailType, detail: { job }, time: NOW });

describe('the metrics of an invocation, as EMF', () => {
  let buffer: MetricsBuffer;
  /** What Powertools warns of (an empty flush, a dimension overwritten): none of it should happen. */
  let warnings: string[];

  beforeEach(() => {
    // What a deployed function has; a developer's POWERTOOLS_DEV or POWERTOOLS_METRICS_DISABLED would silence it.
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    warnings = [];
    const remember = (message: string) => {
      warnings.push(message);
    };
    const logger = { debug: remember, info: remember, warn: remember, error: remember };
    const emitter = new Metrics({ namespace: NAMESPACE, serviceName: 'ecs-autopilot', logger });
    emitter.clearDefaultDimensions();
    buffer = new MetricsBuffer(() => emitter);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    expect(warnings).toEqual([]);
  });

  /** A function as functions/*.ts wraps it: the runtime's bus observed, the metrics flushed by the middleware. */
  const lambdaOf = (bus: EventBus, work: (rt: { bus: EventBus }) => Promise<void>) =>
    middy(() => work(withEventMetrics({ bus }, buffer))).use(flushMetrics(buffer));
  const invoke = (handler: ReturnType<typeof lambdaOf>) => handler(undefined, {} as never);

  it('writes one document per job with its counts summed, and one for the detail-types published', async () => {
    const handler = lambdaOf(new EventBus(eventBridge(), 'ecs-autopilot-test'), (rt) =>
      rt.bus.publish([
        jobRun('Job Run Timed Out', 'hourly-sync'),
        jobRun('Job Run Failed', 'nightly-report'),
        jobRun('Job Run Timed Out', 'hourly-sync'),
      ]),
    );
    const documents = (await emfWrittenBy(() => invoke(handler))).map(read);
    expect(documents).toEqual([
      {
        namespace: NAMESPACE,
        dimensions: { detailType: 'Job Run Timed Out' },
        metrics: { EventsPublished: { unit: 'Count', value: 2 } },
      },
      {
        namespace: NAMESPACE,
        dimensions: { job: 'hourly-sync', status: 'timed-out' },
        metrics: { JobRuns: { unit: 'Count', value: 2 } },
      },
      {
        namespace: NAMESPACE,
        dimensions: { detailType: 'Job Run Failed' },
        metrics: { EventsPublished: { unit: 'Count', value: 1 } },
      },
      {
        namespace: NAMESPACE,
        dimensions: { job: 'nightly-report', status: 'failed' },
        metrics: { JobRuns: { unit: 'Count', value: 1 } },
      },
    ]);
  });

  it('writes nothing for an invocation that published nothing, and nothing twice', async () => {
    const bus = new EventBus(eventBridge(), 'ecs-autopilot-test');
    expect(await emfWrittenBy(() => invoke(lambdaOf(bus, async () => undefined)))).toEqual([]);
    const once = lambdaOf(bus, (rt) => rt.bus.publish([jobRun('Job Run Succeeded', 'nightly-report')]));
    expect(await emfWrittenBy(() => invoke(once))).toHaveLength(2);
    expect(await emfWrittenBy(() => invoke(lambdaOf(bus, async () => undefined)))).toEqual([]);
  });

  it('asks for Powertools Metrics only when there is something to write (Lambda loads it then, not at the cold start)', async () => {
    const emitter = new Metrics({ namespace: NAMESPACE, serviceName: 'ecs-autopilot' });
    emitter.clearDefaultDimensions();
    let asked = 0;
    const lazy = new MetricsBuffer(() => {
      asked++;
      return emitter;
    });
    await lazy.flush();
    expect(asked).toBe(0);
    lazy.add([{ metric: METRICS.alertsSent, dimensions: { status: 'firing' }, value: 1 }]);
    expect(await emfWrittenBy(() => lazy.flush())).toHaveLength(1);
    expect(asked).toBe(1);
  });

  it('writes what a failing invocation published before it failed, and not the batch the bus refused', async () => {
    let batches = 0;
    const bus = new EventBus(
      eventBridge(() => ++batches === 2),
      'ecs-autopilot-test',
    );
    const events = Array.from({ length: 12 }, (_, i) => jobRun('Job Run Launched', i < 10 ? 'first-ten' : 'last-two'));
    let failure: unknown;
    const handler = lambdaOf(bus, (rt) => rt.bus.publish(events));
    const documents = (
      await emfWrittenBy(() =>
        invoke(handler).catch((error: unknown) => {
          failure = error;
        }),
      )
    ).map(read);
    expect(failure).toBeInstanceOf(RetryableAwsError);
    expect(documents.filter((d) => d.metrics.JobRuns).map((d) => [d.dimensions.job, d.metrics.JobRuns?.value])).toEqual([
      ['first-ten', 10],
    ]);
  });

  it('tells nothing of a bus that is not observed: the raw handlers of tests and the sandbox', async () => {
    const bus = new EventBus(eventBridge(), 'ecs-autopilot-test');
    const handler = middy(() => bus.publish([jobRun('Job Run Succeeded', 'nightly-report')])).use(flushMetrics(buffer));
    expect(await emfWrittenBy(() => handler(undefined, {} as never))).toEqual([]);
  });

  it("writes notify's messages sent and held as counts by status and by hold", async () => {
    const handler = middy(async () => {
      buffer.add(
        metricsOfNotifyResult({
          published: [{ status: 'firing' }, { status: 'firing' }],
          held: [{ hold: { kind: 'muted' } }],
        }),
      );
    }).use(flushMetrics(buffer));
    const documents = (await emfWrittenBy(() => handler(undefined, {} as never))).map(read);
    expect(documents).toEqual([
      { namespace: NAMESPACE, dimensions: { status: 'firing' }, metrics: { AlertsSent: { unit: 'Count', value: 2 } } },
      { namespace: NAMESPACE, dimensions: { hold: 'muted' }, metrics: { AlertsHeld: { unit: 'Count', value: 1 } } },
    ]);
  });

  it('keeps a value per duration, over several documents past the 100 EMF takes per metric', async () => {
    const durations = Array.from({ length: 150 }, (_, i) => ({
      metric: METRICS.deploymentStepDuration,
      dimensions: { app: 'shop' },
      value: i,
    }));
    const documents = (
      await emfWrittenBy(async () => {
        buffer.add(durations);
        await buffer.flush();
      })
    ).map(read);
    expect(documents.map((d) => d.dimensions)).toEqual([{ app: 'shop' }, { app: 'shop' }]);
    const values = documents.flatMap((d) => d.metrics.DeploymentStepDuration?.value as number[]);
    expect(values).toEqual(durations.map((d) => d.value));
    expect(documents.every((d) => d.metrics.DeploymentStepDuration?.unit === 'Seconds')).toBe(true);
  });
});
