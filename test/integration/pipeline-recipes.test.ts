/**
 * The pipeline recipes (examples/pipelines) run as their CI would run them (issue 14 §5): the commands
 * are read from the YAML (GitHub Actions `run` steps, GitLab CI `before_script` and `script`, CodeBuild's
 * phase `commands`), then run in one bash of this checkout, fail-fast as the three CIs run them, against
 * moto — with the real `npm exec --no -- ecs-autopilot`, and the real shift-traffic handler answering
 * what the request rule would deliver, while the watchdog ticks. A deployment that succeeds exits 0;
 * one rolled back exits non-zero, which fails the pipeline.
 *
 * `npm ci` is the one command not run (the checkout already has its node_modules, shared by the whole
 * workspace): it is checked to come before the CLI, as its install step. The CI's own variables (the
 * commit, the registry) and its credentials are the test's: APP, STAGE and IMAGE are checked to be given
 * by the recipe, then set to the test's app, stage and image; AWS_ENDPOINT_URL points the SDK at moto.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps } from '../../sandbox/seed.ts';
import { isFinal } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const RECIPES = join(ROOT, 'examples', 'pipelines');
const HEAD = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';

/** The app the recipes deploy (`shop` of this checkout's automation.yml), as shift-traffic runs it here: quick, gated by shop-5xx. */
const config = {
  defaults: { cluster: 'web' },
  apps: {
    shop: {
      listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      blue: { service: 'shop-blue', targetGroup: `${HEAD}:targetgroup/shop-blue/73e2d6bc24d8a067` },
      green: { service: 'shop-green', targetGroup: `${HEAD}:targetgroup/shop-green/09966e5bd7e8e8ef` },
      strategy: 'all-at-once',
      gates: { alarms: ['shop-5xx'], minHealthyTargets: 1 },
      bakeTime: '2m',
      rollbackWindow: '0s',
    },
  },
};

type Yaml = Record<string, unknown>;
const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/** Each recipe: where its commands are, and the variables it defines (where a CI reads them). */
const RECIPE_FILES: Record<string, { commands: (doc: Yaml) => string[]; variables: (doc: Yaml) => Yaml }> = {
  'github-actions.yml': {
    commands: (doc) =>
      Object.values(doc.jobs as Record<string, Yaml>).flatMap((job) => (job.steps as Yaml[]).flatMap((step) => asList(step.run))),
    variables: (doc) => Object.assign({}, doc.env, ...Object.values(doc.jobs as Record<string, Yaml>).map((job) => job.env)),
  },
  'gitlab-ci.yml': {
    commands: (doc) => jobsOf(doc).flatMap((job) => [...asList(job.before_script), ...asList(job.script)]),
    variables: (doc) => Object.assign({}, doc.variables, ...jobsOf(doc).map((job) => job.variables)),
  },
  'buildspec.yml': {
    commands: (doc) =>
      ['install', 'pre_build', 'build', 'post_build'].flatMap((phase) => asList((doc.phases as Record<string, Yaml>)[phase]?.commands)),
    variables: (doc) => ({ ...((doc.env as Yaml | undefined)?.variables as Yaml), IMAGE: 'set by the CodePipeline action' }),
  },
};

/** GitLab's jobs: the top-level keys that are not its keywords nor hidden (`.template`). */
function jobsOf(doc: Yaml): Yaml[] {
  const keywords = new Set([
    'stages',
    'variables',
    'default',
    'include',
    'workflow',
    'image',
    'services',
    'cache',
    'before_script',
    'after_script',
  ]);
  return Object.entries(doc)
    .filter(([name]) => !keywords.has(name) && !name.startsWith('.'))
    .map(([, job]) => job as Yaml);
}

function recipe(file: string) {
  const doc = parse(readFileSync(join(RECIPES, file), 'utf8')) as Yaml;
  const spec = RECIPE_FILES[file] as (typeof RECIPE_FILES)[string];
  return { commands: spec.commands(doc), variables: spec.variables(doc) };
}

const START = new Date(Date.now() - 86_400_000); // before the CLI's (real) clock: its requests are never older than a deployment

describe('pipeline recipes run against moto (issue 14 §5)', () => {
  const t = useEmulatorWorld(config, START);
  let rt: ShiftRuntime;
  let runs = 0;

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation, {});
    rt = emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog);
  });

  const setAlarm = (value: 'ALARM' | 'OK') =>
    rt.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'shop-5xx', StateValue: value, StateReason: 'pipeline test' }));

  /** shift-traffic while the pipeline runs: the requests the rule delivers, a tick a (virtual) minute; `rollBack`: the gate alarm fires at 100%. */
  async function answer(running: { done: boolean }, rollBack: boolean) {
    while (!running.done) {
      for (const event of await t.events()) if (event['detail-type'] === 'Deployment Requested') await shiftTraffic(event, rt);
      const d = await rt.deployments.get('shop');
      if (d && !isFinal(d.stage)) {
        t.clock.advance(60);
        if (rollBack && d.stage === 'baking') {
          await setAlarm('ALARM');
          await shiftTraffic(
            {
              version: '0',
              id: `alarm-${d.id}`,
              source: 'aws.cloudwatch',
              'detail-type': 'CloudWatch Alarm State Change',
              account: '123456789012',
              region: EMULATOR_REGION,
              time: t.clock.now().toISOString(),
              resources: [],
              detail: { alarmName: 'shop-5xx', state: { value: 'ALARM', reason: 'pipeline test' } },
            },
            rt,
          );
        } else await shiftTraffic({ tick: true }, rt);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The recipe's commands in one fail-fast bash in this checkout, as its CI runs them; shift-traffic answering meanwhile. */
  async function runRecipe(commands: string[], rollBack: boolean) {
    runs += 1;
    await setAlarm('OK');
    const { AWS_PROFILE: _profile, ...inherited } = process.env;
    const env = {
      ...inherited,
      APP: 'shop',
      STAGE: 'test',
      IMAGE: `public.ecr.aws/example/shop:pipeline-${runs}`,
      AWS_REGION: EMULATOR_REGION,
      AWS_ENDPOINT_URL: t.world.endpoint,
      AWS_ACCESS_KEY_ID: 'pipeline',
      AWS_SECRET_ACCESS_KEY: 'pipeline',
    };
    const script = ['set -eo pipefail', ...commands].join('\n');
    const running = { done: false };
    const child = new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      // Its own process group: a pipeline that hangs is ended whole (bash, npm, the CLI) before the test's timeout.
      const bash = spawn('bash', ['-c', script], { cwd: ROOT, env, detached: true });
      const hung = setTimeout(() => bash.pid && process.kill(-bash.pid, 'SIGKILL'), 100_000);
      let out = '';
      let err = '';
      bash.stdout.on('data', (chunk) => {
        out += chunk;
      });
      bash.stderr.on('data', (chunk) => {
        err += chunk;
      });
      bash.on('error', reject);
      bash.on('close', (code) => {
        clearTimeout(hung);
        resolve({ code, out, err });
      });
    }).finally(() => {
      running.done = true;
    });
    await answer(running, rollBack);
    return child;
  }

  // The rollback runs in one recipe: the three run their commands in the same fail-fast bash, so what
  // tells them apart is the text, checked in each: the deploy command with --wait, nothing masking its exit.
  const ROLLED_BACK_IN = 'github-actions.yml';

  describe.each(Object.keys(RECIPE_FILES))('%s', (file) => {
    it(`installs the CLI of the checkout, then deploy --wait exits 0 on success${file === ROLLED_BACK_IN ? ' and non-zero on a rollback' : ', and nothing masks its exit'}`, {
      timeout: 120_000,
    }, async () => {
      const { commands, variables } = recipe(file);
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(['APP', 'STAGE', 'IMAGE']));
      const install = commands.indexOf('npm ci');
      const deploy = commands.findIndex((command) => command.startsWith('npm exec --no -- ecs-autopilot deploy '));
      expect(install).toBeGreaterThanOrEqual(0);
      expect(deploy).toBeGreaterThan(install);
      expect(commands[deploy]).toMatch(/ --wait( |$)/);
      // Nothing fetched by name from the public registry: no npx, no npm install, npm exec only with --no.
      for (const command of commands) expect(command).not.toMatch(/\bnpx\b|npm (i|install|add)\b|npm exec (?!--no )/);
      // Nothing makes a rollback pass: no `|| true`, no `; true`, no allowed failure of the step or job.
      expect(commands[deploy]).not.toMatch(/\|\||;\s*(true|exit 0)\b|&\s*$/);
      expect(readFileSync(join(RECIPES, file), 'utf8')).not.toMatch(
        /continue-on-error:\s*true|allow_failure:\s*true|on-failure:\s*CONTINUE/,
      );
      const run = commands.filter((command) => command !== 'npm ci');

      const succeeded = await runRecipe(run, false);
      expect(succeeded.err).not.toMatch(/rolled back|failed|rejected/);
      expect(succeeded.code).toBe(0);
      expect(succeeded.out).toMatch(/shop: shop-\S+ succeeded after/);
      const first = await rt.deployments.get('shop');
      expect(first).toMatchObject({ stage: 'succeeded', requestedBy: expect.stringMatching(/^cli:/) });

      if (file !== ROLLED_BACK_IN) return;
      const rolledBack = await runRecipe(run, true);
      expect(rolledBack.code).not.toBe(0);
      expect(rolledBack.err).toMatch(/shop: shop-\S+ rolled back after .*: alarm shop-5xx entered ALARM/);
      expect(await rt.deployments.get('shop')).toMatchObject({ stage: 'rolled-back', earlierIds: [first?.id] });
    });
  });
});
