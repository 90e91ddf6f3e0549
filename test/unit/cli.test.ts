import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../cli/validate.ts';
import { automationJsonSchema, JSON_SCHEMA_FILE } from '../../shared/config/json-schema.ts';
import { runCli as run } from '../helpers/cli.ts';

function configFile(text: string): string {
  const file = join(tmpdir(), `automation-${process.pid}-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text);
  return file;
}

describe('ecs-autopilot validate', () => {
  it('accepts the committed example automation.yml', async () => {
    const { code, out } = await run('validate', '--config', 'automation.yml');

    expect(code).toBe(0);
    expect(out[0]).toMatch(/^automation.yml is valid: 7 jobs/);
  });

  it('exits 1 and prints every problem on its own line with where it is written and its path', async () => {
    const file = configFile(`
jobs:
  nightly-report:
    schedule: cron(0 2 * * *)
    timezone: Asia/Tokio
    taskDefinition: report
    cluster: batch
    concurency: forbid
`);
    const { code, err } = await run('validate', '--config', file);

    expect(code).toBe(1);
    expect(err).toEqual([
      `${file}:4:15 jobs.nightly-report.schedule: cron(0 2 * * *): EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), found 5`,
      `${file}:5:15 jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`,
      `${file}:8:5 jobs.nightly-report.concurency: unknown key (did you mean "concurrency"?)`,
    ]);
  });

  it('reports a missing file, and a YAML syntax error as one problem with its place and code frame, with exit 1', async () => {
    expect((await run('validate', '--config', '/nonexistent/automation.yml')).err[0]).toMatch(/^cannot read \/nonexistent\/automation.yml/);
    const file = configFile('jobs:\n  a: [unclosed\n  b: {}\n');
    const broken = await run('validate', '--config', file);

    expect(broken.code).toBe(1);
    expect(broken.err).toEqual([
      [
        `${file}:3:3 Flow sequence in block collection must be sufficiently indented and end with a ]`,
        '      a: [unclosed',
        '      b: {}',
        '      ^',
      ].join('\n'),
    ]);
  });

  it('also reports names the stack could not be built with (a job named like a scaling schedule)', async () => {
    const file = configFile(`
jobs:
  scale-api-0: { schedule: "rate(1 hour)", taskDefinition: a, cluster: batch }
services:
  api:
    cluster: batch
    scaling: { periods: { night: { days: MON-SUN, from: "22:00", to: "06:00", stop: true } } }
`);
    const { code, err } = await run('validate', '--config', file);

    expect(code).toBe(1);
    expect(err).toEqual([`${file}:3:3 jobs.scale-api-0: the name is taken by a scaling schedule of services.api; rename the job`]);
  });

  it('prints one JSON object with --json: the problems as they always were, and where each is written', async () => {
    const file = configFile('jobs: { a: { schedule: "rate(5 minutes)", taskDefinition: a } }');
    const { out } = await run('validate', '--config', file, '--json');

    expect(JSON.parse(out.join('\n'))).toEqual({
      valid: false,
      file,
      problems: ['jobs.a.cluster: missing: set it on the job or in defaults.cluster'],
      // A missing key: the mapping that lacks it, at the key that names it.
      locations: [{ file, line: 1, column: 9 }],
    });
  });

  it('gives no location to a problem that has no place in the file', async () => {
    const { out } = await run('validate', '--config', '/nonexistent/automation.yml', '--json');

    expect(JSON.parse(out.join('\n'))).toMatchObject({ valid: false, locations: [null] });
  });

  describe('daylight saving in the next 12 months', () => {
    const file = configFile(`
defaults: { cluster: batch, timezone: Europe/Berlin }
jobs:
  nightly-report: { schedule: cron(0 2 * * ? *), taskDefinition: report }
  hourly: { schedule: rate(1 hour), taskDefinition: hourly }
`);
    const now = new Date('2026-12-05T12:00:00Z');

    it('warns on stderr of a firing that does not exist, notes the one that occurs twice, and exits 0', () => {
      const out: string[] = [];
      const err: string[] = [];

      const code = validateCommand(file, { out: (line) => out.push(line), err: (line) => err.push(line) }, false, now);

      expect(code).toBe(0);
      expect(out).toEqual([`${file} is valid: 2 jobs (nightly-report, hourly)`]);
      expect(err).toEqual([
        'warning: jobs.nightly-report: 02:00 Europe/Berlin does not exist on 2027-03-28: Scheduler skips that firing',
        'note: jobs.nightly-report: 02:00 Europe/Berlin occurs twice on 2027-10-31: Scheduler fires once, the first time (02:00 CEST)',
      ]);
    });

    it('gives them in --json as warnings and notes', () => {
      const out: string[] = [];

      validateCommand(file, { out: (line) => out.push(line), err: () => {} }, true, now);

      expect(JSON.parse(out.join('\n'))).toMatchObject({
        valid: true,
        warnings: ['jobs.nightly-report: 02:00 Europe/Berlin does not exist on 2027-03-28: Scheduler skips that firing'],
        notes: [expect.stringMatching(/^jobs\.nightly-report: 02:00 Europe\/Berlin occurs twice on 2027-10-31/)],
      });
    });

    it('looks 12 months ahead: on 2026-03-27 it sees the changes of 2026, not the spring of 2027', () => {
      const err: string[] = [];

      validateCommand(file, { out: () => {}, err: (line) => err.push(line) }, false, new Date('2026-03-27T00:00:00Z'));

      expect(err).toEqual([
        expect.stringMatching(/^warning: jobs\.nightly-report: 02:00 Europe\/Berlin does not exist on 2026-03-29/),
        expect.stringMatching(/^note: jobs\.nightly-report: 02:00 Europe\/Berlin occurs twice on 2026-10-25/),
      ]);
    });
  });
});

describe('ecs-autopilot plan', () => {
  const config = configFile(`
defaults: { cluster: batch, network: { subnets: [subnet-0abc] } }
jobs:
  nightly:
    schedule: cron(0 2 * * ? *)
    timezone: Europe/Berlin
    taskDefinition: report:3
    launchType: FARGATE
  paused:
    schedule: rate(1 hour)
    taskDefinition: x
    suspended: true
`);

  it('lists each firing in UTC and in the job time zone as JSON, firing once on the fall-back night', async () => {
    const { code, out, err } = await run('plan', '--config', config, '--from', '2026-10-24T00:00:00Z', '--hours', '72', '--json');

    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([
      expect.objectContaining({ at: '2026-10-24T00:00:00.000Z', local: '2026-10-24 02:00 CEST', kind: 'job', name: 'nightly' }),
      // 02:00 happens twice on 2026-10-25 in Berlin; Scheduler fires at the first one only.
      expect.objectContaining({ at: '2026-10-25T00:00:00.000Z', local: '2026-10-25 02:00 CEST', kind: 'job', name: 'nightly' }),
      expect.objectContaining({ at: '2026-10-26T01:00:00.000Z', local: '2026-10-26 02:00 CET', kind: 'job', name: 'nightly' }),
    ]);
    // stdout stays the array; what daylight saving does goes to stderr.
    expect(err).toEqual([
      'note: jobs.nightly: 02:00 Europe/Berlin occurs twice on 2026-10-25: Scheduler fires once, the first time (02:00 CEST)',
    ]);
  });

  it('warns of a firing the spring-forward day skips, within the window only', async () => {
    const spring = await run('plan', '--config', config, '--from', '2027-03-27T12:00:00Z', '--hours', '24');
    const before = await run('plan', '--config', config, '--from', '2027-03-26T12:00:00Z', '--hours', '24');

    expect(spring.code).toBe(0);
    expect(spring.out[0]).toBe('0 firings from 2027-03-27T12:00:00.000Z for 24h');
    expect(spring.err).toEqual(['warning: jobs.nightly: 02:00 Europe/Berlin does not exist on 2027-03-28: Scheduler skips that firing']);
    expect(before.err).toEqual([]);
  });

  it('prints a table for people and names the suspended jobs', async () => {
    const { out } = await run('plan', '--config', config, '--from', '2026-11-22T00:00:00Z', '--hours', '24');

    expect(out[0]).toBe('1 firing from 2026-11-22T00:00:00.000Z for 24h');
    expect(out[2]).toMatch(
      /^2026-11-22 02:00 CET {2}2026-11-22T01:00:00.000Z {2}job {3}nightly {2}report:3 ×1 on FARGATE in cluster batch/,
    );
    expect(out.at(-1)).toBe('suspended (no firings): paused');
  });

  it('rejects a bad --from or --hours with exit 2', async () => {
    expect((await run('plan', '--config', config, '--from', 'tomorrow')).code).toBe(2);
    expect((await run('plan', '--config', config, '--hours', '-3')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
  });
});

describe('automation.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (run `npm run schema` after changing it)', () => {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).toBe(automationJsonSchema());
  });

  it('is referenced from automation.yml for editor autocompletion', () => {
    expect(readFileSync('automation.yml', 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./automation.schema.json');
  });
});

describe('ecs-autopilot sandbox', () => {
  it('prints the problems of a bad scenario and exits 1, before starting anything', async () => {
    const scenario = configFile('injections:\n  - kind: no-such-kind\n');
    const { code, err } = await run('sandbox', '--scenario', scenario);

    expect(code).toBe(1);
    expect(err.join('\n')).toContain('injections.0.kind: kind must be one of task-exits');
  });
});
