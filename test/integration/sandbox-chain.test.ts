/**
 * The sandbox rehearses a chain of jobs (issue 15 §3): the bundled scenario sandbox/scenarios/chain.yml on
 * examples/chain-automation.yml against moto, for the two firings it needs. The end of each run goes on
 * the bus, and the deployed job-chains rule takes it to the real run-batch-job, which starts or skips the
 * next job of the chain.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSandbox } from '../../sandbox/run.ts';
import type { SandboxReport } from '../../sandbox/timeline.ts';

const CONFIG = fileURLToPath(new URL('../../examples/chain-automation.yml', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../sandbox/scenarios/chain.yml', import.meta.url));
const FROM = new Date('2026-11-23T00:00:00+01:00');

describe('the sandbox: a chain of jobs, one upstream failure', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    // The 00:00 and 02:00 firings and their chains: all over by 02:30.
    report = await runSandbox({ configFile: CONFIG, scenarioFile: SCENARIO, from: FROM, hours: 3 });
  }, 240_000);

  const runsOf = (job: string) =>
    (report.summary.find((row) => row.job === job)?.runs ?? []).map((run) => [run.scheduledTime, run.status, run.taskArns.length]);

  it('runs each job of the chain once per firing after its upstream succeeds, and skips down the chain after a failure', () => {
    expect(runsOf('extract')).toEqual([
      ['2026-11-22T23:00:00.000Z', 'succeeded', 1],
      ['2026-11-23T01:00:00.000Z', 'failed', 1],
    ]);
    expect(runsOf('transform')).toEqual([
      ['2026-11-22T23:00:00.000Z', 'succeeded', 1],
      ['2026-11-23T01:00:00.000Z', 'skipped', 0],
    ]);
    expect(runsOf('load')).toEqual([
      ['2026-11-22T23:00:00.000Z', 'succeeded', 1],
      ['2026-11-23T01:00:00.000Z', 'skipped', 0],
    ]);
    // onUpstreamFailure: run
    expect(runsOf('report')).toEqual([
      ['2026-11-22T23:00:00.000Z', 'succeeded', 1],
      ['2026-11-23T01:00:00.000Z', 'succeeded', 1],
    ]);
  });

  it('shows when each chained run starts and why a run was skipped', () => {
    const lines = report.timeline
      .filter((entry) => entry.job !== 'extract' && (entry.label === 'launched' || entry.label === 'skipped'))
      .map((entry) => [entry.local, entry.job, entry.label, entry.detail]);

    expect(lines).toEqual([
      ['2026-11-23 00:10 CET', 'transform', 'launched', expect.stringMatching(/, for the 00:00 firing, after extract$/)],
      ['2026-11-23 00:15 CET', 'load', 'launched', expect.stringMatching(/, for the 00:00 firing, after transform$/)],
      ['2026-11-23 00:20 CET', 'report', 'launched', expect.stringMatching(/, for the 00:00 firing, after load$/)],
      ['2026-11-23 02:10 CET', 'transform', 'skipped', expect.stringMatching(/^02:00 firing: upstream extract failed \(app-error: /)],
      [
        '2026-11-23 02:10 CET',
        'load',
        'skipped',
        expect.stringMatching(/^02:00 firing: upstream transform was skipped \(upstream extract/),
      ],
      ['2026-11-23 02:10 CET', 'report', 'launched', expect.stringMatching(/, for the 02:00 firing, after load$/)],
    ]);
  });

  it("alerts the upstream's failure once, and nothing for the skips it caused", () => {
    expect(report.alerts.map((alert) => [alert.local, alert.subject])).toEqual([
      ['2026-11-23 02:10 CET', '[CRITICAL] Job extract failed on etl: app-error'],
    ]);
  });
});
