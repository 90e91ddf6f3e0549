import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { table } from '../../cli/output.ts';
import { runCliText as run } from '../helpers/cli.ts';

const COMMANDS = ['validate', 'plan', 'runs', 'explain', 'resume', 'deploy', 'status', 'promote', 'abort', 'sandbox', 'schema'];

describe('ecs-autopilot usage', () => {
  it('lists every command without options, and exits 2 (wrong usage) when no command is given', async () => {
    const { code, out } = await run();
    expect(code).toBe(2);
    for (const command of COMMANDS) expect(out).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect((await run('--help')).code).toBe(0);
  });

  it('shows a command its own options only', async () => {
    const plan = await run('plan', '--help');
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/^Usage: ecs-autopilot plan /);
    const options = [...plan.out.matchAll(/^ {2}(?:-h, )?--([a-z-]+)/gm)].map((m) => m[1]);
    expect(options).toEqual(['config', 'stage', 'from', 'hours', 'json', 'help']);

    const schema = await run('schema', '-h');
    expect([...schema.out.matchAll(/^ {2}(?:-h, )?--([a-z-]+)/gm)].map((m) => m[1])).toEqual(['write', 'help']);
    const deploy = await run('deploy', '--help');
    expect(deploy.out).toMatch(/--task-definition ARN/);
    expect(deploy.out).toMatch(/--image CONTAINER=IMAGE/);
    expect(deploy.out).not.toMatch(/--scenario/);
  });

  it('has help for every command', async () => {
    for (const command of COMMANDS) {
      const { code, out } = await run(command, '--help');
      expect(code, command).toBe(0);
      expect(out, command).toMatch(new RegExp(`^Usage: ecs-autopilot ${command}\\b`));
    }
  });

  it('refuses an option the command does not take, naming the command and where to look', async () => {
    expect(await run('validate', '--hours', '3')).toMatchObject({
      code: 2,
      err: 'unknown option --hours for validate; see ecs-autopilot validate --help',
    });
    expect(await run('plan', '--frm', '2026-12-07')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^unknown option --frm for plan/),
    });
    expect(await run('--bogus')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^unknown option --bogus; see ecs-autopilot --help/),
    });
    expect(await run('plan', '--hours')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--hours.*argument missing|argument missing/i),
    });
  });

  it('names the commands for an unknown one', async () => {
    expect(await run('trigger', 'nightly')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^unknown command "trigger"; the commands are: validate, plan/),
    });
  });

  it('prints its version and the Node.js it runs on', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    expect(out).toMatch(/^ecs-autopilot \d+\.\d+\.\d+ \(Node\.js \d+\.\d+\.\d+\)$/);
  });

  it('finds the command after options that take a value', async () => {
    const { code, out } = await run('--config', 'automation.yml', 'validate');
    expect(code).toBe(0);
    expect(out).toMatch(/^automation.yml is valid/);
  });
});

describe('plan --from and --hours', () => {
  const file = join(tmpdir(), `automation-usage-${process.pid}.yml`);
  writeFileSync(
    file,
    'defaults: { cluster: batch, timezone: America/New_York }\njobs:\n  daily: { schedule: cron(0 9 * * ? *), taskDefinition: report }\n',
  );

  it('reads a date without an offset in defaults.timezone, not the machine', async () => {
    const { code, out } = await run('plan', '--config', file, '--from', '2026-12-07', '--hours', '24', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([expect.objectContaining({ name: 'daily', at: '2026-12-07T14:00:00.000Z' })]);
    const text = await run('plan', '--config', file, '--from', '2026-12-07', '--hours', '1');
    expect(text.out).toMatch(/from 2026-12-07T05:00:00.000Z for 1h/);
  });

  it('is a usage error for a --from or --hours that is not one', async () => {
    expect(await run('plan', '--config', file, '--from', '1')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^--from: "1" is not an ISO 8601/),
    });
    expect(await run('plan', '--config', file, '--hours', 'x')).toMatchObject({
      code: 2,
      err: '--hours must be a positive number, got "x"',
    });
    expect(await run('plan', '--config', file, '--hours', '-5')).toMatchObject({ code: 2 });
  });

  it('prints a long window without running out of stack', async () => {
    const { code, out } = await run('plan', '--config', file, '--from', '2026-12-07', '--hours', '100000');
    expect(code).toBe(0);
    expect(out.split('\n').length).toBeGreaterThan(4_000);
  });
});

describe('table', () => {
  it('aligns any number of rows (more than a call can take as arguments)', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [String(i), 'x']);
    const lines = table(rows, ['N', 'WHAT']);
    expect(lines).toHaveLength(300_001);
    expect(lines[0]).toBe('N       WHAT');
    expect(lines[300_000]).toBe('299999  x');
  });
});
