/**
 * The sandbox end to end: moto with the bridge, the fixture automation file and scenario, a virtual day.
 * Statuses are asserted from the run history and the bus events that the report carries.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../sandbox/emulator.ts';
import { printSandboxReport, runSandbox, type SandboxReport } from '../../sandbox/run.ts';
import { ScenarioError } from '../../sandbox/scenario.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const CONFIG = fixture('sandbox-automation.yml');
const SCENARIO = fixture('sandbox-scenario.yml');
const FROM = new Date('2026-11-23T00:00:00+01:00');

const runsOf = (report: SandboxReport, job: string) => report.summary.find((row) => row.job === job)?.runs ?? [];
const linesOf = (report: SandboxReport, job: string) => report.timeline.filter((entry) => entry.job === job);

describe('the sandbox: a virtual day against moto', () => {
  let report: SandboxReport;
  let wallSeconds: number;

  beforeAll(async () => {
    const started = Date.now();
    report = await runSandbox({ configFile: CONFIG, scenarioFile: SCENARIO, from: FROM, hours: 24 });
    wallSeconds = (Date.now() - started) / 1000;
  }, 60_000);

  it('runs a simulated day in seconds, including starting moto', () => {
    expect(report.window).toMatchObject({
      from: '2026-11-22T23:00:00.000Z',
      to: '2026-11-23T23:00:00.000Z',
      localFrom: '2026-11-23 00:00 CET',
      localTo: '2026-11-24 00:00 CET',
    });
    expect(wallSeconds).toBeLessThan(30);
  });

  it('falls back from FARGATE_SPOT to FARGATE after the injected outage, and records the run succeeded once its task exits 0', () => {
    expect(runsOf(report, 'nightly-report')).toMatchObject([
      { scheduledTime: '2026-11-23T01:00:00.000Z', status: 'succeeded', capacityProvider: 'FARGATE' },
    ]);
    expect(linesOf(report, 'nightly-report').map((entry) => [entry.local, entry.label])).toEqual([
      ['2026-11-23 02:00 CET', 'launched'],
      ['2026-11-23 02:02 CET', 'duplicate delivery → nothing new'],
      ['2026-11-23 02:25 CET', 'task exited 0'],
      ['2026-11-23 04:00 CET', 'succeeded'],
    ]);
    const outage = report.timeline.findIndex((entry) => entry.what === 'capacity-outage');
    const launch = report.timeline.findIndex((entry) => entry.job === 'nightly-report' && entry.what === 'launched');
    expect(outage).toBeGreaterThanOrEqual(0);
    expect(outage).toBeLessThan(launch);
    expect(report.timeline[launch]?.detail).toMatch(/^1 task on FARGATE after FARGATE_SPOT had no capacity \(task [0-9a-f]{6}\)$/);
  });

  it('launches nothing new and publishes nothing when Scheduler delivers the same firing twice', () => {
    const launched = report.events.filter((e) => e['detail-type'] === 'Job Run Launched' && e.detail.job === 'nightly-report');
    expect(launched).toHaveLength(1);
    const duplicate = report.timeline.find((entry) => entry.what === 'duplicate-delivery');
    expect(duplicate).toMatchObject({ source: 'run-history', taskArns: launched[0]?.detail.taskArns });
  });

  it('skips the 03:00 firing under forbid while the 01:00 run nobody ended is still running', () => {
    const [first, second] = runsOf(report, 'stock-import');
    expect(first?.status).toBe('launched');
    expect(second).toMatchObject({ scheduledTime: '2026-11-23T02:00:00.000Z', status: 'skipped' });
    expect(second?.reason).toContain(
      `concurrency is forbid and the run scheduled at 2026-11-23T00:00:00.000Z (task ${first?.taskArns[0]?.split('/').pop()}) is still running`,
    );
  });

  it('stops the run that exceeds its maxRuntime and records why', () => {
    expect(runsOf(report, 'ledger-cleanup')).toMatchObject([{ status: 'timed-out', reason: 'ecs-autopilot: exceeded maxRuntime 2h' }]);
    expect(linesOf(report, 'ledger-cleanup').map((entry) => [entry.local, entry.what])).toEqual([
      ['2026-11-23 05:30 CET', 'launched'],
      ['2026-11-23 07:30 CET', 'timed-out'],
    ]);
  });

  it('records a firing delivered past its startingDeadline as missed', () => {
    expect(runsOf(report, 'bank-sync')).toMatchObject([
      { status: 'missed', reason: 'delivered 15m after its scheduled time, past the startingDeadline of 10m' },
    ]);
    expect(linesOf(report, 'bank-sync').map((entry) => [entry.local, entry.label])).toEqual([
      ['2026-11-23 09:00 CET', 'late delivery injected'],
      ['2026-11-23 09:15 CET', 'missed'],
    ]);
  });

  it('replaces the still-running run under concurrency replace', () => {
    expect(runsOf(report, 'price-refresh').map((run) => run.status)).toEqual(['replaced', 'launched']);
  });

  it('summarises each job from the run history, and shows suspended jobs as such', () => {
    const counts = report.summary.map(({ runs: _runs, schedule: _schedule, timeZone: _zone, ...row }) => row);
    expect(counts).toEqual([
      {
        job: 'nightly-report',
        suspended: false,
        firings: 1,
        launched: 1,
        skipped: 0,
        missed: 0,
        failed: 0,
        timedOut: 0,
        replaced: 0,
        succeeded: 1,
        open: 0,
      },
      {
        job: 'stock-import',
        suspended: false,
        firings: 2,
        launched: 1,
        skipped: 1,
        missed: 0,
        failed: 0,
        timedOut: 0,
        replaced: 0,
        succeeded: 0,
        open: 1,
      },
      {
        job: 'ledger-cleanup',
        suspended: false,
        firings: 1,
        launched: 1,
        skipped: 0,
        missed: 0,
        failed: 0,
        timedOut: 1,
        replaced: 0,
        succeeded: 0,
        open: 0,
      },
      {
        job: 'bank-sync',
        suspended: false,
        firings: 1,
        launched: 0,
        skipped: 0,
        missed: 1,
        failed: 0,
        timedOut: 0,
        replaced: 0,
        succeeded: 0,
        open: 0,
      },
      {
        job: 'price-refresh',
        suspended: false,
        firings: 2,
        launched: 2,
        skipped: 0,
        missed: 0,
        failed: 0,
        timedOut: 0,
        replaced: 1,
        succeeded: 0,
        open: 1,
      },
      {
        job: 'legacy-export',
        suspended: true,
        firings: 0,
        launched: 0,
        skipped: 0,
        missed: 0,
        failed: 0,
        timedOut: 0,
        replaced: 0,
        succeeded: 0,
        open: 0,
      },
    ]);
    expect(report.events.map((e) => e['detail-type']).sort()).toEqual(
      [
        ...Array(5).fill('Job Run Launched'),
        'Job Run Missed',
        'Job Run Replaced',
        'Job Run Skipped',
        'Job Run Succeeded',
        'Job Run Timed Out',
      ].sort(),
    );
    expect(report.notes).toEqual([]);
  });

  it('prints one line per event for people', () => {
    let text = '';
    printSandboxReport(report, { write: (chunk) => (text += chunk) });

    expect(text).toMatch(
      /^2026-11-23 02:00 CET {2}nightly-report {2}launched {2,}1 task on FARGATE after FARGATE_SPOT had no capacity \(task \w{6}\)$/m,
    );
    expect(text).toMatch(
      /^2026-11-23 07:30 CET {2}ledger-cleanup {2}timed-out {2,}run of 05:30 \(task \w{6}\): ecs-autopilot: exceeded maxRuntime 2h$/m,
    );
    expect(text).toMatch(/^legacy-export +suspended: cron\(0 4 \* \* \? \*\) does not fire$/m);
  });

  it('prints --json as one JSON document and nothing else', () => {
    const chunks: string[] = [];
    printSandboxReport(report, { json: true, write: (chunk) => chunks.push(chunk) });

    expect(chunks).toHaveLength(1);
    const document = JSON.parse(chunks[0] ?? '');
    expect(Object.keys(document)).toEqual(expect.arrayContaining(['window', 'timeline', 'summary', 'events']));
    expect(document.timeline).toHaveLength(report.timeline.length);
    expect(document.events).toHaveLength(report.events.length);
  });
});

describe('the sandbox against an emulator that is already running', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('refuses, before touching the emulator, scenario injections that need the moto bridge', async () => {
    const refusal = runSandbox({ configFile: CONFIG, scenarioFile: SCENARIO, endpoint: 'http://127.0.0.1:9' });

    await expect(refusal).rejects.toThrow(ScenarioError);
    await expect(refusal).rejects.toThrow(
      /injections\.0 \(capacity-outage\) needs the moto ECS bridge, which the emulator at http:\/\/127\.0\.0\.1:9 does not have/,
    );
  });

  it('runs the schedules with stand-in network ids, again and again on the same emulator', async () => {
    const options = { configFile: CONFIG, endpoint: emulator.endpoint, from: FROM, hours: 4 };
    for (const report of [await runSandbox(options), await runSandbox(options)]) {
      expect(report.emulator).toEqual({ endpoint: emulator.endpoint, bridged: false });
      expect(runsOf(report, 'nightly-report').map((run) => run.status)).toEqual(['launched']);
      expect(report.notes.join('\n')).toMatch(/ran with stand-ins: subnet-0a1b2c3d4e5f60001 → subnet-\w+, sg-0a1b2c3d4e5f60001 → sg-\w+/);
    }
  });
});
