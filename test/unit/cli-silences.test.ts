/**
 * silence, silences, unsilence: what is wrong with the command line is said before any AWS call, and is
 * a usage error (exit 2). The commands against a table are shown in test/integration/silences.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { operatorName } from '../../cli/silences.ts';
import { runCliText as cli } from '../helpers/cli.ts';

// An endpoint nothing listens on: a command that got as far as AWS would fail with exit 1, not 2.
const NOWHERE = ['--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1'];

describe('silence on the command line', () => {
  it.each([
    [['silence', '--for', '2h'], /silence: name at least one matcher/],
    [['silence', 'cluster=prod'], /silence needs --for: how long it lasts, e\.g\. --for 2h/],
    [['silence', 'clustr=prod', '--for', '2h'], /silence: unknown label "clustr" .*did you mean "cluster"\?/],
    [['silence', 'category=~"crash(loop"', '--for', '2h'], /not a regular expression/],
    [['silence', '', '--for', '2h'], /a matcher is empty/],
    [['silence', 'cluster=prod', '--for', 'two hours'], /--for must be a duration such as 30m, 2h or 1h30m, got "two hours"/],
    [
      ['silence', 'cluster=prod', '--for', '31d'],
      /--for 31d is longer than 30d: for what recurs, add a mute window to notifications\.muteWindows/,
    ],
    [['unsilence'], /unsilence needs a silence id/],
    [['silences', '--table'], /argument missing|--table/],
  ])('%j is a usage error', async (argv, problem) => {
    const result = await cli(...argv, ...(argv.includes('--table') ? [] : NOWHERE));
    expect(result.err).toMatch(problem);
    expect(result.code).toBe(2);
  });

  it('takes no automation file and no bus', async () => {
    expect((await cli('silences', '--config', 'automation.yml')).err).toMatch(/unknown option --config for silences/);
    expect((await cli('unsilence', 'abc', '--bus', 'b')).err).toMatch(/unknown option --bus for unsilence/);
  });

  it('names who silenced by their login', () => {
    expect(operatorName({ USER: 'alice' })).toBe('alice');
    expect(operatorName({ USERNAME: 'bob' })).toBe('bob');
  });
});
