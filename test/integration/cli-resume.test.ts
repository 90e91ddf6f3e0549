import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli as cli } from '../helpers/cli.ts';
import { useEmulatorWorld } from './world.ts';

const config = {
  defaults: { launchType: 'FARGATE', network: { subnets: ['subnet-0a1b2c3d4e5f60009'] } },
  watchedTasks: { 'queue-worker': { cluster: 'resume-it', taskDefinition: 'queue-worker' } },
};
const CONFIG_FILE = join(tmpdir(), `automation-resume-${process.pid}.yml`);
writeFileSync(CONFIG_FILE, stringify(config));

describe('ecs-autopilot resume against moto', () => {
  const t = useEmulatorWorld(config, new Date('2026-11-22T21:00:00Z'));
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const options = ['--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1'];

  it('resumes paused restarts, starts one task from the spec now, and announces it', async () => {
    await t.stopRuntime.watches.save({
      name: 'queue-worker',
      restarts: ['2026-11-22T20:55:00.000Z'],
      consecutiveFailures: 6,
      paused: {
        at: '2026-11-22T20:58:00.000Z',
        reason: '5 restarts within 15m',
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/queue-worker:1',
      },
      version: 0,
    });
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

    const resumed = await cli('resume', 'queue-worker', ...options);
    const again = await cli('resume', 'queue-worker', ...options);

    expect(resumed.err).toEqual([]);
    expect(resumed.code).toBe(0);
    expect(resumed.out[0]).toMatch(/^queue-worker: restarts resumed \(resumed by `ecs-autopilot resume`\); started arn:aws:ecs:/);
    const [task, ...others] = await t.tasks('resume-it');
    expect(others).toEqual([]);
    expect(task).toMatchObject({ group: 'family:queue-worker', startedBy: 'ecs-autopilot/watched/queue-worker' });
    const state = await t.stopRuntime.watches.get('queue-worker');
    expect(state).toMatchObject({ restarts: [], consecutiveFailures: 0 });
    expect(state?.paused).toBeUndefined();
    expect((await t.events()).map((e) => e['detail-type'])).toEqual(['Watched Task Restarts Resumed', 'Watched Task Restarted']);
    expect(again.out).toEqual(['queue-worker: nothing to resume: restarts are not paused']);
  });

  it('exits 1 naming the watched tasks for an unknown name, and 2 without one', async () => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

    const unknown = await cli('resume', 'queue-wroker', ...options);

    expect(unknown.code).toBe(1);
    expect(unknown.err).toEqual(['error: "queue-wroker" is not a watched task in automation.yml (watched tasks: queue-worker)']);
    expect((await cli('resume', ...options)).code).toBe(2);
  });
});
