import { describe, expect, it } from 'vitest';
import { backoffSeconds } from '../../shared/backoff.ts';

describe('backoffSeconds', () => {
  const tenSecondsToFiveMinutes = { initialSeconds: 10, maxSeconds: 300 };

  it.each([
    [0, 0],
    [1, 10],
    [2, 20],
    [3, 40],
    [5, 160],
    [6, 300],
    [2_000, 300],
  ])('step %i waits %is (10s doubling to 5m)', (step, seconds) => {
    expect(backoffSeconds(tenSecondsToFiveMinutes, step)).toBe(seconds);
  });

  it('waits the cap from the first step when the first wait is longer', () => {
    expect([1, 2, 3].map((step) => backoffSeconds({ initialSeconds: 600, maxSeconds: 300 }, step))).toEqual([300, 300, 300]);
  });
});
