/**
 * What on-task-stopped needs from the outside world, and the one builder of it: Lambda (runtime-from-env),
 * the CLI (`resume`), the sandbox and the tests pass their own settings, clock, timers and log.
 */
import type { ContainerDefinition, ECSClient } from '@aws-sdk/client-ecs';
import { type ClientOptions, createAwsClients } from '../aws/clients.ts';
import type { Automation } from '../config/schema.ts';
import { EventBus } from '../events/bus.ts';
import type { Log } from '../logger.ts';
import { RunHistory } from '../state/run-history.ts';
import { ServiceStopWindows } from '../state/service-stop-window.ts';
import { WatchStates } from '../state/watch-states.ts';
import type { TimerSetter } from '../timers/timers.ts';
import { containerDefinitionsReader } from './task-definitions.ts';

export interface StopRuntime {
  automation: Automation;
  ecs: ECSClient;
  runs: RunHistory;
  watches: WatchStates;
  serviceStops: ServiceStopWindows;
  bus: EventBus;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
  /** The stack's own account and region: events from elsewhere are ignored. Undefined: accept any. */
  account: string | undefined;
  region: string | undefined;
  /** The task definition's containers (essential flags, log configuration), or undefined when unreadable. */
  containerDefinitions: (taskDefinitionArn: string) => Promise<ContainerDefinition[] | undefined>;
}

export interface StopRuntimeOptions {
  automation: Automation;
  tableName: string;
  busName: string;
  clientConfig?: ClientOptions | undefined;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
  account?: string | undefined;
  region?: string | undefined;
}

export function createStopRuntime(options: StopRuntimeOptions): StopRuntime {
  const clients = createAwsClients(options.clientConfig);
  const { automation, tableName, log } = options;
  return {
    automation,
    ecs: clients.ecs,
    runs: new RunHistory(clients.dynamo, tableName, automation.runHistoryRetentionSeconds),
    watches: new WatchStates(clients.dynamo, tableName),
    serviceStops: new ServiceStopWindows(clients.dynamo, tableName),
    bus: new EventBus(clients.events, options.busName),
    timers: options.timers,
    log,
    now: options.now,
    account: options.account,
    region: options.region,
    containerDefinitions: containerDefinitionsReader(clients.ecs, log),
  };
}
