/** The production StopRuntime: real clients, the deployed automation, the wall clock. */
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { schedulerTimers, timerSettingsFrom } from '../timers/from-settings.ts';
import { createStopRuntime, type StopRuntime } from './runtime.ts';

export function stopRuntimeFromEnvironment(): StopRuntime {
  const settings = readSettings();
  return createStopRuntime({
    automation: loadDeployedAutomation(settings.AUTOMATION_FILE),
    tableName: settings.STATE_TABLE_NAME,
    busName: settings.EVENT_BUS_NAME,
    timers: schedulerTimers(timerSettingsFrom(settings)),
    log: logger,
    now: () => new Date(),
    account: settings.STACK_ACCOUNT_ID,
    region: settings.AWS_REGION,
  });
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaStopRuntime = coldStartRuntime(stopRuntimeFromEnvironment);
