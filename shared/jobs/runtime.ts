/** What the job functions need from the outside world, passed in so tests and the sandbox can supply their own. */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { Automation } from '../config/schema.ts';
import type { EventBus } from '../events/bus.ts';
import type { Log } from '../logger.ts';
import type { RunHistory } from '../state/run-history.ts';

export interface JobRuntime {
  automation: Automation;
  ecs: ECSClient;
  runs: RunHistory;
  bus: EventBus;
  log: Log;
  now: () => Date;
  /** Waits between capacity retries; the sandbox and tests advance a virtual clock instead. */
  sleep: (seconds: number) => Promise<void>;
  /** How long a launch claim stays ours without renewal (a dead invocation's claim expires). */
  leaseSeconds: number;
}
