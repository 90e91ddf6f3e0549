/**
 * The project runs on Node 24 (Lambda's nodejs24.x) wherever it is checked out: npm ci installs it
 * from the npm registry into node_modules/.bin, and every npm command puts that folder first on PATH.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const projectMajor = Number(/\d+/.exec(pkg.devDependencies.node ?? '')?.[0]);

describe('Node 24 everywhere', () => {
  it('pins the Node of Lambda in package.json, .nvmrc and the Node types', () => {
    expect(projectMajor).toBe(24);
    expect(readFileSync('.nvmrc', 'utf8').trim()).toBe('24');
    expect(pkg.engines.node).toBe('>=22.12');
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^24\./);
    expect(readFileSync('serverless.yml', 'utf8')).toMatch(/runtime: nodejs24\.x/);
  });

  it('runs the tests on that Node', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(projectMajor);
  });

  it("runs the CLI through npm on the project's Node even when the shell's node is another, with no warning", () => {
    // The shell of a user whose machine has an older node: the project's bin folder is not on PATH.
    const bin = resolve('node_modules/.bin');
    const PATH = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => resolve(dir) !== bin)
      .join(delimiter);
    const result = spawnSync('npm', ['exec', '--no', '--', 'ecs-autopilot', '--version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH, npm_config_update_notifier: 'false' },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(new RegExp(`^ecs-autopilot \\S+ \\(Node\\.js ${projectMajor}\\.`));
    // npm itself, on the machine's older node, may say so once after an install (EBADENGINE); nothing else may.
    const npmEngineWarning = /^npm warn EBADENGINE /;
    expect(result.stderr.split('\n').filter((line) => line !== '' && !npmEngineWarning.test(line))).toEqual([]);
  });
});
