/**
 * The sandbox's operator commands end to end: the bundled scenario sandbox/scenarios/operator-commands.yml
 * on the example automation.yml, a virtual night against moto. A suspension records the job's firings
 * skipped, its end catches up the latest missed firing once, and a manual run launches with its own id.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSandbox } from '../../sandbox/run.ts';
import type { SandboxReport } from '../../sandbox/timeline.ts';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../automation.yml', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../sandbox/scenarios/operator-commands.yml', import.meta.url));
const FROM = new Date('2026-11-23T01:00:00+01:00');

describe('the sandbox: suspend, unsuspend with catch-up, and a manual run', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    // 01:00 to 05:15: the suspension from 01:30, and the manual run at 05:00 that ends at 05:10; nothing else matters.
    report = await runSandbox({ configFile: EXAMPLE_CONFIG, scenarioFile: SCENARIO, from: FROM, hours: 4.25 });
  }, 240_000);

  const lines = (job: string) =>
    report.timeline
      .filter((entry) => entry.job === job)
      .map((entry) => [entry.local.slice(11, 16), entry.label, entry.scheduledTime ?? '']);

  it('records the firings during the suspension skipped, and launches the latest missed one once on unsuspend', () => {
    expect(lines('inventory-import')).toEqual([
      ['01:30', 'suspended', ''],
      ['02:00', 'skipped', '2026-11-23T01:00:00.000Z'],
      ['04:00', 'skipped', '2026-11-23T03:00:00.000Z'],
      ['04:30', 'unsuspended', ''],
      ['04:30', 'launched', '2026-11-23T03:00:00.000Z'],
      ['04:50', 'succeeded', '2026-11-23T03:00:00.000Z'],
    ]);
    const skipped = report.timeline.filter((entry) => entry.job === 'inventory-import' && entry.label === 'skipped');
    expect(skipped.map((entry) => entry.detail)).toEqual([
      expect.stringMatching(/the job is suspended \(since 2026-11-23T00:30:00.000Z by sandbox scenario: warehouse DB migration\)/),
      expect.stringMatching(/the job is suspended/),
    ]);
    expect(report.alerts).toEqual([]);
  });

  it('launches the manual run at once under its id, and records its success', () => {
    const manual = lines('nightly-report').filter(([time]) => (time ?? '') >= '05:00');

    expect(manual).toEqual([
      ['05:00', 'manual run', ''],
      ['05:00', 'launched', '2026-11-23T04:00:00.001Z'],
      ['05:10', 'succeeded', '2026-11-23T04:00:00.001Z'],
    ]);
    const history = report.summary.find((job) => job.job === 'nightly-report')?.runs ?? [];
    expect(history.at(-1)).toMatchObject({ scheduledTime: '2026-11-23T04:00:00.001Z', status: 'succeeded', manualId: 'rerun-after-fix' });
  });
});
