/**
 * Finding moto, and the emulators the sandbox is pointed at: which Python runs the bridge, what the
 * sandbox says when there is no moto, and what it does with a plain moto_server (without the bridge)
 * or an endpoint where nothing listens — through the CLI, as a user meets them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorMissingError, findMotoPython, interpreterOfScript, probeEmulator } from '../../sandbox/emulator.ts';
import type { SandboxReport } from '../../sandbox/timeline.ts';
import { runCliText as cli } from '../helpers/cli.ts';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../automation.yml', import.meta.url));
const DEMO = fileURLToPath(new URL('../../sandbox/scenarios/demo.yml', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A directory holding one executable script: what PATH holds when only a moto_server is installed (pipx). */
function scriptDir(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'moto-path-'));
  writeFileSync(join(dir, name), text);
  chmodSync(join(dir, name), 0o755);
  return dir;
}

describe('the Python the bridge runs under', () => {
  const python = findMotoPython();
  /** The interpreter itself, not a shim: what pipx writes into moto_server's first line. */
  const executable = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
  /** A PATH on which neither moto_server nor any Python is found. */
  const emptyDir = () => mkdtempSync(join(tmpdir(), 'no-moto-'));
  const missing = (env: NodeJS.ProcessEnv): string => {
    try {
      findMotoPython(env);
    } catch (error) {
      expect(error).toBeInstanceOf(EmulatorMissingError);
      return (error as Error).message;
    }
    throw new Error('a Python with moto was found');
  };

  it('reads it from the first lines of a console script, as pip and pipx write them', () => {
    expect(interpreterOfScript('#!/home/u/.local/pipx/venvs/moto/bin/python\nimport re\n')).toBe(
      '/home/u/.local/pipx/venvs/moto/bin/python',
    );
    expect(interpreterOfScript('#!/usr/bin/env python3\n')).toBe('python3');
    expect(interpreterOfScript('#!/usr/bin/env -S python3.12 -u\n')).toBe('python3.12');
    expect(interpreterOfScript(`#!/bin/sh\n'''exec' "/opt/my tools/venv/bin/python3" "$0" "$@"\n' '''\n`)).toBe(
      '/opt/my tools/venv/bin/python3',
    );
    expect(interpreterOfScript('#!/usr/bin/env bash\nexec pyenv exec moto_server "$@"\n')).toBeUndefined();
    expect(interpreterOfScript('import re\n')).toBeUndefined();
  });

  it('is the one the moto_server on PATH runs under, when no python3 on PATH has moto', () => {
    const dir = scriptDir('moto_server', `#!${executable}\nfrom moto.server import main\nmain()\n`);

    expect(findMotoPython({ PATH: dir })).toBe(executable);
  });

  it('is MOTO_PYTHON when it is set, and says so when that Python has no moto', () => {
    expect(findMotoPython({ PATH: emptyDir(), MOTO_PYTHON: executable })).toBe(executable);
    const message = missing({ PATH: process.env.PATH, MOTO_PYTHON: '/nonexistent/python3' });

    expect(message).toMatch(/^MOTO_PYTHON is \/nonexistent\/python3, which cannot import moto with its server/);
    expect(message).toContain('/nonexistent/python3 -m pip install "moto[server]"');
  });

  it('says which Pythons it tried when the moto_server on PATH names one that is gone', () => {
    const dir = scriptDir('moto_server', '#!/nonexistent/venv/bin/python\nfrom moto.server import main\n');
    const message = missing({ PATH: dir });

    expect(message).toContain(`moto_server is on PATH (${join(dir, 'moto_server')}), but none of the Pythons tried imports moto`);
    expect(message).toContain('/nonexistent/venv/bin/python, python3, python');
    expect(message).toContain('MOTO_PYTHON=/path/to/python npm start');
  });

  it('says what to install, how to name a Python, and how to point at a running emulator when there is no moto', () => {
    const message = missing({ PATH: emptyDir() });

    expect(message.split('\n')).toEqual([
      'moto is not installed: the sandbox and the integration tests need moto_server.',
      '  Install it with:  pip install "moto[server]"   (or pipx install "moto[server]")',
      '  If moto is installed for a Python that is not python3 on PATH, name it:  MOTO_PYTHON=/path/to/python npm start',
      '  Or point at an emulator that is already running:  npm start -- --endpoint http://127.0.0.1:4566',
    ]);
  });

  it('tells the CLI user the same, on stderr, with exit 1 and no stack trace', () => {
    const bin = fileURLToPath(new URL('../../bin/ecs-autopilot.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [bin, 'sandbox', '--config', EXAMPLE_CONFIG], {
      encoding: 'utf8',
      env: { PATH: emptyDir(), HOME: process.env.HOME },
    });

    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^moto is not installed/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a plain moto_server (without the bridge) given with --endpoint', () => {
  let moto: ChildProcess;
  let endpoint: string;

  beforeAll(async () => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    // The Python itself, not a moto_server shim: its process is the server, and stopping it stops moto.
    moto = spawn(findMotoPython(), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    for (;;) {
      if (moto.exitCode !== null) throw new Error(`moto_server exited with ${moto.exitCode}`);
      if (
        await fetch(endpoint).then(
          (response) => response.ok,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(() => {
    moto?.kill('SIGTERM');
  });

  it('is told apart from moto with the bridge', async () => {
    expect(await probeEmulator(endpoint)).toBe('moto');
  });

  it('is refused at once, with the reason, for the demo scenario: its injections need the bridge', async () => {
    const { code, out, err } = await cli('sandbox', '--config', EXAMPLE_CONFIG, '--scenario', DEMO, '--endpoint', endpoint);

    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`injections.0 (capacity-outage) needs the moto ECS bridge, which the emulator at ${endpoint} does not have`);
    expect(err).not.toMatch(/JSON|seeded|simulating/);
  });

  it('is refused at once, with the reasons, for an automation file that needs what only the bridge adds', async () => {
    const { code, out, err } = await cli('sandbox', '--config', EXAMPLE_CONFIG, '--endpoint', endpoint);

    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([
      `${endpoint} is moto without ecs-autopilot's ECS bridge, which cannot run what ${EXAMPLE_CONFIG} needs:`,
      expect.stringMatching(
        /^ {2}the jobs nightly-report, inventory-import, business-hours-cache, month-end-invoices launch on capacity providers or EC2: /,
      ),
      expect.stringMatching(/^ {2}the services web, staging-api scale on schedules: moto without the bridge never completes/),
      '  Leave out --endpoint: the sandbox then starts moto with the bridge itself.',
      expect.stringMatching(
        /^ {2}Or keep an emulator running with the bridge: {2}python3 sandbox\/moto_ecs_bridge\.py -H 127\.0\.0\.1 -p 5000/,
      ),
    ]);
  });

  describe('runs what it can: jobs on FARGATE, a service without scaling', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plain-moto-'));
    const config = join(dir, 'automation.yml');
    const newYork = join(dir, 'new-york.yml');
    writeFileSync(
      config,
      [
        'defaults:',
        '  cluster: plain-it',
        '  timezone: Europe/Berlin',
        '  launchType: FARGATE',
        '  network: { subnets: [subnet-0a1b2c3d4e5f60001], securityGroups: [sg-0a1b2c3d4e5f60001] }',
        'jobs:',
        '  report: { schedule: cron(0 2 * * ? *), taskDefinition: report, maxRuntime: 1h }',
        'services:',
        '  web: { cluster: web-prod }',
      ].join('\n'),
    );
    writeFileSync(newYork, 'timezone: America/New_York\n');

    it('launches, times out and alerts as on the bridge, with notes on what the emulator lacks', async () => {
      const { code, out } = await cli(
        'sandbox',
        '--config',
        config,
        '--endpoint',
        endpoint,
        '--from',
        '2026-12-07',
        '--hours',
        '6',
        '--json',
      );

      expect(code).toBe(0);
      const report = JSON.parse(out) as SandboxReport;
      expect(report.emulator).toEqual({ endpoint, bridged: false });
      expect(report.timeline.filter((entry) => entry.what === 'delivery-error')).toEqual([]);
      expect(report.timeline.map((entry) => [entry.local, entry.subject, entry.label])).toEqual([
        ['2026-12-07 02:00 CET', 'report', 'launched'],
        ['2026-12-07 03:00 CET', 'report', 'timed-out'],
        // A job's failure alert resolves on its next success, not after a quiet half hour (issue 13): none in the window.
        ['2026-12-07 03:00 CET', 'report', 'alert sent'],
      ]);
      expect(report.notes.join('\n')).toContain(`${endpoint} has no ECS bridge`);
    });

    it("reads --from without an offset in the scenario's zone, else the first job's", async () => {
      const window = async (...extra: string[]) => {
        const { code, out } = await cli('sandbox', '--config', config, '--endpoint', endpoint, '--hours', '1', '--json', ...extra);
        expect(code).toBe(0);
        return (JSON.parse(out) as SandboxReport).window;
      };

      expect(await window('--from', '2026-12-07T08:00', '--scenario', newYork)).toMatchObject({
        from: '2026-12-07T13:00:00.000Z',
        chosenBy: 'from',
      });
      expect(await window('--from', '2026-12-07', '--scenario', newYork)).toMatchObject({ from: '2026-12-07T05:00:00.000Z' });
      expect(await window('--from', '2026-12-07')).toMatchObject({
        from: '2026-12-06T23:00:00.000Z',
        localFrom: '2026-12-07 00:00 CET',
        localFromWeekday: 'Monday',
      });
    });
  });
});

describe('the sandbox CLI refuses before anything starts', () => {
  it('a --from that is not ISO 8601: a usage error, exit 2, one line', async () => {
    const { code, out, err } = await cli('sandbox', '--config', EXAMPLE_CONFIG, '--scenario', DEMO, '--from', '1');

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      '--from: "1" is not an ISO 8601 date or time, such as 2026-12-07, 2026-12-07T08:00 (read in the zone), 2026-12-07T08:00:00Z or 2026-12-07T08:00+01:00',
    );
  });

  it('an --endpoint that is not a URL: a usage error, exit 2', async () => {
    const { code, err } = await cli('sandbox', '--config', EXAMPLE_CONFIG, '--endpoint', '127.0.0.1:5000');

    expect(code).toBe(2);
    expect(err).toBe('--endpoint must be the URL of an emulator, such as http://127.0.0.1:5000, got "127.0.0.1:5000"');
  });

  it('an --endpoint where nothing listens: says so, exit 1', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const { code, out, err } = await cli('sandbox', '--config', EXAMPLE_CONFIG, '--endpoint', endpoint);

    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([
      `nothing answers at ${endpoint} (ECONNREFUSED).`,
      '  Start the emulator there first, or leave out --endpoint: the sandbox then starts moto with its ECS bridge itself.',
    ]);
  });
});
