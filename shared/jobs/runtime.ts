/**
 * What the job functions (run-batch-job, enforce-max-runtime) need from the outside world, and the one
 * builder of it: Lambda (runtime-from-env), the sandbox and the tests pass their own settings, clock,
 * timers and log.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { type ClientOptions, createAwsClients } from '../aws/clients.ts';
import { ECS_ATTEMPTS, jitteredBackoffRetries } from '../aws/throttle-backoff.ts';
import type { Automation } from '../config/schema.ts';
import { EventBus } from '../events/bus.ts';
import type { Log } from '../logger.ts';
import { JobSuspensions } from '../state/job-suspensions.ts';
import { ManualRuns } from '../state/manual-runs.ts';
import { RunHistory } from '../state/run-history.ts';
import type { TimerSetter } from '../timers/timers.ts';
import { type EssentialContainersReader, essentialContainersReader } from './essential-containers.ts';

export interface JobRuntime {
  automation: Automation;
  ecs: ECSClient;
  runs: RunHistory;
  /** Suspensions at run time (`ecs-autopilot suspend`), read for each new firing. */
  suspensions: JobSuspensions;
  /** Manual runs' ids (`ecs-autopilot run --id`). */
  manualRuns: ManualRuns;
  bus: EventBus;
  /** A retry's timer, set when a launch ends a run whose tasks all stopped meanwhile (on-task-stopped sets the others). */
  timers: TimerSetter;
  log: Log;
  now: () => Date;
  /** Waits between capacity retries; the sandbox and tests advance a virtual clock instead. */
  sleep: (seconds: number) => Promise<void>;
  /** How long a launch claim stays ours without renewal (a dead invocation's claim expires). */
  leaseSeconds: number;
  /** The essential containers of a task definition, which get the run's environment. */
  essentialContainers: EssentialContainersReader;
  /** The stack's own account and region: an upstream's end from elsewhere is ignored. Undefined: accept any. */
  account?: string | undefined;
  region?: string | undefined;
}

export interface JobRuntimeOptions {
  automation: Automation;
  tableName: string;
  busName: string;
  clientConfig?: ClientOptions | undefined;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
  sleep: (seconds: number) => Promise<void>;
  leaseSeconds: number;
  account?: string | undefined;
  region?: string | undefined;
}

export function createJobRuntime(options: JobRuntimeOptions): JobRuntime {
  // Launches wait out ECS's throttling with a jittered back-off rather than fail the invocation (throttle-backoff.ts).
  const clients = createAwsClients({
    ...options.clientConfig,
    ecsRetryStrategy: options.clientConfig?.ecsRetryStrategy ?? jitteredBackoffRetries(options.clientConfig?.maxAttempts ?? ECS_ATTEMPTS),
  });
  const { automation, timers, log, now, sleep, leaseSeconds } = options;
  return {
    automation,
    ecs: clients.ecs,
    runs: new RunHistory(clients.dynamo, options.tableName, automation.runHistoryRetentionSeconds),
    suspensions: new JobSuspensions(clients.dynamo, options.tableName),
    manualRuns: new ManualRuns(clients.dynamo, options.tableName, automation.runHistoryRetentionSeconds),
    bus: new EventBus(clients.events, options.busName),
    timers,
    log,
    now,
    sleep,
    leaseSeconds,
    essentialContainers: essentialContainersReader(clients.ecs),
    account: options.account,
    region: options.region,
  };
}
