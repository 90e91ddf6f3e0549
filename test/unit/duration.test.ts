import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../shared/config/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['10m', 600],
    ['2h', 7_200],
    ['1d', 86_400],
    ['1h30m', 5_400],
    ['1d2h3m4s', 93_784],
    ['0s', 0],
    [' 10m ', 600],
  ])('reads %j as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it('rejects text that is not a duration: empty, no unit, units out of order, upper case, signs, fractions, spaces', () => {
    for (const text of ['', '   ', '90', '1m1h', '1H', '-5s', '1.5h', 'h', '10 m', '2 hours']) {
      expect(parseDuration(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [5_400, '1h30m'],
    [90, '1m30s'],
    [7_200, '2h'],
    [86_400, '1d'],
    [90_061, '1d1h1m1s'],
    [59.6, '1m'],
  ])('writes %d seconds as %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('writes zero and negative durations as 0s', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
  });

  it('writes a duration that rounds to zero seconds as 0s, never as an empty string', () => {
    expect(formatDuration(0.4)).toBe('0s');
  });

  it('round-trips through parseDuration', () => {
    for (const seconds of [1, 59, 61, 3_599, 3_601, 86_399, 172_800 + 5]) {
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    }
  });
});
