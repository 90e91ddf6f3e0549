/**
 * A scenario's mute windows (kind mute-window) join the automation file's for the simulated day, so a
 * maintenance window can be rehearsed before it is written into automation.yml: notify holds what they
 * select exactly as the deployed one would, each held message an "alert held" line.
 */
import type { Automation } from '../shared/config/schema.ts';
import type { InjectionOfKind, Scenario } from './scenario.ts';

export function withScenarioMuteWindows(automation: Automation, scenario: Scenario, scenarioZone: string): Automation {
  const windows = scenario.injections
    .filter((injection): injection is InjectionOfKind<'mute-window'> => injection.kind === 'mute-window')
    .map(({ kind: _kind, timezone, ...window }) => ({ ...window, timezone: timezone ?? scenarioZone }));
  if (windows.length === 0) return automation;
  const { notifications } = automation;
  return { ...automation, notifications: { ...notifications, muteWindows: [...notifications.muteWindows, ...windows] } };
}
