/**
 * run-batch-job's ECS retries under throttling (shared/aws/throttle-backoff.ts): the project's back-off with
 * full jitter, bounded by attempts and by a budget of waiting; a client error is not retried.
 */
import type { RetryErrorInfo } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { ECS_ATTEMPTS, ECS_WAIT_BUDGET_SECONDS, jitteredBackoffRetries } from '../../shared/aws/throttle-backoff.ts';

const throttled: RetryErrorInfo = {
  errorType: 'THROTTLING',
  error: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) as RetryErrorInfo['error'],
};

async function waits(strategy: ReturnType<typeof jitteredBackoffRetries>, errorInfo = throttled): Promise<number[]> {
  const delays: number[] = [];
  let token = await strategy.acquireInitialRetryToken('ecs');
  for (;;) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, errorInfo);
    } catch {
      return delays;
    }
    delays.push(token.getRetryDelay());
  }
}

describe('jitteredBackoffRetries', () => {
  it('waits the back-off (1 s, 2 s, 4 s… capped at 20 s) at most, a random share of it, within 90 s in all', async () => {
    expect(await waits(jitteredBackoffRetries(ECS_ATTEMPTS, { random: () => 1, budgetSeconds: 1_000 }))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000, 20_000, 20_000, 20_000, 20_000,
    ]);
    expect(await waits(jitteredBackoffRetries(ECS_ATTEMPTS, { random: () => 0.5, budgetSeconds: 1_000 }))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000,
    ]);
    const longest = await waits(jitteredBackoffRetries(ECS_ATTEMPTS, { random: () => 1 }));
    expect(longest.reduce((sum, wait) => sum + wait, 0)).toBeLessThanOrEqual(ECS_WAIT_BUDGET_SECONDS * 1000);
    expect(longest).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
  });

  it('makes no retry when given one attempt (the emulator clients), nor for a client error', async () => {
    expect(await waits(jitteredBackoffRetries(1))).toEqual([]);
    expect(await waits(jitteredBackoffRetries(ECS_ATTEMPTS), { ...throttled, errorType: 'CLIENT_ERROR' as never })).toEqual([]);
  });
});
