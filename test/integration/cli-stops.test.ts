import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { stopTaskAs, type TaskEnding } from '../../sandbox/emulator.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { runCli as cli } from '../helpers/cli.ts';
import { useEmulatorWorld } from './world.ts';

const network = { subnets: ['subnet-0a1b2c3d4e5f60011'], securityGroups: ['sg-0a1b2c3d4e5f60011'] };
const config = {
  defaults: { launchType: 'FARGATE', network },
  services: { web: { cluster: 'web-stops', crashLoop: { stops: 3, window: '10m' } } },
  watchedTasks: { 'queue-worker': { cluster: 'web-stops', taskDefinition: 'queue-worker', restart: 'on-failure' } },
};
const CONFIG_FILE = join(tmpdir(), `automation-stops-${process.pid}.yml`);
writeFileSync(CONFIG_FILE, stringify(config));

// `stops` reads back from the wall clock (--since 7d): the story happens in the last three days.
const START = new Date(Math.floor((Date.now() - 3 * 86_400_000) / 60_000) * 60_000);
const DAY = 86_400;

describe('ecs-autopilot stops against moto', () => {
  const t = useEmulatorWorld(config, START);
  const saved = { ...process.env };
  let version = 10;
  afterEach(() => {
    process.env = { ...saved };
  });

  async function startTask(group: string, startedBy: string): Promise<string> {
    const { tasks = [] } = await t.ecs.send(
      new RunTaskCommand({
        cluster: 'web-stops',
        taskDefinition: 'queue-worker',
        launchType: 'FARGATE',
        group,
        startedBy,
        networkConfiguration: { awsvpcConfiguration: network },
      }),
    );
    return tasks[0]?.taskArn ?? '';
  }

  async function stopAs(taskArn: string, ending: TaskEnding) {
    await stopTaskAs(t.emulator, taskArn, ending);
    version += 1;
    return onTaskStopped(await taskStateChangeEvent(t.ecs, 'web-stops', taskArn, { at: t.clock.now(), version }), t.stopRuntime);
  }

  const useEmulator = () =>
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

  it('lists the stops of a service newest first with their categories and what was done; --since keeps the recent ones', async () => {
    const crashed = await startTask('service:web', 'ecs-svc/1');
    await stopAs(crashed, { exitCode: 1 });
    t.clock.advance(2 * DAY);
    const oom = await startTask('service:web', 'ecs-svc/1');
    await stopAs(oom, { exitCode: 137, containerReason: 'OutOfMemoryError: Container killed due to memory usage' });
    t.clock.advance(DAY / 2);
    const scaledIn = await startTask('service:web', 'ecs-svc/1');
    await stopAs(scaledIn, {
      exitCode: 143,
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
    });
    // Delivered again: the history holds each stop once.
    version -= 1;
    await stopAs(scaledIn, {
      exitCode: 143,
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
    });
    useEmulator();

    const all = await cli('stops', 'web', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1');
    const json = await cli('stops', 'web', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1', '--json');
    const recent = await cli(
      'stops',
      'web',
      '--since',
      '2d',
      '--config',
      CONFIG_FILE,
      '--stage',
      'test',
      '--region',
      'us-east-1',
      '--json',
    );

    expect(all.code).toBe(0);
    expect(all.out[0]).toMatch(/^STOPPED AT \(UTC\)\s+TASK\s+CATEGORY\s+EXIT \/ STOP CODE\s+ACTION\s+REASON$/);
    expect(all.out.slice(1).map((line) => line.split(/\s{2,}/).slice(2, 5))).toEqual([
      ['scaled-in', expect.stringMatching(/=143 ServiceSchedulerInitiated$/), 'not-counted'],
      ['out-of-memory', expect.stringMatching(/=137 EssentialContainerExited$/), 'counted'],
      ['app-error', expect.stringMatching(/=1 EssentialContainerExited$/), 'counted'],
    ]);
    const stops = JSON.parse(json.out.join('\n'));
    expect(stops.map((stop: { taskArn: string }) => stop.taskArn)).toEqual([scaledIn, oom, crashed]);
    expect(stops[1]).toMatchObject({
      stoppedAt: new Date(START.getTime() + 2 * DAY * 1000).toISOString(),
      category: 'out-of-memory',
      action: 'counted',
      actionReason: 'counted: 1 of 3 stops within the window',
    });
    expect(JSON.parse(recent.out.join('\n')).map((stop: { taskArn: string }) => stop.taskArn)).toEqual([scaledIn, oom]);
    const newest = await cli('stops', 'web', '--limit', '1', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1', '--json');
    expect(JSON.parse(newest.out.join('\n')).map((stop: { taskArn: string }) => stop.taskArn)).toEqual([scaledIn]);
  });

  it("lists a watched task's stops with the restart each got", async () => {
    const worker = await startTask('family:queue-worker', 'deploy-pipeline');
    await stopAs(worker, { exitCode: 2 });
    useEmulator();

    const { code, out } = await cli('stops', 'queue-worker', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1', '--json');

    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([
      expect.objectContaining({
        taskArn: worker,
        category: 'app-error',
        exitCodes: [expect.objectContaining({ exitCode: 2 })],
        action: 'restart-later',
      }),
    ]);
  });

  it('exits 1 naming the services and watched tasks for a name automation.yml does not hold, before asking AWS', async () => {
    const unknown = await cli('stops', 'wbe', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1');

    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toContain(
      `"wbe" is neither a service nor a watched task in ${CONFIG_FILE} (services: web; watched tasks: queue-worker); did you mean "web"?`,
    );
    expect((await cli('stops')).code).toBe(2);
    expect((await cli('stops', 'web', '--since', 'a week', '--config', CONFIG_FILE)).code).toBe(2);
  });
});
