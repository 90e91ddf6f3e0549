import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../shared/errors.ts';
import { type AlertBlock, alertGroupKey } from '../../shared/events/alert.ts';
import { parseFiring, runEventId, runOutcomeEvent, schedulerInputTemplate } from '../../shared/jobs/trigger.ts';
import { runRecord } from './fixtures.ts';

function badEventMessage(event: unknown): string {
  try {
    parseFiring(event);
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    return (error as Error).message;
  }
  throw new Error('the event was accepted');
}

describe('parseFiring', () => {
  it('reads the payload Scheduler sends, with attempt 1 by default', () => {
    const event = { job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00Z', executionId: 'a1b2c3' };

    expect(parseFiring(event)).toEqual({
      job: 'nightly-report',
      scheduledTime: '2026-11-22T02:00:00.000Z',
      attempt: 1,
      executionId: 'a1b2c3',
    });
  });

  it.each([
    ['2026-11-22T02:00:00Z', '2026-11-22T02:00:00.000Z'],
    ['2026-11-22T02:00:00.5Z', '2026-11-22T02:00:00.500Z'],
    ['2026-11-22T03:00:00+01:00', '2026-11-22T02:00:00.000Z'],
    ['2026-11-21T21:00:00-05:00', '2026-11-22T02:00:00.000Z'],
  ])('writes the scheduled time %s as %s (UTC, milliseconds)', (written, normalised) => {
    expect(parseFiring({ job: 'nightly-report', scheduledTime: written }).scheduledTime).toBe(normalised);
  });

  it('keeps a retry attempt', () => {
    expect(parseFiring({ job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00Z', attempt: 3 }).attempt).toBe(3);
  });

  it('keeps the capacity provider a retry after a Spot interruption starts on', () => {
    const firing = parseFiring({ job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00Z', attempt: 2, capacityProvider: 'FARGATE' });

    expect(firing).toMatchObject({ attempt: 2, capacityProvider: 'FARGATE' });
  });

  it('rejects a time without a zone, naming the field and quoting the event', () => {
    const message = badEventMessage({ job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00' });

    expect(message).toMatch(/^not a run-batch-job firing \(scheduledTime: [^)]+\): /);
    expect(message).toContain('{"job":"nightly-report","scheduledTime":"2026-11-22T02:00:00"}');
  });

  it('lists every problem of the event', () => {
    const message = badEventMessage({ job: '', scheduledTime: 'yesterday', attempt: 0 });

    expect(message).toMatch(/\(job: .+; scheduledTime: .+; attempt: .+\)/);
  });

  it('rejects an attempt given as text', () => {
    expect(badEventMessage({ job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00Z', attempt: '2' })).toMatch(/\(attempt: /);
  });

  it('rejects an event that is not an object, calling the problem "event"', () => {
    expect(badEventMessage(null)).toMatch(/^not a run-batch-job firing \(event: .+\): null$/);
    expect(badEventMessage('nightly-report')).toMatch(/\(event: .+\): "nightly-report"$/);
  });

  it('rejects an invocation without a payload as a bad event', () => {
    expect(badEventMessage(undefined)).toMatch(/^not a run-batch-job firing \(event: /);
  });

  it('quotes at most 500 characters of a huge event', () => {
    const message = badEventMessage({ job: 'x', scheduledTime: 'no', padding: 'p'.repeat(10_000) });

    expect(message.length).toBeLessThan(700);
  });
});

describe('schedulerInputTemplate', () => {
  it('carries the job and the Scheduler placeholders that parseFiring reads', () => {
    expect(JSON.parse(schedulerInputTemplate('nightly-report'))).toEqual({
      job: 'nightly-report',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
    });
  });
});

describe('runOutcomeEvent', () => {
  const launched = runRecord({
    status: 'launched',
    taskArns: ['arn:aws:ecs:eu-central-1:123456789012:task/batch/t1'],
    launchedAt: '2026-11-22T02:00:02.000Z',
    leaseUntil: undefined,
    launch: { count: 1, firstProviderIndex: 0, rounds: 0 },
    outbox: [{ kind: 'run-task', slot: 0, try: 0, providerIndex: 0 }],
  });

  it('is identified by the run and the status it reached, however often it is published', () => {
    const first = runOutcomeEvent(launched, new Date('2026-11-22T02:00:02.000Z'));
    const again = runOutcomeEvent(launched, new Date('2026-11-22T02:03:00.000Z'));

    expect(first.id).toBe('nightly-report:2026-11-22T02:00:00.000Z:1:launched');
    expect(again.id).toBe(first.id);
    expect(runEventId({ ...launched, status: 'succeeded' })).toBe('nightly-report:2026-11-22T02:00:00.000Z:1:succeeded');
  });

  it('carries the run record without what only the state table needs (lease, version, outbox)', () => {
    const event = runOutcomeEvent(launched, new Date('2026-11-22T02:00:02.000Z'));

    expect(event).toMatchObject({ detailType: 'Job Run Launched', resources: launched.taskArns, time: '2026-11-22T02:00:02.000Z' });
    for (const internal of ['leaseUntil', 'version', 'eventPublished', 'outbox']) expect(event.detail).not.toHaveProperty(internal);
    expect(event.detail.launch).toEqual({ count: 1, firstProviderIndex: 0, rounds: 0 });
  });

  it('alerts a final failure, and not a failure that a retry follows', () => {
    const failed = runRecord({
      status: 'failed',
      category: 'app-error',
      retry: { willRetry: false, because: 'attempt 1 was the last of 1' },
    });
    const retried = runRecord({
      status: 'failed',
      category: 'app-error',
      retry: { willRetry: true, nextAttempt: 2, retryAt: '2026-11-22T02:10:00.000Z', because: 'otherwise: retry' },
    });

    expect(runOutcomeEvent(failed, new Date()).detail.alert).toMatchObject({ category: 'job-failing', severity: 'critical' });
    expect(runOutcomeEvent(retried, new Date()).detail.alert).toBeUndefined();
  });

  it("puts every final failure of a job in one group that only the job's next success resolves", () => {
    const lastTry = { willRetry: false as const, because: 'attempt 1 was the last of 1' };
    const failures = [
      runRecord({ status: 'failed', category: 'app-error', retry: lastTry }),
      runRecord({ status: 'failed', category: 'out-of-memory', retry: lastTry }),
      runRecord({ status: 'failed', reason: 'RunTask: no capacity', retry: lastTry }),
      runRecord({ status: 'timed-out', retry: lastTry }),
    ];
    const succeeded = runOutcomeEvent(runRecord({ status: 'succeeded' }), new Date());

    const alerts = failures.map((run) => runOutcomeEvent(run, new Date()).detail.alert as AlertBlock);
    expect(new Set(alerts.map((alert) => alertGroupKey(alert))).size).toBe(1);
    for (const alert of alerts) expect(alert).toMatchObject({ category: 'job-failing', resolvedBy: 'resolving-event' });
    expect(succeeded.detail.alert).toEqual({ ...alerts[0], resolvedBy: undefined, resolves: true });
    expect(alertGroupKey(succeeded.detail.alert as AlertBlock)).toBe(alertGroupKey(alerts[0] as AlertBlock));
  });

  it('alerts nothing for a run launched or skipped', () => {
    for (const status of ['launched', 'skipped'] as const) {
      expect(runOutcomeEvent(runRecord({ status }), new Date()).detail.alert).toBeUndefined();
    }
  });
});
