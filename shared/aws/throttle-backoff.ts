/**
 * The ECS client's retries: ECS throttles RunTask per account and region with a token bucket (Fargate
 * task launches: a burst of 100, then 20 a second, "AWS Fargate throttling quotas"), so 300 jobs firing
 * at the same minute, each its own Lambda invocation with its own client, get ThrottlingException for
 * most of their first tries. The SDK's default (5 attempts, waits of a fraction of a second) gives up
 * within about two seconds, the invocation then throws, and Lambda's two retries come minutes later into
 * the next burst: a busy minute ends in dead-lettered firings. These retries wait longer instead, with
 * the project's back-off (shared/backoff.ts: 1 s, 2 s, 4 s… capped at 20 s) and full jitter (a random
 * wait up to it), so the throttled invocations spread themselves over the bucket's refill rather than
 * retrying together. The retries are safe: a RunTask carries its clientToken, a throttled call did
 * nothing. Up to ECS_ATTEMPTS attempts, well within run-batch-job's 15 minutes.
 */
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { type Backoff, backoffSeconds } from '../backoff.ts';

export const ECS_THROTTLE_BACKOFF: Backoff = { initialSeconds: 1, maxSeconds: 20 };
/** Up to 12 attempts, and no retry that would take the waits past 90 s: within enforce-max-runtime's 120 s timeout too (it shares the runtime). */
export const ECS_ATTEMPTS = 12;
export const ECS_WAIT_BUDGET_SECONDS = 90;

/** What a retry answers to: the SDK's classes of a retryable error (a client error is not retried). */
const RETRIED: ReadonlySet<RetryErrorInfo['errorType']> = new Set(['THROTTLING', 'TRANSIENT', 'SERVER_ERROR']);

interface WaitingToken extends RetryToken {
  /** The waits so far, this one included. */
  waitedMs: number;
}

const token = (count: number, delayMs: number, waitedMs: number): WaitingToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => delayMs,
  waitedMs,
});

/**
 * A retry strategy for the SDK (`retryStrategy` of a client): `maxAttempts` attempts in all and waits
 * of at most `budgetSeconds` together, the wait before retry n a random share of backoffSeconds(backoff,
 * n). `random` is for tests.
 */
export function jitteredBackoffRetries(
  maxAttempts: number,
  { backoff = ECS_THROTTLE_BACKOFF, budgetSeconds = ECS_WAIT_BUDGET_SECONDS, random = Math.random } = {},
): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: async () => token(0, 0, 0),
    refreshRetryTokenForRetry: async (previous, errorInfo) => {
      const retry = previous.getRetryCount() + 1;
      const delayMs = Math.round(random() * backoffSeconds(backoff, retry) * 1000);
      const waitedMs = ((previous as Partial<WaitingToken>).waitedMs ?? 0) + delayMs;
      if (!RETRIED.has(errorInfo.errorType) || retry >= maxAttempts || waitedMs > budgetSeconds * 1000) {
        throw errorInfo.error ?? new Error(`no retry left after ${retry} attempts`);
      }
      return token(retry, delayMs, waitedMs);
    },
    recordSuccess: () => {},
  };
}
