/** The production shift-traffic runtime: real clients, the deployed automation, the wall clock. */
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { createShiftRuntime, type ShiftRuntime } from './runtime.ts';

export function shiftRuntimeFromEnvironment(): ShiftRuntime {
  const settings = readSettings();
  return createShiftRuntime({
    automation: loadDeployedAutomation(settings.AUTOMATION_FILE),
    tableName: settings.STATE_TABLE_NAME,
    busName: settings.EVENT_BUS_NAME,
    log: logger,
    now: () => new Date(),
    account: settings.STACK_ACCOUNT_ID,
    region: settings.AWS_REGION,
  });
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaShiftRuntime = coldStartRuntime(shiftRuntimeFromEnvironment);
