import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../shared/errors.ts';
import { parseFiringEvent, schedulerInputTemplate } from '../../shared/jobs/firing-event.ts';

function badEventMessage(event: unknown): string {
  try {
    parseFiringEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    return (error as Error).message;
  }
  throw new Error('the event was accepted');
}

describe('parseFiringEvent', () => {
  it('reads the payload Scheduler sends, with attempt 1 by default', () => {
    const event = { job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00Z', executionId: 'a1b2c3' };

    expect(parseFiringEvent(event)).toEqual({
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
    expect(parseFiringEvent({ job: 'nightly-report', scheduledTime: written }).scheduledTime).toBe(normalised);
  });

  it('keeps a retry attempt', () => {
    expect(parseFiringEvent({ job: 'nightly-report', scheduledTime: '2026-11-22T02:00:00Z', attempt: 3 }).attempt).toBe(3);
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
  it('carries the job and the Scheduler placeholders that parseFiringEvent reads', () => {
    expect(JSON.parse(schedulerInputTemplate('nightly-report'))).toEqual({
      job: 'nightly-report',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
    });
  });
});
