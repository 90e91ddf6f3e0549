/** The production StopRuntime: real clients, the deployed automation, the wall clock. */
import { createAwsClients } from '../aws/clients.ts';
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { EventBus } from '../events/bus.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { RunHistory } from '../state/run-history.ts';
import { ServiceStopWindows } from '../state/service-stop-window.ts';
import { TaskStopClaims } from '../state/task-stop-claims.ts';
import { WatchStates } from '../state/watch-states.ts';
import { schedulerTimers, timerSettingsFrom } from '../timers/from-settings.ts';
import type { StopRuntime } from './runtime.ts';
import { containerDefinitionsReader } from './task-definitions.ts';

/** Longer than the function's timeout (60 s): a live invocation never loses its claim. */
const CLAIM_LEASE_SECONDS = 90;

export function stopRuntimeFromEnvironment(): StopRuntime {
  const settings = readSettings();
  const automation = loadDeployedAutomation(settings.AUTOMATION_FILE);
  const clients = createAwsClients();
  const table = settings.STATE_TABLE_NAME;
  return {
    automation,
    ecs: clients.ecs,
    runs: new RunHistory(clients.dynamo, table, automation.runHistoryRetentionSeconds),
    claims: new TaskStopClaims(clients.dynamo, table),
    watches: new WatchStates(clients.dynamo, table),
    serviceStops: new ServiceStopWindows(clients.dynamo, table),
    bus: new EventBus(clients.events, settings.EVENT_BUS_NAME),
    timers: schedulerTimers(timerSettingsFrom(settings)),
    log: logger,
    now: () => new Date(),
    account: settings.STACK_ACCOUNT_ID,
    region: settings.AWS_REGION,
    leaseSeconds: CLAIM_LEASE_SECONDS,
    containerDefinitions: containerDefinitionsReader(clients.ecs, logger),
  };
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaStopRuntime = coldStartRuntime(stopRuntimeFromEnvironment);
