/**
 * `resume <watched task>`: restarts of a watched task were paused after a crash loop (or a restart that
 * could not launch); resume them and start one task now, from the spec in automation.yml. Runs with the
 * operator's credentials against the deployed state table and bus.
 */
import type { Automation } from '../shared/config/schema.ts';
import type { Log } from '../shared/logger.ts';
import { createStopRuntime } from '../shared/stopped-tasks/runtime.ts';
import { resumeWatchedTask } from '../shared/stopped-tasks/watched-task-stop.ts';

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
  const rt = createStopRuntime({
    automation: options.automation,
    tableName: options.tableName,
    busName: options.busName,
    clientConfig: { region: options.region, endpoint: options.endpoint },
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
  });
  return resumeWatchedTask(options.name, rt);
}
