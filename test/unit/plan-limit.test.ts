/**
 * `plan` lists at most PLAN_LIMIT firings and scaling changes, the earliest, and says what it left out
 * (issue 12): 10,000 jobs firing every minute ran it out of memory. The figure for time and memory is
 * in the bench (bench/config-scale.ts), not here.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAN_LIMIT, planFirings } from '../../cli/plan.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { runCli } from '../helpers/cli.ts';

const FROM = new Date('2026-12-07T00:00:00Z');

function everyMinute(count: number) {
  const jobs = Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`job-${String(i).padStart(5, '0')}`, { schedule: 'rate(1 minute)', taskDefinition: 'sync' }]),
  );
  return validateAutomation({ defaults: { cluster: 'batch' }, jobs });
}

describe('plan keeps to its limit', () => {
  it('lists the earliest firings across all jobs, in order, and says from when on it left some out and of how many jobs', () => {
    const { planned, cut } = planFirings(everyMinute(3), FROM, 24, 5);

    expect(planned.map((p) => `${p.at} ${p.name}`)).toEqual([
      '2026-12-07T00:00:00.000Z job-00000',
      '2026-12-07T00:00:00.000Z job-00001',
      '2026-12-07T00:00:00.000Z job-00002',
      '2026-12-07T00:01:00.000Z job-00000',
      '2026-12-07T00:01:00.000Z job-00001',
    ]);
    expect(cut).toEqual({ limit: 5, lastListed: '2026-12-07T00:01:00.000Z', leftOutOf: 3 });
  });

  it('cuts nothing, and says nothing, when the window holds fewer than the limit', () => {
    const { planned, cut } = planFirings(everyMinute(2), FROM, 1, 200);

    expect(planned).toHaveLength(120);
    expect(cut).toBeUndefined();
  });

  it('10,000 jobs every minute for a day: PLAN_LIMIT firings, the first minute of each job, not 14.4 million', () => {
    const { planned, cut } = planFirings(everyMinute(10_000), FROM, 24);

    expect(PLAN_LIMIT).toBe(10_000);
    expect(planned).toHaveLength(PLAN_LIMIT);
    expect(new Set(planned.map((p) => p.at))).toEqual(new Set([FROM.toISOString()]));
    expect(cut).toEqual({ limit: PLAN_LIMIT, lastListed: FROM.toISOString(), leftOutOf: 10_000 });
  });

  it('a window of a hundred years holds one job every minute to the limit too', () => {
    const { planned, cut } = planFirings(everyMinute(1), FROM, 876_000);

    expect(planned).toHaveLength(PLAN_LIMIT);
    expect(planned.at(-1)?.at).toBe(new Date(FROM.getTime() + (PLAN_LIMIT - 1) * 60_000).toISOString());
    expect(cut?.leftOutOf).toBe(1);
  });
});

describe('ecs-autopilot plan over its limit', () => {
  const config = join(tmpdir(), `automation-plan-limit-${process.pid}.yml`);
  writeFileSync(config, 'jobs:\n  sync: { schedule: rate(1 minute), taskDefinition: sync, cluster: batch }\n');
  // A week of one job every minute: 10,080 firings.
  const week = ['plan', '--config', config, '--from', '2026-12-07T00:00:00Z', '--hours', '168'];
  const cutWarning = `warning: plan lists at most ${PLAN_LIMIT} firings and scaling changes: the earliest, up to 2026-12-13T22:39:00.000Z; the rest of the window (firings or changes of 1 job or service) is left out; narrow it with --from and --hours`;

  it('--json: stdout stays the array of firings, cut to the limit; the cut is a warning on stderr', async () => {
    const { code, out, err } = await runCli(...week, '--json');

    expect(code).toBe(0);
    const planned = JSON.parse(out.join('\n')) as { at: string }[];
    expect(planned).toHaveLength(PLAN_LIMIT);
    expect(err).toEqual([cutWarning]);
  });

  it('for people: the count says "the first", and the same warning ends the output', async () => {
    const { code, out, err } = await runCli(...week);

    expect(code).toBe(0);
    expect(out[0]).toBe(`the first ${PLAN_LIMIT} firings from 2026-12-07T00:00:00.000Z for 168h`);
    expect(err).toEqual([cutWarning]);
  });
});
