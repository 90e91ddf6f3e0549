/**
 * Blue/green rehearsed in the sandbox end to end: the bundled scenario sandbox/scenarios/blue-green.yml on
 * examples/blue-green-automation.yml, a virtual morning against moto through the real shift-traffic. An
 * operator's promote ends an until-promoted pause and abort rolls back; a metric over its max, targets
 * that turn unhealthy and ECS's circuit breaker each roll back at the next tick; a person who changes the
 * listener stops the deployment, failed, with everything left as they left it; autoscaling moves the live
 * colour's count.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { pictureLanes } from '../../sandbox/picture.ts';
import { runSandbox } from '../../sandbox/run.ts';
import type { SandboxReport } from '../../sandbox/timeline.ts';

const CONFIG = fileURLToPath(new URL('../../examples/blue-green-automation.yml', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../sandbox/scenarios/blue-green.yml', import.meta.url));
const FROM = new Date('2026-11-23T10:00:00+01:00');

describe('the sandbox: blue/green with operators, gates, a person and ECS', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    // 10:00 to 10:45: six deployments of a few minutes each (the watchdog ticks only while one runs); nothing else happens.
    report = await runSandbox({ configFile: CONFIG, scenarioFile: SCENARIO, from: FROM, hours: 0.75 });
  }, 240_000);

  const clock = (local: string) => local.slice(11, 16);
  const lines = (from: string, to: string) =>
    report.timeline
      .filter((entry) => entry.subject === 'shop' && clock(entry.local) >= from && clock(entry.local) < to && entry.what !== 'alert-sent')
      .map((entry) => [clock(entry.local), entry.label]);
  const outcomes = () => report.deployments.map((d) => [d.outcome?.status, d.outcome && clock(d.outcome.local)]);

  it('ends each deployment as its story says, at the tick after what it met', () => {
    expect(outcomes()).toEqual([
      ['succeeded', '10:05'],
      ['rolled-back', '10:12'],
      ['rolled-back', '10:18'],
      ['rolled-back', '10:22'],
      ['failed', '10:27'],
      ['rolled-back', '10:32'],
    ]);
  });

  it('holds an until-promoted pause until the operator promotes, while autoscaling moves the live colour', () => {
    expect(lines('10:00', '10:10')).toEqual([
      ['10:00', 'deploy requested'],
      ['10:00', 'deployment started'],
      ['10:00', 'traffic shifted'],
      ['10:01', 'traffic shifted'],
      ['10:02', 'autoscaling: 2 → 4'],
      ['10:03', 'promote'],
      ['10:03', 'promote requested'],
      ['10:03', 'traffic shifted'],
      ['10:05', 'deployment succeeded'],
    ]);
    expect(report.deployments[0]?.weights.map((w) => [clock(w.local), w.newPercent])).toEqual([
      ['10:00', 10],
      ['10:01', 50],
      ['10:03', 100],
    ]);
    const autoscaled = report.timeline.find((entry) => entry.what === 'autoscaling');
    expect(autoscaled?.detail).toMatch(/^autoscaling sets shop-blue \(blue\) to 4 tasks/);
  });

  it("rolls back on the operator's abort, with the reason given", () => {
    expect(report.deployments[1]?.outcome?.reason).toBe('aborted by sandbox scenario: wrong feature flag');
    expect(report.deployments[1]?.weights.at(-1)?.newPercent).toBe(0);
  });

  it('rolls back at the first tick that reads a metric value over its max', () => {
    expect(lines('10:17', '10:20')).toEqual([
      ['10:17', 'metric errors = 30'],
      ['10:18', 'rolled back'],
    ]);
    expect(report.deployments[2]?.outcome?.reason).toBe('gate failed at 50%: metric check errors: shop-blue 30 is above its max 5');
  });

  it("rolls back when the new colour's targets turn unhealthy", () => {
    expect(lines('10:22', '10:25')).toEqual([
      ['10:22', 'targets unhealthy'],
      ['10:22', 'rolled back'],
      ['10:24', 'targets healthy'],
    ]);
    expect(report.deployments[3]?.outcome?.reason).toBe('gate failed at 50%: shop-blue has no healthy target');
  });

  it('stops, failed, when a person changes the listener, and changes nothing more', () => {
    expect(lines('10:27', '10:30')).toEqual([
      ['10:27', 'listener changed by hand'],
      ['10:27', 'deployment failed'],
    ]);
    expect(report.deployments[4]?.outcome?.reason).toMatch(
      /^the default action of listener arn:\S+ was changed outside ecs-autopilot: it sends blue 0% \/ green 100% where ecs-autopilot had set blue 50% \/ green 50%/,
    );
    // No weight of its own after the person's: the listener stays as they left it.
    expect(report.deployments[4]?.weights.map((w) => w.newPercent)).toEqual([10, 50]);
  });

  it("rolls back when ECS's circuit breaker puts the new colour back on its previous revision", () => {
    expect(lines('10:32', '10:45')).toEqual([
      ['10:32', 'ECS circuit breaker'],
      ['10:32', 'rolled back'],
    ]);
    expect(report.deployments[5]?.outcome?.reason).toMatch(/^shop-blue runs shop:6, not shop:7/);
    // shop-blue runs what it ran before (the revision and the 2 tasks the failed v6 left), and green has all the traffic.
    expect(report.apps[0]?.colours.map((c) => [c.colour, c.percent, c.desiredCount, c.taskDefinition?.split('/').pop()])).toEqual([
      ['blue', 0, 2, 'shop:6'],
      ['green', 100, 2, 'shop:2'],
    ]);
  });

  it("draws what the scenario did to shop as marks in shop's lane of the picture, not in a lane of its own", () => {
    const lanes = pictureLanes(report).filter((lane) => lane.name === 'shop');
    expect(lanes.map((lane) => lane.kind)).toEqual(['app']);
    const titles = lanes[0]?.marks.map((mark) => mark.title).join('\n');
    for (const label of [
      'autoscaling: 2 → 4',
      'promote',
      'metric errors = 30',
      'targets unhealthy',
      'listener changed by hand',
      'ECS circuit breaker',
    ]) {
      expect(titles).toContain(`  ${label}  `);
    }
  });
});
