/**
 * Values validate used to accept that the runtime cannot hold (issue 12): every duration and count has a
 * sane maximum, said in the error, and no check loops on the value it checks.
 */
import { describe, expect, it } from 'vitest';
import { checkAutomation } from '../../shared/config/validate.ts';

const job = { schedule: 'rate(1 hour)', taskDefinition: 'sync', cluster: 'batch' };
const problemsOf = (config: unknown) => {
  const check = checkAutomation(config);
  return check.ok ? [] : check.problems.map((problem) => problem.text);
};

describe('validate refuses what the runtime cannot hold', () => {
  it.each([
    [
      'a maxRuntime of 9999999999d',
      { jobs: { sync: { ...job, maxRuntime: '9999999999d' } } },
      /^jobs\.sync\.maxRuntime: .*too long: at most/,
    ],
    [
      'a startingDeadline of 9999999999d',
      { jobs: { sync: { ...job, startingDeadline: '9999999999d' } } },
      /^jobs\.sync\.startingDeadline: .*too long/,
    ],
    [
      'a run history kept 106751991167d',
      { runHistory: { retention: '106751991167d' }, jobs: { sync: job } },
      /^runHistory\.retention: .*too long: at most/,
    ],
  ])('%s', (_, config, problem) => {
    expect(problemsOf(config)).toEqual([expect.stringMatching(problem)]);
  });

  it('refuses 1e12 launch attempts at once, without adding up their waits one by one', () => {
    const problems = problemsOf({ jobs: { sync: { ...job, launchRetry: { attempts: 1e12 } } } });

    expect(problems).toContainEqual(expect.stringMatching(/^jobs\.sync\.launchRetry\.attempts: .*10/));
  });

  it('still accepts the longest values it allows', () => {
    expect(
      problemsOf({ runHistory: { retention: '3650d' }, jobs: { sync: { ...job, maxRuntime: '365d', startingDeadline: '1d' } } }),
    ).toEqual([]);
  });
});
