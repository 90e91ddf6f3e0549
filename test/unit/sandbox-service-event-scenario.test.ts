/** The sandbox's service-event injection as the scenario file is checked, before the emulator starts. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenarioText, ScenarioError } from '../../sandbox/scenario.ts';
import { loadAutomationFile } from '../../shared/config/load.ts';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../automation.yml', import.meta.url));

describe('a service-event injection', () => {
  const automation = loadAutomationFile(EXAMPLE_CONFIG);
  const problems = (text: string) => {
    try {
      parseScenarioText(text, automation);
      return [];
    } catch (error) {
      if (error instanceof ScenarioError) return error.problems;
      throw error;
    }
  };

  it('takes a problem ECS reports about a service, and when it recovers', () => {
    const scenario = parseScenarioText(
      'injections: [{ kind: service-event, service: web, at: "09:00", eventName: SERVICE_DEPLOYMENT_FAILED, recoversAfter: 5m }]',
      automation,
    );

    expect(scenario.injections).toEqual([
      { kind: 'service-event', service: 'web', at: '09:00', eventName: 'SERVICE_DEPLOYMENT_FAILED', recoversAfter: 300 },
    ]);
  });

  it('names the services of the automation file for one it does not hold, and the event names ECS reports', () => {
    expect(problems('injections: [{ kind: service-event, service: wbe, at: "09:00", eventName: SERVICE_TASK_PLACEMENT_FAILURE }]')).toEqual(
      ['injections.0.service: no service "wbe" in the automation file (services: web, staging-api)'],
    );
    expect(problems('injections: [{ kind: service-event, service: web, at: "09:00", eventName: TASKS_STOPPED }]')).toEqual([
      expect.stringMatching(
        /^injections\.0\.eventName: "TASKS_STOPPED" is not a service problem ECS reports: write one of SERVICE_TASK_PLACEMENT_FAILURE, /,
      ),
    ]);
    expect(
      problems('injections: [{ kind: service-event, service: web, at: "09:00", eventName: ECS_OPERATION_THROTTLED, recoversAfter: 10s }]'),
    ).toEqual(['injections.0.recoversAfter: "10s" is too short: at least 60s']);
  });
});
