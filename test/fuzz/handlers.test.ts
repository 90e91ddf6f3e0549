/**
 * The handlers' fuzz, a few hundred inputs each, as part of `npm test` (`npm run fuzz` tries many more).
 * Each handler is driven with its real inputs mutated and with values of any shape, against the AWS
 * double; see test/fuzz/handler-targets.ts for the properties.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stoppedTaskEvent } from '../fixtures/task-events.ts';
import { type AwsDouble, installAwsDouble } from './aws-double.ts';
import { handlerTargets } from './handler-targets.ts';
import { knownFailure } from './known-failures.ts';
import { fuzzTarget, type Target } from './property.ts';

const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 150);
/** The same inputs on every run of the tests; `npm run fuzz` draws new ones each time. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_205);

/** Deeper than JSON.stringify can go (about 5 000 levels), shallower than JSON.parse, which Lambda parses events with, takes. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}

let aws: AwsDouble;
let targets: Target<unknown>[];

beforeAll(async () => {
  aws = installAwsDouble();
  targets = await handlerTargets(aws);
});

afterAll(() => aws.restore());

const NAMES = ['run-batch-job', 'on-task-stopped', 'scale-service', 'shift-traffic', 'notify', 'enforce-max-runtime'];

describe('handlers under fuzzed input', () => {
  const target = (name: string) => targets.find((t) => t.name === name) as Target<unknown>;

  it.each(NAMES)('%s: no unhandled error, one-line rejections, nothing written before one', async (name) => {
    const report = await fuzzTarget(target(name), { runs: RUNS, seed: SEED });
    expect(report.tried).toBe(RUNS);
    // What the owners of the code have been told of and not fixed yet (known-failures.ts) is left out.
    expect(report.failures.filter((failure) => !knownFailure(name, failure.problem))).toEqual([]);
  });

  it.each(['run-batch-job', 'on-task-stopped', 'scale-service'])('%s: an event nested 10 000 levels deep is a bad event', async (name) => {
    await expect(target(name).judge({ job: nested(10_000), service: nested(10_000) })).resolves.toBeUndefined();
    await expect(target(name).judge({ timer: nested(10_000) })).resolves.toBeUndefined();
  });

  it.each([
    ['run-batch-job', '10 000 characters', { job: 'x'.repeat(10_000), scheduledTime: '2026-11-23T07:00:00Z' }],
    ['run-batch-job', 'a line break', { job: 'nightly-report\nreport', scheduledTime: '2026-11-23T07:00:00Z' }],
    ['scale-service', '10 000 characters', { service: 'x'.repeat(10_000) }],
    ['scale-service', 'a line break', { timer: 'scaling-retry', service: 'web\napi', attempt: 1 }],
  ])('%s: a name not in automation.yml, of %s, is said on one short line', async (name, _what, input) => {
    await expect(target(name).judge(input)).resolves.toBeUndefined();
  });

  it('enforce-max-runtime: a stored run whose job is not a string fails the tick with a RetryableAwsError, saying which run', async () => {
    const problem = await target('enforce-max-runtime').judge({
      pk: 'JOB#nightly-report',
      sk: 'RUN#2026-11-23T07:00:00.000Z#001',
      job: { toString: 1 },
      scheduledTime: '2026-11-23T07:00:00.000Z',
      attempt: 1,
      status: 'launched',
      deadlineBucket: 'MAX_RUNTIME',
      maxRuntimeDeadline: '2026-11-23T09:00:05.000Z',
    });
    expect(problem ?? '').not.toMatch(/failed with/);
  });

  it.each([
    ['a stop time that is not a time', { stoppedAt: 'prototype' }],
    [
      'no time at all',
      { createdAt: undefined, startedAt: undefined, stoppingAt: undefined, stoppedAt: undefined, time: 'soon', updatedAt: null },
    ],
  ])('on-task-stopped: a service task event with %s is handled or rejected, never a RangeError', async (_what, fields) => {
    const { updatedAt, ...overrides } = fields as Record<string, unknown>;
    const event = stoppedTaskEvent({
      cluster: 'web-prod',
      taskDefinition: 'web:9',
      group: 'service:web',
      startedBy: 'ecs-svc/1',
      ...overrides,
    });
    if (updatedAt === null) delete event.detail.updatedAt;
    await expect(target('on-task-stopped').judge(event)).resolves.toBeUndefined();
  });

  it('on-task-stopped: a task event nested 10 000 levels deep is a bad event', async () => {
    await expect(target('on-task-stopped').judge({ source: 'aws.ecs', detail: nested(10_000) })).resolves.toBeUndefined();
  });
});
