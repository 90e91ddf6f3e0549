/**
 * The operator's job commands against moto: `run` (a manual run under its id, `--wait`), `suspend` →
 * a firing recorded skipped → `unsuspend` with catchUp: latest launching the missed firing once, and
 * `jobs`. moto runs no Node.js Lambda, so the function's raw handler, with its runtime on the emulator,
 * stands in for the InvokeFunction that `run` and `unsuspend` make (awsOperatorDeps); the commands
 * that only read or write the state table run through the CLI as a user runs them.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { jobsCommand, type OperatorDeps, runCommand, suspendCommand, unsuspendCommand } from '../../cli/jobs.ts';
import type { Io } from '../../cli/output.ts';
import { enforceMaxRuntimeTick } from '../../functions/enforce-max-runtime.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { stopTaskAs, type TaskEnding } from '../../sandbox/emulator.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { runCli as cli } from '../helpers/cli.ts';
import { useEmulatorWorld } from './world.ts';

const CLUSTER = 'ops-it';
const config = {
  defaults: { cluster: CLUSTER, network: { subnets: ['subnet-0a1b2c3d4e5f60031'] }, launchType: 'FARGATE', timezone: 'Europe/Berlin' },
  jobs: {
    report: { schedule: 'cron(0 * * * ? *)', taskDefinition: 'report', catchUp: 'latest', startingDeadline: '2h' },
    nightly: { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'nightly', maxRuntime: '1h', expectSuccessWithin: '26h' },
  },
};
const CONFIG_FILE = join(tmpdir(), `automation-ops-${process.pid}.yml`);
writeFileSync(CONFIG_FILE, stringify(config));

function captured(): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), err: (line) => lines.push(`err: ${line}`) };
}

describe('ecs-autopilot run, suspend, unsuspend and jobs against moto', () => {
  const t = useEmulatorWorld(config, new Date('2026-11-22T10:20:00Z'));
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const target = () => ['--config', CONFIG_FILE, '--table', t.world.tableName, '--region', 'us-east-1'];
  const useEmulator = () =>
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

  let version = 10;
  /** Ends a task the way ECS reports it and hands on-task-stopped the event EventBridge would deliver. */
  async function stop(taskArn: string, ending: TaskEnding) {
    await stopTaskAs(t.emulator, taskArn, ending);
    version += 1;
    await onTaskStopped(await taskStateChangeEvent(t.ecs, CLUSTER, taskArn, { at: t.clock.now(), version }), t.stopRuntime);
  }
  const running = async (job: string) =>
    (await t.tasks(CLUSTER)).filter((task) => task.startedBy === `ecs-autopilot/${job}` && task.lastStatus === 'RUNNING');

  /** The CLI's dependencies on the emulator; `onSleep` runs while `--wait` waits (the task ends meanwhile). */
  function deps(onSleep: () => Promise<void> = async () => {}): OperatorDeps {
    return {
      runs: t.runtime.runs,
      suspensions: t.runtime.suspensions,
      invoke: async (request) => (await runBatchJob(request, t.runtime)) ?? { job: undefined },
      now: t.clock.now,
      sleep: async (milliseconds) => {
        await onSleep();
        t.clock.advance(milliseconds / 1000);
      },
      by: 'cli:ana',
    };
  }
  const jobOptions = (job: string) => ({ job, automation: t.automation, file: CONFIG_FILE, json: false });
  const runOptions = (fields: Partial<Parameters<typeof runCommand>[0]> = {}) => ({
    job: 'nightly',
    automation: t.automation,
    file: CONFIG_FILE,
    id: undefined,
    wait: false,
    timeoutSeconds: undefined,
    json: false,
    ...fields,
  });

  it('run with the same --id twice launches one task and answers with the same run; the event carries the manual id', async () => {
    const first = captured();
    const again = captured();

    expect(await runCommand(runOptions({ id: 'fix-42' }), deps(), first)).toBe(0);
    t.clock.advance(30);
    expect(await runCommand(runOptions({ id: 'fix-42', json: true }), deps(), again)).toBe(0);

    expect(await running('nightly')).toHaveLength(1);
    expect(first.lines[0]).toMatch(/^nightly: manual run fix-42 requested: launched \(its time 2026-11-22T10:20:00.001Z, tasks [\w-]+\)$/);
    expect(JSON.parse(again.lines.join('\n'))).toMatchObject({
      id: 'fix-42',
      requested: 'existing',
      scheduledTime: '2026-11-22T10:20:00.001Z',
      status: 'launched',
    });
    const launched = (await t.events()).filter((event) => event['detail-type'] === 'Job Run Launched');
    expect(launched).toHaveLength(1);
    expect(launched[0]?.detail).toMatchObject({ job: 'nightly', manualId: 'fix-42' });
  });

  it('run --wait exits 0 when the run succeeds and 1 with the reason when it fails', async () => {
    const ending = async (exitCode: number) => {
      for (const task of await running('nightly')) await stop(task.taskArn ?? '', { exitCode });
    };
    const succeeded = captured();
    const failed = captured();

    expect(
      await runCommand(
        runOptions({ id: 'ok', wait: true }),
        deps(() => ending(0)),
        succeeded,
      ),
    ).toBe(0);
    expect(
      await runCommand(
        runOptions({ id: 'broken', wait: true }),
        deps(() => ending(1)),
        failed,
      ),
    ).toBe(1);

    expect(succeeded.lines.at(-1)).toBe('nightly: manual run ok succeeded: container "app" exited 0 (stop code EssentialContainerExited)');
    expect(failed.lines.at(-1)).toMatch(/^nightly: manual run broken failed: app-error: /);
  });

  it('run refuses an unknown job, a bad --id and a suspended job, launching nothing', async () => {
    useEmulator();
    const unknown = await cli('run', 'nigthly', ...target());
    const badId = await cli('run', 'nightly', '--id', 'no spaces', ...target());
    const suspend = captured();
    expect(await suspendCommand({ ...jobOptions('nightly'), comment: 'db upgrade' }, deps(), suspend)).toBe(0);

    expect(unknown).toMatchObject({ code: 1, err: [expect.stringMatching(/"nigthly" is not a job .*did you mean "nightly"/)] });
    expect(badId).toMatchObject({ code: 2, err: ['--id must be 1 to 64 of letters, digits, ".", "-" and "_", got "no spaces"'] });
    await expect(runCommand(runOptions(), deps(), captured())).rejects.toThrow(
      'nightly is suspended since 2026-11-22T10:20:00.000Z by cli:ana (db upgrade): no manual run while it is; ecs-autopilot unsuspend nightly first',
    );
    // expectSuccessWithin says nothing of a job suspended at run time, as of one suspended in automation.yml.
    const check = { check: 'expect-success', job: 'nightly', since: '2026-11-21T02:00:00.000Z', armedBy: 'firing' };
    expect(await runBatchJob(check, t.runtime)).toEqual({ job: 'nightly', check: 'not-watched' });
    expect(suspend.lines).toEqual([
      'nightly: suspended since 2026-11-22T10:20:00.000Z by cli:ana (db upgrade); its firings are recorded skipped until ecs-autopilot unsuspend nightly',
    ]);
    expect(await running('nightly')).toEqual([]);
  });

  it('suspend: the firing is recorded skipped; unsuspend launches the latest missed firing once, however often it is asked', async () => {
    await suspendCommand(jobOptions('report'), deps(), captured());
    t.clock.advanceTo(new Date('2026-11-22T11:00:02Z'));
    const skipped = await runBatchJob({ job: 'report', scheduledTime: '2026-11-22T11:00:00Z' }, t.runtime);
    t.clock.advanceTo(new Date('2026-11-22T12:00:02Z'));
    await runBatchJob({ job: 'report', scheduledTime: '2026-11-22T12:00:00Z' }, t.runtime);
    t.clock.advanceTo(new Date('2026-11-22T12:30:00Z'));

    const listed = captured();
    await jobsCommand({ automation: t.automation, json: true }, deps(), listed);
    const suspendedJobs = JSON.parse(listed.lines.join('\n'));
    const unsuspended = captured();
    expect(await unsuspendCommand(jobOptions('report'), deps(), unsuspended)).toBe(0);
    // Asked again (a repeat, or a crash before its answer), and the catch-up delivered twice: still one launch.
    await unsuspendCommand(jobOptions('report'), deps(), captured());
    await runBatchJob({ unsuspended: { job: 'report' } }, t.runtime);

    expect(skipped).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^the job is suspended \(since 2026-11-22T10:20:00.000Z by cli:/),
    });
    expect(suspendedJobs.find((job: { job: string }) => job.job === 'report')).toMatchObject({
      nextFiring: null,
      suspended: { inConfig: false, atRunTime: { since: '2026-11-22T10:20:00.000Z' } },
      lastOutcome: { status: 'skipped', scheduledTime: '2026-11-22T12:00:00.000Z' },
    });
    expect(unsuspended.lines[1]).toMatch(
      /^report: caught up the firing of 2026-11-22T12:00:00.000Z \(the latest of 2 missed\): launched \(tasks [\w-]+\)$/,
    );
    expect(await running('report')).toHaveLength(1);
    expect(await t.runtime.runs.get('report', '2026-11-22T11:00:00.000Z', 1)).toMatchObject({
      status: 'skipped',
      skippedFor: 'suspension',
    });
    const skips = (await t.events()).filter((event) => event['detail-type'] === 'Job Run Skipped');
    expect(skips.map((event) => event.detail.alert)).toEqual([undefined, undefined]);
  });

  it("manual runs requested in the same millisecond, at a firing's own time, are runs of their own", async () => {
    // 02:00:00.000: nightly's scheduled firing launches, and two operators ask for manual runs at that very instant.
    t.clock.advanceTo(new Date('2026-11-23T02:00:00.000Z'));
    await runBatchJob({ job: 'nightly', scheduledTime: '2026-11-23T02:00:00Z' }, t.runtime);
    const first = captured();
    const second = captured();
    await runCommand(runOptions({ id: 'op-a', json: true }), deps(), first);
    await runCommand(runOptions({ id: 'op-b', json: true }), deps(), second);

    const a = JSON.parse(first.lines.join('\n'));
    const b = JSON.parse(second.lines.join('\n'));
    expect([a.requested, b.requested]).toEqual(['new', 'new']);
    // Neither is taken for the scheduled run (forbid skips them behind it), nor for each other.
    expect(new Set(['2026-11-23T02:00:00.000Z', a.scheduledTime, b.scheduledTime]).size).toBe(3);
    expect([a.status, b.status]).toEqual(['skipped', 'skipped']);
    expect(await t.runtime.runs.get('nightly', '2026-11-23T02:00:00.000Z', 1)).toMatchObject({ status: 'launched' });
    expect((await t.runtime.runs.get('nightly', '2026-11-23T02:00:00.000Z', 1))?.manualId).toBeUndefined();
  });

  it("the watchdog's tick catches up a firing no delivery reached, once", async () => {
    // 10:20: the 10:00 firing of report never came (no run of it).
    const first = await enforceMaxRuntimeTick(t.runtime);
    const timers = (await t.timers.pending()).filter((timer) => timer.target === 'run-batch-job');
    await enforceMaxRuntimeTick(t.runtime);
    t.clock.advance(60);
    for (let timer = await t.timers.takeDue(t.clock.now()); timer; timer = await t.timers.takeDue(t.clock.now())) {
      await runBatchJob(timer.input, t.runtime);
    }
    await enforceMaxRuntimeTick(t.runtime);

    expect(first).toEqual([]);
    expect(timers.map((timer) => timer.input)).toEqual([
      { job: 'report', scheduledTime: '2026-11-22T10:00:00.000Z', attempt: 1, catchUp: true },
    ]);
    expect(await running('report')).toHaveLength(1);
    expect(await t.runtime.runs.get('report', '2026-11-22T10:00:00.000Z', 1)).toMatchObject({ status: 'launched', catchUp: true });
    expect(await t.timers.pending()).toEqual([]);
  });

  it('jobs lists every job: schedule, next firing in local time and UTC, suspension, what runs, last outcome and success', async () => {
    useEmulator();
    await runCommand(runOptions({ id: 'now' }), deps(), captured());
    await runBatchJob({ job: 'report', scheduledTime: '2026-11-22T10:00:00Z' }, t.runtime);
    for (const task of await running('report')) await stop(task.taskArn ?? '', { exitCode: 0 });

    const lines = captured();
    await jobsCommand({ automation: t.automation, json: false }, deps(), lines);
    useEmulator();
    const json = await cli('jobs', ...target(), '--json');

    expect(lines.lines[0]).toMatch(
      /^JOB\s+SCHEDULE\s+NEXT \(LOCAL\)\s+NEXT \(UTC\)\s+SUSPENDED\s+RUNNING\s+LAST OUTCOME\s+LAST SUCCESS \(UTC\)$/,
    );
    expect(lines.lines[1]).toMatch(
      /^report\s+cron\(0 \* \* \* \? \*\) Europe\/Berlin\s+2026-11-22 12:00 CET\s+2026-11-22T11:00:00.000Z\s+no\s+-\s+succeeded 2026-11-22T10:00:00.000Z\s+2026-11-22T10:20:00.000Z$/,
    );
    expect(lines.lines[2]).toMatch(
      /^nightly\s+.*2026-11-23 02:00 CET\s+2026-11-23T01:00:00.000Z\s+no\s+launched 2026-11-22T10:20:00.001Z\s+-\s+-$/,
    );
    // Through the CLI (the wall clock): one object per job, in the shape the README gives.
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out.join('\n'))).toEqual([
      {
        job: 'report',
        schedule: 'cron(0 * * * ? *)',
        timezone: 'Europe/Berlin',
        nextFiring: { local: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:00 CET$/), utc: expect.stringMatching(/:00:00.000Z$/) },
        suspended: { inConfig: false, atRunTime: null },
        running: [],
        lastOutcome: {
          scheduledTime: '2026-11-22T10:00:00.000Z',
          attempt: 1,
          status: 'succeeded',
          endedAt: '2026-11-22T10:20:00.000Z',
          reason: expect.any(String),
        },
        lastSuccess: { scheduledTime: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:20:00.000Z' },
      },
      expect.objectContaining({
        job: 'nightly',
        running: [{ scheduledTime: '2026-11-22T10:20:00.001Z', attempt: 1, status: 'launched', manualId: 'now' }],
      }),
    ]);
  });
});
