/**
 * What ECS reports when a task stops for a given reason: the stop code, the stopped reason, the essential
 * container's exit code and reason. The sandbox makes a task stop this way (stopTaskAs), so that
 * on-task-stopped classifies it from the same facts as in AWS. Pure; the texts are ECS's own, as in the
 * fixtures under test/fixtures/task-events and the rules of shared/stopped-tasks/classify.ts.
 */
import { STOP_CATEGORIES, type StopCategory } from '../shared/stopped-tasks/categories.ts';

export interface StopEnding {
  stopCode: string | undefined;
  stoppedReason: string | undefined;
  /** The essential container's exit code; undefined when it never ran. */
  exitCode: number | undefined;
  containerReason?: string | undefined;
}

/** ECS's "essential container exited" stop, with the container's own exit code. */
export function exitEnding(exitCode: number, containerReason?: string): StopEnding {
  return {
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    exitCode,
    ...(containerReason && { containerReason }),
  };
}

/**
 * Categories that only ecs-autopilot's own StopTask produces (maxRuntime, concurrency: replace): a scenario
 * lets the run outlast its maxRuntime, or overlap the next firing, rather than fake them.
 */
export const OWN_STOP_CATEGORIES: readonly StopCategory[] = ['timeout', 'replaced'];

/** The categories a scenario may stop a task with. */
export const SCENARIO_STOP_CATEGORIES = STOP_CATEGORIES.filter((category) => !OWN_STOP_CATEGORIES.includes(category));

const IMAGE_PULL_FAILURE = (image: string) =>
  `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`;

/** `image`: what the task's container runs, named in an image pull failure. */
export function endingOf(category: StopCategory, image = 'the image'): StopEnding {
  switch (category) {
    case 'completed':
      return exitEnding(0);
    case 'app-error':
      return exitEnding(1);
    case 'out-of-memory':
      return exitEnding(137, 'OutOfMemoryError: Container killed due to memory usage');
    case 'health-check-failed':
      return { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks', exitCode: 137 };
    case 'failed-to-start':
      return {
        stopCode: 'TaskFailedToStart',
        stoppedReason: IMAGE_PULL_FAILURE(image),
        exitCode: undefined,
        containerReason: IMAGE_PULL_FAILURE(image),
      };
    case 'spot-interruption':
      return { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.', exitCode: 143 };
    case 'scaled-in':
      return {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/4918826309718265037)',
        exitCode: 143,
      };
    case 'user-stopped':
      return { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', exitCode: 143 };
    case 'host-lost':
      return {
        stopCode: undefined,
        stoppedReason: 'ECS is performing maintenance on the underlying infrastructure hosting the task',
        exitCode: 143,
      };
    case 'timeout':
      return { stopCode: 'UserInitiated', stoppedReason: 'ecs-autopilot: exceeded maxRuntime 1h', exitCode: 143 };
    case 'replaced':
      return { stopCode: 'UserInitiated', stoppedReason: 'ecs-autopilot: replaced by a newer run (concurrency: replace)', exitCode: 137 };
    case 'unknown':
      return { stopCode: undefined, stoppedReason: undefined, exitCode: undefined };
  }
}

/** How a timeline line names an ending: `exit 1`, `out-of-memory, exit 137`, `failed-to-start`. */
export function describeEnding(ending: { category?: StopCategory | undefined; exitCode?: number | undefined }): string {
  if (ending.category === undefined) return `exit ${ending.exitCode ?? '?'}`;
  const exit = endingOf(ending.category).exitCode;
  return exit === undefined ? ending.category : `${ending.category}, exit ${exit}`;
}
