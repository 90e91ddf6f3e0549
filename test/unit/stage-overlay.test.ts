import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateCommand } from '../../cli/validate.ts';
import { readAutomationFile } from '../../shared/config/load.ts';
import { overlayFileOf, overlayStagesIn, withOverlay, writtenByOverlay } from '../../shared/config/stage-overlay.ts';
import { ConfigError } from '../../shared/errors.ts';
import { deployedAutomationJson } from '../../shared/stack/deployed-file.ts';
import { stackFromAutomationFile } from '../../shared/stack/from-file.ts';

const BASE = `defaults:
  cluster: batch-dev
  timezone: Europe/Berlin
jobs:
  nightly-report:
    schedule: cron(0 2 * * ? *)
    taskDefinition: nightly-report
  dev-only-seed:
    schedule: rate(1 day)
    taskDefinition: seed
notifications:
  email: [dev-team@example.com]
`;

const PROD = `defaults:
  cluster: batch-prod
jobs:
  nightly-report:
    taskDefinition: nightly-report:7
  dev-only-seed: null
notifications:
  email: [oncall@example.com, ops@example.com]
`;

describe('laying a stage overlay over the automation file', () => {
  it('merges mappings key by key, replaces values and lists, and removes what is null', () => {
    const base = { a: { b: 1, c: [1, 2], d: { e: 'x' } }, f: 'keep', g: 'drop' };
    const overlay = { a: { c: [3], d: { h: true } }, g: null, i: 'new' };

    expect(withOverlay(base, overlay)).toEqual({ a: { b: 1, c: [3], d: { e: 'x', h: true } }, f: 'keep', i: 'new' });
    expect(base).toEqual({ a: { b: 1, c: [1, 2], d: { e: 'x' } }, f: 'keep', g: 'drop' });
  });

  it('replaces a mapping with a value, and a value with a mapping', () => {
    expect(withOverlay({ a: { b: 1 } }, { a: 'plain' })).toEqual({ a: 'plain' });
    expect(withOverlay({ a: 'plain' }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });

  it('says which file wrote a path: the overlay where it holds it or replaced a part of it on the way', () => {
    const base = { defaults: { cluster: 'b' }, jobs: { x: { schedule: 's', subnets: ['a'] }, y: { schedule: 's' } } };
    const overlay = { jobs: { x: { cluster: 'c', subnets: ['s'] }, y: null, z: { schedule: 's' } } };

    expect(writtenByOverlay(base, overlay, ['jobs', 'x', 'cluster'])).toBe(true);
    expect(writtenByOverlay(base, overlay, ['jobs', 'x', 'subnets', 0])).toBe(true);
    expect(writtenByOverlay(base, overlay, ['jobs', 'y', 'schedule'])).toBe(true);
    // A job only the overlay has: its missing keys are the overlay's too.
    expect(writtenByOverlay(base, overlay, ['jobs', 'z', 'taskDefinition'])).toBe(true);
    expect(writtenByOverlay(base, overlay, ['jobs', 'x', 'schedule'])).toBe(false);
    expect(writtenByOverlay(base, overlay, ['jobs', 'x', 'taskDefinition'])).toBe(false);
    expect(writtenByOverlay(base, overlay, ['defaults'])).toBe(false);
  });

  it('finds the overlay of a stage beside the file, and the stages that have one', () => {
    expect(overlayFileOf('deploy/automation.yml', 'prod')).toBe(path.join('deploy', 'automation.prod.yml'));
    expect(overlayFileOf('automation.yaml', 'staging')).toBe('automation.staging.yaml');
    expect(
      overlayStagesIn('automation.yml', [
        'automation.yml',
        'automation.prod.yml',
        'automation.dev.yml',
        'other.prod.yml',
        'automation.bad_name.yml',
      ]),
    ).toEqual(['dev', 'prod']);
  });
});

describe('a stage read from its files', () => {
  let dir: string;
  let file: string;
  const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stages-'));
    file = path.join(dir, 'automation.yml');
    write('automation.yml', BASE);
    write('automation.prod.yml', PROD);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the file alone for a stage without an overlay', () => {
    const { automation, source } = readAutomationFile(file, 'staging');

    expect(source).toBe(file);
    expect(Object.keys(automation.jobs)).toEqual(['nightly-report', 'dev-only-seed']);
    expect(automation.jobs['nightly-report']?.cluster).toBe('batch-dev');
  });

  it('is the file with the overlay laid over it for a stage that has one', () => {
    const { automation, source } = readAutomationFile(file, 'prod');

    expect(source).toBe(`${file} + ${path.join(dir, 'automation.prod.yml')}`);
    expect(Object.keys(automation.jobs)).toEqual(['nightly-report']);
    expect(automation.jobs['nightly-report']).toMatchObject({ cluster: 'batch-prod', schedule: 'cron(0 2 * * ? *)' });
    expect(automation.jobs['nightly-report']?.taskDefinition).toBe('nightly-report:7');
    expect(automation.notifications.email).toEqual(['oncall@example.com', 'ops@example.com']);
    expect(automation.timezone).toBe('Europe/Berlin');
  });

  it('locates a problem the overlay wrote in the overlay, and one of the base in the base', () => {
    write('automation.prod.yml', `${PROD}  timezone: Europe/Berlinn\n`.replace('defaults:\n  cluster: batch-prod\n', '').replace(/$/, ''));
    write('automation.prod.yml', 'defaults:\n  cluster: batch-prod\n  timezone: Europe/Berlinn\njobs:\n  dev-only-seed: null\n');
    expect(lines(() => readAutomationFile(file, 'prod'))).toEqual([
      `${path.join(dir, 'automation.prod.yml')}:3:13 defaults.timezone: unknown time zone "Europe/Berlinn"`,
    ]);

    write('automation.yml', BASE.replace('taskDefinition: seed', 'taskDefinition: seed\n    count: 0'));
    write('automation.prod.yml', 'defaults:\n  cluster: batch-prod\n');
    expect(lines(() => readAutomationFile(file, 'prod'))).toEqual([
      expect.stringMatching(/automation\.yml:11:\d+ jobs\.dev-only-seed\.count: /),
    ]);
  });

  it('refuses a stage name serverless would not take', () => {
    expect(lines(() => readAutomationFile(file, 'prod/../x'))).toEqual([
      expect.stringMatching(/^stage "prod\/\.\.\/x": a stage is 1 to 32 letters/),
    ]);
  });

  it('is what serverless package builds the stack from and ships to the functions', () => {
    const names = { service: 'ecs-autopilot', stage: 'prod' };
    const stack = stackFromAutomationFile(file, names, 'automation.yml');
    const schedules = Object.values(stack.Resources).filter((resource) => resource.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.map((s) => (s.Properties as { Name: string }).Name)).toContain('nightly-report');
    expect(schedules.map((s) => (s.Properties as { Name: string }).Name)).not.toContain('dev-only-seed');

    const shipped = JSON.parse(deployedAutomationJson(file, 'prod'));
    expect(shipped.source).toBe('automation.yml + automation.prod.yml');
    expect(shipped.automation.jobs['nightly-report'].cluster).toBe('batch-prod');
    expect(JSON.parse(deployedAutomationJson(file)).source).toBe('automation.yml');
  });

  it('names the overlay a problem only the stack finds is written in, as serverless package prints it', () => {
    write('automation.prod.yml', `jobs:\n  nightly-report:\n    schedule: rate($\{opt:minutes} minutes)\n`.replace('\\', ''));
    const problems = lines(() => stackFromAutomationFile(file, { service: 'ecs-autopilot', stage: 'prod' }, 'automation.yml'));
    expect(problems).toContainEqual(expect.stringMatching(/^automation\.prod\.yml:3:15 jobs\.nightly-report\.schedule: .*contains "\$\{"/));
    expect(problems.every((line) => line.startsWith('automation.prod.yml:3:15 '))).toBe(true);
  });

  describe('validate', () => {
    const run = (json = false) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = validateCommand(
        file,
        { out: (line) => out.push(line), err: (line) => err.push(line) },
        json,
        new Date('2026-12-01T00:00:00Z'),
      );
      return { code, out, err };
    };

    it('checks the file alone, then with each overlay beside it', () => {
      write('automation.staging.yml', 'defaults:\n  cluster: batch-staging\n');
      const { code, out } = run();

      expect(code).toBe(0);
      expect(out).toEqual([
        `${file} is valid: 2 jobs (nightly-report, dev-only-seed)`,
        `${file} + ${path.join(dir, 'automation.prod.yml')} (stage prod) is valid: 1 job (nightly-report)`,
        `${file} + ${path.join(dir, 'automation.staging.yml')} (stage staging) is valid: 2 jobs (nightly-report, dev-only-seed)`,
      ]);
    });

    it('fails when one stage is not valid, naming the stage and where its problem is written', () => {
      write(
        'automation.prod.yml',
        `${PROD}  extra:\n    schedule: rate(1 day)\n`.replace('notifications:\n  email: [oncall@example.com, ops@example.com]\n', '') +
          'notifications:\n  email: [not-an-address]\n',
      );
      const { code, err } = run();

      expect(code).toBe(1);
      const at = err.indexOf(`${file} + ${path.join(dir, 'automation.prod.yml')} (stage prod) is not valid:`);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(err.slice(at + 1)).toEqual([
        expect.stringMatching(/automation\.prod\.yml:\d+:\d+ jobs\.extra\.taskDefinition: /),
        expect.stringMatching(/automation\.prod\.yml:\d+:\d+ notifications\.email\.0: /),
      ]);

      const json = JSON.parse(run(true).out[0] ?? '{}');
      expect(json).toMatchObject({ valid: false, file, jobs: ['nightly-report', 'dev-only-seed'] });
      expect(json.stages).toEqual([
        expect.objectContaining({ stage: 'prod', valid: false, files: `${file} + ${path.join(dir, 'automation.prod.yml')}` }),
      ]);
      expect(json.stages[0].problems.length).toBeGreaterThan(0);
    });
  });
});

function lines(act: () => unknown): string[] {
  try {
    act();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
