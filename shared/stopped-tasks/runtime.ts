/** What on-task-stopped needs from the outside world, passed in so tests, the CLI and the sandbox can supply their own. */
import type { ContainerDefinition, ECSClient } from '@aws-sdk/client-ecs';
import type { Automation } from '../config/schema.ts';
import type { EventBus } from '../events/bus.ts';
import type { Log } from '../logger.ts';
import type { RunHistory } from '../state/run-history.ts';
import type { ServiceStopWindows } from '../state/service-stop-window.ts';
import type { TaskStopClaims } from '../state/task-stop-claims.ts';
import type { WatchStates } from '../state/watch-states.ts';
import type { TimerSetter } from '../timers/timers.ts';

export interface StopRuntime {
  automation: Automation;
  ecs: ECSClient;
  runs: RunHistory;
  claims: TaskStopClaims;
  watches: WatchStates;
  serviceStops: ServiceStopWindows;
  bus: EventBus;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
  /** The stack's own account and region: events from elsewhere are ignored. Undefined: accept any. */
  account: string | undefined;
  region: string | undefined;
  /** How long a claim on a task's event stays ours. */
  leaseSeconds: number;
  /** The task definition's containers (essential flags, log configuration), or undefined when unreadable. */
  containerDefinitions: (taskDefinitionArn: string) => Promise<ContainerDefinition[] | undefined>;
}
