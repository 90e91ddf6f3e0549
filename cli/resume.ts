/**
 * `resume <watched task>`: restarts of a watched task were paused after a crash loop; resume them and
 * start one task now, from the spec in automation.yml. Runs with the operator's credentials against
 * the deployed state table and bus.
 */
import { createAwsClients } from '../shared/aws/clients.ts';
import type { Automation } from '../shared/config/schema.ts';
import { EventBus } from '../shared/events/bus.ts';
import type { Log } from '../shared/logger.ts';
import { RunHistory } from '../shared/state/run-history.ts';
import { ServiceStopWindows } from '../shared/state/service-stop-window.ts';
import { TaskStopClaims } from '../shared/state/task-stop-claims.ts';
import { WatchStates } from '../shared/state/watch-states.ts';
import type { StopRuntime } from '../shared/stopped-tasks/runtime.ts';
import { containerDefinitionsReader } from '../shared/stopped-tasks/task-definitions.ts';
import { resumeWatchedTask } from '../shared/stopped-tasks/watched-tasks.ts';

export interface ResumeOptions {
  name: string;
  automation: Automation;
  tableName: string;
  busName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
}

const silent: Log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

export async function resumeCommand(options: ResumeOptions) {
  const clients = createAwsClients({ region: options.region, endpoint: options.endpoint });
  const rt: StopRuntime = {
    automation: options.automation,
    ecs: clients.ecs,
    runs: new RunHistory(clients.dynamo, options.tableName, options.automation.runHistoryRetentionSeconds),
    claims: new TaskStopClaims(clients.dynamo, options.tableName),
    watches: new WatchStates(clients.dynamo, options.tableName),
    serviceStops: new ServiceStopWindows(clients.dynamo, options.tableName),
    bus: new EventBus(clients.events, options.busName),
    // A restart that cannot launch now is reported to the person, who can run resume again.
    timers: {
      set: async () => {
        throw new Error(
          'the task could not be started now (see the reason above); restarts are resumed: run resume again to start one now',
        );
      },
    },
    log: silent,
    now: () => new Date(),
    account: undefined,
    region: undefined,
    leaseSeconds: 90,
    containerDefinitions: containerDefinitionsReader(clients.ecs, silent),
  };
  return resumeWatchedTask(options.name, rt);
}
