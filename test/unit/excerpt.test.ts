import { describe, expect, it } from 'vitest';
import { excerptOf } from '../../shared/errors.ts';

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}

describe('excerptOf: the input quoted in a BadEventError', () => {
  it('is the JSON of the input, cut to the length asked for, on one line', () => {
    expect(excerptOf({ job: 'nightly-report' })).toBe('{"job":"nightly-report"}');
    expect(excerptOf('x'.repeat(1_000), 100)).toBe(`"${'x'.repeat(99)}`);
    expect(excerptOf('a\nb')).toBe('"a\\nb"');
    expect(excerptOf(undefined)).toBe('undefined');
  });

  it('says what the input is when JSON cannot show it, instead of throwing', () => {
    expect(excerptOf(nested(20_000))).toMatch(/^\(an object that cannot be shown as JSON: Maximum call stack size exceeded\)$/);
    expect(excerptOf([nested(20_000)])).toMatch(/^\(a list that cannot be shown as JSON: /);
    expect(excerptOf(10n)).toMatch(/^\(a bigint that cannot be shown as JSON: /);
  });
});
