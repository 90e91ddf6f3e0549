/** The one line a fault run ends with: the sums of every suite, and whatever did not run to its end. */
import { describe, expect, it } from 'vitest';
import { emptyTally, summaryLine } from './tally.ts';

const tally = (suite: string, counts: Partial<ReturnType<typeof emptyTally>>) => ({ ...emptyTally(suite), ...counts });

describe('the summary line', () => {
  it('adds up the suites', () => {
    const line = summaryLine(
      [
        tally('test/faults/a.test.ts', { scenarios: 5, crashPoints: 90, skipped: 30 }),
        tally('test/faults/b.test.ts', { scenarios: 1, crashPoints: 1, skipped: 1, duplicated: 1 }),
      ],
      [],
    );
    expect(line).toBe('faults: 91 crash points in 6 scenarios: 0 lost, 1 duplicated, 0 diverged (31 equivalent points skipped)');
  });

  it('names a sweep that did not finish and a suite that failed before counting, so neither vanishes', () => {
    const line = summaryLine(
      [tally('test/faults/a.test.ts', { scenarios: 1, crashPoints: 3, unfinished: ['the flush, fail'] })],
      ['test/faults/b.test.ts'],
    );
    expect(line).toBe(
      'faults: 3 crash points in 1 scenario: 0 lost, 0 duplicated, 0 diverged (0 equivalent points skipped); ' +
        'NOT RUN TO THE END: test/faults/a.test.ts: the flush, fail; test/faults/b.test.ts: failed before it counted anything',
    );
  });
});
