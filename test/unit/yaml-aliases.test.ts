import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateCommand } from '../../cli/validate.ts';
import { parseAutomationText } from '../../shared/config/load.ts';
import { YamlFileError } from '../../shared/config/yaml-problems.ts';
import { stackFromAutomationFile } from '../../shared/stack/from-file.ts';

/** 101 aliases of one anchor: one more than the yaml package expands. */
const TOO_MANY_ALIASES = `x: &x 1\njobs: [${Array.from({ length: 101 }, () => '*x').join(', ')}]\n`;

/** Aliases of aliases: nine lines that would expand into 9^9 values. */
const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array.from({ length: 9 }, () => `*${'abcdefghi'[i]}`).join(', ')}]`),
  'jobs: *i',
].join('\n');

function located(text: string): YamlFileError {
  try {
    parseAutomationText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(YamlFileError);
    return error as YamlFileError;
  }
  throw new Error('the text was accepted');
}

describe('automation.yml aliases the yaml package refuses', () => {
  it('reports more than 100 aliases as one located problem at the first alias, not a ReferenceError', () => {
    const error = located(TOO_MANY_ALIASES);

    expect(error.problems).toEqual([
      expect.stringMatching(/^automation\.yml:2:8 too many aliases \(the first is \*x\): expanded they would make more than 100 copies/),
    ]);
    expect(error.located[0]?.location).toEqual({ file: 'automation.yml', line: 2, column: 8 });
  });

  it('reports an alias bomb the same way, at once', () => {
    const started = performance.now();
    const error = located(ALIAS_BOMB);

    expect(error.problems).toEqual([expect.stringMatching(/^automation\.yml:2:8 too many aliases \(the first is \*a\)/)]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports an alias without its anchor where the alias is written, naming it', () => {
    const error = located('defaults:\n  cluster: batch\njobs: *a\n');

    expect(error.problems).toEqual([expect.stringMatching(/^automation\.yml:3:7 \*a names no anchor before it: /)]);
  });

  it('reports an alias whose anchor comes only after it', () => {
    const error = located('jobs:\n  nightly: *job\nlater: &job {}\n');

    expect(error.problems).toEqual([expect.stringMatching(/^automation\.yml:2:12 \*job names no anchor before it/)]);
  });

  it('cuts and quotes an alias name of 10 000 characters on its one line', () => {
    const name = 'n'.repeat(10_000);
    const [problem = ''] = located(`jobs: *${name}\n`).problems;

    expect(problem).toMatch(/^automation\.yml:1:7 \*"n{59} names no anchor before it/);
    expect(problem.length).toBeLessThan(300);
  });

  it('still expands a file that uses aliases within bounds', () => {
    const text = [
      'defaults:',
      '  cluster: &cluster batch',
      'jobs:',
      '  nightly:',
      '    schedule: cron(0 2 * * ? *)',
      '    taskDefinition: nightly-report',
      '    cluster: *cluster',
      '    network: {subnets: [subnet-0a1b2c3d]}',
    ].join('\n');

    expect(parseAutomationText(text).jobs.nightly?.cluster).toBe('batch');
  });
});

describe('alias problems where automation.yml is read from a file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yaml-aliases-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('serverless package (stackFromAutomationFile) reports them as located problems', () => {
    const file = write('many.yml', TOO_MANY_ALIASES);

    expect(() => stackFromAutomationFile(file, { service: 'ecs-autopilot', stage: 'test' }, 'many.yml')).toThrow(
      expect.objectContaining({ name: 'ConfigError', problems: [expect.stringMatching(/^many\.yml:2:8 too many aliases/)] }),
    );
    const unresolved = write('unresolved.yml', 'jobs: *a\n');
    expect(() => stackFromAutomationFile(unresolved, { service: 'ecs-autopilot', stage: 'test' }, 'unresolved.yml')).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^unresolved\.yml:1:7 \*a names no anchor/)] }),
    );
  });

  it('validate prints each as one problem line and exits 1; --json locates it', () => {
    const file = write('unresolved.yml', 'jobs: *a\n');
    const err: string[] = [];
    const out: string[] = [];

    const code = validateCommand(file, { out: (line) => out.push(line), err: (line) => err.push(line) }, false);
    validateCommand(file, { out: (line) => out.push(line), err: () => {} }, true);

    expect(code).toBe(1);
    expect(err).toEqual([expect.stringMatching(new RegExp(`^${file.replaceAll('.', '\\.')}:1:7 \\*a names no anchor before it`))]);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ valid: false, locations: [{ file, line: 1, column: 7 }] });
  });
});
