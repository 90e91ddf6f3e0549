/** The production ScalingRuntime: real clients, the deployed automation, the wall clock. */
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { schedulerTimers, timerSettingsFrom } from '../timers/from-settings.ts';
import { createScalingRuntime, type ScalingRuntime } from './runtime.ts';

export function scalingRuntimeFromEnvironment(): ScalingRuntime {
  const settings = readSettings();
  return createScalingRuntime({
    automation: loadDeployedAutomation(settings.AUTOMATION_FILE),
    tableName: settings.STATE_TABLE_NAME,
    busName: settings.EVENT_BUS_NAME,
    timers: schedulerTimers(timerSettingsFrom(settings)),
    log: logger,
    now: () => new Date(),
  });
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaScalingRuntime = coldStartRuntime(scalingRuntimeFromEnvironment);
