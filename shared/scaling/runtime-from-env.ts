/** The production ScalingRuntime: real clients, the deployed automation, the wall clock. */
import { createAwsClients } from '../aws/clients.ts';
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { EventBus } from '../events/bus.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { ScalingMemories } from '../state/scaling-memory.ts';
import { schedulerTimers, timerSettingsFrom } from '../timers/from-settings.ts';
import { createAutoScalingClient } from './auto-scaling-client.ts';
import { BlueGreenLocks } from './blue-green-lock.ts';
import type { ScalingRuntime } from './runtime.ts';

export function scalingRuntimeFromEnvironment(): ScalingRuntime {
  const settings = readSettings();
  const automation = loadDeployedAutomation(settings.AUTOMATION_FILE);
  const clients = createAwsClients();
  const table = settings.STATE_TABLE_NAME;
  return {
    automation,
    ecs: clients.ecs,
    autoScaling: createAutoScalingClient(),
    memories: new ScalingMemories(clients.dynamo, table),
    blueGreen: new BlueGreenLocks(clients.dynamo, table),
    bus: new EventBus(clients.events, settings.EVENT_BUS_NAME),
    timers: schedulerTimers(timerSettingsFrom(settings)),
    log: logger,
    now: () => new Date(),
  };
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaScalingRuntime = coldStartRuntime(scalingRuntimeFromEnvironment);
