/**
 * What scale-service needs from the outside world, and the one builder of it: Lambda
 * (runtime-from-env), the sandbox and the tests pass their own settings, clock, timers and log.
 */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { type ClientOptions, createAwsClients } from '../aws/clients.ts';
import type { Automation } from '../config/schema.ts';
import { EventBus } from '../events/bus.ts';
import type { Log } from '../logger.ts';
import { ScalingMemories } from '../state/scaling-memory.ts';
import { ServiceLocks } from '../state/service-locks.ts';
import type { TimerSetter } from '../timers/timers.ts';
import { createAutoScalingClient } from './auto-scaling-client.ts';

export interface ScalingRuntime {
  automation: Automation;
  ecs: ECSClient;
  autoScaling: ApplicationAutoScalingClient;
  memories: ScalingMemories;
  /** Read only: scaling defers while a blue/green deployment holds the service. */
  blueGreenLocks: ServiceLocks;
  bus: EventBus;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
}

export interface ScalingRuntimeOptions {
  automation: Automation;
  tableName: string;
  busName: string;
  clientConfig?: ClientOptions | undefined;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
}

export function createScalingRuntime(options: ScalingRuntimeOptions): ScalingRuntime {
  const clients = createAwsClients(options.clientConfig);
  const { automation, tableName, timers, log, now } = options;
  return {
    automation,
    ecs: clients.ecs,
    autoScaling: createAutoScalingClient(options.clientConfig),
    memories: new ScalingMemories(clients.dynamo, tableName),
    blueGreenLocks: new ServiceLocks(clients.dynamo, tableName),
    bus: new EventBus(clients.events, options.busName),
    timers,
    log,
    now,
  };
}
