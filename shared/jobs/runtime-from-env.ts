/** The production JobRuntime: real clients, the deployed automation.yml, the wall clock. */
import { setTimeout as delay } from 'node:timers/promises';
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { schedulerTimers, timerSettingsFrom } from '../timers/from-settings.ts';
import { createJobRuntime, type JobRuntime } from './runtime.ts';

export function jobRuntimeFromEnvironment(): JobRuntime {
  const settings = readSettings();
  return createJobRuntime({
    automation: loadDeployedAutomation(settings.AUTOMATION_FILE),
    tableName: settings.STATE_TABLE_NAME,
    busName: settings.EVENT_BUS_NAME,
    timers: schedulerTimers(timerSettingsFrom(settings)),
    log: logger,
    now: () => new Date(),
    sleep: (seconds) => delay(seconds * 1000),
    leaseSeconds: settings.LAUNCH_LEASE_SECONDS,
    account: settings.STACK_ACCOUNT_ID,
    region: settings.AWS_REGION,
  });
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaJobRuntime = coldStartRuntime(jobRuntimeFromEnvironment);
