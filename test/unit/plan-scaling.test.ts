import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { planFirings } from '../../cli/plan.ts';
import { parseAutomationText } from '../../shared/config/load.ts';

const CONFIG = `
defaults: { cluster: batch, network: { subnets: [subnet-0abc] } }
jobs:
  nightly:
    schedule: cron(0 2 * * ? *)
    timezone: Europe/Berlin
    taskDefinition: report:3
    launchType: FARGATE
services:
  web:
    cluster: web-prod
    scaling:
      timezone: America/New_York
      periods:
        business-hours: { days: MON-FRI, from: "08:00", to: "20:00", min: 4, max: 20 }
        night: { days: SAT, from: "22:00", to: "06:00", stop: true }
      overrides:
        black-friday: { schedule: at(2026-11-27T06:00:00), for: 18h, desired: 30 }
  api:
    cluster: api-prod
    scaling:
      timezone: Asia/Tokyo
      periods:
        office: { days: MON-FRI, from: "09:00", to: "18:00", min: 2, max: 6 }
      outside: { desired: 1 }
  worker:
    cluster: batch
`;

async function run(...argv: string[]) {
  const file = join(tmpdir(), `automation-${process.pid}-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, CONFIG);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['plan', '--config', file, ...argv], { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

// Thursday 2026-11-26 00:00Z for 76 hours: Thanksgiving week, Black Friday, into Saturday night in New York.
const WINDOW = ['--from', '2026-11-26T00:00:00Z', '--hours', '76'];

describe('ecs-autopilot plan with scheduled scaling', () => {
  it('lists job firings and scaling changes in one array sorted by time, each with its kind', async () => {
    const { code, out } = await run(...WINDOW, '--json');
    const planned = JSON.parse(out.join('\n')) as { at: string; kind: string; name: string; what?: string }[];

    expect(code).toBe(0);
    expect(planned.map((p) => `${p.at} ${p.kind} ${p.name}${p.what ? `: ${p.what}` : ''}`)).toEqual([
      '2026-11-26T00:00:00.000Z scaling api: desired 1 → min 2 / max 6 (office)', // 09:00 JST, at the window's start
      '2026-11-26T01:00:00.000Z job nightly',
      '2026-11-26T01:00:00.000Z scaling web: min 4 / max 20 (business-hours) → restore', // Wednesday 20:00 EST
      '2026-11-26T09:00:00.000Z scaling api: min 2 / max 6 (office) → desired 1',
      '2026-11-26T13:00:00.000Z scaling web: restore → min 4 / max 20 (business-hours)',
      '2026-11-27T00:00:00.000Z scaling api: desired 1 → min 2 / max 6 (office)',
      '2026-11-27T01:00:00.000Z job nightly',
      '2026-11-27T01:00:00.000Z scaling web: min 4 / max 20 (business-hours) → restore',
      '2026-11-27T09:00:00.000Z scaling api: min 2 / max 6 (office) → desired 1',
      '2026-11-27T11:00:00.000Z scaling web: restore → desired 30 (black-friday override)',
      '2026-11-28T01:00:00.000Z job nightly',
      '2026-11-28T05:00:00.000Z scaling web: desired 30 (black-friday override) → restore', // Friday's hours ended under it
      '2026-11-29T01:00:00.000Z job nightly',
      '2026-11-29T03:00:00.000Z scaling web: restore → stop (night)',
    ]);
  });

  it('gives each scaling change its local time, zone, service and targets', async () => {
    const planned = JSON.parse((await run(...WINDOW, '--json')).out.join('\n'));

    expect(planned).toContainEqual({
      at: '2026-11-27T11:00:00.000Z',
      local: '2026-11-27 06:00 EST',
      timezone: 'America/New_York',
      kind: 'scaling',
      name: 'web',
      cluster: 'web-prod',
      service: 'web',
      from: { kind: 'restore' },
      to: { kind: 'desired', count: 30 },
      because: { kind: 'override', name: 'black-friday' },
      what: 'restore → desired 30 (black-friday override)',
      note: 'with a scalable target, desired 30 pins both bounds to 30: target tracking cannot move the service until the black-friday override ends (min and max instead keep it scaling)',
    });
    expect(planned[1]).toEqual(expect.objectContaining({ kind: 'job', name: 'nightly', local: '2026-11-26 02:00 CET' }));
  });

  it('prints one table for people, with where each scaled service starts', async () => {
    const { code, out } = await run(...WINDOW);

    expect(code).toBe(0);
    expect(out[0]).toBe('4 firings and 10 scaling changes from 2026-11-26T00:00:00.000Z for 76h');
    expect(out[1]).toMatch(/^LOCAL TIME +UTC +KIND +NAME +WHAT$/);
    expect(out).toContain(
      '2026-11-27 06:00 EST  2026-11-27T11:00:00.000Z  scaling  web (web-prod)  restore → desired 30 (black-friday override)',
    );
    expect(out).toContain(
      '2026-11-26 02:00 CET  2026-11-26T01:00:00.000Z  job      nightly         report:3 ×1 on FARGATE in cluster batch (concurrency forbid)',
    );
    expect(out).toContain('2026-11-28 22:00 EST  2026-11-29T03:00:00.000Z  scaling  web (web-prod)  restore → stop (night)');
    expect(out.slice(-4)).toEqual([
      'web (web-prod) at the start: min 4 / max 20 (business-hours)',
      'api (api-prod) at the start: min 2 / max 6 (office)',
      // In the order they first apply.
      'note: api (api-prod): with a scalable target, desired 1 pins both bounds to 1: target tracking cannot move the service outside every period (min and max instead keep it scaling)',
      'note: web (web-prod): with a scalable target, desired 30 pins both bounds to 30: target tracking cannot move the service until the black-friday override ends (min and max instead keep it scaling)',
    ]);
  });

  it('says nothing of pinned bounds where no period sets desired', () => {
    const { planned } = planFirings(parseAutomationText(CONFIG), new Date('2026-11-26T00:00:00Z'), 12);
    const web = planned.filter((p) => p.kind === 'scaling' && p.name === 'web');

    expect(web.length).toBeGreaterThan(0);
    expect(web.every((p) => !('note' in p))).toBe(true);
  });

  it('reads the window as [from, from + hours), like the job firings', () => {
    const automation = parseAutomationText(CONFIG);
    const at = (iso: string, hours: number) => planFirings(automation, new Date(iso), hours).planned.map((p) => p.at);

    expect(at('2026-11-26T13:00:00Z', 1)).toEqual(['2026-11-26T13:00:00.000Z']); // a change right at `from` is listed
    expect(at('2026-11-26T12:00:00Z', 1)).toEqual([]); // one right at the end is not
  });

  it('keeps plan for a config without scaling as it was', async () => {
    const file = join(tmpdir(), `automation-${process.pid}-plain.yml`);
    writeFileSync(file, 'defaults: { cluster: batch }\njobs:\n  a: { schedule: "cron(0 2 * * ? *)", taskDefinition: a }\n');
    const out: string[] = [];
    await main(['plan', '--config', file, '--from', '2026-11-22T00:00:00Z', '--hours', '24'], {
      out: (line) => out.push(line),
      err: () => {},
    });

    expect(out[0]).toBe('1 firing from 2026-11-22T00:00:00.000Z for 24h');
    expect(out).toHaveLength(3);
  });
});
