/**
 * A job's retry policy applied to a failed attempt: AWS Batch's evaluateOnExit (the first rule whose
 * every condition matches decides; `otherwise` when none does), attempts counted with the first, and
 * exponential back-off between attempts. Pure.
 */
import { backoffSeconds } from '../backoff.ts';
import type { RetryPolicy, RetryRule } from '../config/schema.ts';
import type { RetryDecision } from '../jobs/run-record.ts';
import type { AttemptFailureCategory } from './categories.ts';

export interface FailedAttempt {
  attempt: number;
  category: AttemptFailureCategory;
  /** Exit codes of the containers that decide (essential ones when known). */
  exitCodes: number[];
  /** The task's stopped reason and its containers' reasons. */
  reasons: string[];
}

export function retryDelaySeconds(policy: Pick<RetryPolicy, 'backoffSeconds' | 'maxBackoffSeconds'>, attempt: number): number {
  return backoffSeconds({ initialSeconds: policy.backoffSeconds, maxSeconds: policy.maxBackoffSeconds }, attempt);
}

export function decideRetry(policy: RetryPolicy, failed: FailedAttempt, now: Date): RetryDecision {
  // A replacement was the job's own policy (concurrency: replace); retrying would undo it.
  if (failed.category === 'replaced') return { willRetry: false, because: 'a run replaced by a newer one is never retried' };
  if (failed.attempt >= policy.attempts) {
    return {
      willRetry: false,
      because:
        policy.attempts === 1
          ? 'the job has no retry policy (retry.attempts is 1)'
          : `attempt ${failed.attempt} was the last of ${policy.attempts}`,
    };
  }
  const index = policy.rules.findIndex((rule) => ruleMatches(rule, failed));
  const rule = policy.rules[index];
  const action = rule?.action ?? policy.otherwise;
  const why = rule
    ? `evaluateOnExit rule ${index + 1} (${describeRule(rule)}) says ${rule.action}`
    : `no rule matched; otherwise: ${policy.otherwise}`;
  if (action === 'exit') return { willRetry: false, because: why };
  const delay = retryDelaySeconds(policy, failed.attempt);
  return {
    willRetry: true,
    nextAttempt: failed.attempt + 1,
    retryAt: new Date(now.getTime() + delay * 1000).toISOString(),
    because: `${why}: attempt ${failed.attempt + 1} of ${policy.attempts} in ${delay}s`,
  };
}

export function ruleMatches(rule: RetryRule, failed: FailedAttempt): boolean {
  if (rule.onCategory && !rule.onCategory.includes(failed.category)) return false;
  if (rule.onExitCode !== undefined) {
    const pattern = globToRegExp(rule.onExitCode);
    if (!failed.exitCodes.some((code) => pattern.test(String(code)))) return false;
  }
  if (rule.onReason !== undefined) {
    const pattern = globToRegExp(rule.onReason);
    if (!failed.reasons.some((reason) => pattern.test(reason))) return false;
  }
  return true;
}

/** "*" matches any run of characters; everything else matches itself; the whole text must match. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's');
}

function describeRule(rule: RetryRule): string {
  return [
    rule.onCategory && `onCategory ${rule.onCategory.join('/')}`,
    rule.onExitCode !== undefined && `onExitCode ${rule.onExitCode}`,
    rule.onReason !== undefined && `onReason "${rule.onReason}"`,
  ]
    .filter(Boolean)
    .join(', ');
}
