/**
 * The sandbox's service-event injection end to end: the bundled scenario sandbox/scenarios/service-events.yml
 * on the example automation.yml, a virtual weekday against moto. ECS's events go on the default bus, the
 * deployed service-events rule takes them to the real on-task-stopped, and notify's messages are read back
 * from the alert topic.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSandbox } from '../../sandbox/run.ts';
import type { SandboxReport } from '../../sandbox/timeline.ts';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../automation.yml', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../sandbox/scenarios/service-events.yml', import.meta.url));
const FROM = new Date('2026-11-23T00:00:00+01:00');

describe('the sandbox: ECS reports problems with services', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    // Until 16:00: every event of the scenario and its last resolution (15:30) are in it, and the evening's jobs are not.
    report = await runSandbox({ configFile: EXAMPLE_CONFIG, scenarioFile: SCENARIO, from: FROM, hours: 16 });
  }, 240_000);

  it('alerts a placement failure and a failed deployment once each, and resolves them: the first at the steady state, the second after the quiet period', () => {
    expect(report.alerts.map((alert) => [alert.local, alert.status, alert.subject])).toEqual([
      ['2026-11-23 09:00 CET', 'firing', '[CRITICAL] SERVICE_TASK_PLACEMENT_FAILURE for service web on web-prod: placement-failure'],
      ['2026-11-23 09:40 CET', 'resolved', '[RESOLVED] Service web on web-prod: placement-failure'],
      ['2026-11-23 15:00 CET', 'firing', '[CRITICAL] SERVICE_DEPLOYMENT_FAILED for service staging-api on staging: deployment-failed'],
      ['2026-11-23 15:30 CET', 'resolved', '[RESOLVED] Service staging-api on staging: deployment-failed'],
    ]);
  });

  it("quotes ECS's reason, the next step and what resolves the alert", () => {
    const [placement, , deployment] = report.alerts;

    expect(placement?.text).toContain('Service web: ECS cannot place its tasks (ECS: RESOURCE:MEMORY).');
    expect(placement?.text).toContain('Resolves when the service reached a steady state');
    expect(placement?.text).toContain('/ecs/v2/clusters/web-prod/services/web/events');
    expect(deployment?.text).toContain(
      'Service staging-api: its deployment failed (the deployment circuit breaker stopped it) (ECS: ECS deployment circuit breaker: task failed to start.).',
    );
  });

  it("shows each of ECS's events as a line of the service's timeline, from the scenario", () => {
    const lines = report.timeline.filter((entry) => entry.what === 'service-event');

    expect(lines.map((entry) => [entry.local, entry.subject, entry.label, entry.source])).toEqual([
      ['2026-11-23 02:15 CET', 'staging-api', 'ECS: SERVICE_TASK_START_IMPAIRED', 'scenario'],
      ['2026-11-23 02:25 CET', 'staging-api', 'ECS: SERVICE_STEADY_STATE', 'scenario'],
      ['2026-11-23 09:00 CET', 'web', 'ECS: SERVICE_TASK_PLACEMENT_FAILURE', 'scenario'],
      ['2026-11-23 09:40 CET', 'web', 'ECS: SERVICE_STEADY_STATE', 'scenario'],
      ['2026-11-23 15:00 CET', 'staging-api', 'ECS: SERVICE_DEPLOYMENT_FAILED', 'scenario'],
      ['2026-11-23 15:05 CET', 'staging-api', 'ECS: SERVICE_DEPLOYMENT_COMPLETED', 'scenario'],
    ]);
  });

  it("holds back the staging start ECS reports impaired during the scenario's staging-rebuild mute window: counted, not sent, resolved unsent", () => {
    expect(report.alerts.filter((alert) => alert.groupKey.includes('staging-api|start-impaired'))).toEqual([]);
    expect(report.heldAlerts.map((held) => [held.local, held.groupKey, held.count, held.hold])).toEqual([
      [
        '2026-11-23 02:15 CET',
        'staging|service:staging-api|start-impaired',
        1,
        { kind: 'muted', by: 'staging-rebuild', until: '2026-11-23T02:00:00.000Z' },
      ],
    ]);
  });
});
