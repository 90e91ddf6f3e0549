/** The production shift-traffic runtime: real clients, the deployed automation, the wall clock. */
import { createAwsClients } from '../aws/clients.ts';
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { EventBus } from '../events/bus.ts';
import { logger } from '../logger.ts';
import { readSettings } from '../settings.ts';
import { Rejections } from '../state/deployment-rejections.ts';
import { DeploymentStore } from '../state/deployment-store.ts';
import { ServiceLocks } from '../state/service-locks.ts';
import { createCloudWatchClient, createElbClient } from './clients.ts';
import type { ShiftHandlerRuntime } from './handle.ts';

export function shiftRuntimeFromEnvironment(): ShiftHandlerRuntime {
  const settings = readSettings();
  const automation = loadDeployedAutomation(settings.AUTOMATION_FILE);
  const clients = createAwsClients();
  const table = settings.STATE_TABLE_NAME;
  return {
    automation,
    ecs: clients.ecs,
    elb: createElbClient(),
    cloudWatch: createCloudWatchClient(),
    deployments: new DeploymentStore(clients.dynamo, table),
    locks: new ServiceLocks(clients.dynamo, table),
    rejections: new Rejections(clients.dynamo, table),
    bus: new EventBus(clients.events, settings.EVENT_BUS_NAME),
    log: logger,
    now: () => new Date(),
  };
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaShiftRuntime = coldStartRuntime(shiftRuntimeFromEnvironment);
