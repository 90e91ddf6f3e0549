/** The production JobRuntime: real clients, the deployed automation.yml, the wall clock. */
import { setTimeout as delay } from 'node:timers/promises';
import { createAwsClients } from '../aws/clients.ts';
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { EventBus } from '../events/bus.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { RunHistory } from '../state/run-history.ts';
import type { JobRuntime } from './runtime.ts';

export function jobRuntimeFromEnvironment(): JobRuntime {
  const settings = readSettings();
  const automation = loadDeployedAutomation(settings.AUTOMATION_FILE);
  const clients = createAwsClients();
  return {
    automation,
    ecs: clients.ecs,
    runs: new RunHistory(clients.dynamo, settings.STATE_TABLE_NAME, automation.runHistoryRetentionSeconds),
    bus: new EventBus(clients.events, settings.EVENT_BUS_NAME),
    log: logger,
    now: () => new Date(),
    sleep: (seconds) => delay(seconds * 1000),
    leaseSeconds: settings.LAUNCH_LEASE_SECONDS,
  };
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaJobRuntime = coldStartRuntime(jobRuntimeFromEnvironment);
