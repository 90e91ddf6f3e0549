import { describe, expect, it } from 'vitest';
import type { RetryRule } from '../../shared/config/schema.ts';
import { decideRetry, type FailedAttempt, globToRegExp, retryDelaySeconds, ruleMatches } from '../../shared/stopped-tasks/retry-policy.ts';
import { retryPolicy } from './stop-fixtures.ts';

const NOW = new Date('2026-11-22T02:41:50.000Z');

/** NOW plus `seconds`, as decideRetry writes retryAt. */
function nowPlus(seconds: number): string {
  return new Date(NOW.getTime() + seconds * 1000).toISOString();
}

/** The first attempt failed: container "report" exited 1 on its own. */
function failed(fields: Partial<FailedAttempt> = {}): FailedAttempt {
  return { attempt: 1, category: 'app-error', exitCodes: [1], reasons: ['Essential container in task exited'], ...fields };
}

describe('retryDelaySeconds', () => {
  it.each([
    [1, 60],
    [2, 120],
    [3, 240],
    [4, 480],
    [5, 960],
    [6, 1_920],
    [7, 3_600],
    [10, 3_600],
  ])('waits backoff·2^(attempt−1) capped at maxBackoff: after attempt %i, %is', (attempt, seconds) => {
    expect(retryDelaySeconds({ backoffSeconds: 60, maxBackoffSeconds: 3_600 }, attempt)).toBe(seconds);
  });

  it('caps at maxBackoff even on the first wait when backoff equals it', () => {
    const policy = retryPolicy({ attempts: 4, backoff: '5m', maxBackoff: '5m' });

    expect([1, 2, 3].map((attempt) => retryDelaySeconds(policy, attempt))).toEqual([300, 300, 300]);
  });
});

describe('decideRetry: what never retries', () => {
  it('never retries a run replaced by a newer one, even with attempts left and a rule saying retry', () => {
    const policy = retryPolicy({ attempts: 5, evaluateOnExit: [{ onCategory: ['replaced'], action: 'retry' }] });

    expect(decideRetry(policy, failed({ category: 'replaced', exitCodes: [137] }), NOW)).toEqual({
      willRetry: false,
      because: 'a run replaced by a newer one is never retried',
    });
  });

  it('says the job has no retry policy when attempts is 1 (the default)', () => {
    expect(decideRetry(retryPolicy(), failed(), NOW)).toEqual({
      willRetry: false,
      because: 'the job has no retry policy (retry.attempts is 1)',
    });
  });

  it.each([
    [3, 3],
    [3, 4],
    [10, 10],
  ])('counts attempts with the first: of %i attempts, attempt %i was the last', (attempts, attempt) => {
    const policy = retryPolicy({ attempts, evaluateOnExit: [{ onCategory: ['app-error'], action: 'retry' }] });

    expect(decideRetry(policy, failed({ attempt }), NOW)).toEqual({
      willRetry: false,
      because: `attempt ${attempt} was the last of ${attempts}`,
    });
  });
});

describe('decideRetry: the default rules (no evaluateOnExit)', () => {
  it.each(['user-stopped', 'timeout'] as const)('exits on %s (rule 1 of the defaults)', (category) => {
    expect(decideRetry(retryPolicy({ attempts: 3 }), failed({ category, exitCodes: [143] }), NOW)).toEqual({
      willRetry: false,
      because: 'evaluateOnExit rule 1 (onCategory user-stopped/timeout) says exit',
    });
  });

  it.each(['app-error', 'out-of-memory', 'failed-to-start', 'spot-interruption', 'host-lost', 'unknown'] as const)(
    'retries %s (otherwise: retry) after backoff, with the next attempt and its time',
    (category) => {
      expect(decideRetry(retryPolicy({ attempts: 3 }), failed({ category }), NOW)).toEqual({
        willRetry: true,
        nextAttempt: 2,
        retryAt: nowPlus(60),
        because: 'no rule matched; otherwise: retry: attempt 2 of 3 in 60s',
      });
    },
  );
});

describe('decideRetry: evaluateOnExit', () => {
  const OOM = failed({ category: 'out-of-memory', exitCodes: [137], reasons: ['OutOfMemoryError: Container killed due to memory usage'] });

  it('lets the first matching rule decide', () => {
    const exitFirst = retryPolicy({
      attempts: 3,
      evaluateOnExit: [
        { onExitCode: '137', action: 'exit' },
        { onCategory: ['out-of-memory'], action: 'retry' },
      ],
    });
    const retryFirst = retryPolicy({
      attempts: 3,
      evaluateOnExit: [
        { onCategory: ['out-of-memory'], action: 'retry' },
        { onExitCode: '137', action: 'exit' },
      ],
    });

    expect(decideRetry(exitFirst, OOM, NOW)).toEqual({ willRetry: false, because: 'evaluateOnExit rule 1 (onExitCode 137) says exit' });
    expect(decideRetry(retryFirst, OOM, NOW)).toEqual({
      willRetry: true,
      nextAttempt: 2,
      retryAt: nowPlus(60),
      because: 'evaluateOnExit rule 1 (onCategory out-of-memory) says retry: attempt 2 of 3 in 60s',
    });
  });

  it('skips a rule of which one condition fails and names the rule that matched by its number', () => {
    const policy = retryPolicy({
      attempts: 3,
      otherwise: 'exit',
      evaluateOnExit: [
        { onCategory: ['out-of-memory'], onExitCode: '1', action: 'exit' },
        { onReason: 'OutOfMemoryError*', action: 'retry' },
      ],
    });

    expect(decideRetry(policy, OOM, NOW)).toEqual({
      willRetry: true,
      nextAttempt: 2,
      retryAt: nowPlus(60),
      because: 'evaluateOnExit rule 2 (onReason "OutOfMemoryError*") says retry: attempt 2 of 3 in 60s',
    });
  });

  it('describes a rule by every condition it has', () => {
    const policy = retryPolicy({
      attempts: 2,
      evaluateOnExit: [{ onCategory: ['app-error', 'out-of-memory'], onExitCode: '1*', onReason: 'Essential*', action: 'exit' }],
    });

    expect(decideRetry(policy, failed({ exitCodes: [12] }), NOW)).toEqual({
      willRetry: false,
      because: 'evaluateOnExit rule 1 (onCategory app-error/out-of-memory, onExitCode 1*, onReason "Essential*") says exit',
    });
  });

  it.each([
    [
      'retry',
      { willRetry: true, nextAttempt: 2, retryAt: nowPlus(60), because: 'no rule matched; otherwise: retry: attempt 2 of 3 in 60s' },
    ],
    ['exit', { willRetry: false, because: 'no rule matched; otherwise: exit' }],
  ] as const)('falls back to otherwise: %s when no rule matches', (otherwise, decision) => {
    const policy = retryPolicy({ attempts: 3, otherwise, evaluateOnExit: [{ onExitCode: '137', action: 'exit' }] });

    expect(decideRetry(policy, failed({ exitCodes: [2] }), NOW)).toEqual(decision);
  });

  it('replaces the default rules: with rules of its own, a user-stopped run retries unless a rule says otherwise', () => {
    const policy = retryPolicy({ attempts: 3, evaluateOnExit: [{ onExitCode: '137', action: 'exit' }] });

    expect(decideRetry(policy, failed({ category: 'user-stopped', exitCodes: [143] }), NOW)).toMatchObject({
      willRetry: true,
      because: 'no rule matched; otherwise: retry: attempt 2 of 3 in 60s',
    });
  });

  it('backs off from the attempt that failed: attempt 3 of 5 waits 2×backoff', () => {
    const policy = retryPolicy({
      attempts: 5,
      backoff: '2m',
      maxBackoff: '1h',
      evaluateOnExit: [{ onReason: '*Timeout*', action: 'retry' }],
    });

    expect(
      decideRetry(policy, failed({ attempt: 2, reasons: ['Essential container in task exited', 'DockerTimeoutError: x'] }), NOW),
    ).toEqual({
      willRetry: true,
      nextAttempt: 3,
      retryAt: nowPlus(240),
      because: 'evaluateOnExit rule 1 (onReason "*Timeout*") says retry: attempt 3 of 5 in 240s',
    });
  });

  it('caps the wait at maxBackoff', () => {
    const policy = retryPolicy({ attempts: 10, backoff: '1h', maxBackoff: '2h' });

    expect(decideRetry(policy, failed({ attempt: 3 }), NOW)).toEqual({
      willRetry: true,
      nextAttempt: 4,
      retryAt: '2026-11-22T04:41:50.000Z',
      because: 'no rule matched; otherwise: retry: attempt 4 of 10 in 7200s',
    });
  });
});

describe('ruleMatches', () => {
  it.each<[string, RetryRule, Partial<FailedAttempt>, boolean]>([
    ['a listed category', { onCategory: ['app-error', 'out-of-memory'], action: 'exit' }, { category: 'out-of-memory' }, true],
    ['an unlisted category', { onCategory: ['app-error'], action: 'exit' }, { category: 'out-of-memory' }, false],
    ['an exact exit code', { onExitCode: '137', action: 'exit' }, { exitCodes: [137] }, true],
    ['a longer exit code', { onExitCode: '137', action: 'exit' }, { exitCodes: [1370] }, false],
    ['a shorter exit code', { onExitCode: '137', action: 'exit' }, { exitCodes: [13] }, false],
    ['an exit code by prefix', { onExitCode: '1*', action: 'exit' }, { exitCodes: [137] }, true],
    ['the prefix itself', { onExitCode: '1*', action: 'exit' }, { exitCodes: [1] }, true],
    ['a code only containing the prefix', { onExitCode: '1*', action: 'exit' }, { exitCodes: [21] }, false],
    ['any of the deciding exit codes', { onExitCode: '137', action: 'exit' }, { exitCodes: [0, 137] }, true],
    ['"*" with an exit code', { onExitCode: '*', action: 'exit' }, { exitCodes: [0] }, true],
    ['"*" when no container has an exit code', { onExitCode: '*', action: 'exit' }, { exitCodes: [] }, false],
    ['the whole stop reason', { onReason: 'Essential container in task exited', action: 'exit' }, {}, true],
    ['a reason by prefix', { onReason: 'Essential*', action: 'exit' }, {}, true],
    ['a reason that only starts the text', { onReason: 'Essential container', action: 'exit' }, {}, false],
    [
      "a container's reason",
      { onReason: '*OutOfMemoryError*', action: 'exit' },
      { reasons: ['Essential container in task exited', 'OutOfMemoryError: Container killed due to memory usage'] },
      true,
    ],
    ['no reason at all', { onReason: '*', action: 'exit' }, { reasons: [] }, false],
    ['category and exit code both matching', { onCategory: ['app-error'], onExitCode: '1', action: 'exit' }, {}, true],
    ['category matching, exit code not', { onCategory: ['app-error'], onExitCode: '2', action: 'exit' }, {}, false],
    ['exit code matching, reason not', { onExitCode: '1', onReason: 'Task stopped by user', action: 'exit' }, {}, false],
  ])('%s: %s', (_what, rule, fields, matches) => {
    expect(ruleMatches(rule, failed(fields))).toBe(matches);
  });
});

describe('globToRegExp', () => {
  it.each([
    ['137', '137', true],
    ['137', 'x137', false],
    ['exit', 'exited', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['*', 'two\nlines', true],
    ['Host EC2 (instance *) stopped.', 'Host EC2 (instance i-0f1e2d3c4b5a69788) stopped.', true],
    ['Host EC2 (instance *) stopped.', 'Host EC2 (instance i-0f1e2d3c4b5a69788) stopped!', false],
    ['a.c', 'abc', false],
    ['1+1', '1+1', true],
    ['1+1', '11', false],
    ['why?', 'why?', true],
    ['why?', 'wh', false],
    ['[abc]', 'a', false],
    ['^$|\\', '^$|\\', true],
    ['*Error*Timeout*', 'DockerTimeoutError', false],
    ['*Timeout*Error*', 'DockerTimeoutError', true],
  ])('%j against %j: %s', (glob, text, matches) => {
    expect(globToRegExp(glob).test(text)).toBe(matches);
  });
});
