import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { runCli as cli } from '../helpers/cli.ts';
import { useEmulatorWorld } from './world.ts';

const config = {
  defaults: { cluster: 'runs-it', network: { subnets: ['subnet-0a1b2c3d4e5f60009'] }, launchType: 'FARGATE' },
  jobs: {
    report: { schedule: 'rate(1 hour)', taskDefinition: 'report', concurrency: 'forbid' },
    nightly: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report' },
  },
};
const CONFIG_FILE = join(tmpdir(), `automation-runs-${process.pid}.yml`);
writeFileSync(CONFIG_FILE, stringify(config));

describe('ecs-autopilot runs against moto', () => {
  const t = useEmulatorWorld(config, new Date('2026-11-22T10:00:05Z'));
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the run history of a job from the state table, newest first, honouring AWS_ENDPOINT_URL', async () => {
    await runBatchJob({ job: 'report', scheduledTime: '2026-11-22T10:00:00Z' }, t.runtime);
    t.clock.advance(3600);
    await runBatchJob({ job: 'report', scheduledTime: '2026-11-22T11:00:00Z' }, t.runtime);
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

    const table = await cli('runs', 'report', '--config', CONFIG_FILE, '--table', t.world.tableName, '--region', 'us-east-1');
    const json = await cli('runs', 'report', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1', '--limit', '1', '--json');

    expect(table.code).toBe(0);
    expect(table.out[0]).toMatch(/^SCHEDULED \(UTC\)\s+ATTEMPT\s+STATUS\s+DURATION\s+TASKS\s+REASON$/);
    expect(table.out[1]).toMatch(
      /^2026-11-22T11:00:00.000Z\s+1\s+skipped\s+-\s+-\s+concurrency is forbid and the run scheduled at 2026-11-22T10:00:00.000Z/,
    );
    expect(table.out[2]).toMatch(/^2026-11-22T10:00:00.000Z\s+1\s+launched\s+-\s+[\w-]+$/);
    expect(JSON.parse(json.out.join('\n'))).toEqual([
      expect.objectContaining({ job: 'report', scheduledTime: '2026-11-22T11:00:00.000Z', status: 'skipped' }),
    ]);
  });

  it('says so when a job has no runs', async () => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

    expect((await cli('runs', 'nightly', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1')).out).toEqual([
      'no runs recorded for nightly',
    ]);
  });

  it('lists the runs of every job newest first; --failed --since keeps the failures of the window, with their durations', async () => {
    // Runs recorded as the functions record them, scheduled a day and an hour before the wall clock the CLI reads.
    const now = Date.now();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
    const ran = (job: string, hoursAgo: number, status: 'failed' | 'succeeded' | 'timed-out') =>
      t.runtime.runs.save({
        job,
        scheduledTime: at(hoursAgo),
        attempt: 1,
        status,
        reason: `${status} on purpose`,
        cluster: 'runs-it',
        taskDefinition: 'report',
        taskArns: [`arn:aws:ecs:us-east-1:123456789012:task/runs-it/${job}${hoursAgo}`],
        receivedAt: at(hoursAgo),
        updatedAt: at(hoursAgo),
        launchedAt: at(hoursAgo),
        endedAt: new Date(Date.parse(at(hoursAgo)) + 95_000).toISOString(),
        outbox: [],
        eventPublished: true,
        version: 0,
      });
    await ran('report', 30, 'failed');
    await ran('nightly', 2, 'timed-out');
    await ran('report', 1, 'succeeded');
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    const connection = ['--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1'];

    const all = await cli('runs', ...connection);
    const failed = await cli('runs', '--failed', '--since', '1d', ...connection);
    const json = await cli('runs', '--status', 'failed', '--since', '2d', ...connection, '--json');

    expect(all.out[0]).toMatch(/^JOB\s+SCHEDULED \(UTC\)\s+ATTEMPT\s+STATUS\s+DURATION\s+TASKS\s+REASON$/);
    expect(all.out.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['report', 'nightly', 'report']);
    expect(failed.out.slice(1)).toEqual([
      expect.stringMatching(/^nightly\s+\S+\s+1\s+timed-out\s+1m35s\s+nightly2\s+timed-out on purpose$/),
    ]);
    expect(JSON.parse(json.out.join('\n'))).toEqual([expect.objectContaining({ job: 'report', status: 'failed', durationSeconds: 95 })]);
    expect((await cli('runs', '--status', 'broken', ...connection)).code).toBe(2);
  });

  it('exits 1 naming the jobs of automation.yml for a name it does not hold, before asking AWS', async () => {
    // No endpoint and no credentials: the name is checked before any AWS call.
    const unknown = await cli('runs', 'reprot', '--config', CONFIG_FILE, '--stage', 'test', '--region', 'us-east-1');

    expect(unknown.code).toBe(1);
    expect(unknown.err).toEqual([`error: "reprot" is not a job in ${CONFIG_FILE} (jobs: report, nightly); did you mean "report"?`]);
  });

  it('names the table and the stage when the stack is not deployed with that stage', async () => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

    const missing = await cli('runs', 'report', '--config', CONFIG_FILE, '--stage', 'prod', '--region', 'us-east-1');

    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([
      `error: table ecs-autopilot-prod-state not found in us-east-1 at ${t.emulator.endpoint}: is the stack deployed with --stage prod? name it with --stage or --table`,
    ]);
  });
});
