/**
 * The blue/green kinds of a sandbox scenario: what each reads (with its defaults), what only the automation
 * file can tell (the app, its metric checks and their metrics), and how each is planned on the clock.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planSimulation } from '../../sandbox/plan.ts';
import { loadScenarioFile, type ScenarioError, validateScenario } from '../../sandbox/scenario.ts';
import { sandboxWindow } from '../../sandbox/window.ts';
import { loadAutomationFile, validateAutomation } from '../../shared/config/load.ts';

const HEAD = 'arn:aws:elasticloadbalancing:eu-central-1:111122223333';
const automation = validateAutomation({
  defaults: { cluster: 'web-prod', timezone: 'Europe/Berlin' },
  apps: {
    shop: {
      listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      blue: { service: 'shop-blue', targetGroup: `${HEAD}:targetgroup/shop-blue/73e2d6bc24d8a067` },
      green: { service: 'shop-green', targetGroup: `${HEAD}:targetgroup/shop-green/2453ed029918f21f` },
      gates: {
        metrics: {
          errors: { expression: 'errors', metrics: { errors: { metric: 'HTTPCode_Target_5XX_Count' } }, max: 5 },
          'error-rate': {
            expression: '100 * errors / requests',
            metrics: { errors: { metric: 'HTTPCode_Target_5XX_Count' }, requests: { metric: 'RequestCount' } },
            max: 1,
          },
        },
      },
    },
  },
});

function problems(injections: unknown[]): string[] {
  try {
    validateScenario({ injections }, automation, 'blue-green.yml');
  } catch (error) {
    return (error as ScenarioError).problems;
  }
  throw new Error('the scenario was accepted');
}

describe('blue/green scenario kinds', () => {
  it('reads each kind with its defaults: colours new (live for autoscaling), unhealthy targets, one minute per value', () => {
    const scenario = validateScenario(
      {
        injections: [
          { kind: 'promote', app: 'shop', at: '10:05' },
          { kind: 'abort', app: 'shop', at: '10:18', reason: 'wrong flag' },
          {
            kind: 'metric-values',
            app: 'shop',
            check: 'errors',
            values: [
              { at: '10:25', value: 0, for: '3m' },
              { at: '10:28', value: 30 },
            ],
          },
          { kind: 'target-health', app: 'shop', at: '10:38', until: '10:45' },
          { kind: 'listener-change', app: 'shop', at: '10:53', weights: { blue: 100, green: 0 } },
          { kind: 'circuit-breaker', app: 'shop', at: '11:03' },
          { kind: 'autoscaling', app: 'shop', at: '10:03', desiredCount: 4 },
        ],
      },
      automation,
    );

    expect(scenario.injections).toEqual([
      { kind: 'promote', app: 'shop', at: '10:05' },
      { kind: 'abort', app: 'shop', at: '10:18', reason: 'wrong flag' },
      {
        kind: 'metric-values',
        app: 'shop',
        check: 'errors',
        colour: 'new',
        values: [
          { at: '10:25', value: 0, for: 180 },
          { at: '10:28', value: 30, for: 60 },
        ],
      },
      { kind: 'target-health', app: 'shop', colour: 'new', at: '10:38', until: '10:45', state: 'unhealthy' },
      { kind: 'listener-change', app: 'shop', at: '10:53', weights: { blue: 100, green: 0 } },
      { kind: 'circuit-breaker', app: 'shop', at: '11:03' },
      { kind: 'autoscaling', app: 'shop', colour: 'live', at: '10:03', desiredCount: 4 },
    ]);
  });

  it('names an app, a metric check or a metric the automation file does not have, and what it has', () => {
    expect(
      problems([
        { kind: 'promote', app: 'shopp', at: '10:05' },
        { kind: 'metric-values', app: 'shop', check: 'latency', values: [{ at: '10:00', value: 1 }] },
        { kind: 'metric-values', app: 'shop', check: 'error-rate', values: [{ at: '10:00', value: 1 }] },
        { kind: 'metric-values', app: 'shop', check: 'error-rate', metric: 'errs', values: [{ at: '10:00', value: 1 }] },
      ]),
    ).toEqual([
      'injections.0.app: no app "shopp" in the automation file (apps: shop)',
      'injections.1.check: "latency" is not a metric check of shop, so it would change nothing (its gates.metrics: errors, error-rate)',
      'injections.2.metric: error-rate reads errors, requests: name the one these values are for',
      'injections.3.metric: error-rate has no metric "errs" (its metrics: errors, requests)',
    ]);
  });

  it('refuses a colour it does not know, a listener left without weight and a count autoscaling cannot set', () => {
    expect(
      problems([
        { kind: 'target-health', app: 'shop', colour: 'red', at: '10:00' },
        { kind: 'listener-change', app: 'shop', at: '10:00', weights: { blue: 0, green: 0 } },
        { kind: 'autoscaling', app: 'shop', at: '10:00', desiredCount: -1 },
        { kind: 'metric-values', app: 'shop', check: 'errors', values: [] },
      ]),
    ).toEqual([
      'injections.0.colour: "red" is not a colour: write new, live, blue or green',
      'injections.1.weights: give at least one colour some weight (ELB forwards nowhere otherwise)',
      'injections.2.desiredCount: desiredCount must be a whole number from 0 to 5000',
      'injections.3.values: give at least one { at, value }',
    ]);
  });

  it('plans a metric value each minute it holds, and a health failure that ends after it starts', () => {
    const window = sandboxWindow(automation, { from: new Date('2026-11-23T10:00:00+01:00'), hours: 1 });
    const plan = (injections: unknown[]) =>
      planSimulation(automation, validateScenario({ timezone: 'Europe/Berlin', injections }, automation), window);

    const values = plan([{ kind: 'metric-values', app: 'shop', check: 'errors', values: [{ at: '10:25', value: 0, for: '3m' }] }]);
    expect(values.cues.map((cue) => cue.at.toISOString())).toEqual([
      '2026-11-23T09:25:00.000Z',
      '2026-11-23T09:26:00.000Z',
      '2026-11-23T09:27:00.000Z',
    ]);
    expect(values.problems).toEqual([]);

    const health = plan([
      { kind: 'target-health', app: 'shop', at: '10:38', until: '10:30' },
      { kind: 'metric-values', app: 'shop', check: 'errors', values: [{ at: '12:00', value: 1 }] },
    ]);
    expect(health.problems).toEqual([
      'injections.0.until: 10:30 (Europe/Berlin) is not inside the simulated window after its at',
      'injections.1.values.0.at: 12:00 (Europe/Berlin) is not inside the simulated window',
    ]);
  });

  it('plans the bundled blue/green scenario against its example automation without problems', () => {
    const example = loadAutomationFile(fileURLToPath(new URL('../../examples/blue-green-automation.yml', import.meta.url)));
    const scenario = loadScenarioFile(fileURLToPath(new URL('../../sandbox/scenarios/blue-green.yml', import.meta.url)), example);
    const window = sandboxWindow(example, { from: new Date('2026-11-23T10:00:00+01:00'), hours: 0.75 });

    expect(planSimulation(example, scenario, window).problems).toEqual([]);
  });
});
