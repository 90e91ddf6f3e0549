/** What scale-service needs from the outside world, passed in so tests, the CLI and the sandbox can supply their own. */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { Automation } from '../config/schema.ts';
import type { EventBus } from '../events/bus.ts';
import type { Log } from '../logger.ts';
import type { ScalingMemories } from '../state/scaling-memory.ts';
import type { TimerSetter } from '../timers/timers.ts';
import type { BlueGreenLocks } from './blue-green-lock.ts';

export interface ScalingRuntime {
  automation: Automation;
  ecs: ECSClient;
  autoScaling: ApplicationAutoScalingClient;
  memories: ScalingMemories;
  blueGreen: BlueGreenLocks;
  bus: EventBus;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
}
