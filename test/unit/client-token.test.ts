import { describe, expect, it } from 'vitest';
import { launchClientToken } from '../../shared/jobs/client-token.ts';
import { JOB_NAME, SCHEDULED_TIME } from './fixtures.ts';

describe('launchClientToken', () => {
  it('fits RunTask (at most 64 characters of letters, digits, "-" and "_")', () => {
    const token = launchClientToken('a'.repeat(64), SCHEDULED_TIME, 185, 9, 40);

    expect(token.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('is the same for the same firing, attempt, task slot and try, so a RunTask made again launches nothing more', () => {
    expect(launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 0, 0)).toBe(launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 0, 0));
  });

  it('differs by job, scheduled time, attempt, task slot and launch try', () => {
    const tokens = [
      launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 0, 0),
      launchClientToken('weekly-report', SCHEDULED_TIME, 1, 0, 0),
      launchClientToken(JOB_NAME, '2026-11-23T02:00:00.000Z', 1, 0, 0),
      launchClientToken(JOB_NAME, SCHEDULED_TIME, 2, 0, 0),
      launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 1, 0),
      launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 0, 1),
    ];

    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('cannot be made to collide by moving characters between fields', () => {
    expect(launchClientToken('job-1', '2', 1, 0, 0)).not.toBe(launchClientToken('job-', '12', 1, 0, 0));
    expect(launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 0, 12)).not.toBe(launchClientToken(JOB_NAME, SCHEDULED_TIME, 11, 0, 2));
    expect(launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 1, 2)).not.toBe(launchClientToken(JOB_NAME, SCHEDULED_TIME, 1, 12, 0));
  });
});
